import { Problems } from './problem.js';

/** The version an `If-Match` header names: `3` or `"3"` (the ETag of the last read); undefined when absent. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:(?:W\/)?"(\d{1,9})"|(\d{1,9}))\s*$/.exec(header);
  if (!match) throw Problems.field('If-Match', 'isVersion', 'If-Match must be a version number, e.g. If-Match: 3 or If-Match: "3"');
  return Number(match[1] ?? match[2]);
}
