import type { OpenAPIObject } from '@nestjs/swagger';
import { CSV_MEDIA_TYPE } from './incident-csv.js';

const LIST_PATH = '/api/incidents';

/**
 * GET /api/incidents answers JSON or, with Accept: text/csv or format=csv, a CSV file: the second
 * media type of its 200 (a decorator gives one schema for every media type it names).
 */
export function describeIncidentCsv(document: OpenAPIObject): void {
  const operation = document.paths[LIST_PATH]?.get;
  const ok = operation?.responses?.['200'] as { content?: Record<string, unknown>; headers?: Record<string, unknown> } | undefined;
  if (!ok?.content) throw new Error(`describeIncidentCsv: no 200 of GET ${LIST_PATH} in the document`);
  ok.content[CSV_MEDIA_TYPE] = {
    schema: {
      type: 'string',
      description:
        'UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting; a bilingual header row (`案號 Reference`, `機關 Agency`, `標題 Title`, …) then one row per incident; ' +
        'a restricted title the caller is not cleared for is empty with `內容已隱藏 Withheld` true; times in ISO 8601 with the agency’s offset',
      examples: ['\uFEFF案號 Reference,機關 Agency,標題 Title,內容已隱藏 Withheld,…\r\nSUB-2026-0001,SUB,,true,…\r\n'],
    },
  };
  ok.headers = {
    ...(ok.headers ?? {}),
    'Content-Disposition': {
      description: 'for CSV: attachment; filename="incidents-YYYYMMDD-HHmm.csv"',
      schema: { type: 'string' },
    },
  };
}
