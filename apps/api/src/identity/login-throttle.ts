import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';

/**
 * Refused logins counted per account (by the e-mail typed, whether or not it exists) and per client
 * address, across every API process (Redis), over a sliding window: past either limit, logins are
 * refused at once (429, Retry-After) without checking the password. This comes on top of the
 * account lockout of the agency policy: it slows guessing spread over many accounts from one
 * address, and guessing at one account from many, and it keeps argon2 from being an easy way to
 * load the API. Without Redis the counts fall back to this process's memory: logins go on.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);
  private readonly byAccount: RateLimiterRedis;
  private readonly byAddress: RateLimiterRedis;

  constructor(@Inject(REDIS) redis: Redis, config: AppConfig) {
    const { windowMs, perAccount, perAddress } = config.loginThrottle;
    const duration = Math.max(1, Math.ceil(windowMs / 1000));
    // The accounts are the database's: its name keeps two installations on one Redis apart.
    const database = decodeURIComponent(new URL(config.databaseUrl).pathname.slice(1)) || 'default';
    const limiter = (name: string, points: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${config.queuePrefix}:login-refusals:${database}:${name}`,
        points,
        duration,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `login-refusals:${name}`, points, duration }),
      });
    this.byAccount = limiter('account', perAccount);
    this.byAddress = limiter('address', perAddress);
  }

  private static account(email: string): string {
    return email.trim().toLowerCase().slice(0, 320);
  }

  /** How long logins for this account or from this address stay refused (0: not throttled). */
  async retryAfterMs(email: string, ip: string | null): Promise<number> {
    const spent = async (limiter: RateLimiterRedis, key: string | null) => {
      if (!key) return 0;
      try {
        const res = await limiter.get(key);
        return res && res.consumedPoints >= limiter.points ? res.msBeforeNext : 0;
      } catch (error) {
        this.logger.warn(`login throttle unavailable, not throttling: ${String(error)}`);
        return 0;
      }
    };
    const [account, address] = await Promise.all([spent(this.byAccount, LoginThrottle.account(email)), spent(this.byAddress, ip)]);
    return Math.max(account, address);
  }

  /** Counts one refused login against the account and the address. */
  async countRefusal(email: string, ip: string | null): Promise<void> {
    const count = (limiter: RateLimiterRedis, key: string | null) =>
      key
        ? limiter.consume(key).catch((reason: RateLimiterRes | Error) => {
            // Past the limit already (a RateLimiterRes): nothing more to count.
            if (reason instanceof Error) this.logger.warn(`login throttle unavailable, refusal not counted: ${reason.message}`);
          })
        : Promise.resolve();
    await Promise.all([count(this.byAccount, LoginThrottle.account(email)), count(this.byAddress, ip)]);
  }
}
