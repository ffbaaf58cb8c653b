import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createDataSource } from '../db/data-source.js';
import { startSmtpSink, type SmtpSink } from './support/smtp-sink.js';
import { createTestApp, createTestDatabase, type TestApp } from './support/test-app.js';

describe('operations: health, readiness, OpenAPI', () => {
  let t: TestApp;
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
    t = await createTestApp({ SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('answers liveness without a session', async () => {
    const res = await t.http().get('/health');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('is ready when PostgreSQL, Redis and SMTP answer', async () => {
    const res = await t.http().get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body.details).toMatchObject({ database: { status: 'up' }, redis: { status: 'up' }, smtp: { status: 'up' } });
  });

  it('serves the OpenAPI document and the interactive docs', async () => {
    const doc = await t.http().get('/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/login',
        '/api/me',
        '/api/agencies',
        '/api/agencies/{id}/policy',
        '/api/units',
        '/api/users',
        '/api/users/{id}',
        '/api/audit',
        '/api/audit/verify',
      ]),
    );
    const docs = await t.http().get('/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger');
  });

  it('serves Prometheus metrics: latency, outbox, deliveries, deadlines and queue depth, counts only', async () => {
    await t.http().get('/health');
    const res = await t.http().get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of [
      'http_request_duration_seconds_bucket',
      'outbox_pending',
      'outbox_oldest_pending_seconds',
      'deadlines_pending_overdue',
      'queue_jobs{queue="notifications",state="waiting"}',
      'process_resident_memory_bytes',
    ]) {
      expect(res.text).toContain(name);
    }
    expect(res.text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} \d+/);
  });

  it('carries a request id: the caller’s when well-formed, else a new one', async () => {
    const given = await t.http().get('/health').set('X-Request-Id', 'trace-123');
    expect(given.headers['x-request-id']).toBe('trace-123');
    const made = await t.http().get('/health').set('X-Request-Id', 'bad id with spaces');
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('operations: readiness reports a dependency that is down', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ SMTP_URL: 'smtp://127.0.0.1:9' });
  });
  afterAll(() => t.close());

  it('answers 503 naming the SMTP server', async () => {
    const res = await t.http().get('/health/ready');
    expect(res.status).toBe(503);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.checks.smtp.status).toBe('down');
    expect(res.body.checks.database.status).toBe('up');
  });
});

describe('migrations', () => {
  it('revert every migration and apply them again on a fresh database', async () => {
    const database = await createTestDatabase();
    const dataSource = createDataSource(database.url);
    await dataSource.initialize();
    try {
      expect(await dataSource.showMigrations()).toBe(false);
      for (let i = 0; i < dataSource.migrations.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
      const left = await dataSource.query(
        `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
      );
      expect(left[0].n).toBe(0);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      expect(applied).toHaveLength(dataSource.migrations.length);
    } finally {
      await dataSource.destroy();
      await database.drop();
    }
  });
});
