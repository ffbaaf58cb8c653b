import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { hash } from '@node-rs/argon2';
import pg from 'pg';
import request from 'supertest';
import { ApiModule } from '../../apps/api/src/app.module.js';
import { WorkerModule } from '../../apps/api/src/worker.module.js';
import type { TestingModule } from '@nestjs/testing';
import { Clock, ManualClock } from '../../apps/api/src/clock/clock.js';
import { loadConfig, type AppConfig } from '../../apps/api/src/config/app-config.js';
import { configureHttpApp } from '../../apps/api/src/http-app.js';
import { createLogger } from '../../apps/api/src/logging/logger.js';
import { DEFAULT_POLICY } from '../../apps/api/src/agencies/agency-policy.js';
import type { Role } from '../../apps/api/src/identity/roles.js';
import { checkedAgent, Contract } from './contract.js';

/** A database of this test file's own, cloned from the migrated template. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.TEST_DATABASE_SERVER_URL;
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (!server || !template) throw new Error('run the tests with npm test (global setup starts the services)');
  const name = `t_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestApp {
  app: INestApplication;
  http(): ReturnType<typeof request>;
  clock: ManualClock;
  db: pg.Pool;
  config: AppConfig;
  contract: Contract;
  close(): Promise<void>;
}

/** The real API module on a real PostgreSQL and Redis, with the one clock replaced by a ManualClock. */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    REDIS_URL: process.env.TEST_REDIS_URL,
    SMTP_URL: 'smtp://127.0.0.1:9',
    LOG_LEVEL: 'silent',
    DATABASE_POOL_SIZE: '5',
    ...env,
  });
  const clock = new ManualClock();
  const moduleRef = await Test.createTestingModule({ imports: [ApiModule.forRoot(config)] })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const app = moduleRef.createNestApplication({ bodyParser: false, logger: false });
  const contract = new Contract(configureHttpApp(app, config, createLogger('silent')) as never);
  await app.init();
  const db = new pg.Pool({ connectionString: database.url, max: 3 });
  // pool.end() resolves before its idle clients' sockets have closed, so dropping the database
  // (WITH FORCE) can terminate one mid-goodbye: that termination (57P01) is the teardown itself.
  // Any other error of an idle client is not, and stays loud.
  db.on('error', (error: Error & { code?: string }) => {
    if (error.code !== '57P01') throw error;
  });
  return {
    app,
    // Every request a test makes is checked against the API's own document (support/contract.ts).
    http: () => checkedAgent(request(app.getHttpServer()), contract),
    contract,
    clock,
    db,
    config,
    close: async () => {
      await app.close();
      await db.end();
      await database.drop();
    },
  };
}

const hashes = new Map<string, Promise<string>>();
function hashOnce(password: string): Promise<string> {
  if (!hashes.has(password)) hashes.set(password, hash(password));
  return hashes.get(password)!;
}

export const PASSWORD = 'Correct-Horse-42!';

export async function seedAgency(db: pg.Pool, opts: { code: string; parentId?: string | null; name?: string; level?: string }): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO agencies (id, code, name, parent_id, timezone, responsibility_level, created_at, updated_at) VALUES ($1, $2, $3, $4, 'Asia/Taipei', $5, now(), now())`,
    [id, opts.code, opts.name ?? `Agency ${opts.code}`, opts.parentId ?? null, opts.level ?? 'B'],
  );
  await db.query('INSERT INTO agency_policies (agency_id, document, version, updated_at) VALUES ($1, $2, 1, now())', [id, JSON.stringify(DEFAULT_POLICY)]);
  return id;
}

/** A user whose password was set at the clock's current time and need not be changed. */
export async function seedUser(
  t: Pick<TestApp, 'db' | 'clock'>,
  opts: { agencyId: string; email: string; roles: Role[]; password?: string; expiresAt?: Date; mustChangePassword?: boolean; locale?: 'zh-TW' | 'en' },
): Promise<string> {
  const id = randomUUID();
  const now = t.clock.now();
  await t.db.query(
    `INSERT INTO users (id, agency_id, email, name, locale, password_hash, password_changed_at, must_change_password, expires_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $9, $5, $6, $7, $8, $6, $6)`,
    [
      id,
      opts.agencyId,
      opts.email,
      opts.email.split('@')[0],
      await hashOnce(opts.password ?? PASSWORD),
      now,
      opts.mustChangePassword ?? false,
      opts.expiresAt ?? null,
      opts.locale ?? 'zh-TW',
    ],
  );
  for (const role of opts.roles) await t.db.query('INSERT INTO role_memberships (user_id, role, granted_at) VALUES ($1, $2, $3)', [id, role, now]);
  return id;
}

export async function login(t: TestApp, email: string, password = PASSWORD): Promise<string> {
  const res = await t.http().post('/api/auth/login').send({ email, password });
  if (res.status !== 200) throw new Error(`login of ${email} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

/**
 * The real worker (queue consumers, relay, start-up reconcile, maintenance schedules) on the test
 * app's database, Redis and clock. Pass a QUEUE_PREFIX of the test's own so no other file's jobs meet it.
 */
export async function startTestWorker(t: Pick<TestApp, 'config' | 'clock'>, env: Record<string, string>): Promise<TestingModule> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: t.config.databaseUrl,
    REDIS_URL: t.config.redisUrl,
    SMTP_URL: t.config.smtpUrl,
    DATABASE_POOL_SIZE: '3',
    ...env,
  });
  const worker = await Test.createTestingModule({ imports: [WorkerModule.forRoot(config)] })
    .overrideProvider(Clock)
    .useValue(t.clock)
    .compile();
  await worker.init();
  return worker;
}
