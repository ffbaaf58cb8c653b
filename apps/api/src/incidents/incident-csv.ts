import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { stringify } from 'csv-stringify/sync';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import type { IncidentView, ListIncidentsQuery } from './incident.schema.js';
import { IncidentsService } from './incidents.service.js';

/** The media type of the export. */
export const CSV_MEDIA_TYPE = 'text/csv';
/** The largest page the list serves: the export walks every page at this size. */
const PAGE = 200;

/**
 * The columns of the export: a bilingual header (zh-TW, then English, so one file serves both)
 * and the value of each incident. Values are the API's own codes (states, categories, TLP labels)
 * and times in ISO 8601 with the agency's offset, so the file reads back into any tool.
 */
const COLUMNS: ReadonlyArray<readonly [header: string, value: (i: IncidentView, at: (iso: string | null) => string, agency: string) => string]> = [
  ['案號 Reference', (i) => i.reference],
  ['機關 Agency', (_i, _at, agency) => agency],
  ['標題 Title', (i) => spreadsheetSafe(i.title ?? '')],
  ['內容已隱藏 Withheld', (i) => String(i.redacted)],
  ['類別 Category', (i) => i.category],
  ['子類別 Subcategory', (i) => i.subcategory ?? ''],
  ['等級 Level', (i) => String(i.level)],
  ['分級標示 Classification', (i) => i.classification.label],
  ['狀態 State', (i) => i.state],
  ['演練 Drill', (i) => String(i.isDrill)],
  ['逾期 Overdue', (i) => String(i.overdue)],
  ['知悉時間 Aware at', (i, at) => at(i.awareAt)],
  ['發生時間 Occurred at', (i, at) => at(i.occurredAt)],
  ['建立時間 Filed at', (i, at) => at(i.createdAt)],
  ['更新時間 Updated at', (i, at) => at(i.updatedAt)],
];

/**
 * A text cell a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed with an
 * apostrophe, so an incident title cannot run code in the reader's Excel (CSV injection).
 */
function spreadsheetSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/**
 * The incident list as CSV (GET /api/incidents with Accept: text/csv or format=csv): the list's
 * own filters and scope, every page, each incident as the JSON view shows it to this caller, so a
 * restricted title withheld there is withheld here. UTF-8 with a byte-order mark (Excel then reads
 * the Chinese right), CRLF line ends and RFC 4180 quoting. Each export is audited: who took which
 * filters' incidents out of the system, how many rows and how many withheld (never the content).
 */
@Injectable()
export class IncidentCsvExport {
  constructor(
    private readonly incidents: IncidentsService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async export(user: AuthenticatedUser, actor: Actor, query: ListIncidentsQuery, now: Date): Promise<{ filename: string; body: string }> {
    const items: IncidentView[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.incidents.list(user, { ...query, limit: PAGE, cursor });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    const agencyIds = [...new Set([user.agencyId, ...items.map((i) => i.agencyId)])];
    const agencies = new Map<string, { code: string; timezone: string }>(
      (
        (await this.dataSource.query('SELECT id, code, timezone FROM agencies WHERE id = ANY($1)', [agencyIds])) as Array<{
          id: string;
          code: string;
          timezone: string;
        }>
      ).map((a) => [a.id, { code: a.code, timezone: a.timezone }]),
    );
    const rows = items.map((incident) => {
      const agency = agencies.get(incident.agencyId);
      const zone = agency?.timezone ?? 'Asia/Taipei';
      const at = (iso: string | null) => (iso ? DateTime.fromISO(iso, { zone }).toISO({ suppressMilliseconds: true })! : '');
      return COLUMNS.map(([, value]) => value(incident, at, agency?.code ?? ''));
    });
    const body = stringify([COLUMNS.map(([header]) => header), ...rows], { bom: true, record_delimiter: 'windows' });
    const day = DateTime.fromJSDate(now, { zone: agencies.get(user.agencyId)?.timezone ?? 'Asia/Taipei' }).toFormat('yyyyMMdd-HHmm');
    const filename = `incidents-${day}.csv`;
    const { cursor: _cursor, limit: _limit, format: _format, ...filters } = query;
    await this.dataSource.transaction((manager) =>
      this.audit.append(manager, actor, {
        action: 'incident.list_exported',
        agencyId: user.agencyId,
        targetType: 'incident_list',
        details: { format: 'csv', filename, filters, rows: items.length, withheld: items.filter((i) => i.redacted).length },
      }),
    );
    return { filename, body };
  }
}

/** Whether the list is asked for as CSV: `format=csv`, or an Accept naming text/csv (and format not json). */
export function wantsCsv(format: string | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  return (accept ?? '')
    .split(',')
    .map((part) => part.split(';')[0]!.trim().toLowerCase())
    .includes(CSV_MEDIA_TYPE);
}
