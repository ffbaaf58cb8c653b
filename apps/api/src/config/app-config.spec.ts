import { describe, expect, it } from '@jest/globals';
import { AppConfig, ConfigError, loadConfig } from './app-config.js';

const BASE = {
  DATABASE_URL: 'postgres://app:secret@localhost:5432/app',
  REDIS_URL: 'redis://localhost:6379',
  SMTP_URL: 'smtp://localhost:25',
};

/** The ConfigError loadConfig throws for this environment (fails the test if it does not throw one). */
function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).not.toMatch(/\n/);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('refuses a missing DATABASE_URL with a one-line ConfigError naming it', () => {
    const { DATABASE_URL: _, ...rest } = BASE;
    const error = errorOf(rest);
    expect(error.message).toMatch(/^DATABASE_URL\b/);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(() => loadConfig(rest)).toThrow(ConfigError);
  });

  it('treats a blank DATABASE_URL as missing', () => {
    expect(errorOf({ ...BASE, DATABASE_URL: '   ' }).message).toMatch(/DATABASE_URL is required/);
  });

  it('refuses a DATABASE_URL with the wrong scheme, naming the scheme', () => {
    const error = errorOf({ ...BASE, DATABASE_URL: 'mysql://app@localhost/app' });
    expect(error.message).toMatch(/^DATABASE_URL must use postgres: or postgresql:/);
    expect(error.message).toContain('mysql:');
  });

  it('refuses a DATABASE_URL that is not a URL', () => {
    expect(errorOf({ ...BASE, DATABASE_URL: 'not a url' }).message).toMatch(/^DATABASE_URL must be a URL/);
  });

  it('accepts postgresql:// and rediss://', () => {
    const config = loadConfig({ ...BASE, DATABASE_URL: 'postgresql://localhost/app', REDIS_URL: 'rediss://cache:6380' });
    expect(config.databaseUrl).toBe('postgresql://localhost/app');
    expect(config.redisUrl).toBe('rediss://cache:6380');
  });

  it('refuses a wrong REDIS_URL or SMTP_URL scheme, naming the variable', () => {
    expect(errorOf({ ...BASE, REDIS_URL: 'http://localhost:6379' }).message).toMatch(/^REDIS_URL must use redis: or rediss:/);
    expect(errorOf({ ...BASE, SMTP_URL: 'imap://localhost' }).message).toMatch(/^SMTP_URL must use smtp: or smtps:/);
  });

  it.each(['65536', '-1', '80.5', 'abc', '99999'])('refuses PORT=%s', (port) => {
    expect(errorOf({ ...BASE, PORT: port }).message).toBe('PORT must be a whole number from 0 to 65535');
  });

  it('accepts PORT at the bounds', () => {
    expect(loadConfig({ ...BASE, PORT: '65535' }).port).toBe(65535);
    expect(loadConfig({ ...BASE, PORT: '0' }).port).toBe(0);
    expect(loadConfig({ ...BASE, PORT: '8080' }).port).toBe(8080);
  });

  it('refuses an unknown LOG_LEVEL, listing the allowed ones', () => {
    const error = errorOf({ ...BASE, LOG_LEVEL: 'verbose' });
    expect(error.message).toMatch(/^LOG_LEVEL must be one of /);
    for (const level of ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) expect(error.message).toContain(level);
  });

  it('refuses an unknown NODE_ENV', () => {
    expect(errorOf({ ...BASE, NODE_ENV: 'staging' }).message).toMatch(/^NODE_ENV must be one of/);
  });

  it('refuses BOOTSTRAP_ADMIN_EMAIL without BOOTSTRAP_ADMIN_PASSWORD, and the reverse', () => {
    expect(errorOf({ ...BASE, BOOTSTRAP_ADMIN_EMAIL: 'root@gov.tw' }).message).toBe('BOOTSTRAP_ADMIN_PASSWORD is required when BOOTSTRAP_ADMIN_EMAIL is set');
    expect(errorOf({ ...BASE, BOOTSTRAP_ADMIN_PASSWORD: 'Long-Enough-Secret-1' }).message).toBe(
      'BOOTSTRAP_ADMIN_EMAIL is required when BOOTSTRAP_ADMIN_PASSWORD is set',
    );
  });

  it('refuses a bad bootstrap e-mail or a short bootstrap password', () => {
    expect(errorOf({ ...BASE, BOOTSTRAP_ADMIN_EMAIL: 'root', BOOTSTRAP_ADMIN_PASSWORD: 'Long-Enough-Secret-1' }).message).toMatch(
      /^BOOTSTRAP_ADMIN_EMAIL must be an e-mail/,
    );
    expect(errorOf({ ...BASE, BOOTSTRAP_ADMIN_EMAIL: 'root@gov.tw', BOOTSTRAP_ADMIN_PASSWORD: 'short' }).message).toMatch(
      /^BOOTSTRAP_ADMIN_PASSWORD must be at least 12/,
    );
  });

  it('reads a complete bootstrap admin', () => {
    const config = loadConfig({ ...BASE, BOOTSTRAP_ADMIN_EMAIL: 'root@gov.tw', BOOTSTRAP_ADMIN_PASSWORD: 'Long-Enough-Secret-1' });
    expect(config.bootstrapAdmin).toEqual({ email: 'root@gov.tw', password: 'Long-Enough-Secret-1' });
  });

  it('refuses a bad SESSION_TTL, MAIL_FROM or PUBLIC_URL', () => {
    expect(errorOf({ ...BASE, SESSION_TTL: '12 hours' }).message).toMatch(/^SESSION_TTL must be a positive ISO 8601 duration/);
    expect(errorOf({ ...BASE, SESSION_TTL: 'PT0S' }).message).toMatch(/^SESSION_TTL/);
    expect(errorOf({ ...BASE, MAIL_FROM: 'nobody' }).message).toMatch(/^MAIL_FROM/);
    expect(errorOf({ ...BASE, PUBLIC_URL: 'ftp://example.gov.tw' }).message).toMatch(/^PUBLIC_URL must use http: or https:/);
  });

  it('reads AWARENESS_LOOKBACK (default P1Y) and refuses one that is not a positive ISO duration', () => {
    expect(loadConfig(BASE).awarenessLookBack).toEqual({ iso: 'P1Y', ms: 365 * 24 * 3_600_000 });
    expect(loadConfig({ ...BASE, AWARENESS_LOOKBACK: 'P30D' }).awarenessLookBack).toEqual({ iso: 'P30D', ms: 30 * 24 * 3_600_000 });
    for (const bad of ['one year', 'P0D', '-P1Y'])
      expect(errorOf({ ...BASE, AWARENESS_LOOKBACK: bad }).message).toMatch(/^AWARENESS_LOOKBACK must be a positive ISO 8601 duration such as P1Y$/);
  });

  it('fills in the defaults', () => {
    const config = loadConfig({ ...BASE });
    expect(config).toBeInstanceOf(AppConfig);
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      publicUrl: 'http://localhost:3000',
      logLevel: 'info',
      mailFrom: 'Incident Response <no-reply@localhost>',
      sessionTtlMs: 12 * 3_600_000,
      bodyLimitBytes: 256 * 1024,
      queuePrefix: '{ir}',
    });
    expect(config.bootstrapAdmin).toBeUndefined();
  });

  it('allows no webhook exception by default', () => {
    const list = loadConfig({ ...BASE }).webhookAllowList;
    expect(list.entries).toEqual([]);
    expect(list.ranges.check('127.0.0.1', 'ipv4')).toBe(false);
  });

  it('reads WEBHOOK_ALLOWED_HOSTS: host names, addresses and CIDR ranges, blanks ignored', () => {
    const list = loadConfig({ ...BASE, WEBHOOK_ALLOWED_HOSTS: ' Hooks.Internal.gov.tw , 10.20.0.0/16,,127.0.0.1, fd00::/8 ' }).webhookAllowList;
    expect(list.entries).toEqual(['hooks.internal.gov.tw', '10.20.0.0/16', '127.0.0.1', 'fd00::/8']);
    expect([...list.hosts]).toEqual(['hooks.internal.gov.tw']);
    expect(list.ranges.check('10.20.3.4', 'ipv4')).toBe(true);
    expect(list.ranges.check('10.21.0.1', 'ipv4')).toBe(false);
    expect(list.ranges.check('127.0.0.1', 'ipv4')).toBe(true);
    expect(list.ranges.check('127.0.0.2', 'ipv4')).toBe(false);
    expect(list.ranges.check('fd12::1', 'ipv6')).toBe(true);
  });

  it.each([
    '10.0.0.0/33',
    'fd00::/129',
    '10.0.0.0/8/8',
    '10.0.0.0/x',
    'http://hooks.gov.tw',
    'hooks.gov.tw:8443',
    'under_score.gov.tw',
    '1.2.3.999',
    '*.gov.tw',
  ])('refuses WEBHOOK_ALLOWED_HOSTS=%s with one line naming the variable and the entry', (entry) => {
    const error = errorOf({ ...BASE, WEBHOOK_ALLOWED_HOSTS: `hooks.gov.tw,${entry}` });
    expect(error.message).toMatch(/^WEBHOOK_ALLOWED_HOSTS must be a comma-separated list of host names, IP addresses and CIDR ranges/);
    expect(error.message).toContain(`"${entry}"`);
  });

  it('reads CORS_ALLOWED_ORIGINS as origins, none by default', () => {
    expect(loadConfig(BASE).corsAllowedOrigins).toEqual([]);
    expect(loadConfig({ ...BASE, CORS_ALLOWED_ORIGINS: ' https://soc.example.gov.tw , http://localhost:5173/,' }).corsAllowedOrigins).toEqual([
      'https://soc.example.gov.tw',
      'http://localhost:5173',
    ]);
  });

  it.each(['soc.example.gov.tw', 'https://soc.example.gov.tw/dashboard', 'ftp://soc.example.gov.tw', '*'])(
    'refuses CORS_ALLOWED_ORIGINS=%s with one line naming the variable and the entry',
    (entry) => {
      const error = errorOf({ ...BASE, CORS_ALLOWED_ORIGINS: `https://ok.gov.tw,${entry}` });
      expect(error.message).toMatch(/^CORS_ALLOWED_ORIGINS must/);
      expect(error.message).toContain(entry);
    },
  );

  it('derives publicUrl from PORT, strips trailing slashes of PUBLIC_URL, and is silent under test', () => {
    expect(loadConfig({ ...BASE, PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    expect(loadConfig({ ...BASE, PUBLIC_URL: 'https://ir.example.gov.tw//' }).publicUrl).toBe('https://ir.example.gov.tw');
    expect(loadConfig({ ...BASE, NODE_ENV: 'test' }).logLevel).toBe('silent');
  });
});
