import { DateTime } from 'luxon';
import { DEFAULT_POLICY } from '../../apps/api/src/agencies/agency-policy.js';

/**
 * A deterministic oversight world, shared by the compliance tests and the bench: a three-level
 * agency tree (a root, its children, their children) and a year of incidents (real and filed as
 * drills) with their rules-table clocks, continuity plans, drills with after-action reports, and
 * corrective actions. Rows are inserted straight with SQL in a few set-based statements
 * (generate_series), so 100,000 incidents take seconds. Ids are md5 of a name, so two runs with
 * the same options write the same rows. Besides the generated rows, a few known cases: a
 * grandchild's restricted incident reported late, and two incidents at the Asia/Taipei year
 * boundary.
 */

/** Anything with pg's query (a pg.Pool or pg.Client). */
export interface SqlRunner {
  query(sql: string, params?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

export interface OversightSeedOptions {
  /** Agency code prefix (A–Z, 2–6 letters): the root is PREFIX, a child PREFIXC1, a grandchild PREFIXC1G2. */
  prefix: string;
  /** The calendar year (Asia/Taipei) the generated rows fall in. */
  year: number;
  children: number;
  grandchildrenPerChild: number;
  /** Generated incidents (every 25th filed as a drill), spread over the tree and the year. */
  incidents: number;
  /** Generated business-continuity drills, spread over the plans. */
  drills: number;
  plansPerAgency: number;
  /** The time the rows were written at: clocks due later are still running. */
  now: Date;
}

export interface SeededAgency {
  id: string;
  code: string;
  parentId: string | null;
  depth: number;
}

export interface KnownIncident {
  id: string;
  reference: string;
  agencyId: string;
  awareAt: string;
  title: string;
}

export interface OversightSeed {
  root: string;
  children: string[];
  /** grandchildren[i] are the children of children[i]. */
  grandchildren: string[][];
  agencies: SeededAgency[];
  userId: string;
  known: {
    /** In children[0]'s first child: an AMBER incident whose report came 95 minutes late (breached, then done). */
    grandchildLateReport: KnownIncident & { dueAt: string; doneAt: string; lateByMs: number };
    /** 00:30 on 1 January of year + 1 in Taipei (16:30 UTC on 31 December): an incident of year + 1. */
    nextYearInTaipei: KnownIncident;
    /** 00:30 on 1 January of year in Taipei (still year − 1 in UTC): an incident of year. */
    thisYearInTaipei: KnownIncident;
  };
}

const md5uuid = (name: string) => `md5(${name})::uuid`;
export const SEED_TIMEZONE = 'Asia/Taipei';

/** The default sizes: the bench's (100,000 incidents and 5,000 drills in 50 agencies). */
export const BENCH_SEED: Omit<OversightSeedOptions, 'prefix' | 'now'> = {
  year: 2026,
  children: 7,
  grandchildrenPerChild: 6,
  incidents: 100_000,
  drills: 5_000,
  plansPerAgency: 2,
};

export async function seedOversight(db: SqlRunner, o: OversightSeedOptions): Promise<OversightSeed> {
  if (!/^[A-Z]{2,6}$/.test(o.prefix)) throw new Error('prefix: 2–6 capital letters');
  const from = DateTime.fromObject({ year: o.year, month: 1, day: 1 }, { zone: SEED_TIMEZONE });
  const yearStart = from.toJSDate();

  // ---- the tree ----
  const agencies: SeededAgency[] = [];
  const idOf = async (name: string) => (await db.query(`SELECT ${md5uuid('$1::text')} AS id`, [name])).rows[0]!.id as string;
  const add = async (code: string, parentId: string | null, depth: number) => {
    const a = { id: await idOf(`agency-${code}`), code, parentId, depth };
    agencies.push(a);
    return a.id;
  };
  const root = await add(o.prefix, null, 0);
  const children: string[] = [];
  const grandchildren: string[][] = [];
  for (let c = 1; c <= o.children; c++) {
    const child = await add(`${o.prefix}C${c}`, root, 1);
    children.push(child);
    const mine: string[] = [];
    for (let g = 1; g <= o.grandchildrenPerChild; g++) mine.push(await add(`${o.prefix}C${c}G${g}`, child, 2));
    grandchildren.push(mine);
  }
  // Levels: the root A, children B, grandchildren C (every 2 years).
  await db.query(
    `INSERT INTO agencies (id, code, name, parent_id, timezone, responsibility_level, created_at, updated_at)
     SELECT a.id, a.code, 'Agency ' || a.code, a.parent_id, $5, (ARRAY['A','B','C'])[a.depth + 1], $6, $6
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[]) AS a(id, code, parent_id, depth)`,
    [
      agencies.map((a) => a.id),
      agencies.map((a) => a.code),
      agencies.map((a) => a.parentId),
      agencies.map((a) => a.depth),
      SEED_TIMEZONE,
      from.minus({ years: 1 }).toJSDate(),
    ],
  );
  await db.query(`INSERT INTO agency_policies (agency_id, document, version, updated_at) SELECT id, $2, 1, now() FROM unnest($1::uuid[]) AS id`, [
    agencies.map((a) => a.id),
    JSON.stringify(DEFAULT_POLICY),
  ]);
  const userId = await idOf(`user-${o.prefix}`);
  await db.query(
    `INSERT INTO users (id, agency_id, email, name, locale, password_hash, password_changed_at, must_change_password, created_at, updated_at)
     VALUES ($1, $2, $3, 'Seed', 'zh-TW', 'not-a-password-hash', $4, false, $4, $4)`,
    [userId, root, `seed@${o.prefix.toLowerCase()}.seed.gov.tw`, o.now],
  );

  // ---- incidents: n = 1..N ----
  // Every formula is a function of n only; the tests recount from the rows, not from these.
  const ids = agencies.map((a) => a.id);
  const codes = agencies.map((a) => a.code);
  const incidentSource = `
    src AS (
      SELECT n,
             ${md5uuid(`$1 || '-incident-' || n`)} AS id,
             ($2::uuid[])[1 + (n - 1) % array_length($2::uuid[], 1)] AS agency_id,
             ($3::text[])[1 + (n - 1) % array_length($3::text[], 1)] || '-' || $4::int || '-' || lpad(n::text, 6, '0') AS reference,
             $5::timestamptz + make_interval(mins => ((n * 7919) % (364 * 24 * 60))::int) AS aware_at,
             n % 25 = 0 AS is_drill,
             CASE WHEN n % 10 < 5 THEN 1 WHEN n % 10 < 8 THEN 2 WHEN n % 10 = 8 THEN 3 ELSE 4 END AS level,
             (ARRAY['web_attack','intrusion','denial_of_service','equipment_problem','other'])[1 + (n * 3) % 5] AS category,
             n % 3 = 0 AS restricted,
             (ARRAY['dismissed','reported','responding','review','closed','closed','closed','closed','closed','closed','closed'])[1 + n % 11] AS state
        FROM generate_series(1, $6::int) AS n)`;
  const incidentParams = [o.prefix, ids, codes, o.year, yearStart, o.incidents];
  await db.query(
    `WITH ${incidentSource}
     INSERT INTO incidents (id, agency_id, reference, title, description, category, subcategory, aware_at, occurred_at, impact, level, tlp, data_level,
                            affected_systems, is_drill, state, snapshot, machine_version, version, filed_by, created_at, updated_at)
     SELECT id, agency_id, reference,
            CASE WHEN restricted THEN 'SECRET-TITLE seeded incident ' ELSE 'Seeded incident ' END || n,
            'Seeded for the oversight report.', category, 'other', aware_at, aware_at - interval '10 minutes',
            jsonb_build_object('confidentiality', level, 'integrity', 1, 'availability', 1), level,
            CASE WHEN restricted THEN 'AMBER' ELSE 'GREEN' END, CASE WHEN restricted THEN 'sensitive' ELSE 'general' END,
            '["seeded"]'::jsonb, is_drill, state, '{}'::jsonb, 1, 1, $7, aware_at, aware_at
       FROM src`,
    [...incidentParams, userId],
  );

  // The four rules-table clocks of each incident (k = 0..3), each with an outcome picked from n and k:
  // 0 breached then done late, 1 breached and still open, 2 met late (done before the breach fired),
  // 3 cancelled, 4 still pending past due (the breach not fired yet), 5 on time after an earlier
  // run was superseded, else on time. A clock due after `now` is still pending (running); one whose
  // work would come after `now` is breached and open.
  await db.query(
    `WITH ${incidentSource},
     clocks AS (
       SELECT s.id AS incident_id, s.n, k.k, k.kind,
              CASE k.kind
                WHEN 'report' THEN s.aware_at + interval '1 hour'
                WHEN 'superior_review' THEN s.aware_at + interval '1 hour' + CASE WHEN s.level >= 3 THEN interval '2 hours' ELSE interval '8 hours' END
                WHEN 'recovery' THEN s.aware_at + CASE WHEN s.level >= 3 THEN interval '36 hours' ELSE interval '72 hours' END
                ELSE s.aware_at + CASE WHEN s.level >= 3 THEN interval '36 hours' ELSE interval '72 hours' END + interval '1 month'
              END AS due_at,
              (s.n * 13 + k.k * 5) % 17 AS outcome
         FROM src s CROSS JOIN (VALUES (0, 'report'), (1, 'superior_review'), (2, 'recovery'), (3, 'improvement_report')) AS k(k, kind)),
     planned AS (
       SELECT c.*,
              CASE c.outcome
                WHEN 0 THEN c.due_at + make_interval(mins => 1 + c.n % 90)
                WHEN 2 THEN c.due_at + make_interval(mins => 1 + c.n % 30)
                WHEN 1 THEN NULL WHEN 3 THEN NULL WHEN 4 THEN NULL
                ELSE c.due_at - make_interval(mins => 1 + c.n % 50)
              END AS done_at
         FROM clocks c),
     rows AS (
       SELECT p.*,
              CASE
                WHEN p.outcome = 3 THEN 'cancelled'
                WHEN p.due_at > $7 THEN 'pending'
                WHEN p.outcome = 4 THEN 'pending'
                WHEN p.outcome IN (0, 1) THEN 'breached'
                WHEN p.done_at > $7 THEN 'breached'
                ELSE 'met'
              END AS status
         FROM planned p)
     INSERT INTO deadlines (id, subject_type, subject_id, incident_id, kind, due_at, status, created_at, resolved_at, late_by_ms, met_at)
     SELECT ${md5uuid(`$1 || '-deadline-' || r.n || '-' || r.k`)}, 'incident', r.incident_id, r.incident_id, r.kind, r.due_at, r.status,
            r.due_at - interval '1 hour',
            CASE r.status WHEN 'met' THEN r.done_at WHEN 'breached' THEN r.due_at WHEN 'cancelled' THEN r.due_at - interval '30 minutes' END,
            CASE WHEN r.status = 'breached' THEN 0 END,
            CASE WHEN r.status IN ('met', 'breached') AND r.done_at <= $7 THEN r.done_at END
       FROM rows r
     UNION ALL
     SELECT ${md5uuid(`$1 || '-superseded-' || r.n || '-' || r.k`)}, 'incident', r.incident_id, r.incident_id, r.kind, r.due_at - interval '20 minutes', 'superseded',
            r.due_at - interval '2 hours', r.due_at - interval '1 hour', NULL, NULL
       FROM rows r WHERE r.outcome = 5`,
    [...incidentParams, o.now],
  );

  // ---- continuity: plans (two core services, one other), drills, after-action reports, corrective actions ----
  const planCount = agencies.length * o.plansPerAgency;
  await db.query(
    `WITH p AS (
       SELECT j, ${md5uuid(`$1 || '-plan-' || j`)} AS id, ($2::uuid[])[1 + (j - 1) % array_length($2::uuid[], 1)] AS agency_id
         FROM generate_series(1, $3::int) AS j)
     INSERT INTO continuity_plans (id, agency_id, reference, title, tlp, data_level, current_version, review_due_at, review_overdue, programme_version,
                                   created_by, created_at, updated_at)
     SELECT id, agency_id, $1 || '-BCP-' || lpad(j::text, 4, '0'),
            CASE WHEN j % 4 = 0 THEN 'SECRET-TITLE plan ' ELSE 'Seeded plan ' END || j,
            CASE WHEN j % 4 = 0 THEN 'AMBER' ELSE 'GREEN' END, CASE WHEN j % 4 = 0 THEN 'sensitive' ELSE 'general' END, 1,
            CASE WHEN j % 3 = 0 THEN $4::timestamptz + interval '100 days' ELSE $4::timestamptz + interval '400 days' END, false, 1,
            $5, $4::timestamptz - interval '30 days', $4::timestamptz - interval '30 days'
       FROM p`,
    [o.prefix, ids, planCount, yearStart, userId],
  );
  await db.query(
    `INSERT INTO continuity_plan_versions (plan_id, version, document, change_reason, author_id, created_at)
     SELECT ${md5uuid(`$1 || '-plan-' || j`)}, 1,
            jsonb_build_object('scope', jsonb_build_array(
              jsonb_build_object('name', 'core service', 'kind', 'service', 'core', true),
              jsonb_build_object('name', 'second service', 'kind', 'service', 'core', j % 2 = 0),
              jsonb_build_object('name', 'archive', 'kind', 'system', 'core', false))),
            'seeded', $3, $4::timestamptz - interval '30 days'
       FROM generate_series(1, $2::int) AS j`,
    [o.prefix, planCount, userId, yearStart],
  );
  const perPlan = Math.max(1, Math.ceil(o.drills / planCount));
  const drillSource = `
    src AS (
      SELECT m, ${md5uuid(`$1 || '-drill-' || m`)} AS id,
             ${md5uuid(`$1 || '-plan-' || (1 + (m - 1) % $3::int)`)} AS plan_id,
             ($2::uuid[])[1 + ((m - 1) % $3::int) % array_length($2::uuid[], 1)] AS agency_id,
             $4::timestamptz + make_interval(hours => (((m - 1) / $3::int) * (360 * 24 / $5::int) + m % 7)::int) AS scheduled_for,
             (ARRAY['tabletop','functional','full_scale'])[1 + m % 3] AS drill_type,
             m % 6 = 0 AS manual,
             (ARRAY['scheduled','overdue','in_progress','debrief','improvement','closed','closed','cancelled'])[1 + m % 8] AS state
        FROM generate_series(1, $6::int) AS m),
    drill AS (
      SELECT s.*, CASE WHEN s.state IN ('debrief','improvement','closed') THEN s.scheduled_for + interval '3 hours' END AS completed_at
        FROM src s),
    aar AS (
      SELECT d.*, CASE WHEN d.state IN ('improvement','closed') THEN d.completed_at + make_interval(days => ((d.m * 7) % 45)::int) END AS submitted_at
        FROM drill d)`;
  const drillParams = [o.prefix, ids, planCount, yearStart, perPlan, o.drills];
  await db.query(
    `WITH ${drillSource}
     INSERT INTO drills (id, agency_id, plan_id, reference, drill_type, occurrence_at, programme_version, scheduled_for, state, snapshot, machine_version, version,
                         after_action, after_action_submitted_at, completed_at, closed_at, created_by, created_at, updated_at)
     SELECT id, agency_id, plan_id, $1 || '-DR-' || lpad(m::text, 6, '0'), drill_type, CASE WHEN manual THEN NULL ELSE scheduled_for END,
            CASE WHEN manual THEN NULL ELSE 1 END, scheduled_for, state, '{}'::jsonb, 1, 1,
            CASE WHEN submitted_at IS NOT NULL THEN '{}'::jsonb END, submitted_at, completed_at,
            CASE WHEN state = 'closed' THEN submitted_at + interval '1 day' END, $7, scheduled_for - interval '60 days', scheduled_for
       FROM aar`,
    [...drillParams, userId],
  );
  // The after-action deadline (due 30 days after completion) of every completed drill but each 10th
  // (which falls back to completion + 30 days); then one corrective action per submitted report.
  await db.query(
    `WITH ${drillSource}
     INSERT INTO deadlines (id, subject_type, subject_id, incident_id, kind, due_at, status, created_at, resolved_at, late_by_ms, met_at)
     SELECT ${md5uuid(`$1 || '-aar-' || m`)}, 'drill', id, NULL, 'after_action', completed_at + interval '30 days',
            CASE WHEN submitted_at IS NOT NULL AND submitted_at <= completed_at + interval '30 days' THEN 'met'
                 WHEN submitted_at IS NOT NULL OR completed_at + interval '30 days' < $7 THEN 'breached'
                 ELSE 'pending' END,
            completed_at,
            CASE WHEN submitted_at IS NOT NULL AND submitted_at <= completed_at + interval '30 days' THEN submitted_at
                 WHEN submitted_at IS NOT NULL OR completed_at + interval '30 days' < $7 THEN completed_at + interval '30 days' END,
            CASE WHEN submitted_at > completed_at + interval '30 days' OR (submitted_at IS NULL AND completed_at + interval '30 days' < $7) THEN 0 END,
            submitted_at
       FROM aar WHERE completed_at IS NOT NULL AND m % 10 <> 0`,
    [...drillParams, o.now],
  );
  await db.query(
    `WITH ${drillSource}
     INSERT INTO corrective_actions (id, agency_id, source_type, source_id, title, owner_user_id, due_at, status, overdue, done_at, done_by, verified_at, verified_by,
                                     version, created_by, created_at, updated_at)
     SELECT ${md5uuid(`$1 || '-ca-' || m`)}, agency_id, 'drill', id, 'Seeded corrective action ' || m, $7, completed_at + interval '60 days',
            (ARRAY['open','in_progress','done','verified','cancelled'])[1 + m % 5], false,
            CASE WHEN m % 5 IN (2, 3) THEN completed_at + interval '40 days' END, CASE WHEN m % 5 IN (2, 3) THEN $7::uuid END,
            CASE WHEN m % 5 = 3 THEN completed_at + interval '50 days' END, CASE WHEN m % 5 = 3 THEN $7::uuid END,
            1, $7, submitted_at, submitted_at
       FROM aar WHERE submitted_at IS NOT NULL`,
    [...drillParams, userId],
  );

  // ---- the known cases ----
  const gc = grandchildren[0]?.[0] ?? children[0] ?? root;
  const gcCode = agencies.find((a) => a.id === gc)!.code;
  const known = async (key: string, agencyId: string, code: string, awareAt: Date, title: string, restricted: boolean): Promise<KnownIncident> => {
    const id = await idOf(`${o.prefix}-known-${key}`);
    const reference = `${code}-K-${key.toUpperCase()}`;
    await db.query(
      `INSERT INTO incidents (id, agency_id, reference, title, description, category, subcategory, aware_at, occurred_at, impact, level, tlp, data_level,
                              affected_systems, is_drill, state, snapshot, machine_version, version, filed_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'A known case of the oversight seed.', 'intrusion', 'abnormal_login', $5, NULL, '{"confidentiality":2,"integrity":1,"availability":1}', 2,
               $6, $7, '[]', false, 'responding', '{}', 1, 1, $8, $5, $5)`,
      [id, agencyId, reference, title, awareAt, restricted ? 'AMBER' : 'GREEN', restricted ? 'sensitive' : 'general', userId],
    );
    return { id, reference, agencyId, awareAt: awareAt.toISOString(), title };
  };
  const clock = (incidentId: string, key: string, dueAt: Date, status: string, metAt: Date | null) =>
    db.query(
      `INSERT INTO deadlines (id, subject_type, subject_id, incident_id, kind, due_at, status, created_at, resolved_at, late_by_ms, met_at)
       VALUES (${md5uuid('$1::text')}, 'incident', $2, $2, 'report', $3, $4, $3::timestamptz - interval '1 hour', $5, $6, $7)`,
      [`${o.prefix}-known-clock-${key}`, incidentId, dueAt, status, status === 'breached' ? dueAt : metAt, status === 'breached' ? 0 : null, metAt],
    );

  const lateAware = from.plus({ days: 100, hours: 3 }).toJSDate();
  const late = await known('late', gc, gcCode, lateAware, 'SECRET-TITLE grandchild breach', true);
  const lateDue = new Date(lateAware.getTime() + 3_600_000);
  const lateDone = new Date(lateDue.getTime() + 95 * 60_000);
  await clock(late.id, 'late', lateDue, 'breached', lateDone);

  const nextAware = from.plus({ years: 1, minutes: 30 }).toJSDate();
  const next = await known('next', gc, gcCode, nextAware, 'Boundary: next year in Taipei', false);
  await clock(next.id, 'next', new Date(nextAware.getTime() + 3_600_000), 'met', new Date(nextAware.getTime() + 20 * 60_000));

  const thisAware = from.plus({ minutes: 30 }).toJSDate();
  const first = await known('first', root, o.prefix, thisAware, 'Boundary: this year in Taipei', false);
  await clock(first.id, 'first', new Date(thisAware.getTime() + 3_600_000), 'met', new Date(thisAware.getTime() + 45 * 60_000));

  return {
    root,
    children,
    grandchildren,
    agencies,
    userId,
    known: {
      grandchildLateReport: { ...late, dueAt: lateDue.toISOString(), doneAt: lateDone.toISOString(), lateByMs: 95 * 60_000 },
      nextYearInTaipei: next,
      thisYearInTaipei: first,
    },
  };
}
