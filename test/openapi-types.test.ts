import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { OpenAPIObject } from '@nestjs/swagger';
import { openApiTypes } from '../apps/api/src/openapi/types.js';
import { expectStatus as ok } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/*
 * libs/api-types holds the contract as files for clients (the console imports openapi.d.ts): the
 * document and openapi-typescript's output from it. They must be what the code describes now.
 */
const REGENERATE = 'the committed API description is out of date: run `npm run openapi` and commit libs/api-types';

/** The JSON path of the first place two values differ, if they do. */
function firstDifference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (a === b) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return path;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const key of keys) {
    const found = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (found) return found;
  }
  return Object.keys(a).join() === Object.keys(b).join() ? undefined : `${path} (key order)`;
}

describe('the committed API description (libs/api-types)', () => {
  let t: TestApp;
  let document: OpenAPIObject;

  beforeAll(async () => {
    t = await createTestApp();
    document = ok(await t.http().get('/api/openapi.json'));
  });
  afterAll(() => t.close());

  const committed = (file: string) => readFileSync(new URL(`../libs/api-types/${file}`, import.meta.url), 'utf8');

  it('holds the document the running code serves', () => {
    const difference = firstDifference(JSON.parse(committed('openapi.json')), document);
    expect(difference === undefined ? 'up to date' : `${REGENERATE} (first difference at ${difference})`).toBe('up to date');
  });

  it('holds the TypeScript openapi-typescript generates from it', async () => {
    const same = committed('openapi.d.ts') === (await openApiTypes(document));
    expect(same ? 'up to date' : REGENERATE).toBe('up to date');
  });
});
