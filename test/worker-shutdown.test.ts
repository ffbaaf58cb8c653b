import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type { ParsedMail } from 'mailparser';
import pg from 'pg';
import { ManualClock } from '../apps/api/src/clock/clock.js';
import { ConfigError, loadConfig } from '../apps/api/src/config/app-config.js';
import { NOTIFY_QUEUE } from '../apps/api/src/notifications/notification.jobs.js';
import { startSmtpSink } from './support/smtp-sink.js';
import { createTestDatabase, seedAgency, seedUser } from './support/test-app.js';

/**
 * The real compiled worker entry point (`npm run start:worker`) as a child process, stopped with
 * SIGTERM: in-flight jobs finish and the process exits 0; with its Redis gone, it still exits
 * within SHUTDOWN_TIMEOUT_MS. Nothing here sleeps: every wait is for an event (a log line, an
 * e-mail reaching the sink, a process exit), each bounded by a deadline.
 */

const buildDir = process.env.TEST_BUILD_DIR;
const workerEntry = buildDir ? join(buildDir, 'apps', 'api', 'src', 'worker.js') : '';
const apiEntry = buildDir ? join(buildDir, 'apps', 'api', 'src', 'main.js') : '';

/**
 * The test build is plain tsc output, which keeps the `@app/…` path aliases of tsconfig.json as
 * they are (nest build rewrites them): a resolve hook, registered with --import, maps them to the
 * compiled libraries, as tsconfig.json's `paths` say.
 */
function aliasHookImport(): string {
  const { compilerOptions } = JSON.parse(readFileSync(join(process.cwd(), 'tsconfig.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  const aliases = Object.fromEntries(
    Object.entries(compilerOptions.paths).map(([alias, [target]]) => [alias, pathToFileURL(join(buildDir!, target!.replace(/\.ts$/, '.js'))).href]),
  );
  const hooks = `const aliases = ${JSON.stringify(aliases)};
export async function resolve(specifier, context, next) {
  return specifier in aliases ? { url: aliases[specifier], shortCircuit: true } : next(specifier, context);
}`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  return `data:text/javascript,${encodeURIComponent(register)}`;
}

interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

interface WorkerProcess {
  child: ChildProcess;
  logs: LogLine[];
  stderr: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** The first log line (already printed or still to come) matching, within the deadline. */
  waitForLog(what: string, match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** The first stderr output (already printed or still to come) matching, within the deadline. */
  waitForStderr(what: string, pattern: RegExp, timeoutMs?: number): Promise<void>;
}

const processes = new Set<ChildProcess>();

/** Resolves with the promise's value, or rejects once `timeoutMs` passes (the timer is cleared either way). */
async function within<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function spawnWorker(env: Record<string, string>, entry = workerEntry): WorkerProcess {
  const child = spawn(process.execPath, ['--import', aliasHookImport(), entry], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'info', DATABASE_POOL_SIZE: '3', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  processes.add(child);
  const events = new EventEmitter();
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) {
      if (!text.trim()) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { level: 'raw', msg: text };
      }
      logs.push(line);
      events.emit('line', line);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(chunk);
    events.emit('stderr');
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      processes.delete(child);
      resolve({ code, signal, at: Date.now() });
      events.emit('exit');
    }),
  );
  const waitFor = <T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> => {
    const found = probe();
    if (found !== undefined) return Promise.resolve(found);
    return within(
      what,
      new Promise<T>((resolve, reject) => {
        const check = () => {
          const value = probe();
          if (value !== undefined) {
            cleanup();
            resolve(value);
          }
        };
        const exited = () => {
          cleanup();
          reject(new Error(`the worker exited while waiting for ${what}; stderr: ${stderr.join('').slice(-2000)}`));
        };
        const cleanup = () => {
          events.off('line', check);
          events.off('stderr', check);
          events.off('exit', exited);
        };
        events.on('line', check);
        events.on('stderr', check);
        events.once('exit', exited);
      }),
      timeoutMs,
    );
  };
  return {
    child,
    logs,
    stderr,
    exit,
    waitForLog: (what, match, timeoutMs = 30_000) => waitFor(what, () => logs.find(match), timeoutMs),
    waitForStderr: async (what, pattern, timeoutMs = 30_000) => {
      await waitFor(what, () => (pattern.test(stderr.join('')) ? true : undefined), timeoutMs);
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface GatedSmtpSink {
  url: string;
  /** Messages accepted so far. */
  messages: ParsedMail[];
  /** Holds every message whose Message-ID starts with `<prefix` until `release()`; resolves when one arrives. */
  hold(prefix: string): Promise<ParsedMail>;
  release(): void;
  close(): Promise<void>;
}

/** The real SMTP sink, holding back the acceptance of a chosen message: the worker's job stays in flight meanwhile. */
async function startGatedSmtpSink(): Promise<GatedSmtpSink> {
  let held: { prefix: string; arrived: (mail: ParsedMail) => void; gate: Promise<void>; open: () => void } | undefined;
  const sink = await startSmtpSink({
    beforeAccept: async (mail) => {
      if (held && mail.messageId?.startsWith(`<${held.prefix}`)) {
        held.arrived(mail);
        await held.gate;
      }
    },
  });
  return {
    url: sink.url,
    messages: sink.messages,
    hold: (prefix) =>
      new Promise<ParsedMail>((arrived) => {
        let open!: () => void;
        const gate = new Promise<void>((r) => (open = r));
        held = { prefix, arrived, gate, open };
      }),
    release: () => held?.open(),
    close: () => {
      held?.open();
      return sink.close();
    },
  };
}

/** One delivery intent for the agency's responders (one user): one e-mail. */
async function insertIntent(db: pg.Pool, agencyId: string, id = randomUUID()): Promise<string> {
  await db.query(
    `INSERT INTO outbox (id, agency_id, aggregate_type, aggregate_id, template, audience, payload, created_at)
     VALUES ($1, $2, 'incident', $3, 'incident.triaged', '[{"kind":"role","role":"responder"}]', $4, now())`,
    [id, agencyId, randomUUID(), JSON.stringify({ reference: 'SHD-2026-0001', level: 2, state: 'reported', tlp: 'GREEN', dataLevel: 'general' })],
  );
  return id;
}

describe('SHUTDOWN_TIMEOUT_MS', () => {
  const base = { DATABASE_URL: 'postgres://localhost/app', REDIS_URL: 'redis://localhost:6379', SMTP_URL: 'smtp://localhost:25' };

  it('defaults to 15 s and is validated like the other settings', () => {
    expect(loadConfig(base).shutdownTimeoutMs).toBe(15_000);
    expect(loadConfig({ ...base, SHUTDOWN_TIMEOUT_MS: '2500' }).shutdownTimeoutMs).toBe(2500);
    for (const bad of ['50', '1.5', 'soon', '600001']) {
      expect(() => loadConfig({ ...base, SHUTDOWN_TIMEOUT_MS: bad })).toThrow(new ConfigError('SHUTDOWN_TIMEOUT_MS must be a whole number from 100 to 600000'));
    }
  });
});

describe('worker process: graceful shutdown on SIGTERM', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: pg.Pool;
  let sink: GatedSmtpSink;
  let agencyId: string;
  const redisServers = new Set<ChildProcess>();

  beforeAll(async () => {
    if (!workerEntry || !existsSync(workerEntry)) throw new Error('run with scripts/run-tests.mjs: TEST_BUILD_DIR must hold the compiled worker');
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 3 });
    agencyId = await seedAgency(db, { code: 'SHD' });
    await seedUser({ db, clock: new ManualClock() }, { agencyId, email: 'responder@shd.gov.tw', roles: ['responder'] });
    sink = await startGatedSmtpSink();
  });

  afterAll(async () => {
    // Whatever happened above, no worker or redis-server outlives the file.
    for (const child of [...processes, ...redisServers]) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    await sink?.close();
    await db?.end();
    await database?.drop();
  });

  it('finishes the job in flight (one e-mail, delivery sent), takes no new job, and exits 0', async () => {
    const prefix = `{shutdown-${process.pid}-${Date.now()}}`;
    const worker = spawnWorker({
      DATABASE_URL: database.url,
      REDIS_URL: process.env.TEST_REDIS_URL!,
      SMTP_URL: sink.url,
      QUEUE_PREFIX: prefix,
      MAIL_FROM: 'Incident Response <ir@shd.gov.tw>',
      SHUTDOWN_TIMEOUT_MS: '30000',
    });
    await worker.waitForLog('the worker to start', (l) => l.msg === 'worker started');

    const outboxId = randomUUID();
    const arrived = sink.hold(outboxId);
    await insertIntent(db, agencyId, outboxId);
    // The e-mail reached the server, which does not accept it yet: the job is in flight.
    await within('the e-mail to reach the SMTP sink', arrived, 30_000);
    const sending = await db.query(`SELECT status FROM deliveries WHERE outbox_id = $1`, [outboxId]);
    expect(sending.rows).toEqual([{ status: 'sending' }]);

    worker.child.kill('SIGTERM');
    const stopping = await worker.waitForLog('the shutdown to start', (l) => l.msg.startsWith('shutting down'));
    expect(stopping.inFlightJobs).toContainEqual({ queue: NOTIFY_QUEUE, jobId: outboxId });

    // An intent written now may still be relayed, but no worker of this process takes it.
    const late = await insertIntent(db, agencyId);
    sink.release();
    const exit = await within('the worker to exit', worker.exit, 30_000);

    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(worker.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['queue workers closed: no job in flight', 'worker stopped']));
    expect(worker.logs.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
    expect(sink.messages).toHaveLength(1);
    expect(sink.messages[0]!.messageId).toMatch(new RegExp(`^<${outboxId}\\.`));
    const delivered = await db.query(`SELECT status, message_id FROM deliveries WHERE outbox_id = $1`, [outboxId]);
    expect(delivered.rows).toEqual([{ status: 'sent', message_id: expect.stringMatching(new RegExp(`^<${outboxId}\\.`)) }]);

    expect((await db.query(`SELECT count(*)::int AS n FROM deliveries WHERE outbox_id = $1`, [late])).rows[0].n).toBe(0);
    const queue = new Queue(NOTIFY_QUEUE, { connection: { url: process.env.TEST_REDIS_URL! }, prefix });
    try {
      const relayed = (await db.query(`SELECT enqueued_at FROM outbox WHERE id = $1`, [late])).rows[0].enqueued_at !== null;
      // Relayed before the relay stopped: waiting in the queue for the next worker; otherwise still in the outbox.
      expect(await queue.getJobState(late)).toBe(relayed ? 'waiting' : 'unknown');
    } finally {
      await queue.close();
    }
  }, 90_000);

  /** A redis-server of the test's own, ready for connections. */
  async function privateRedis(): Promise<{ port: number; redis: ChildProcess; redisExit: Promise<unknown> }> {
    const port = await freePort();
    const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    redisServers.add(redis);
    const redisExit = once(redis, 'exit');
    let redisOutput = '';
    await within(
      'redis-server to accept connections',
      new Promise<void>((resolve, reject) => {
        redis.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
          redisOutput += chunk;
          if (/Ready to accept connections/.test(redisOutput)) resolve();
        });
        redis.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${redisOutput}`)));
      }),
      20_000,
    );

    return { port, redis, redisExit };
  }

  it('with its Redis gone, still exits within SHUTDOWN_TIMEOUT_MS (plus a margin) and says what it abandoned', async () => {
    const { port, redis, redisExit } = await privateRedis();

    const shutdownTimeoutMs = 2000;
    const marginMs = 5000;
    const worker = spawnWorker({
      DATABASE_URL: database.url,
      REDIS_URL: `redis://127.0.0.1:${port}`,
      SMTP_URL: sink.url,
      QUEUE_PREFIX: `{shutdown-noredis-${process.pid}}`,
      SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
    });
    await worker.waitForLog('the worker to start', (l) => l.msg === 'worker started');

    redis.kill('SIGKILL');
    await within('redis-server to die', redisExit, 10_000);
    // The worker's connections notice: ioredis reports the refused reconnections.
    await worker.waitForStderr('the worker to see Redis gone', /ECONNREFUSED/, 30_000);

    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    const exit = await within('the worker to exit', worker.exit, shutdownTimeoutMs + marginMs);

    expect(exit.at - signalledAt).toBeLessThan(shutdownTimeoutMs + marginMs);
    expect(exit).toMatchObject({ code: 1, signal: null });
    const abandoned = worker.logs.find((l) => l.msg.startsWith('shutdown did not finish'));
    expect(abandoned).toMatchObject({ level: 'error', abandonedJobs: expect.any(Array), waitingFor: expect.stringContaining('in-flight jobs') });
    expect(abandoned?.elapsedMs).toBeGreaterThanOrEqual(shutdownTimeoutMs - 50);
  }, 90_000);
  it('the API process, with its Redis gone, also exits within SHUTDOWN_TIMEOUT_MS', async () => {
    const { port, redis, redisExit } = await privateRedis();
    const shutdownTimeoutMs = 2000;
    const marginMs = 5000;
    const api = spawnWorker(
      {
        DATABASE_URL: database.url,
        REDIS_URL: `redis://127.0.0.1:${port}`,
        SMTP_URL: sink.url,
        PORT: String(await freePort()),
        QUEUE_PREFIX: `{shutdown-api-noredis-${process.pid}}`,
        SHUTDOWN_TIMEOUT_MS: String(shutdownTimeoutMs),
      },
      apiEntry,
    );
    await api.waitForLog('the API to listen', (l) => l.msg.startsWith('API listening'));
    redis.kill('SIGKILL');
    await within('redis-server to die', redisExit, 10_000);
    await api.waitForStderr('the API to see Redis gone', /ECONNREFUSED/, 30_000);
    const signalledAt = Date.now();
    api.child.kill('SIGTERM');
    const exit = await within('the API to exit', api.exit, shutdownTimeoutMs + marginMs);
    expect(exit.at - signalledAt).toBeLessThan(shutdownTimeoutMs + marginMs);
    expect(exit.signal).toBeNull();
  }, 90_000);
});
