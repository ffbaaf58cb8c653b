import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { DEFAULT_POLICY, durationMs, type AgencyPolicyDocument } from '../agencies/agency-policy.js';
import { PolicyService } from '../agencies/policy.service.js';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { LoginThrottle } from './login-throttle.js';
import { AppConfig } from '../config/app-config.js';
import { ProblemException, Problems } from '../common/problem.js';
import type { Locale } from '../users/user.entity.js';
import { noticeAccountLocked } from './account-notices.js';
import type { LoginResult } from './auth.schema.js';
import type { AuthenticatedUser } from './authenticated-user.js';
import { PasswordHasher, passwordRuleViolation } from './password-hasher.js';
import { isPrivileged, type Role } from './roles.js';

const DAY_MS = 86_400_000;
/** last_seen_at is refreshed at most this often, so authenticating is mostly a read. */
const LAST_SEEN_RESOLUTION_MS = 60_000;

interface UserRow {
  id: string;
  agency_id: string;
  email: string;
  name: string;
  locale: Locale;
  password_hash: string;
  password_changed_at: Date;
  must_change_password: boolean;
  expires_at: Date | null;
  disabled_at: Date | null;
  failed_login_count: number;
  locked_until: Date | null;
  roles: Role[];
  password_policy: AgencyPolicyDocument['passwords'] | null;
}

/** A failed login counted on the account (and its lock, when the count reaches the threshold). */
const COUNT_FAILURE = 'UPDATE users SET failed_login_count = $2, locked_until = $3, updated_at = $4 WHERE id = $1';

/** The id no account or agency has: the unknown-account path reads and updates by it, matching nothing. */
const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';

/** The one answer to a refused login, whatever the reason. */
const invalidCredentials = () => new ProblemException('invalid-credentials');

/** Logins refused at once for a while: too many refused for this account or from this address. */
function loginThrottled(retryAfterMs: number): ProblemException {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const minutes = Math.ceil(seconds / 60);
  return new ProblemException(
    'too-many-requests',
    {
      'zh-TW': `此帳號或此來源位址的登入失敗次數過多，請於 ${minutes} 分鐘後再試`,
      en: `too many refused logins for this account or from this address: try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
    },
    { retryAfterSeconds: seconds },
    { 'Retry-After': String(seconds) },
  );
}

export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * Sign-in, sessions and passwords (articles 29–32, 38): argon2id, lockout after repeated failures,
 * maximum password age forcing a change, expiring vendor accounts, instant revocation.
 */
@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly policies: PolicyService,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly throttle: LoginThrottle,
  ) {}

  private async loadUser(manager: EntityManager, where: 'email' | 'id', value: string, lock: boolean): Promise<UserRow | undefined> {
    const condition = where === 'email' ? 'lower(u.email) = lower($1)' : 'u.id = $1';
    const rows: UserRow[] = await manager.query(
      `SELECT u.id, u.agency_id, u.email, u.name, u.locale, u.password_hash, u.password_changed_at, u.must_change_password,
              u.expires_at, u.disabled_at, u.failed_login_count, u.locked_until,
              coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM role_memberships r WHERE r.user_id = u.id), '{}') AS roles,
              (SELECT p.document->'passwords' FROM agency_policies p WHERE p.agency_id = u.agency_id) AS password_policy
         FROM users u WHERE ${condition} ${lock ? 'FOR UPDATE OF u' : ''}`,
      [value],
    );
    return rows[0];
  }

  /** Whether the password is past its maximum age (shorter for privileged roles), or flagged. */
  private mustChange(user: Pick<UserRow, 'password_changed_at' | 'must_change_password' | 'roles' | 'password_policy'>): boolean {
    if (user.must_change_password) return true;
    const passwords = user.password_policy ?? DEFAULT_POLICY.passwords;
    const maxDays = isPrivileged(user.roles) ? passwords.privilegedMaxAgeDays : passwords.maxAgeDays;
    return this.clock.now().getTime() - new Date(user.password_changed_at).getTime() >= maxDays * DAY_MS;
  }

  async login(email: string, password: string, meta: { ip: string | null; userAgent: string | null; requestId: string | null }): Promise<LoginResult> {
    const now = this.clock.now();
    const retryAfterMs = await this.throttle.retryAfterMs(email, meta.ip);
    if (retryAfterMs > 0) {
      // Refused before the password is looked at (no argon2, no account read): audited, not counted.
      await this.dataSource.transaction((manager) =>
        this.audit.append(
          manager,
          { userId: null, label: email.slice(0, 320), agencyId: null, requestId: meta.requestId },
          { action: 'auth.login', outcome: 'refused', details: { reason: 'throttled', ip: meta.ip, retryAfterSeconds: Math.ceil(retryAfterMs / 1000) } },
        ),
      );
      const problem = loginThrottled(retryAfterMs);
      problem.audited = true;
      throw problem;
    }
    const outcome = await this.dataSource.transaction(async (manager) => {
      const user = await this.loadUser(manager, 'email', email, true);
      const actor: Actor = { userId: user?.id ?? null, label: email.slice(0, 320), agencyId: user?.agency_id ?? null, requestId: meta.requestId };
      const refuse = async (reason: string, problem: ProblemException, extra: Record<string, unknown> = {}) => {
        await this.audit.append(manager, actor, {
          action: 'auth.login',
          outcome: 'refused',
          targetType: 'user',
          targetId: user?.id ?? null,
          details: { reason, ip: meta.ip, ...extra },
        });
        problem.audited = true;
        return { problem } as const;
      };
      // One answer for every refusal (unknown, wrong password, locked, disabled, expired), each at
      // the cost of one argon2 verify, so neither the body, the headers nor the time tell which
      // accounts exist. The audit log keeps the reason; a lock is told to the holder by e-mail.
      if (!user) {
        await this.hasher.burn(password);
        // The database work of a wrong password too, matching nothing and writing nothing: the
        // same policy read and the same UPDATE (of no account), so the unknown path is not the short one.
        await this.policies.policyOf(NO_ACCOUNT, manager);
        await manager.query(COUNT_FAILURE, [NO_ACCOUNT, 0, null, now]);
        return refuse('unknown-account', invalidCredentials());
      }
      const valid = await this.hasher.verify(user.password_hash, password);
      // For the auditors: the right password on a locked, disabled or expired account is worth knowing.
      const matched = { passwordMatched: valid };
      if (user.locked_until && user.locked_until.getTime() > now.getTime()) return refuse('locked', invalidCredentials(), matched);
      if (user.disabled_at) return refuse('disabled', invalidCredentials(), matched);
      if (user.expires_at && user.expires_at.getTime() <= now.getTime()) return refuse('expired', invalidCredentials(), matched);
      if (!valid) {
        const { document } = await this.policies.policyOf(user.agency_id, manager);
        const failures = user.failed_login_count + 1;
        const lock = failures >= document.lockout.threshold;
        const lockedUntil = lock ? new Date(now.getTime() + durationMs(document.lockout.duration, now)) : null;
        await manager.query(COUNT_FAILURE, [user.id, lock ? 0 : failures, lockedUntil ?? user.locked_until, now]);
        if (lockedUntil) {
          await this.audit.append(manager, actor, {
            action: 'auth.lockout',
            targetType: 'user',
            targetId: user.id,
            details: { failures, lockedUntil: lockedUntil.toISOString() },
          });
          // Once per lock: while locked, further attempts are refused above without counting.
          await noticeAccountLocked(manager, { id: user.id, agencyId: user.agency_id, email: user.email }, lockedUntil, now);
        }
        return refuse('wrong-password', invalidCredentials());
      }
      const { token, sessionId, expiresAt } = await this.openSession(manager, user.id, now, meta);
      await manager.query('UPDATE users SET failed_login_count = 0, locked_until = NULL, last_login_at = $2, updated_at = $2 WHERE id = $1', [user.id, now]);
      const mustChangePassword = this.mustChange(user);
      await this.audit.append(manager, actor, {
        action: 'auth.login',
        targetType: 'session',
        targetId: sessionId,
        details: { ip: meta.ip, mustChangePassword },
      });
      const result: LoginResult = {
        token,
        expiresAt: expiresAt.toISOString(),
        mustChangePassword,
        user: { id: user.id, email: user.email, name: user.name, agencyId: user.agency_id, roles: user.roles, locale: user.locale },
      };
      return { result } as const;
    });
    if ('problem' in outcome) {
      await this.throttle.countRefusal(email, meta.ip);
      throw outcome.problem;
    }
    return outcome.result;
  }

  /**
   * Resolves a bearer token to its user on every request, so a revoked session, a disabled user
   * or an expired vendor account is refused on the very next request.
   */
  async authenticate(token: string): Promise<{ user?: AuthenticatedUser; refusal?: string }> {
    const now = this.clock.now();
    const rows: Array<UserRow & { session_id: string; session_expires_at: Date; revoked_at: Date | null; last_seen_at: Date }> = await this.dataSource.query(
      `SELECT s.id AS session_id, s.expires_at AS session_expires_at, s.revoked_at, s.last_seen_at,
              u.id, u.agency_id, u.email, u.name, u.locale, u.password_changed_at, u.must_change_password, u.expires_at, u.disabled_at,
              coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM role_memberships r WHERE r.user_id = u.id), '{}') AS roles,
              (SELECT p.document->'passwords' FROM agency_policies p WHERE p.agency_id = u.agency_id) AS password_policy
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = $1`,
      [tokenHash(token)],
    );
    const row = rows[0];
    if (!row) return { refusal: 'unknown-token' };
    if (row.revoked_at) return { refusal: 'session-revoked' };
    if (row.session_expires_at.getTime() <= now.getTime()) return { refusal: 'session-expired' };
    if (row.disabled_at) return { refusal: 'account-disabled' };
    if (row.expires_at && row.expires_at.getTime() <= now.getTime()) return { refusal: 'account-expired' };
    if (now.getTime() - row.last_seen_at.getTime() > LAST_SEEN_RESOLUTION_MS) {
      await this.dataSource.query('UPDATE sessions SET last_seen_at = $2 WHERE id = $1', [row.session_id, now]);
    }
    return {
      user: {
        id: row.id,
        sessionId: row.session_id,
        agencyId: row.agency_id,
        email: row.email,
        name: row.name,
        locale: row.locale,
        roles: row.roles,
        mustChangePassword: this.mustChange(row),
      },
    };
  }

  async logout(user: AuthenticatedUser, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`UPDATE sessions SET revoked_at = $2, revoked_reason = 'logout' WHERE id = $1 AND revoked_at IS NULL`, [
        user.sessionId,
        this.clock.now(),
      ]);
      await this.audit.append(manager, actor, { action: 'auth.logout', targetType: 'session', targetId: user.sessionId });
    });
  }

  /** Changes the password; every other session of the user ends. */
  /** A new session of the user, as a login makes it: its token (shown once) and expiry. */
  private async openSession(
    manager: EntityManager,
    userId: string,
    now: Date,
    meta: { ip: string | null; userAgent: string | null },
  ): Promise<{ token: string; sessionId: string; expiresAt: Date }> {
    const token = randomBytes(32).toString('base64url');
    const sessionId = randomUUID();
    const expiresAt = new Date(now.getTime() + this.config.sessionTtlMs);
    await manager.query(
      `INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at, last_seen_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $4, $6, $7)`,
      [sessionId, userId, tokenHash(token), now, expiresAt, meta.ip, meta.userAgent?.slice(0, 500) ?? null],
    );
    return { token, sessionId, expiresAt };
  }

  /**
   * Changes the password and rotates the session: every session of the account ends (this one
   * too), and a new one replaces the caller's, so a token or cookie seen before the change is
   * worth nothing after it.
   */
  async changePassword(
    user: AuthenticatedUser,
    currentPassword: string,
    newPassword: string,
    actor: Actor,
    meta: { ip: string | null; userAgent: string | null },
  ): Promise<{ token: string; expiresAt: string }> {
    const violation = passwordRuleViolation(newPassword, user.email, currentPassword);
    if (violation) throw Problems.field('newPassword', 'passwordPolicy', `newPassword ${violation}`);
    const now = this.clock.now();
    const outcome = await this.dataSource.transaction(async (manager) => {
      const row = await this.loadUser(manager, 'id', user.id, true);
      if (!row || !(await this.hasher.verify(row.password_hash, currentPassword))) {
        await this.audit.append(manager, actor, {
          action: 'auth.password.change',
          outcome: 'refused',
          targetType: 'user',
          targetId: user.id,
          details: { reason: 'wrong-current-password' },
        });
        return {
          problem: Object.assign(Problems.field('currentPassword', 'matches', 'currentPassword is not the current password'), { audited: true }),
        } as const;
      }
      const hashed = await this.hasher.hash(newPassword);
      await manager.query('UPDATE users SET password_hash = $2, password_changed_at = $3, must_change_password = false, updated_at = $3 WHERE id = $1', [
        user.id,
        hashed,
        now,
      ]);
      await manager.query(`UPDATE sessions SET revoked_at = $2, revoked_reason = 'password-changed' WHERE user_id = $1 AND revoked_at IS NULL`, [user.id, now]);
      const session = await this.openSession(manager, user.id, now, meta);
      await this.audit.append(manager, actor, {
        action: 'auth.password.change',
        targetType: 'user',
        targetId: user.id,
        details: { endedSession: user.sessionId, newSession: session.sessionId },
      });
      return { session } as const;
    });
    if ('problem' in outcome) throw outcome.problem;
    return { token: outcome.session.token, expiresAt: outcome.session.expiresAt.toISOString() };
  }
}
