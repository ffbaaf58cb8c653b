/**
 * `npm start`: everything for a first look in one terminal. Starts PostgreSQL, Redis and MailDev
 * unless DATABASE_URL / REDIS_URL / SMTP_URL are given, migrates, seeds the demo agency tree,
 * starts the API and the worker, and prints the URLs and the demo logins. Ctrl-C stops it all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createDataSource } from '../db/data-source.js';
import { DEMO_PASSWORD, demoLogins, seedDemo } from '../db/seed/demo-seed.js';
import { startServices } from './services.js';

async function main(): Promise<void> {
  const services = await startServices('dev');
  const port = process.env.PORT ?? '3000';
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: process.env.NODE_ENV ?? 'development',
    DATABASE_URL: services.databaseUrl,
    REDIS_URL: services.redisUrl,
    SMTP_URL: services.smtpUrl,
    PORT: port,
    PUBLIC_URL: process.env.PUBLIC_URL ?? `http://localhost:${port}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
  const dataSource = createDataSource(services.databaseUrl);
  await dataSource.initialize();
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  const seeded = await seedDemo(dataSource);
  await dataSource.destroy();
  // The API and the worker run as the two processes production runs (start:api, start:worker).
  const entry = (name: string) => fileURLToPath(new URL(`../apps/api/src/${name}.js`, import.meta.url));
  // Their own process groups: Ctrl-C reaches only this script, which stops them with one SIGTERM each
  // (a second signal would make them abandon their in-flight jobs).
  const children: ChildProcess[] = ['main', 'worker'].map((name) => spawn(process.execPath, [entry(name)], { env, stdio: 'inherit', detached: true }));
  process.on('exit', () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  });
  await waitForHealth(`http://127.0.0.1:${port}/health`, children[0]!);
  const demoIncident = await fileDemoIncident(`http://127.0.0.1:${port}`);
  const demoPlan = await createDemoPlan(`http://127.0.0.1:${port}`);
  const base = env.PUBLIC_URL;
  const lines = [
    '',
    '  資安事件通報應變與營運持續系統 — incident response and business continuity (demo)',
    '',
    `  Console        ${base}/   (the web console: log in with a demo login below)`,
    `  API            ${base}/api`,
    `  API docs       ${base}/docs   (OpenAPI: ${base}/api/openapi.json)`,
    `  Health         ${base}/health/ready`,
    services.mailWebUrl ? `  Mail inbox     ${services.mailWebUrl}   (MailDev: every e-mail the system sends)` : `  SMTP           ${services.smtpUrl}`,
    `  Database       ${services.databaseUrl.replace(/:[^:@/]+@/, ':***@')}`,
    `  Redis          ${services.redisUrl}`,
    '',
    demoIncident ? `  Demo incident: ${demoIncident} (filed through the API by reporter@moda.demo.gov.tw, acknowledged and triaged)` : '',
    demoPlan
      ? `  Demo continuity plan: ${demoPlan.reference} with a yearly tabletop drill programme; next drill ${demoPlan.nextDrill} (continuity-coordinator@moda.demo.gov.tw)`
      : '',
    `  Migrations: ${applied.length ? applied.map((m) => m.name).join(', ') : 'up to date'}; demo data: ${seeded ? 'seeded' : 'already there'}`,
    `  Demo logins (password ${DEMO_PASSWORD}):`,
    ...demoLogins().map((l) => `    ${l.role.padEnd(24)} ${l.email.padEnd(40)} ${l.agency}`),
    '',
    `  Try: curl -s -X POST ${base}/api/auth/login -H 'Content-Type: application/json' -d '{"email":"admin@ey.demo.gov.tw","password":"${DEMO_PASSWORD}"}'`,
    '  Ctrl-C stops everything.',
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('stopping…\n');
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      ),
    );
    await services.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  for (const child of children)
    child.on('exit', (code) => {
      if (!stopping) {
        process.stderr.write(`a child process exited (code ${code}); stopping\n`);
        void stop();
      }
    });
}

/** Files one demo incident through the real API (only when the demo agency has none yet). */
async function fileDemoIncident(base: string): Promise<string | undefined> {
  const login = async (email: string) => {
    const res = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password: DEMO_PASSWORD }),
    });
    return ((await res.json()) as { token: string }).token;
  };
  const reporter = await login('reporter@moda.demo.gov.tw');
  const existing = (await (await fetch(`${base}/api/incidents?limit=1`, { headers: { Authorization: `Bearer ${reporter}` } })).json()) as { items: unknown[] };
  if (existing.items.length) return undefined;
  const filed = await fetch(`${base}/api/incidents`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${reporter}`, 'Idempotency-Key': `demo-${Date.now()}` },
    body: JSON.stringify({
      title: '官網首頁遭置換 Website home page defaced',
      description: '民眾來電反映官網首頁出現不明標語。A citizen called: the home page shows an unknown banner.',
      category: 'web_attack',
      subcategory: 'defacement',
      awareAt: new Date(Date.now() - 10 * 60_000).toISOString(),
      impact: { confidentiality: 1, integrity: 2, availability: 2 },
      classification: { tlp: 'AMBER', dataLevel: 'sensitive' },
      affectedSystems: ['www.moda.demo.gov.tw'],
    }),
  });
  const incident = (await filed.json()) as { id: string; reference: string; version: number };
  const manager = await login('on-call-manager@moda.demo.gov.tw');
  let version = incident.version;
  for (const event of [
    { type: 'ACKNOWLEDGE' },
    { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack', subcategory: 'defacement' },
  ]) {
    const res = await fetch(`${base}/api/incidents/${incident.id}/events`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${manager}`, 'If-Match': String(version) },
      body: JSON.stringify(event),
    });
    version = ((await res.json()) as { version: number }).version;
  }
  return incident.reference;
}

/** Creates one demo continuity plan with a yearly drill programme through the real API (once). */
async function createDemoPlan(base: string): Promise<{ reference: string; nextDrill: string } | undefined> {
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'continuity-coordinator@moda.demo.gov.tw', password: DEMO_PASSWORD }),
  });
  const token = ((await login.json()) as { token: string }).token;
  const headers = { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` };
  const existing = (await (await fetch(`${base}/api/continuity/plans?limit=1`, { headers })).json()) as { items: unknown[] };
  if (existing.items.length) return undefined;
  const created = await fetch(`${base}/api/continuity/plans`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      title: '數位服務營運持續計畫 Digital services continuity plan',
      classification: { tlp: 'GREEN', dataLevel: 'general' },
      scope: [
        { name: 'e-government portal', kind: 'service', core: true },
        { name: 'identity verification API', kind: 'system', core: true },
      ],
      impactAnalysis: [
        { service: 'e-government portal', hazard: 'earthquake', impact: '主機房無法使用 primary data centre unusable', mtpd: 'P3D', rto: 'PT24H', rpo: 'PT1H' },
        { service: 'e-government portal', hazard: 'cyber_attack', impact: '勒索軟體 ransomware on the web tier', mtpd: 'P2D', rto: 'PT8H', rpo: 'PT4H' },
        { service: 'identity verification API', hazard: 'power_loss', impact: '機房斷電 data centre power loss', mtpd: 'PT12H', rto: 'PT4H', rpo: 'PT15M' },
      ],
      activationCriteria: ['入口網站中斷逾 2 小時 portal down for more than 2 hours', '主機房毀損 primary data centre lost'],
      procedures: [
        {
          phase: 'emergency',
          order: 1,
          action: '啟動營運持續計畫並召集應變小組 declare the continuity event, call the team',
          responsibleRole: 'continuity_coordinator',
        },
        { phase: 'recovery', order: 1, action: '切換至異地備援機房 fail over to the backup site', responsibleRole: 'responder' },
        { phase: 'resumption', order: 1, action: '回切主機房並確認資料完整 fail back and verify data', responsibleRole: 'responder' },
      ],
      contacts: [{ name: '異地備援值班台 Backup site duty desk', function: 'failover', phone: '+886-2-0000-0000' }],
    }),
  });
  const plan = (await created.json()) as { id: string; reference: string };
  const programme = await fetch(`${base}/api/continuity/plans/${plan.id}/programme`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ rrule: 'FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=15;BYHOUR=9;BYMINUTE=0', drillType: 'tabletop', reminders: ['P30D', 'P7D', 'P1D'] }),
  });
  const view = (await programme.json()) as { nextDrill: { scheduledFor: string } | null };
  return { reference: plan.reference, nextDrill: view.nextDrill?.scheduledFor ?? 'none' };
}

async function waitForHealth(url: string, api: ChildProcess): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (api.exitCode !== null) throw new Error(`the API exited with code ${api.exitCode}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the API did not answer ${url} within 30 s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
