import { isUUID } from 'class-validator';
import { Problems } from './problem.js';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(key: string[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string | undefined, parts: number): string[] | undefined {
  if (!cursor) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // eslint-disable-next-line no-control-regex
    if (Array.isArray(value) && value.length === parts && value.every((v) => typeof v === 'string' && v.length <= 300 && !/[\u0000-\u001f]/.test(v))) {
      return value as string[];
    }
  } catch {
    /* falls through */
  }
  throw Problems.field('cursor', 'isCursor', 'cursor must be a cursor returned by a previous page');
}

/**
 * The usual keyset cursor: an instant and a row id (`(created_at, id)`, `(due_at, id)`, …). Anything
 * else is a 400 naming `cursor`, never a database cast error.
 */
export function decodeTimeIdCursor(cursor: string | undefined): [string, string] | undefined {
  const key = decodeCursor(cursor, 2);
  if (!key) return undefined;
  if (Number.isNaN(Date.parse(key[0]!)) || !isUUID(key[1]!)) throw Problems.field('cursor', 'isCursor', 'cursor must be a cursor returned by a previous page');
  return [key[0]!, key[1]!];
}

/** Cuts a fetched list of limit+1 rows into a page and its next cursor. */
export function toPage<T>(rows: T[], limit: number, keyOf: (row: T) => string[]): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(keyOf(items[items.length - 1]!)) : null };
}
