/**
 * The compliance report over a big tree: the shared oversight seed (db/seed/oversight-seed.ts,
 * 100,000 incidents and 5,000 drills in 50 agencies by default), then GET /api/reports/compliance
 * of the root for the whole tree through the API, timed one request at a time (p50/p99), and every
 * query the report runs EXPLAINed (ANALYZE) to check that none reads incidents, deadlines or drills
 * with a sequential scan. Runs inside `npm run bench`, or alone: `BENCH_ONLY=compliance npm run bench`
 * (sizes: BENCH_COMPLIANCE_INCIDENTS, BENCH_COMPLIANCE_DRILLS, BENCH_COMPLIANCE_RUNS).
 */
import { randomUUID } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { SystemClock } from '../apps/api/src/clock/clock.js';
import type { AuthenticatedUser } from '../apps/api/src/identity/authenticated-user.js';
import { ScopeService } from '../apps/api/src/identity/scope.service.js';
import { ComplianceService } from '../apps/api/src/reports/compliance.service.js';
import { createDataSource } from '../db/data-source.js';
import { BENCH_SEED, seedOversight } from '../db/seed/oversight-seed.js';

const WATCHED = new Set(['incidents', 'deadlines', 'drills']);

export interface ComplianceBenchResult {
  lines: string[];
  p50: number;
  p99: number;
  seqScans: string[];
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function seqScansOf(node: PlanNode, found: string[] = []): string[] {
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] && WATCHED.has(node['Relation Name'])) found.push(node['Relation Name']);
  for (const child of node.Plans ?? []) seqScansOf(child, found);
  return found;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Seeds the database (already migrated), then measures the report through the API at `base` (started by the caller after `seed`). */
export async function prepareComplianceBench(databaseUrl: string, password: string) {
  const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const size = {
    ...BENCH_SEED,
    incidents: Number(process.env.BENCH_COMPLIANCE_INCIDENTS ?? BENCH_SEED.incidents),
    drills: Number(process.env.BENCH_COMPLIANCE_DRILLS ?? BENCH_SEED.drills),
  };
  const seedStart = performance.now();
  const now = new Date();
  const seed = await seedOversight(db, {
    prefix: 'OVB',
    ...size,
    year: Number(new Intl.DateTimeFormat('en', { year: 'numeric', timeZone: 'Asia/Taipei' }).format(now)),
    now,
  });
  const seedSeconds = (performance.now() - seedStart) / 1000;
  // What autovacuum does to a table that has settled: statistics and the visibility map (index-only scans).
  // (Twice: a first pass right after the bulk insert may leave the visibility map unset.)
  for (let pass = 0; pass < 2; pass++)
    for (const table of ['agencies', 'incidents', 'deadlines', 'drills', 'continuity_plans', 'continuity_plan_versions', 'corrective_actions'])
      await db.query(`VACUUM ANALYZE ${table}`);
  const auditorId = randomUUID();
  await db.query(
    `INSERT INTO users (id, agency_id, email, name, locale, password_hash, password_changed_at, must_change_password, created_at, updated_at)
     VALUES ($1, $2, 'auditor@ovb.bench.gov.tw', 'Bench auditor', 'zh-TW', $3, now(), false, now(), now())`,
    [auditorId, seed.root, await hash(password)],
  );
  await db.query(`INSERT INTO role_memberships (user_id, role, granted_at) VALUES ($1, 'auditor', now())`, [auditorId]);
  const counts = (
    await db.query(`SELECT (SELECT count(*) FROM incidents)::int AS incidents, (SELECT count(*) FROM deadlines)::int AS deadlines,
                                          (SELECT count(*) FROM drills)::int AS drills, (SELECT count(*) FROM agencies)::int AS agencies`)
  ).rows[0]!;
  await db.end();
  return { seed, seedSeconds, counts, auditorId, email: 'auditor@ovb.bench.gov.tw' };
}

export async function runComplianceBench(
  base: string,
  databaseUrl: string,
  password: string,
  prepared: Awaited<ReturnType<typeof prepareComplianceBench>>,
): Promise<ComplianceBenchResult> {
  const { seed, seedSeconds, counts } = prepared;
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: prepared.email, password }),
  });
  if (login.status !== 200) throw new Error(`compliance bench login ${login.status} ${await login.text()}`);
  const token = ((await login.json()) as { token: string }).token;
  const get = async (agencyId: string) => {
    const t0 = performance.now();
    const res = await fetch(`${base}/api/reports/compliance?agencyId=${agencyId}`, { headers: { Authorization: `Bearer ${token}` } });
    const body = (await res.json()) as { total: { incidents: { total: number }; clocks: { report: { late: number } } }; late: { total: number } };
    if (res.status !== 200) throw new Error(`compliance ${res.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - t0, body };
  };
  for (let i = 0; i < 3; i++) await get(seed.root); // warm-up
  const runs = Number(process.env.BENCH_COMPLIANCE_RUNS ?? 30);
  const times: number[] = [];
  let last: Awaited<ReturnType<typeof get>>['body'] | undefined;
  for (let i = 0; i < runs; i++) {
    const r = await get(seed.root);
    times.push(r.ms);
    last = r.body;
  }
  times.sort((a, b) => a - b);
  const childTimes: number[] = [];
  for (let i = 0; i < 10; i++) childTimes.push((await get(seed.children[0]!)).ms);
  childTimes.sort((a, b) => a - b);

  // The report's own queries, recorded from an in-process instance of the service, then EXPLAINed.
  const dataSource = createDataSource(databaseUrl);
  await dataSource.initialize();
  const recorded: Array<{ sql: string; params: unknown[] }> = [];
  const record =
    (run: (sql: string, params: unknown[]) => Promise<unknown>) =>
    (sql: string, params: unknown[] = []) => {
      if (!sql.startsWith('SET LOCAL')) recorded.push({ sql, params });
      return run(sql, params);
    };
  const recording = {
    query: record((sql, params) => dataSource.query(sql, params)),
    transaction: (work: (m: unknown) => Promise<unknown>) => dataSource.transaction((m) => work({ query: record((sql, params) => m.query(sql, params)) })),
  } as unknown as DataSource;
  const service = new ComplianceService(recording, new ScopeService(dataSource), new SystemClock());
  const user: AuthenticatedUser = {
    id: prepared.auditorId,
    sessionId: randomUUID(),
    agencyId: seed.root,
    email: prepared.email,
    name: 'Bench auditor',
    locale: 'en',
    roles: ['auditor'],
    mustChangePassword: false,
  };
  await service.report(user, seed.root, undefined);
  const seqScans: string[] = [];
  const planLines: string[] = [];
  for (const [n, q] of recorded.entries()) {
    // As the report runs them (compliance.service.ts read()): sequential scans off, transaction-local.
    const [{ 'QUERY PLAN': plan }] = (await dataSource.transaction(async (m) => {
      await m.query('SET LOCAL enable_seqscan = off');
      return m.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${q.sql}`, q.params);
    })) as Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number }> }>;
    const found = seqScansOf(plan[0]!.Plan);
    seqScans.push(...found);
    const reads = /(?:FROM|JOIN) (deadlines|incidents|drills|corrective_actions|continuity_plans)\b/.exec(q.sql)?.[1] ?? 'agencies';
    planLines.push(
      `  query ${n + 1} (${reads}): ${plan[0]!['Execution Time'].toFixed(1)} ms, ${found.length ? `SEQ SCAN on ${found.join(', ')}` : 'no sequential scan on incidents/deadlines/drills'}`,
    );
  }
  await dataSource.destroy();

  const lines = [
    `\ncompliance report (shared oversight seed: ${counts.agencies} agencies, ${counts.incidents} incidents, ${counts.deadlines} deadline rows, ${counts.drills} drills; seeded in ${seedSeconds.toFixed(1)} s):`,
    `  GET /api/reports/compliance of the root (whole tree, ${runs} sequential requests): p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms` +
      ` (${last?.total.incidents.total} incidents counted, ${last?.late.total} missed clocks)`,
    `  of a child (its subtree, 10 requests): p50 ${percentile(childTimes, 50).toFixed(1)} ms`,
    `  query plans (${recorded.length} queries, EXPLAIN ANALYZE): ${seqScans.length ? `${seqScans.length} sequential scans on watched tables` : 'no sequential scan on incidents, deadlines or drills'}`,
    ...planLines,
  ];
  return { lines, p50: percentile(times, 50), p99: percentile(times, 99), seqScans };
}
