/**
 * The API's contract as files, built from the code without a database (Nest's preview mode wires
 * the modules without starting them):
 *
 *   npm run openapi            writes libs/api-types/openapi.json and libs/api-types/openapi.d.ts
 *
 * openapi.d.ts is openapi-typescript's output, committed for the console and other clients to
 * import; test/openapi-types.test.ts fails when it differs from what the code now generates.
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { ApiModule } from '../apps/api/src/app.module.js';
import { loadConfig } from '../apps/api/src/config/app-config.js';
import { buildOpenApiDocument } from '../apps/api/src/openapi/document.js';
import { openApiTypes } from '../apps/api/src/openapi/types.js';

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** The document as the code describes it, without connecting anywhere. */
export async function documentFromCode() {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'postgres://preview@127.0.0.1:1/preview',
    REDIS_URL: 'redis://127.0.0.1:1',
    SMTP_URL: 'smtp://127.0.0.1:1',
    ...process.env,
  });
  const app = await NestFactory.create(ApiModule.forRoot(config), { preview: true, logger: false, bodyParser: false });
  try {
    return buildOpenApiDocument(app);
  } finally {
    await app.close();
  }
}

const isEntryPoint = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) {
  const document = await documentFromCode();
  const out = join(projectRoot(), 'libs/api-types');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'openapi.json'), JSON.stringify(document, null, 2) + '\n');
  writeFileSync(join(out, 'openapi.d.ts'), await openApiTypes(document));
  process.stdout.write(`wrote ${join(out, 'openapi.json')} and ${join(out, 'openapi.d.ts')}\n`);
  process.exit(0);
}
