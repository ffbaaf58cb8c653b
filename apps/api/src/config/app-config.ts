import { Duration } from 'luxon';
import { AllowListError, parseWebhookAllowList, type WebhookAllowList } from '@app/notify';

/** Thrown for a bad or missing setting; its message is one line naming the variable and the rule. */
export class ConfigError extends Error {}

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The process configuration, read once from the environment and validated at start-up. */
export class AppConfig {
  readonly nodeEnv!: NodeEnv;
  readonly port!: number;
  readonly databaseUrl!: string;
  readonly redisUrl!: string;
  readonly smtpUrl!: string;
  readonly mailFrom!: string;
  readonly publicUrl!: string;
  /** Whether PUBLIC_URL was given (else publicUrl is the local default, and the console accepts its own host as origin). */
  readonly publicUrlConfigured!: boolean;
  readonly logLevel!: LogLevel;
  readonly bootstrapAdmin?: { email: string; password: string };
  /** Absolute lifetime of a login session. */
  readonly sessionTtlMs!: number;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimitBytes!: number;
  /** Delivery retries: first backoff and number of attempts before a delivery is dead. */
  readonly notifyBackoffMs!: number;
  readonly notifyAttempts!: number;
  /** Whether this worker runs the outbox relay (LISTEN/NOTIFY and a short poll). */
  readonly relayEnabled!: boolean;
  /** PostgreSQL connections per process. */
  readonly databasePoolSize!: number;
  /** BullMQ key prefix; hash-tagged so a Redis Cluster keeps a queue's keys in one slot. */
  readonly queuePrefix!: string;
  /** Bound on a worker's graceful shutdown (SIGTERM/SIGINT); past it the worker abandons its jobs and exits non-zero. */
  readonly shutdownTimeoutMs!: number;
  /** How far back an incident's awareness time may lie (older is implausible: its clocks would breach at once). */
  readonly awarenessLookBack!: { iso: string; ms: number };
  /**
   * Webhook targets allowed although they are http or on a loopback, link-local or private address
   * (WEBHOOK_ALLOWED_HOSTS): host names and CIDR ranges. Empty by default: https to public addresses only.
   */
  readonly webhookAllowList!: WebhookAllowList;
  /**
   * Origins whose pages may call the API with a bearer token (CORS_ALLOWED_ORIGINS, comma-separated
   * https origins). Empty by default: no cross-origin reads at all. Never with cookies: the console's
   * session cookie is SameSite=Strict and its writes are checked for the console's own Origin.
   */
  readonly corsAllowedOrigins!: readonly string[];
  /**
   * Refused logins allowed per account and per client address within the window before logins
   * are refused at once (LOGIN_THROTTLE_WINDOW, LOGIN_REFUSALS_PER_ACCOUNT, LOGIN_REFUSALS_PER_ADDRESS).
   */
  readonly loginThrottle!: { windowMs: number; perAccount: number; perAddress: number };

  constructor(values: AppConfig) {
    Object.assign(this, values);
  }
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

function required(env: NodeJS.ProcessEnv, name: string, rule: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`${name} is required: ${rule}`);
  return value;
}

function url(name: string, value: string, protocols: string[]): string {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be a URL (${protocols.map((p) => p + '//…').join(' or ')})`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return value;
}

function integer(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  if (!/^\d+$/.test(value.trim())) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}`);
  const n = Number(value);
  if (n < min || n > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

function duration(name: string, value: string | undefined, fallback: string, example = 'PT12H'): number {
  const text = value?.trim() || fallback;
  const parsed = Duration.fromISO(text);
  if (!parsed.isValid || parsed.toMillis() <= 0) throw new ConfigError(`${name} must be a positive ISO 8601 duration such as ${example}`);
  return parsed.toMillis();
}

/** Reads and validates the environment; throws ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const nodeEnv = (env.NODE_ENV?.trim() || 'development') as NodeEnv;
  if (!['development', 'production', 'test'].includes(nodeEnv)) {
    throw new ConfigError('NODE_ENV must be one of development, production, test');
  }
  const databaseUrl = url('DATABASE_URL', required(env, 'DATABASE_URL', 'a postgres:// URL'), ['postgres:', 'postgresql:']);
  const redisUrl = url('REDIS_URL', required(env, 'REDIS_URL', 'a redis:// or rediss:// URL'), ['redis:', 'rediss:']);
  const smtpUrl = url('SMTP_URL', required(env, 'SMTP_URL', 'an smtp:// or smtps:// URL'), ['smtp:', 'smtps:']);
  const port = integer('PORT', env.PORT, 3000, 0, 65535);
  const mailFrom = env.MAIL_FROM?.trim() || 'Incident Response <no-reply@localhost>';
  const fromAddress = /<([^>]+)>\s*$/.exec(mailFrom)?.[1] ?? mailFrom;
  if (!EMAIL.test(fromAddress)) throw new ConfigError('MAIL_FROM must be an e-mail address, optionally as "Name <address>"');
  const publicUrl = url('PUBLIC_URL', env.PUBLIC_URL?.trim() || `http://localhost:${port}`, ['http:', 'https:']).replace(/\/+$/, '');
  const logLevel = (env.LOG_LEVEL?.trim() || (nodeEnv === 'test' ? 'silent' : 'info')) as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);

  const adminEmail = env.BOOTSTRAP_ADMIN_EMAIL?.trim();
  const adminPassword = env.BOOTSTRAP_ADMIN_PASSWORD;
  let bootstrapAdmin: AppConfig['bootstrapAdmin'];
  if (adminEmail || adminPassword) {
    if (!adminEmail) throw new ConfigError('BOOTSTRAP_ADMIN_EMAIL is required when BOOTSTRAP_ADMIN_PASSWORD is set');
    if (!adminPassword) throw new ConfigError('BOOTSTRAP_ADMIN_PASSWORD is required when BOOTSTRAP_ADMIN_EMAIL is set');
    if (!EMAIL.test(adminEmail)) throw new ConfigError('BOOTSTRAP_ADMIN_EMAIL must be an e-mail address');
    if (adminPassword.length < 12) throw new ConfigError('BOOTSTRAP_ADMIN_PASSWORD must be at least 12 characters');
    bootstrapAdmin = { email: adminEmail, password: adminPassword };
  }
  const sessionTtlMs = duration('SESSION_TTL', env.SESSION_TTL, 'PT12H');
  const bodyLimitBytes = integer('BODY_LIMIT_BYTES', env.BODY_LIMIT_BYTES, 256 * 1024, 1024, 50 * 1024 * 1024);
  const queuePrefix = env.QUEUE_PREFIX?.trim() || '{ir}';
  const notifyBackoffMs = integer('NOTIFY_BACKOFF_MS', env.NOTIFY_BACKOFF_MS, 5000, 1, 3_600_000);
  const notifyAttempts = integer('NOTIFY_ATTEMPTS', env.NOTIFY_ATTEMPTS, 6, 1, 50);
  const relayFlag = env.RELAY_ENABLED?.trim() || 'true';
  if (!['true', 'false'].includes(relayFlag)) throw new ConfigError('RELAY_ENABLED must be true or false');
  const databasePoolSize = integer('DATABASE_POOL_SIZE', env.DATABASE_POOL_SIZE, 20, 1, 500);
  const shutdownTimeoutMs = integer('SHUTDOWN_TIMEOUT_MS', env.SHUTDOWN_TIMEOUT_MS, 15_000, 100, 600_000);
  const lookBack = env.AWARENESS_LOOKBACK?.trim() || 'P1Y';
  const awarenessLookBack = { iso: lookBack, ms: duration('AWARENESS_LOOKBACK', lookBack, 'P1Y', 'P1Y') };
  let webhookAllowList: WebhookAllowList;
  try {
    webhookAllowList = parseWebhookAllowList(env.WEBHOOK_ALLOWED_HOSTS);
  } catch (error) {
    if (!(error instanceof AllowListError)) throw error;
    throw new ConfigError(`WEBHOOK_ALLOWED_HOSTS must be a comma-separated list of host names, IP addresses and CIDR ranges: ${error.message}`);
  }
  const corsAllowedOrigins = (env.CORS_ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((origin) => {
      let parsed: URL;
      try {
        parsed = new URL(origin);
      } catch {
        throw new ConfigError(`CORS_ALLOWED_ORIGINS must be a comma-separated list of origins such as https://soc.example.gov.tw: ${origin} is not a URL`);
      }
      if (!['https:', 'http:'].includes(parsed.protocol) || parsed.origin !== origin.replace(/\/+$/, ''))
        throw new ConfigError(`CORS_ALLOWED_ORIGINS must list origins only (scheme, host and port, no path): ${origin}`);
      return parsed.origin;
    });
  const loginThrottle = {
    windowMs: duration('LOGIN_THROTTLE_WINDOW', env.LOGIN_THROTTLE_WINDOW, 'PT15M'),
    perAccount: integer('LOGIN_REFUSALS_PER_ACCOUNT', env.LOGIN_REFUSALS_PER_ACCOUNT, 20, 1, 1_000_000),
    perAddress: integer('LOGIN_REFUSALS_PER_ADDRESS', env.LOGIN_REFUSALS_PER_ADDRESS, 100, 1, 1_000_000),
  };
  return new AppConfig({
    nodeEnv,
    port,
    databaseUrl,
    redisUrl,
    smtpUrl,
    mailFrom,
    publicUrl,
    publicUrlConfigured: Boolean(env.PUBLIC_URL?.trim()),
    logLevel,
    bootstrapAdmin,
    sessionTtlMs,
    bodyLimitBytes,
    queuePrefix,
    databasePoolSize,
    notifyBackoffMs,
    notifyAttempts,
    relayEnabled: relayFlag === 'true',
    shutdownTimeoutMs,
    awarenessLookBack,
    webhookAllowList,
    corsAllowedOrigins,
    loginThrottle,
  });
}
