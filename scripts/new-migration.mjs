#!/usr/bin/env node
/** `npm run migration:create -- Name`: a new raw-SQL migration file, named <timestamp>-<Name>.ts. */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const name = process.argv[2];
if (!name || !/^[A-Z][A-Za-z0-9]+$/.test(name)) {
  console.error('usage: npm run migration:create -- PascalCaseName');
  process.exit(2);
}
const stamp = Date.now();
const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'db', 'migrations', `${stamp}-${name}.ts`);
writeFileSync(
  file,
  `import type { MigrationInterface, QueryRunner } from 'typeorm';

export class ${name}${stamp} implements MigrationInterface {
  name = '${name}${stamp}';

  async up(q: QueryRunner): Promise<void> {
    await q.query(\`\`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(\`\`);
  }
}
`,
);
console.log(`created ${file}\nadd ${name}${stamp} to MIGRATIONS in db/data-source.ts`);
