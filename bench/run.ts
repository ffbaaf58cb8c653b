/**
 * `npm run bench`: starts its own services (like the tests), runs the API as its own process, and
 * measures at 16 concurrent clients: logins (argon2id-bound), authenticated reads, and audited writes
 * through the HTTP API, next to the same audited writes issued directly with `pg` against the same
 * database in the same run (the ratio is the cost of the HTTP/Nest/validation layer). Reports
 * requests/s, p50/p99 latency and the API's peak RSS. Bounded counts, loopback only. Last, the
 * compliance report over 100,000 incidents and 5,000 drills in 50 agencies (bench/compliance.ts);
 * `BENCH_ONLY=compliance npm run bench` runs that case alone.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import { appendToChain, type chainHash } from '../apps/api/src/audit/audit-chain.js';
import { DEFAULT_POLICY } from '../apps/api/src/agencies/agency-policy.js';
import { createDataSource } from '../db/data-source.js';
import { consoleDirectory } from '../apps/api/src/console/console-static.js';
import { ensureDatabase, freePort, startServices } from '../scripts/services.js';
import { prepareComplianceBench, runComplianceBench } from './compliance.js';
import { boardTimes, chromiumPath, consoleAssetSizes } from './console.js';

const CONCURRENCY = 16;
const PASSWORD = 'Bench-Password-2026!';

interface Result {
  name: string;
  count: number;
  seconds: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function measure(name: string, count: number, op: (i: number) => Promise<void>): Promise<Result> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        await op(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, count, seconds, perSecond: count / seconds, p50ms: percentile(latencies, 50), p99ms: percentile(latencies, 99) };
}

function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/** What the audit service does (the same chain append), issued directly through a pg client. */
function appendAuditDirect(client: pg.PoolClient, record: Parameters<typeof chainHash>[1]): Promise<string> {
  return appendToChain(async (sql, params) => (await client.query(sql, params)).rows, record);
}

async function main(): Promise<void> {
  const services = await startServices('test', {});
  const databaseUrl = await ensureDatabase(services.databaseUrl, `bench_${Date.now()}`);
  const dataSource = createDataSource(databaseUrl);
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();

  const db = new pg.Pool({ connectionString: databaseUrl, max: CONCURRENCY });
  const agencyId = randomUUID();
  await db.query(
    `INSERT INTO agencies (id, code, name, timezone, responsibility_level, created_at, updated_at) VALUES ($1, 'BENCH', 'Bench', 'Asia/Taipei', 'A', now(), now())`,
    [agencyId],
  );
  await db.query('INSERT INTO agency_policies (agency_id, document, version, updated_at) VALUES ($1, $2, 1, now())', [
    agencyId,
    JSON.stringify(DEFAULT_POLICY),
  ]);
  const passwordHash = await hash(PASSWORD);
  const users: string[] = [];
  for (let i = 0; i < 64; i++) {
    const id = randomUUID();
    users.push(id);
    await db.query(
      `INSERT INTO users (id, agency_id, email, name, locale, password_hash, password_changed_at, must_change_password, created_at, updated_at) VALUES ($1, $2, $3, $4, 'zh-TW', $5, now(), false, now(), now())`,
      [id, agencyId, `user${i}@bench.gov.tw`, `User ${i}`, passwordHash],
    );
    await db.query(
      `INSERT INTO role_memberships (user_id, role, granted_at) VALUES ($1, 'admin', now()), ($1, 'reporter', now()), ($1, 'on_call_manager', now())`,
      [id],
    );
  }

  const port = await freePort();
  const api = spawn(process.execPath, [fileURLToPath(new URL('../apps/api/src/main.js', import.meta.url))], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      REDIS_URL: services.redisUrl,
      SMTP_URL: 'smtp://127.0.0.1:9',
      PORT: String(port),
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  // Children never outlive the bench, however it ends.
  const children = [api];
  const killChildren = () => children.forEach((c) => c.exitCode === null && c.kill('SIGTERM'));
  process.once('exit', killChildren);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (killChildren(), process.exit(130)));
  const base = `http://127.0.0.1:${port}`;
  for (
    let i = 0;
    i < 300 &&
    !(await fetch(`${base}/health`).then(
      (r) => r.ok,
      () => false,
    ));
    i++
  )
    await new Promise((r) => setTimeout(r, 100));

  // BENCH_ONLY=compliance: the compliance report case alone (bench/compliance.ts).
  if (process.env.BENCH_ONLY === 'compliance') {
    const compliance = await runComplianceBench(base, databaseUrl, PASSWORD, await prepareComplianceBench(databaseUrl, PASSWORD));
    api.kill('SIGTERM');
    await db.end();
    await services.stop();
    console.log(compliance.lines.join('\n'));
    return;
  }

  const tokens: string[] = [];
  const post = (path: string, body: unknown, token?: string, method = 'POST') =>
    fetch(base + path, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });

  const results: Result[] = [];
  results.push(
    await measure('login (argon2id verify)', 256, async (i) => {
      const res = await post('/api/auth/login', { email: `user${i % 64}@bench.gov.tw`, password: PASSWORD });
      if (res.status !== 200) throw new Error(`login ${res.status}`);
      const body = (await res.json()) as { token: string };
      if (tokens.length < CONCURRENCY) tokens.push(body.token);
    }),
  );
  results.push(
    await measure('GET /api/me (session check)', 4000, async (i) => {
      const res = await fetch(`${base}/api/me`, { headers: { Authorization: `Bearer ${tokens[i % tokens.length]}` } });
      if (res.status !== 200) throw new Error(`me ${res.status}`);
      await res.arrayBuffer();
    }),
  );
  results.push(
    await measure('PATCH /api/users/{id} (audited write)', 2000, async (i) => {
      const res = await post(`/api/users/${users[32 + (i % 32)]}`, { name: `Renamed ${i}` }, tokens[i % tokens.length], 'PATCH');
      if (res.status !== 200) throw new Error(`patch ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }),
  );
  // The same audited write, directly with pg: lock the row, update, append to the hash chain.
  results.push(
    await measure('same write, direct pg (lock, update, audit append)', 2000, async (i) => {
      const client = await db.connect();
      try {
        await client.query('BEGIN');
        const id = users[32 + (i % 32)];
        await client.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [id]);
        await client.query('UPDATE users SET name = $2, updated_at = now() WHERE id = $1', [id, `Direct ${i}`]);
        await appendAuditDirect(client, {
          id: randomUUID(),
          occurredAt: new Date(),
          actorId: null,
          actorLabel: 'bench',
          agencyId,
          action: 'user.update',
          targetType: 'user',
          targetId: id!,
          outcome: 'success',
          details: { name: `Direct ${i}` },
          requestId: null,
        });
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }),
  );

  // Filing incidents through the API.
  const incidentBody = (i: number) => ({
    title: `Bench incident ${i}`,
    description: 'Synthetic incident for the benchmark.',
    category: 'intrusion',
    subcategory: 'abnormal_login',
    awareAt: new Date().toISOString(),
    impact: { confidentiality: 2, integrity: 1, availability: 1 },
    classification: { tlp: 'AMBER', dataLevel: 'sensitive' },
    affectedSystems: ['vpn01'],
  });
  const incidentIds: string[] = [];
  results.push(
    await measure('POST /api/incidents (file)', 1000, async (i) => {
      const res = await fetch(`${base}/api/incidents`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens[i % tokens.length]}`, 'Idempotency-Key': randomUUID() },
        body: JSON.stringify(incidentBody(i)),
      });
      if (res.status !== 201) throw new Error(`file ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { id: string };
      if (incidentIds.length < CONCURRENCY) incidentIds.push(body.id);
    }),
  );

  // Transitions through the API: each client owns one incident and reclassifies it back and forth
  // (a full transition: lock, If-Match, machine, snapshot, audit, timeline, outbox, deadlines).
  const versions = new Map<string, number>();
  // Each incident's confidentiality impact, toggled 2 → 1 → 2 (filed at 2): an unchanged impact is refused.
  const confidentiality = new Map<string, number>();
  for (const id of incidentIds) {
    versions.set(id, 1);
    confidentiality.set(id, 2);
  }
  let slot = 0;
  const busyApi = new Set<string>();
  results.push(
    await measure('POST /api/incidents/{id}/events (RECLASSIFY)', 3000, async () => {
      const id = incidentIds[slot++ % incidentIds.length]!;
      // One request per incident at a time (each waits for its incident's previous event).
      while (busyApi.has(id)) await new Promise((r) => setImmediate(r));
      busyApi.add(id);
      try {
        const level = confidentiality.get(id) === 1 ? 2 : 1;
        const res = await fetch(`${base}/api/incidents/${id}/events`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${tokens[0]}`, 'If-Match': String(versions.get(id)) },
          body: JSON.stringify({ type: 'RECLASSIFY', impact: { confidentiality: level, integrity: 1, availability: 1 }, reason: 'bench' }),
        });
        if (res.status !== 200) throw new Error(`event ${res.status} ${await res.text()}`);
        const body = (await res.json()) as { version: number };
        versions.set(id, body.version);
        confidentiality.set(id, level);
      } finally {
        busyApi.delete(id);
      }
    }),
  );
  const apiPeakRss = peakRssMiB(api.pid!);

  // The same filing writes issued directly with pg: counter, incident, deadlines, outbox, timeline, idempotency key, audit.
  const sample = await db.query('SELECT id, snapshot FROM incidents WHERE id = ANY($1)', [incidentIds]);
  const snapshots = new Map<string, string>(sample.rows.map((r) => [r.id as string, JSON.stringify(r.snapshot)]));
  const aSnapshot = snapshots.values().next().value!;
  const userIds = users;
  results.push(
    await measure('same filing writes, direct pg', 1000, async (i) => {
      const client = await db.connect();
      const id = randomUUID();
      try {
        await client.query('BEGIN');
        const counter = await client.query(
          `INSERT INTO incident_counters (agency_id, year, last) VALUES ($1, 2099, 1) ON CONFLICT (agency_id, year) DO UPDATE SET last = incident_counters.last + 1 RETURNING last`,
          [agencyId],
        );
        await client.query(
          `INSERT INTO incidents (id, agency_id, reference, title, description, category, subcategory, aware_at, impact, level, tlp, data_level, affected_systems, is_drill, state, snapshot, machine_version, version, filed_by, created_at, updated_at)
           VALUES ($1, $2, $3, 'Bench', 'Synthetic', 'intrusion', 'abnormal_login', now(), '{"confidentiality":2,"integrity":1,"availability":1}', 2, 'AMBER', 'sensitive', '["vpn01"]', false, 'reported', $4, 1, 1, $5, now(), now())`,
          [id, agencyId, `DIRECT-${counter.rows[0].last}`, aSnapshot, userIds[i % userIds.length]],
        );
        for (const kind of ['report', 'recovery', 'acknowledgement']) {
          await client.query(
            `INSERT INTO deadlines (id, subject_type, subject_id, incident_id, kind, due_at, status, created_at) VALUES ($1, 'incident', $2, $2, $3, now() + interval '1 hour', 'pending', now())`,
            [randomUUID(), id, kind],
          );
        }
        for (const template of ['incident.filed', 'incident.paged']) {
          await client.query(
            `INSERT INTO outbox (id, agency_id, aggregate_type, aggregate_id, template, audience, payload, created_at) VALUES ($1, $2, 'incident', $3, $4, '[]', '{}', now())`,
            [randomUUID(), agencyId, id, template],
          );
        }
        await client.query(`INSERT INTO incident_timeline (incident_id, at, actor_id, entry, data) VALUES ($1, now(), NULL, 'filed', '{}')`, [id]);
        await client.query(`INSERT INTO incident_idempotency_keys (user_id, key, request_hash, incident_id, created_at) VALUES ($1, $2, 'x', $3, now())`, [
          userIds[i % userIds.length],
          randomUUID(),
          id,
        ]);
        await appendAuditDirect(client, {
          id: randomUUID(),
          occurredAt: new Date(),
          actorId: null,
          actorLabel: 'bench',
          agencyId,
          action: 'incident.file',
          targetType: 'incident',
          targetId: id,
          outcome: 'success',
          details: {},
          requestId: null,
        });
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }),
  );

  // The same transition writes issued directly with pg: lock, update snapshot, audit, timeline, outbox, deadlines.
  let directSlot = 0;
  const busy = new Set<string>();
  results.push(
    await measure('same transition writes, direct pg', 3000, async (i) => {
      const id = incidentIds[directSlot++ % incidentIds.length]!;
      while (busy.has(id)) await new Promise((r) => setImmediate(r));
      busy.add(id);
      const client = await db.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT * FROM incidents WHERE id = $1 FOR UPDATE', [id]);
        await client.query('UPDATE incidents SET snapshot = $2, level = $3, version = version + 1, updated_at = now() WHERE id = $1', [
          id,
          snapshots.get(id),
          (i % 2) + 1,
        ]);
        await client.query(
          `UPDATE deadlines SET status = 'superseded', resolved_at = now() WHERE incident_id = $1 AND kind = 'recovery' AND status = 'pending'`,
          [id],
        );
        await client.query(
          `INSERT INTO deadlines (id, subject_type, subject_id, incident_id, kind, due_at, status, created_at) VALUES ($1, 'incident', $2, $2, 'recovery', now() + interval '72 hours', 'pending', now())`,
          [randomUUID(), id],
        );
        await client.query(
          `INSERT INTO incident_timeline (incident_id, at, actor_id, entry, data) VALUES ($1, now(), NULL, 'reclassified', '{"from":1,"to":2}')`,
          [id],
        );
        await client.query(
          `INSERT INTO outbox (id, agency_id, aggregate_type, aggregate_id, template, audience, payload, created_at) VALUES ($1, $2, 'incident', $3, 'incident.reclassified', '[]', '{}', now())`,
          [randomUUID(), agencyId, id],
        );
        await appendAuditDirect(client, {
          id: randomUUID(),
          occurredAt: new Date(),
          actorId: null,
          actorLabel: 'bench',
          agencyId,
          action: 'incident.event',
          targetType: 'incident',
          targetId: id,
          outcome: 'success',
          details: { type: 'RECLASSIFY' },
          requestId: null,
        });
        await client.query('COMMIT');
      } finally {
        client.release();
        busy.delete(id);
      }
    }),
  );

  // ---- The notification pipeline: 10,000 intents from outbox to an SMTP sink, through a real worker ----
  const sinkAccepts = new Map<string, number>();
  const { SMTPServer } = await import('smtp-server');
  const sink = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 4096) head += chunk.toString('utf8');
      });
      stream.on('end', () => {
        const id = /Message-ID:\s*<([0-9a-f-]{36})\./i.exec(head)?.[1];
        if (id) sinkAccepts.set(id, performance.timeOrigin + performance.now());
        callback();
      });
    },
  });
  const sinkPort = await freePort();
  await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', r));
  const sinkUrl = `smtp://127.0.0.1:${sinkPort}`;

  // Raw nodemailer against the same sink, same concurrency as the worker (8), as the ceiling.
  const { default: nodemailer } = await import('nodemailer');
  const raw = nodemailer.createTransport({ host: '127.0.0.1', port: sinkPort, secure: false, pool: true, maxConnections: 5 });
  const rawCount = 3000;
  const rawStart = performance.now();
  let rawNext = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (rawNext < rawCount) {
        rawNext++;
        await raw.sendMail({ from: 'bench@bench.gov.tw', to: 'user0@bench.gov.tw', subject: 'raw', text: 'x'.repeat(600), html: '<p>x</p>' });
      }
    }),
  );
  const rawPerSecond = rawCount / ((performance.now() - rawStart) / 1000);
  raw.close();

  const intents = Number(process.env.BENCH_NOTIFY_INTENTS ?? 10_000);
  // The earlier workloads left thousands of intents; they are not what this measures.
  await db.query('UPDATE outbox SET enqueued_at = now() WHERE enqueued_at IS NULL');
  const notifyAgency = agencyId;
  const incidentForNotes = incidentIds[0]!;
  const createdAt = new Map<string, number>();
  const worker = spawn(process.execPath, [fileURLToPath(new URL('../apps/api/src/worker.js', import.meta.url))], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      REDIS_URL: services.redisUrl,
      SMTP_URL: sinkUrl,
      LOG_LEVEL: 'silent',
      QUEUE_PREFIX: '{bench}',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.push(worker);
  // Let the worker start (it answers nothing over HTTP; wait for its relay's LISTEN).
  for (let i = 0; i < 300; i++) {
    const listening = await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'LISTEN outbox'`);
    if (listening.rows[0].n > 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const notifyStart = performance.timeOrigin + performance.now();
  for (let batch = 0; batch < intents / 500; batch++) {
    const values: string[] = [];
    const params: unknown[] = [];
    for (let i = 0; i < 500; i++) {
      const id = randomUUID();
      createdAt.set(id, performance.timeOrigin + performance.now());
      params.push(id, notifyAgency, incidentForNotes, JSON.stringify([{ kind: 'user', userId: users[i % 64] }]));
      values.push(
        `($${i * 4 + 1}, $${i * 4 + 2}, 'incident', $${i * 4 + 3}, 'incident.triaged', $${i * 4 + 4}, '{"reference":"BENCH-2026-0001","level":2,"state":"responding","tlp":"GREEN","dataLevel":"general","isDrill":false}', now())`,
      );
    }
    await db.query(
      `INSERT INTO outbox (id, agency_id, aggregate_type, aggregate_id, template, audience, payload, created_at) VALUES ${values.join(',')}`,
      params,
    );
  }
  const deadline = Date.now() + 600_000;
  let lastReport = Date.now();
  while ([...createdAt.keys()].some((id) => !sinkAccepts.has(id)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      process.stderr.write(`[bench] notifications: ${[...createdAt.keys()].filter((id) => sinkAccepts.has(id)).length}/${intents} accepted by the sink\n`);
    }
  }
  const latencies = [...createdAt.entries()]
    .filter(([id]) => sinkAccepts.has(id))
    .map(([id, t0]) => sinkAccepts.get(id)! - t0)
    .sort((a, b) => a - b);
  const lastAccept = Math.max(...[...createdAt.keys()].map((id) => sinkAccepts.get(id) ?? 0));
  const pipelinePerSecond = latencies.length / ((lastAccept - notifyStart) / 1000);
  worker.kill('SIGTERM');
  await new Promise((r) => worker.once('exit', r));
  await new Promise<void>((r) => sink.close(() => r()));
  const notification = {
    delivered: latencies.length,
    intents,
    perSecond: pipelinePerSecond,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rawPerSecond,
  };

  // The console: what a browser downloads, and the board with BOARD_INCIDENTS open incidents of a
  // fresh agency (filed through the API), from navigation until it counts them all and shows its first page (the 50 due soonest), in Chromium.
  const BOARD_INCIDENTS = 500;
  const consoleDir = consoleDirectory();
  const assets = consoleDir ? consoleAssetSizes(consoleDir) : undefined;
  let board: number[] | string = 'not measured: chromium is not on PATH';
  const boardData: number[] = [];
  if (consoleDir && chromiumPath()) {
    const boardAgency = randomUUID();
    await db.query(
      `INSERT INTO agencies (id, code, name, timezone, responsibility_level, created_at, updated_at) VALUES ($1, 'BOARD', 'Board', 'Asia/Taipei', 'A', now(), now())`,
      [boardAgency],
    );
    await db.query('INSERT INTO agency_policies (agency_id, document, version, updated_at) VALUES ($1, $2, 1, now())', [
      boardAgency,
      JSON.stringify(DEFAULT_POLICY),
    ]);
    const manager = randomUUID();
    await db.query(
      `INSERT INTO users (id, agency_id, email, name, locale, password_hash, password_changed_at, must_change_password, created_at, updated_at) VALUES ($1, $2, 'manager@board.gov.tw', 'Board manager', 'zh-TW', $3, now(), false, now(), now())`,
      [manager, boardAgency, passwordHash],
    );
    await db.query(`INSERT INTO role_memberships (user_id, role, granted_at) VALUES ($1, 'reporter', now()), ($1, 'on_call_manager', now())`, [manager]);
    const managerToken = ((await (await post('/api/auth/login', { email: 'manager@board.gov.tw', password: PASSWORD })).json()) as { token: string }).token;
    await measure(`file ${BOARD_INCIDENTS} incidents for the board`, BOARD_INCIDENTS, async (i) => {
      const res = await fetch(`${base}/api/incidents`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${managerToken}`, 'Idempotency-Key': randomUUID() },
        body: JSON.stringify(incidentBody(i)),
      });
      if (res.status !== 201) throw new Error(`file ${res.status} ${await res.text()}`);
    });
    board = await boardTimes(base, { email: 'manager@board.gov.tw', password: PASSWORD }, BOARD_INCIDENTS, 5);
    // The board's data alone: every page of the open-incident list the console reads (200 a page).
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      let cursor: string | null = null;
      do {
        const page: Response = await fetch(`${base}/api/incidents?open=true&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
          headers: { Authorization: `Bearer ${managerToken}` },
        });
        cursor = ((await page.json()) as { nextCursor: string | null }).nextCursor;
      } while (cursor);
      boardData.push(performance.now() - started);
    }
  }

  const compliance = await runComplianceBench(base, databaseUrl, PASSWORD, await prepareComplianceBench(databaseUrl, PASSWORD));

  api.kill('SIGTERM');
  await db.end();
  await services.stop();

  const byName = (prefix: string) => results.find((r) => r.name.startsWith(prefix))!;
  console.log(
    `\nmachine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; ${CONCURRENCY} concurrent clients\n`,
  );
  console.log('| workload | requests | per second | p50 ms | p99 ms |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const r of results) console.log(`| ${r.name} | ${r.count} | ${r.perSecond.toFixed(0)} | ${r.p50ms.toFixed(1)} | ${r.p99ms.toFixed(1)} |`);
  console.log(`\nAPI peak RSS: ${apiPeakRss.toFixed(0)} MiB`);
  const ratio = (api: string, direct: string) => (byName(api).perSecond / byName(direct).perSecond).toFixed(2);
  console.log(`audited account write, API vs direct pg: ${ratio('PATCH', 'same write')}× the throughput`);
  console.log(`incident filing, API vs direct pg: ${ratio('POST /api/incidents (file)', 'same filing')}× the throughput`);
  console.log(
    `\nnotification pipeline: ${notification.delivered}/${notification.intents} intents outbox → relay → BullMQ → worker → SMTP sink: ${notification.perSecond.toFixed(0)} e-mails/s, ` +
      `p50 ${notification.p50.toFixed(0)} ms, p99 ${notification.p99.toFixed(0)} ms from outbox insert to SMTP accept; raw nodemailer to the same sink: ${notification.rawPerSecond.toFixed(0)} e-mails/s ` +
      `(the pipeline at ${(notification.perSecond / notification.rawPerSecond).toFixed(2)}×)`,
  );
  console.log(`incident transition, API vs direct pg: ${ratio('POST /api/incidents/{id}', 'same transition')}× the throughput`);
  const kB = (n: number) => `${(n / 1024).toFixed(0)} kB`;
  console.log(
    assets
      ? `\nconsole download: JS ${kB(assets.js.gzip)} gzip (${kB(assets.js.raw)} raw, ${assets.js.files} files), of which the first screen loads ${kB(assets.firstJs.gzip)} gzip (${kB(assets.firstJs.raw)} raw, ${assets.firstJs.files} files; each page's chunk comes when it is first shown); CSS ${kB(assets.css.gzip)} gzip (${kB(assets.css.raw)} raw, ${assets.css.files} files)`
      : '\nconsole download: not measured (no built console: npm run build:web)',
  );
  if (typeof board === 'string') console.log(`board with ${BOARD_INCIDENTS} open incidents: ${board}`);
  else {
    const sorted = [...board].sort((a, b) => a - b);
    console.log(
      `board with ${BOARD_INCIDENTS} open incidents in Chromium, navigation to the counted first page (all sorted, 50 shown): first ${board[0]!.toFixed(0)} ms, median of ${board.length} ${percentile(sorted, 50).toFixed(0)} ms, slowest ${sorted[sorted.length - 1]!.toFixed(0)} ms` +
        `; of which the API's list pages alone take a median ${percentile(
          [...boardData].sort((a, b) => a - b),
          50,
        ).toFixed(0)} ms`,
    );
  }
  console.log(compliance.lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
