import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource } from 'typeorm';
import type * as z from 'zod';
import { CATEGORIES, DRILL_INTERVAL_YEARS, isRestricted, type DataLevel, type Tlp } from '@app/workflows';
import { Clock } from '../clock/clock.js';
import { Problems } from '../common/problem.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { seesSubordinates } from '../identity/roles.js';
import { ScopeService } from '../identity/scope.service.js';
import type { ComplianceReportSchema } from './compliance.schema.js';

/** The after-action report is due this long after a drill is completed when no deadline row says otherwise. */
const AFTER_ACTION_DAYS = 30;
/** States of a drill that has been run (started at least). */
const HELD_STATES = ['in_progress', 'debrief', 'improvement', 'closed'];
const DRILL_TYPES = ['tabletop', 'functional', 'full_scale'] as const;
const FIRST_YEAR = 1970;
const LAST_YEAR = 2100;
/** The late clocks listed (all are counted). */
export const LATE_LIST_LIMIT = 500;

/** The clocks of the rules table: deadline kind → the report's name for it. */
export const RULE_CLOCKS = { report: 'report', superior_review: 'superiorReview', recovery: 'recovery', improvement_report: 'improvementReport' } as const;
type ClockName = (typeof RULE_CLOCKS)[keyof typeof RULE_CLOCKS];

/** The report and one plan's line of it, as the API answers them (compliance.schema.ts). */
export type ComplianceReport = z.infer<typeof ComplianceReportSchema>;
export type PlanCompliance = ComplianceReport['continuity']['perPlan'][number];
export type ComplianceFigures = ComplianceReport['total'];
type Row = Record<string, unknown>;

interface TreeRow {
  id: string;
  code: string;
  name: string;
  timezone: string;
  responsibility_level: string;
  bucket: string;
  depth: number;
}

const count = (v: unknown): number => Number(v ?? 0);

/**
 * The agency's subtree ($1 the agency, $n whether to go below it), each agency with its bucket:
 * the agency itself for its own row, else the direct child whose subtree holds it.
 */
const treeCte = (descend: string) => `tree AS (
    SELECT a.id, a.id AS bucket, 0 AS depth FROM agencies a WHERE a.id = $1
    UNION ALL
    SELECT c.id, CASE WHEN t.depth = 0 THEN c.id ELSE t.bucket END, t.depth + 1
      FROM agencies c JOIN tree t ON c.parent_id = t.id WHERE ${descend}::boolean AND t.depth < 64)`;

/** The rules-table clocks of real incidents (what deadlines_open_clocks_idx and deadlines_missed_clocks_idx cover; the done ones are tallied). */
const RULE_CLOCK_ROWS = `d.subject_type = 'incident' AND d.incident_is_drill = false AND d.kind IN ('report','superior_review','recovery','improvement_report')`;

/**
 * When the work of a deadline row `d` was done: met_at (set whenever a deadline is met, and on a
 * breached one when the work comes late; migration DeadlineMetAt dated the older met rows).
 */
const doneAt = 'd.met_at';

/**
 * The yearly compliance report of an agency and its subtree (DESIGN.md "Oversight"): what a
 * superior agency or an auditor checks against today's rules. The agency's own figures, each
 * direct subordinate's subtree rolled up, and the total; every figure is counted by PostgreSQL from
 * the rows (grouping sets over the subtree), never by walking rows here. Incidents filed as drills
 * count only as incident drills, and business-continuity drills are never incidents. The year runs
 * in the agency's time zone, for its subordinates too.
 */
@Injectable()
export class ComplianceService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly clock: Clock,
  ) {}

  async report(user: AuthenticatedUser, agencyIdParam: string | undefined, yearParam: string | undefined): Promise<ComplianceReport> {
    const agencyId = agencyIdParam ?? user.agencyId;
    if (yearParam !== undefined) {
      const y = Number(yearParam);
      if (!/^\d{4}$/.test(yearParam) || y < FIRST_YEAR || y > LAST_YEAR) {
        throw Problems.field('year', 'isYear', `year must be a four-digit year from ${FIRST_YEAR} to ${LAST_YEAR}`);
      }
    }
    await this.scope.assertVisible(user, agencyId, 'agency');
    // A role that oversees subordinates sees the whole subtree of its agency, so of any agency it
    // may ask for; every other role sees its own agency alone (and may ask for nothing else).
    const subtree = seesSubordinates(user.roles);
    const tree: TreeRow[] = await this.dataSource.query(
      `WITH RECURSIVE ${treeCte('$2')}
       SELECT a.id, a.code, a.name, a.timezone, a.responsibility_level, t.bucket, t.depth
         FROM tree t JOIN agencies a ON a.id = t.id ORDER BY t.depth, a.code`,
      [agencyId, subtree],
    );
    const agency = tree[0];
    if (!agency) throw Problems.outOfScope('agency');

    const now = this.clock.now();
    const year = yearParam !== undefined ? Number(yearParam) : DateTime.fromJSDate(now, { zone: agency.timezone }).year;
    const start = DateTime.fromObject({ year, month: 1, day: 1 }, { zone: agency.timezone });
    const from = start.toJSDate();
    const to = start.plus({ years: 1 }).toJSDate();
    const q: Query = { agencyId, ids: tree.map((t) => t.id), buckets: tree.map((t) => t.bucket), year, from, to, now, timezone: agency.timezone };

    // Independent queries, each on its own pooled connection.
    const [incidents, clocks, late, plans, perPlan, drills, afterAction, corrective] = await Promise.all([
      this.incidentRows(q),
      this.clockRows(q),
      this.lateList(q),
      this.planRows(q),
      this.perPlan(q),
      this.drillRows(q),
      this.afterActionRows(q),
      this.correctiveRows(q),
    ]);

    const agencies = new Map<string | null, number>([[null, tree.length]]);
    for (const t of tree) agencies.set(t.bucket, (agencies.get(t.bucket) ?? 0) + 1);
    const figures = (bucket: string | null): ComplianceFigures => {
      const pick = (rows: Row[]) => rows.find((r) => (r.bucket ?? null) === bucket && (bucket !== null || r.is_total)) ?? {};
      const i = pick(incidents);
      const p = pick(plans);
      const d = pick(drills);
      const a = pick(afterAction);
      const c = pick(corrective);
      const n = agencies.get(bucket) ?? 0;
      const clockOf = (name: ClockName) => {
        const r = clocks.find((x) => x.clock === name && (x.bucket ?? null) === bucket && (bucket !== null || x.is_total)) ?? {};
        return {
          onTime: count(r.on_time),
          late: count(r.late),
          lateByMs: { total: count(r.late_ms_total), max: count(r.late_ms_max) },
          running: count(r.running),
          breachedOpen: count(r.breached_open),
        };
      };
      return {
        agencies: n,
        incidents: {
          total: count(i.total),
          byLevel: { '1': count(i.l1), '2': count(i.l2), '3': count(i.l3), '4': count(i.l4) },
          byCategory: {
            web_attack: count(i.web_attack),
            intrusion: count(i.intrusion),
            denial_of_service: count(i.denial_of_service),
            equipment_problem: count(i.equipment_problem),
            other: count(i.other),
          },
          open: count(i.open),
          closed: count(i.closed),
          dismissed: count(i.dismissed),
        },
        clocks: {
          report: clockOf('report'),
          superiorReview: clockOf('superiorReview'),
          recovery: clockOf('recovery'),
          improvementReport: clockOf('improvementReport'),
        },
        incidentDrills: {
          count: count(i.drills),
          open: count(i.drills_open),
          closed: count(i.drills_closed),
          dismissed: count(i.drills_dismissed),
          agenciesHeld: count(i.drill_agencies),
          incidentDrillHeld: n > 0 && count(i.drill_agencies) === n,
        },
        continuity: {
          plans: count(p.plans),
          coreServices: count(p.core),
          reviewsOverdue: count(p.reviews_overdue),
          plansCompliant: count(p.compliant),
          plansNonCompliant: count(p.plans) - count(p.compliant),
          drills: {
            total: count(d.total),
            scheduled: count(d.scheduled),
            overdue: count(d.overdue),
            inProgress: count(d.in_progress),
            held: count(d.held),
            closed: count(d.closed),
            cancelled: count(d.cancelled),
            byType: {
              tabletop: { required: count(d.tabletop_required), held: count(d.tabletop_held) },
              functional: { required: count(d.functional_required), held: count(d.functional_held) },
              full_scale: { required: count(d.full_scale_required), held: count(d.full_scale_held) },
            },
          },
          afterActionReports: { onTime: count(a.on_time), late: count(a.late), pending: count(a.pending), overdue: count(a.overdue) },
          correctiveActions: { open: count(c.open), overdue: count(c.overdue), doneThisYear: count(c.done), verifiedThisYear: count(c.verified) },
        },
      };
    };

    const own = figures(agency.id);
    const total = figures(null);
    return {
      agency: { id: agency.id, code: agency.code, name: agency.name, responsibilityLevel: agency.responsibility_level.trim(), timezone: agency.timezone },
      year,
      period: { from: start.toISO()!, to: start.plus({ years: 1 }).toISO()! },
      generatedAt: now.toISOString(),
      scope: subtree ? 'subtree' : 'agency',
      ...own,
      continuity: { ...own.continuity, perPlan },
      children: tree.filter((t) => t.depth === 1).map((t) => ({ agency: { id: t.id, code: t.code, name: t.name }, ...figures(t.id) })),
      total,
      late: {
        total:
          total.clocks.report.late +
          total.clocks.report.breachedOpen +
          total.clocks.superiorReview.late +
          total.clocks.superiorReview.breachedOpen +
          total.clocks.recovery.late +
          total.clocks.recovery.breachedOpen +
          total.clocks.improvementReport.late +
          total.clocks.improvementReport.breachedOpen,
        truncated: late.length > LATE_LIST_LIMIT,
        items: late.slice(0, LATE_LIST_LIMIT),
      },
    };
  }

  /**
   * One of the report's reads. Each reads a year of some agencies through index ranges by agency
   * and time (migration ComplianceIndexes); when the subtree holds most of a table the planner would
   * rather scan all of it, which costs more than the narrow covering indexes, so sequential scans
   * are off for these reads (transaction-local).
   */
  private read<T = Row>(sql: string, params: unknown[]): Promise<T[]> {
    return this.dataSource.transaction(async (m) => {
      await m.query('SET LOCAL enable_seqscan = off');
      return m.query(sql, params) as Promise<T[]>;
    });
  }

  /** Incidents the subtree became aware of in the year: real ones by level, category and state, and drill incidents. */
  private incidentRows(q: Query): Promise<Row[]> {
    const categories = Object.keys(CATEGORIES);
    // Counted once by (agency, drill, level, category, state) from the covering index, then pivoted.
    const sum = (name: string, cond: string) => `coalesce(sum(g.n) FILTER (WHERE ${cond}), 0) AS ${name}`;
    const real = (name: string, cond: string) => sum(name, `NOT g.is_drill AND ${cond}`);
    const cols = [
      real('total', 'true'),
      ...[1, 2, 3, 4].map((l) => real(`l${l}`, `g.level = ${l}`)),
      ...categories.map((c) => real(c, `g.category = '${c}'`)),
      real('closed', `g.state = 'closed'`),
      real('dismissed', `g.state = 'dismissed'`),
      real('open', `g.state NOT IN ('closed','dismissed')`),
      sum('drills', 'g.is_drill'),
      sum('drills_closed', `g.is_drill AND g.state = 'closed'`),
      sum('drills_dismissed', `g.is_drill AND g.state = 'dismissed'`),
      sum('drills_open', `g.is_drill AND g.state NOT IN ('closed','dismissed')`),
      sum('drills_held', `g.is_drill AND g.state <> 'dismissed'`),
    ];
    const names = cols.map((c) => /AS (\w+)$/.exec(c)![1]!).filter((n) => n !== 'drills_held');
    return this.read(
      rolledUp(
        `SELECT g.agency_id, ${cols.join(', ')}
           FROM (SELECT i.agency_id, i.is_drill, i.level, i.category, i.state, count(*) AS n
                   FROM incidents i WHERE i.agency_id = ANY($1::uuid[]) AND i.aware_at >= $3 AND i.aware_at < $4
                  GROUP BY 1, 2, 3, 4, 5) g
          GROUP BY g.agency_id`,
        names,
        ', count(*) FILTER (WHERE per.drills_held > 0) AS drill_agencies',
      ),
      [q.ids, q.buckets, q.from, q.to],
    );
  }

  /**
   * Every run of a rules-table clock of the real incidents of the year (a deadline row that is
   * pending, met or breached; superseded runs were restarted and cancelled ones ended with the
   * incident), per agency: the done ones (on time, late, with by how much) from the tally the
   * database keeps of them (migration ClockTally: per agency, year in the agency's zone and kind),
   * the others (running, or breached and still open) classified now from their own partial index;
   * then rolled up.
   */
  private clockRows(q: Query): Promise<Row[]> {
    return this.read(
      `WITH per AS (
         SELECT c.agency_id, c.kind, sum(c.on_time) AS on_time, sum(c.late) AS late, sum(c.late_total) AS late_sum, max(c.late_max) AS late_max,
                sum(c.running) AS running, sum(c.breached_open) AS breached_open
           FROM (SELECT t.agency_id, t.kind, t.on_time, t.late, t.late_total, t.late_max, 0 AS running, 0 AS breached_open
                   FROM deadline_clock_tally t
                  WHERE t.agency_id = ANY($1::uuid[]) AND t.year = $7
                 UNION ALL
                 SELECT d.incident_agency_id, d.kind, 0, 0, interval '0', NULL,
                        CASE WHEN d.status = 'pending' AND d.due_at > $5 THEN 1 ELSE 0 END,
                        CASE WHEN d.status = 'pending' AND d.due_at > $5 THEN 0 ELSE 1 END
                   FROM deadlines d
                  WHERE ${RULE_CLOCK_ROWS} AND (d.status = 'pending' OR (d.status = 'breached' AND d.met_at IS NULL))
                    AND d.incident_agency_id = ANY($1::uuid[]) AND d.incident_aware_at >= $3 AND d.incident_aware_at < $4) c
          GROUP BY 1, 2)
       SELECT t.bucket, grouping(t.bucket) = 1 AS is_total, ($6::jsonb ->> per.kind) AS clock,
              sum(per.on_time) AS on_time, sum(per.late) AS late,
              round(extract(epoch FROM sum(per.late_sum)) * 1000) AS late_ms_total,
              round(extract(epoch FROM max(per.late_max)) * 1000) AS late_ms_max,
              sum(per.running) AS running, sum(per.breached_open) AS breached_open
         FROM unnest($1::uuid[], $2::uuid[]) AS t(id, bucket) JOIN per ON per.agency_id = t.id
        GROUP BY GROUPING SETS ((t.bucket, per.kind), (per.kind))`,
      [q.ids, q.buckets, q.from, q.to, q.now, JSON.stringify(RULE_CLOCKS), q.year],
    );
  }

  /** The missed clocks of the subtree's real incidents of the year: reference and agency, never the title. */
  private async lateList(q: Query): Promise<ComplianceReport['late']['items']> {
    const rows: Array<{
      incident_id: string;
      reference: string;
      agency_id: string;
      code: string;
      level: number;
      clock: ClockName;
      due_at: Date;
      done_at: Date | null;
      late_ms: string;
    }> = await this.read(
      // Per agency, the first ones by due time (index order), then the first of all of them.
      `WITH missed AS (
         SELECT m.* FROM unnest($1::uuid[]) AS t(id)
         CROSS JOIN LATERAL (
           SELECT d.incident_id, d.incident_agency_id, d.kind, d.due_at,
                  CASE WHEN d.status = 'pending' OR (d.status = 'breached' AND d.met_at IS NULL) THEN NULL ELSE ${doneAt} END AS done_at
             FROM deadlines d
            WHERE ${RULE_CLOCK_ROWS} AND (d.status IN ('pending','breached') OR (d.status = 'met' AND ${doneAt} > d.due_at))
              AND d.incident_agency_id = t.id AND d.due_at >= $2 AND d.incident_aware_at >= $2 AND d.incident_aware_at < $3
              AND (d.status <> 'pending' OR d.due_at <= $4)
            ORDER BY d.due_at, d.incident_id, d.kind
            LIMIT ${LATE_LIST_LIMIT + 1}) m
         ORDER BY m.due_at, m.incident_id, m.kind
         LIMIT ${LATE_LIST_LIMIT + 1})
         SELECT m.incident_id, i.reference, m.incident_agency_id AS agency_id, a.code, i.level, ($5::jsonb ->> m.kind) AS clock, m.due_at, m.done_at,
                (extract(epoch FROM coalesce(m.done_at, $4) - m.due_at) * 1000)::bigint AS late_ms
           FROM missed m JOIN incidents i ON i.id = m.incident_id JOIN agencies a ON a.id = m.incident_agency_id
          ORDER BY m.due_at, m.incident_id, m.kind`,
      [q.ids, q.from, q.to, q.now, JSON.stringify(RULE_CLOCKS)],
    );
    return rows.map((r) => ({
      incidentId: r.incident_id,
      reference: r.reference,
      agency: { id: r.agency_id, code: r.code },
      level: Number(r.level),
      clock: r.clock,
      dueAt: r.due_at.toISOString(),
      doneAt: r.done_at ? r.done_at.toISOString() : null,
      lateByMs: Number(r.late_ms),
    }));
  }

  /**
   * The plans of some agencies ($1) with their drill compliance: a plan must be drilled every
   * DRILL_INTERVAL_YEARS of its agency's responsibility level; a drill in the (interval − 1) years
   * before this one still covers this year. Years are counted in the report's time zone ($7).
   */
  private planCte(): string {
    return `plan_rows AS (
      SELECT p.agency_id, p.id, p.reference, p.title, p.tlp, p.data_level, ($6::jsonb ->> trim(a.responsibility_level))::int AS years,
             (p.review_overdue OR p.review_due_at < $4) AS review_overdue,
             (SELECT count(*) FROM jsonb_array_elements(CASE WHEN jsonb_typeof(v.document->'scope') = 'array' THEN v.document->'scope' ELSE '[]'::jsonb END) s
               WHERE s->>'core' = 'true') AS core,
             coalesce(held.this_year, false) AS drilled_this_year, coalesce(held.last_year, false) AS drilled_last_year,
             coalesce(held.covered, false) AS covered
        FROM continuity_plans p
        JOIN agencies a ON a.id = p.agency_id
        LEFT JOIN continuity_plan_versions v ON v.plan_id = p.id AND v.version = p.current_version
        LEFT JOIN LATERAL (
          SELECT bool_or(x.at >= $2 AND x.at < $3) AS this_year,
                 bool_or(x.at >= (($2::timestamptz AT TIME ZONE $7) - interval '1 year') AT TIME ZONE $7 AND x.at < $2) AS last_year,
                 bool_or(x.at >= (($2::timestamptz AT TIME ZONE $7) - make_interval(years => ($6::jsonb ->> trim(a.responsibility_level))::int - 1)) AT TIME ZONE $7
                         AND x.at < $2) AS covered
            FROM (SELECT coalesce(d.completed_at, d.scheduled_for) AS at FROM drills d WHERE d.plan_id = p.id AND d.state = ANY($5)) x) held ON true
       WHERE p.agency_id = ANY($1::uuid[]) AND p.created_at < $3)`;
  }

  private planParams(q: Query, ids: string[]): unknown[] {
    return [ids, q.from, q.to, q.now, HELD_STATES, JSON.stringify(DRILL_INTERVAL_YEARS), q.timezone];
  }

  private planRows(q: Query): Promise<Row[]> {
    return this.read(
      `WITH ${this.planCte()}, per AS (
         SELECT agency_id, count(*) AS plans, sum(core) AS core, count(*) FILTER (WHERE review_overdue) AS reviews_overdue,
                count(*) FILTER (WHERE drilled_this_year OR covered) AS compliant
           FROM plan_rows GROUP BY agency_id)
       SELECT t.bucket, grouping(t.bucket) = 1 AS is_total, sum(per.plans) AS plans, sum(per.core) AS core,
              sum(per.reviews_overdue) AS reviews_overdue, sum(per.compliant) AS compliant
         FROM unnest($1::uuid[], $8::uuid[]) AS t(id, bucket) JOIN per ON per.agency_id = t.id
        GROUP BY GROUPING SETS ((t.bucket), ())`,
      [...this.planParams(q, q.ids), q.buckets],
    );
  }

  /** The agency's own plans, one line each (titles withheld for restricted plans). */
  private async perPlan(q: Query): Promise<PlanCompliance[]> {
    const rows: Array<{
      id: string;
      reference: string;
      title: string;
      tlp: Tlp;
      data_level: DataLevel;
      years: number;
      core: string;
      drilled_this_year: boolean;
      drilled_last_year: boolean;
      covered: boolean;
    }> = await this.read(`WITH ${this.planCte()} SELECT * FROM plan_rows ORDER BY reference`, this.planParams(q, [q.agencyId]));
    return rows.map((p) => ({
      planId: p.id,
      reference: p.reference,
      title: isRestricted({ tlp: p.tlp, dataLevel: p.data_level }) ? null : p.title,
      coreServices: count(p.core),
      drilledThisYear: p.drilled_this_year,
      drilledLastYear: p.drilled_last_year,
      drillInterval: `P${p.years}Y`,
      required: !p.covered,
      compliant: p.drilled_this_year || p.covered,
    }));
  }

  /** Business-continuity drills scheduled in the year, by state and type (programme drills required vs held). */
  private drillRows(q: Query): Promise<Row[]> {
    const cols = [
      `count(*) AS total`,
      `count(*) FILTER (WHERE dr.state = 'scheduled') AS scheduled`,
      `count(*) FILTER (WHERE dr.state = 'overdue') AS overdue`,
      `count(*) FILTER (WHERE dr.state = 'in_progress') AS in_progress`,
      `count(*) FILTER (WHERE dr.state = ANY($5)) AS held`,
      `count(*) FILTER (WHERE dr.state = 'closed') AS closed`,
      `count(*) FILTER (WHERE dr.state = 'cancelled') AS cancelled`,
      ...DRILL_TYPES.flatMap((type) => [
        `count(*) FILTER (WHERE dr.drill_type = '${type}' AND dr.state <> 'cancelled' AND dr.occurrence_at IS NOT NULL) AS ${type}_required`,
        `count(*) FILTER (WHERE dr.drill_type = '${type}' AND dr.state = ANY($5)) AS ${type}_held`,
      ]),
    ];
    return this.read(
      rolledUp(
        `SELECT dr.agency_id, ${cols.join(', ')}
           FROM drills dr WHERE dr.agency_id = ANY($1::uuid[]) AND dr.scheduled_for >= $3 AND dr.scheduled_for < $4
          GROUP BY dr.agency_id`,
        cols.map((c) => /AS (\w+)$/.exec(c)![1]!),
      ),
      [q.ids, q.buckets, q.from, q.to, HELD_STATES],
    );
  }

  /**
   * After-action reports of the drills completed in the year: the 'after_action' deadline's due
   * time when there is one, else completion + 30 days.
   */
  private afterActionRows(q: Query): Promise<Row[]> {
    return this.read(
      rolledUp(
        `SELECT agency_id,
                count(*) FILTER (WHERE submitted_at IS NOT NULL AND NOT breached AND submitted_at <= due_at) AS on_time,
                count(*) FILTER (WHERE submitted_at IS NOT NULL AND (breached OR submitted_at > due_at)) AS late,
                count(*) FILTER (WHERE submitted_at IS NULL AND NOT breached AND due_at >= $5) AS pending,
                count(*) FILTER (WHERE submitted_at IS NULL AND (breached OR due_at < $5)) AS overdue
           FROM (SELECT dr.agency_id, dr.after_action_submitted_at AS submitted_at,
                        coalesce((SELECT max(dl.due_at) FROM deadlines dl WHERE dl.subject_type = 'drill' AND dl.subject_id = dr.id
                                    AND dl.kind = 'after_action' AND dl.status <> 'superseded'),
                                 dr.completed_at + make_interval(days => $6)) AS due_at,
                        EXISTS (SELECT 1 FROM deadlines dl WHERE dl.subject_type = 'drill' AND dl.subject_id = dr.id
                                  AND dl.kind = 'after_action' AND dl.status = 'breached') AS breached
                   FROM drills dr
                  WHERE dr.agency_id = ANY($1::uuid[]) AND dr.completed_at >= $3 AND dr.completed_at < $4 AND dr.state <> 'cancelled') done
          GROUP BY agency_id`,
        ['on_time', 'late', 'pending', 'overdue'],
      ),
      [q.ids, q.buckets, q.from, q.to, q.now, AFTER_ACTION_DAYS],
    );
  }

  /** Corrective actions of the subtree: open and overdue now, done and verified in the year. */
  private correctiveRows(q: Query): Promise<Row[]> {
    return this.read(
      rolledUp(
        `SELECT c.agency_id,
                count(*) FILTER (WHERE c.status IN ('open','in_progress')) AS open,
                count(*) FILTER (WHERE c.status IN ('open','in_progress') AND (c.overdue OR c.due_at < $5)) AS overdue,
                count(*) FILTER (WHERE c.done_at >= $3 AND c.done_at < $4) AS done,
                count(*) FILTER (WHERE c.status = 'verified' AND c.verified_at >= $3 AND c.verified_at < $4) AS verified
           FROM corrective_actions c WHERE c.agency_id = ANY($1::uuid[])
          GROUP BY c.agency_id`,
        ['open', 'overdue', 'done', 'verified'],
      ),
      [q.ids, q.buckets, q.from, q.to, q.now],
    );
  }
}

/**
 * Rolls per-agency figures up: `per` (a query with agency_id and the named counts) summed for each
 * bucket of the subtree ($1 the agencies, $2 their buckets) and for all of it (is_total).
 */
function rolledUp(per: string, sums: string[], extra = ''): string {
  return `WITH per AS (${per})
    SELECT t.bucket, grouping(t.bucket) = 1 AS is_total, ${sums.map((c) => `sum(per.${c}) AS ${c}`).join(', ')}${extra}
      FROM unnest($1::uuid[], $2::uuid[]) AS t(id, bucket) JOIN per ON per.agency_id = t.id
     GROUP BY GROUPING SETS ((t.bucket), ())`;
}

interface Query {
  agencyId: string;
  /** The agencies of the report and, for each, its bucket (the agency itself, or the direct child whose subtree holds it). */
  ids: string[];
  buckets: string[];
  /** The report's year (its agency's time zone; the clock tally counts each agency's clocks in its own zone's year). */
  year: number;
  from: Date;
  to: Date;
  now: Date;
  timezone: string;
}
