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
  const children: ChildProcess[] = ['main', 'worker'].map((name) => spawn(process.execPath, [entry(name)], { env, stdio: 'inherit' }));
  await waitForHealth(`http://127.0.0.1:${port}/health`, children[0]!);
  const demoIncident = await fileDemoIncident(`http://127.0.0.1:${port}`);
  const base = env.PUBLIC_URL;
  const lines = [
    '',
    '  資安事件通報應變與營運持續系統 — incident response and business continuity (demo)',
    '',
    `  API            ${base}/api`,
    `  API docs       ${base}/docs   (OpenAPI: ${base}/api/openapi.json)`,
    `  Health         ${base}/health/ready`,
    services.mailWebUrl ? `  Mail inbox     ${services.mailWebUrl}   (MailDev: every e-mail the system sends)` : `  SMTP           ${services.smtpUrl}`,
    `  Database       ${services.databaseUrl.replace(/:[^:@/]+@/, ':***@')}`,
    `  Redis          ${services.redisUrl}`,
    '',
    demoIncident ? `  Demo incident: ${demoIncident} (filed through the API by reporter@moda.demo.gov.tw, acknowledged and triaged)` : '',
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
