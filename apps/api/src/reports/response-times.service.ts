import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import type * as z from 'zod';
import { Clock } from '../clock/clock.js';
import { Problems } from '../common/problem.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { ScopeService } from '../identity/scope.service.js';
import { CALENDAR_DATE, type ResponseTimesQuery, type ResponseTimesSchema } from './response-times.schema.js';

export type ResponseTimes = z.infer<typeof ResponseTimesSchema>;
type Breakdown = ResponseTimes['incidents'];
type Stats = Breakdown['overall'];

/** The longest period one request may ask for. */
const MAX_YEARS = 5;
/** Timeline entries that end each measure (the first of each counts). */
const STEPS = ['acknowledged', 'reported_to_authority', 'contained', 'recovered'] as const;

interface AgencyRow {
  id: string;
  code: string;
  name: string;
  timezone: string;
}

/** One row of the grouping-sets query: the group's keys (null when not grouped by it) and its figures. */
interface GroupRow {
  is_drill: boolean;
  level: number | null;
  agency_id: string | null;
  month: string | null;
  by_level: number;
  by_agency: number;
  by_month: number;
  incidents: number;
  [figure: string]: unknown;
}

const MEASURES = ['acknowledge', 'report', 'contain', 'recover'] as const;

/**
 * Response metrics (DESIGN.md "Rules from today's law"): how long the agency took to acknowledge,
 * report, contain and recover, as median and p90 in seconds, per level, agency and month. The
 * clocks start where the rules start them: the report, containment and recovery from awareness
 * (知悉, aware_at); the acknowledgement from filing, when the first page goes out. Each step ends
 * at its first timeline entry (the timeline is append-only, so a reopened incident keeps its first
 * round's times). Everything is computed in one SQL statement with percentile_cont over grouping
 * sets; incidents filed as drills are reported apart, never mixed into the real figures. A
 * subordinate agency's incident counts for a superior once it was reported (the list's rule, so a
 * figure never tells of an incident the superior cannot see); an auditor counts every one.
 */
@Injectable()
export class ResponseTimesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly clock: Clock,
  ) {}

  async report(user: AuthenticatedUser, q: ResponseTimesQuery): Promise<ResponseTimes> {
    const agencyId = q.agencyId ?? user.agencyId;
    const manager = this.dataSource.manager;
    await this.scope.assertVisible(user, agencyId, 'agency', manager);
    const agencyRows: AgencyRow[] = await manager.query('SELECT id, code, name, timezone FROM agencies WHERE id = $1', [agencyId]);
    const agency = agencyRows[0];
    if (!agency) throw Problems.outOfScope('agency');

    const now = this.clock.now();
    const zone = agency.timezone;
    const to = q.to !== undefined ? bound('to', q.to, zone) : DateTime.fromJSDate(now, { zone }).startOf('month').plus({ months: 1 });
    const from = q.from !== undefined ? bound('from', q.from, zone) : to.minus({ months: 12 });
    // Well-formed bounds that make no period: 422 naming the field.
    if (from.toMillis() >= to.toMillis()) throw Problems.rulesBroken([{ field: 'to', rule: 'afterFrom', message: 'to must be after from' }]);
    if (to.toMillis() > from.plus({ years: MAX_YEARS }).toMillis()) {
      throw Problems.rulesBroken([{ field: 'to', rule: 'maxWindow', message: 'ask for at most five years at a time' }]);
    }

    const visible = new Set(await this.scope.visibleAgencyIds(user, manager));
    const agencies = (await this.scope.subtree(agencyId, manager)).filter((id) => visible.has(id));
    const rows: GroupRow[] = await manager.query(
      `WITH inc AS (
         SELECT i.is_drill, i.level::int AS level, i.agency_id,
                to_char(i.aware_at AT TIME ZONE a.timezone, 'YYYY-MM') AS month,
                extract(epoch FROM tl.acknowledged - i.created_at)::float8 AS acknowledge,
                extract(epoch FROM tl.reported - i.aware_at)::float8 AS report,
                extract(epoch FROM tl.contained - i.aware_at)::float8 AS contain,
                extract(epoch FROM tl.recovered - i.aware_at)::float8 AS recover
           FROM incidents i
           JOIN agencies a ON a.id = i.agency_id
           LEFT JOIN LATERAL (
             SELECT min(t.at) FILTER (WHERE t.entry = 'acknowledged') AS acknowledged,
                    min(t.at) FILTER (WHERE t.entry = 'reported_to_authority') AS reported,
                    min(t.at) FILTER (WHERE t.entry = 'contained') AS contained,
                    min(t.at) FILTER (WHERE t.entry = 'recovered') AS recovered
               FROM incident_timeline t WHERE t.incident_id = i.id AND t.entry = ANY($4)) tl ON true
          WHERE i.agency_id = ANY($1) AND i.aware_at >= $2 AND i.aware_at < $3
            -- As GET /api/incidents: a subordinate's incident counts for its superiors once reported to them (auditors: always).
            AND (i.agency_id = $5 OR i.first_reported_at IS NOT NULL OR $6))
       SELECT is_drill, level, agency_id, month,
              GROUPING(level)::int AS by_level, GROUPING(agency_id)::int AS by_agency, GROUPING(month)::int AS by_month,
              count(*)::int AS incidents,
              ${MEASURES.map(
                (m) => `count(${m})::int AS ${m}_n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ${m}) AS ${m}_p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY ${m}) AS ${m}_p90`,
              ).join(',\n              ')}
         FROM inc
        GROUP BY GROUPING SETS ((is_drill), (is_drill, level), (is_drill, agency_id), (is_drill, month), (is_drill, agency_id, month, level))
        ORDER BY is_drill, month NULLS FIRST, agency_id NULLS FIRST, level NULLS FIRST`,
      [agencies, from.toJSDate(), to.toJSDate(), STEPS, user.agencyId, user.roles.includes('auditor')],
    );

    const codes = new Map<string, string>(
      ((await manager.query('SELECT id, code FROM agencies WHERE id = ANY($1)', [agencies])) as Array<{ id: string; code: string }>).map((r) => [r.id, r.code]),
    );
    const breakdown = (drill: boolean): Breakdown => {
      const mine = rows.filter((r) => r.is_drill === drill);
      // GROUPING(x) is 1 when the row is not grouped by x.
      const only = (level: boolean, agency: boolean, month: boolean) =>
        mine.filter((r) => r.by_level === (level ? 0 : 1) && r.by_agency === (agency ? 0 : 1) && r.by_month === (month ? 0 : 1));
      const overall = only(false, false, false)[0];
      return {
        overall: overall ? stats(overall) : emptyStats(),
        byLevel: only(true, false, false).map((r) => ({ level: r.level!, ...stats(r) })),
        byAgency: only(false, true, false)
          .map((r) => ({ agencyId: r.agency_id!, agencyCode: codes.get(r.agency_id!) ?? '', ...stats(r) }))
          .sort((a, b) => a.agencyCode.localeCompare(b.agencyCode)),
        byMonth: only(false, false, true).map((r) => ({ month: r.month!, ...stats(r) })),
        cells: only(true, true, true).map((r) => ({
          agencyId: r.agency_id!,
          agencyCode: codes.get(r.agency_id!) ?? '',
          month: r.month!,
          level: r.level!,
          ...stats(r),
        })),
      };
    };
    return {
      agency: { id: agency.id, code: agency.code, name: agency.name, timezone: zone },
      agencies,
      period: { from: from.toISO()!, to: to.toISO()! },
      unit: 'seconds',
      generatedAt: now.toISOString(),
      incidents: breakdown(false),
      drills: breakdown(true),
    };
  }
}

/** A period bound: a date is midnight in the agency's zone; a time with offset is that instant. */
function bound(field: 'from' | 'to', value: string, zone: string): DateTime {
  const at = CALENDAR_DATE.test(value) ? DateTime.fromISO(value, { zone }) : DateTime.fromISO(value, { setZone: true }).setZone(zone);
  // The schema checked the shape; a date that is not in the calendar (2026-02-30) is refused here.
  if (!at.isValid) throw Problems.rulesBroken([{ field, rule: 'isDateString', message: `${field} must be a date in the calendar` }]);
  return at;
}

const seconds = (v: unknown): number | null => (v === null || v === undefined ? null : Math.round(Number(v) * 1000) / 1000);

function stats(r: GroupRow): Stats {
  const measure = (m: (typeof MEASURES)[number]) => ({
    count: Number(r[`${m}_n`] ?? 0),
    medianSeconds: seconds(r[`${m}_p50`]),
    p90Seconds: seconds(r[`${m}_p90`]),
  });
  return { incidents: r.incidents, acknowledge: measure('acknowledge'), report: measure('report'), contain: measure('contain'), recover: measure('recover') };
}

function emptyStats(): Stats {
  const none = { count: 0, medianSeconds: null, p90Seconds: null };
  return { incidents: 0, acknowledge: none, report: none, contain: none, recover: none };
}
