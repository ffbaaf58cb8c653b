import { decodeCursor } from '../common/paging.js';
import { Problems } from '../common/problem.js';

/**
 * The keyset cursor of a list in `seq` order (a timeline, an incident's evidence): the last seq
 * seen. Anything else is a 400 naming `cursor`, never a database cast error.
 */
export function decodeSeqCursor(cursor: string | undefined): string | undefined {
  const key = decodeCursor(cursor, 1);
  if (!key) return undefined;
  if (!/^\d{1,18}$/.test(key[0]!)) throw Problems.field('cursor', 'isCursor', 'cursor must be a cursor returned by a previous page');
  return key[0]!;
}
