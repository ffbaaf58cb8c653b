import { randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { PolicyService } from '../agencies/policy.service.js';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { decodeCursor, toPage } from '../common/paging.js';
import { ProblemException, Problems, type FieldError } from '../common/problem.js';
import { noticePrivilegedGrant } from '../identity/account-notices.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { PasswordHasher, passwordRuleViolation } from '../identity/password-hasher.js';
import { ScopeService } from '../identity/scope.service.js';
import { ACCOUNT_READER_ROLES, ANNOUNCED_GRANT_ROLES, breaksAuditorSeparation, hasAnyRole, heldRoles, type Role } from '../identity/roles.js';
import { execute } from '../database/sql.js';
import type { Locale } from './user.entity.js';
import type { CreateUserBody, ListUsersQuery, UpdateUserBody, UserDirectoryEntry, UserView } from './user.schema.js';

interface UserRow {
  id: string;
  agency_id: string;
  email: string;
  name: string;
  locale: Locale;
  expires_at: Date | null;
  disabled_at: Date | null;
  locked_until: Date | null;
  password_changed_at: Date;
  must_change_password: boolean;
  last_login_at: Date | null;
  created_at: Date;
  roles: Role[];
  unit_ids: string[];
}

const SELECT = `SELECT u.id, u.agency_id, u.email, u.name, u.locale, u.expires_at, u.disabled_at, u.locked_until, u.password_changed_at,
       u.must_change_password, u.last_login_at, u.created_at,
       coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM role_memberships r WHERE r.user_id = u.id), '{}') AS roles,
       coalesce((SELECT array_agg(m.unit_id ORDER BY m.unit_id) FROM unit_memberships m WHERE m.user_id = u.id), '{}') AS unit_ids
  FROM users u`;

export const userView = (r: UserRow): UserView => ({
  id: r.id,
  email: r.email,
  name: r.name,
  agencyId: r.agency_id,
  roles: r.roles,
  unitIds: r.unit_ids,
  locale: r.locale,
  expiresAt: r.expires_at?.toISOString() ?? null,
  disabled: r.disabled_at !== null,
  disabledAt: r.disabled_at?.toISOString() ?? null,
  lockedUntil: r.locked_until?.toISOString() ?? null,
  passwordChangedAt: r.password_changed_at.toISOString(),
  mustChangePassword: r.must_change_password,
  lastLoginAt: r.last_login_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

/**
 * What everyone but the account readers sees of an account: enough to pick a person (a corrective
 * action's owner, a unit's head), none of its roles, state, last login or password age.
 */
export const directoryEntry = (r: UserRow): UserDirectoryEntry => ({ id: r.id, email: r.email, name: r.name, agencyId: r.agency_id, unitIds: r.unit_ids });

/** The full record for admins and auditors, the directory entry for everyone else. */
function viewFor(reader: AuthenticatedUser): (r: UserRow) => UserView | UserDirectoryEntry {
  return hasAnyRole(reader.roles, ACCOUNT_READER_ROLES) ? userView : directoryEntry;
}

/**
 * Vendor accounts are outside contractors: they read no account directory (nobody's name, e-mail
 * or unit), only their own record (/api/me, /api/users/{own id}). 403 naming the rule; the problem
 * filter audits the refusal.
 */
function refuseDirectoryToVendor(user: AuthenticatedUser): void {
  if (!user.roles.includes('vendor')) return;
  const rule = 'vendorNoDirectory';
  const detail = {
    'zh-TW': '廠商帳號只能查閱自己的帳號資料（/api/me），不得查閱帳號名錄',
    en: 'a vendor account reads only its own record (/api/me), not the account directory',
  };
  throw new ProblemException('forbidden', detail, {
    reason: rule,
    errors: [{ field: 'roles', rule, message: 'vendor accounts do not read other accounts' }],
  });
}

const sameRoles = (a: readonly Role[], b: readonly Role[]) => a.length === b.length && a.every((r) => b.includes(r));

/** Vendor accounts may hold only these other roles. */
const VENDOR_COMPATIBLE: Role[] = ['vendor', 'responder'];

/** A temporary password that meets the password rules; shown once, changed at first login. */
function temporaryPassword(): string {
  return `Tmp-${randomBytes(15).toString('base64url')}-9a`;
}

/** Accounts (articles 29–32, 38): least privilege, vendors expire, disabling ends sessions at once. */
@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    private readonly policies: PolicyService,
    private readonly hasher: PasswordHasher,
    private readonly clock: Clock,
  ) {}

  async list(user: AuthenticatedUser, query: ListUsersQuery) {
    refuseDirectoryToVendor(user);
    // The directory shows no roles, and a role filter would tell them all the same.
    if (query.role && !hasAnyRole(user.roles, ACCOUNT_READER_ROLES)) {
      const detail = {
        'zh-TW': `依角色篩選帳號需要下列角色之一：${ACCOUNT_READER_ROLES.join('、')}`,
        en: `filtering accounts by role needs one of the roles: ${ACCOUNT_READER_ROLES.join(', ')}`,
      };
      throw new ProblemException('forbidden', detail, {
        reason: 'role',
        requiredRoles: ACCOUNT_READER_ROLES,
        errors: [{ field: 'role', rule: 'accountReaders', message: 'only admins and auditors filter accounts by role' }],
      });
    }
    const limit = query.limit ?? 50;
    const after = decodeCursor(query.cursor, 2);
    let agencies = await this.scope.visibleAgencyIds(user);
    if (query.agencyId) {
      if (!agencies.includes(query.agencyId)) throw Problems.outOfScope(`agency ${query.agencyId}`);
      agencies = [query.agencyId];
    }
    const rows: UserRow[] = await this.dataSource.query(
      `${SELECT} WHERE u.agency_id = ANY($1)
         AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM role_memberships r WHERE r.user_id = u.id AND r.role = $2))
         AND ($3::text IS NULL OR (lower(u.email), u.id::text) > ($3, $4))
       ORDER BY lower(u.email), u.id LIMIT $5`,
      [agencies, query.role ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const page = toPage(rows, limit, (r) => [r.email.toLowerCase(), r.id]);
    return { items: page.items.map(viewFor(user)), nextCursor: page.nextCursor };
  }

  /** An account as the caller may read it: the full record for account readers and for itself, else its directory entry. */
  async read(user: AuthenticatedUser, id: string) {
    if (id !== user.id) refuseDirectoryToVendor(user);
    const row = await this.row(user, id);
    return row.id === user.id ? userView(row) : viewFor(user)(row);
  }

  /** The full record: for the account itself (/api/me) and for the admin who just wrote it. */
  async get(user: AuthenticatedUser, id: string, manager: EntityManager = this.dataSource.manager) {
    return userView(await this.row(user, id, manager));
  }

  private async row(user: AuthenticatedUser, id: string, manager: EntityManager = this.dataSource.manager): Promise<UserRow> {
    const rows: UserRow[] = await manager.query(`${SELECT} WHERE u.id = $1`, [id]);
    const row = rows[0];
    if (!row) throw Problems.notFound(`user ${id}`);
    await this.scope.assertVisible(user, row.agency_id, `user ${id}`, manager);
    return row;
  }

  private async checkRolesAndExpiry(manager: EntityManager, agencyId: string, roles: Role[], expiresAt: Date | null, errors: FieldError[]): Promise<void> {
    const now = this.clock.now();
    if (expiresAt && expiresAt.getTime() <= now.getTime()) errors.push({ field: 'expiresAt', rule: 'isFuture', message: 'expiresAt must be in the future' });
    const withAuditor = breaksAuditorSeparation(roles);
    if (withAuditor.length)
      errors.push({
        field: 'roles',
        rule: 'auditorSeparation',
        message: `an auditor reads and changes nothing, so the account holds no other role; not: ${withAuditor.join(', ')}`,
      });
    if (roles.includes('vendor')) {
      const bad = roles.filter((r) => !VENDOR_COMPATIBLE.includes(r));
      if (bad.length)
        errors.push({ field: 'roles', rule: 'vendorLeastPrivilege', message: `a vendor account may only also be responder, not ${bad.join(', ')}` });
      const maxDays = (await this.policies.policyOf(agencyId, manager)).document.vendorAccountMaxDays;
      const max = now.getTime() + maxDays * 86_400_000;
      if (!expiresAt) errors.push({ field: 'expiresAt', rule: 'vendorExpiry', message: 'expiresAt is required for a vendor account' });
      else if (expiresAt.getTime() > max)
        errors.push({ field: 'expiresAt', rule: 'vendorExpiry', message: `a vendor account may last at most ${maxDays} days`, params: { maxDays } });
    }
  }

  private async checkUnits(manager: EntityManager, agencyId: string, unitIds: string[], errors: FieldError[]): Promise<void> {
    if (!unitIds.length) return;
    const rows: Array<{ id: string }> = await manager.query('SELECT id FROM units WHERE id = ANY($1) AND agency_id = $2', [unitIds, agencyId]);
    const found = new Set(rows.map((r) => r.id));
    const missing = unitIds.filter((id) => !found.has(id));
    if (missing.length)
      errors.push({ field: 'unitIds', rule: 'sameAgency', message: `unitIds must be units of the user's agency; not: ${missing.join(', ')}` });
  }

  private async setMemberships(
    manager: EntityManager,
    userId: string,
    grantedBy: string,
    roles: Role[] | undefined,
    unitIds: string[] | undefined,
  ): Promise<void> {
    const now = this.clock.now();
    if (roles) {
      await manager.query('DELETE FROM role_memberships WHERE user_id = $1 AND NOT (role = ANY($2))', [userId, roles]);
      await manager.query(
        `INSERT INTO role_memberships (user_id, role, granted_at, granted_by) SELECT $1, r, $3, $4 FROM unnest($2::text[]) r ON CONFLICT DO NOTHING`,
        [userId, roles, now, grantedBy],
      );
    }
    if (unitIds) {
      await manager.query('DELETE FROM unit_memberships WHERE user_id = $1 AND NOT (unit_id = ANY($2))', [userId, unitIds]);
      await manager.query(`INSERT INTO unit_memberships (unit_id, user_id, created_at) SELECT u, $1, $3 FROM unnest($2::uuid[]) u ON CONFLICT DO NOTHING`, [
        userId,
        unitIds,
        now,
      ]);
    }
  }

  /**
   * A privileged role (ciso, auditor, admin) newly held by an account: audited as a grant naming
   * the roles, and mailed to the agency's other admins, in the transaction that grants it.
   */
  private async announceGrant(
    manager: EntityManager,
    admin: AuthenticatedUser,
    actor: Actor,
    account: { id: string; agencyId: string; email: string },
    roles: Role[],
    before: readonly Role[],
  ): Promise<void> {
    const granted = roles.filter((r) => ANNOUNCED_GRANT_ROLES.includes(r) && !before.includes(r));
    if (!granted.length) return;
    await this.audit.append(manager, actor, {
      action: 'user.role.grant',
      agencyId: account.agencyId,
      targetType: 'user',
      targetId: account.id,
      details: { email: account.email, roles: granted },
    });
    await noticePrivilegedGrant(manager, { account, roles: granted, grantedBy: { id: admin.id, email: admin.email }, now: this.clock.now() });
  }

  async create(admin: AuthenticatedUser, actor: Actor, dto: CreateUserBody) {
    await this.scope.assertVisible(admin, dto.agencyId, `agency ${dto.agencyId}`);
    const roles = heldRoles(dto.roles);
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    const password = dto.password ?? temporaryPassword();
    const violation = passwordRuleViolation(password, dto.email);
    const hashed = violation ? '' : await this.hasher.hash(password);
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const errors: FieldError[] = [];
      if (violation) errors.push({ field: 'password', rule: 'passwordPolicy', message: `password ${violation}` });
      await this.checkRolesAndExpiry(manager, dto.agencyId, roles, expiresAt, errors);
      await this.checkUnits(manager, dto.agencyId, dto.unitIds ?? [], errors);
      if (errors.length) throw Problems.validation(errors);
      const taken: unknown[] = await manager.query('SELECT 1 FROM users WHERE lower(email) = lower($1)', [dto.email]);
      if (taken.length)
        throw Problems.conflict({ 'zh-TW': `電子郵件 ${dto.email} 已有帳號使用`, en: `an account with e-mail ${dto.email} exists` }, { field: 'email' });
      const id = randomUUID();
      await manager.query(
        `INSERT INTO users (id, agency_id, email, name, locale, password_hash, password_changed_at, must_change_password, expires_at, disabled_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, true, $8, $9, $7, $7)`,
        [id, dto.agencyId, dto.email, dto.name, dto.locale ?? 'zh-TW', hashed, now, expiresAt, dto.disabled ? now : null],
      );
      await this.setMemberships(manager, id, admin.id, roles, dto.unitIds ?? []);
      await this.audit.append(manager, actor, {
        action: 'user.create',
        agencyId: dto.agencyId,
        targetType: 'user',
        targetId: id,
        details: { email: dto.email, roles, unitIds: dto.unitIds ?? [], expiresAt: expiresAt?.toISOString() ?? null },
      });
      await this.announceGrant(manager, admin, actor, { id, agencyId: dto.agencyId, email: dto.email }, roles, []);
      const created = await this.get(admin, id, manager);
      return dto.password ? created : { ...created, temporaryPassword: password };
    });
  }

  async update(admin: AuthenticatedUser, actor: Actor, id: string, dto: UpdateUserBody) {
    const now = this.clock.now();
    const newPassword = dto.resetPassword ? temporaryPassword() : undefined;
    const hashed = newPassword ? await this.hasher.hash(newPassword) : undefined;
    return this.dataSource.transaction(async (manager) => {
      // Lock, then read: the roles compared below (own roles, a grant to announce) are the ones this change replaces,
      // whatever another change committed meanwhile.
      await manager.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [id]);
      const before = await this.get(admin, id, manager);
      const roles = dto.roles ? heldRoles(dto.roles) : before.roles;
      if (id === admin.id && !sameRoles(roles, before.roles)) await this.refuseOwnRoleChange(actor, before.agencyId, id, roles);
      if (id === admin.id && dto.disabled === true)
        throw Problems.unprocessable({ 'zh-TW': '管理者不得停用自己的帳號', en: 'an administrator cannot disable their own account' });
      const expiresAt =
        dto.expiresAt === undefined ? (before.expiresAt ? new Date(before.expiresAt) : null) : dto.expiresAt === null ? null : new Date(dto.expiresAt);
      const errors: FieldError[] = [];
      if (dto.roles || dto.expiresAt !== undefined) await this.checkRolesAndExpiry(manager, before.agencyId, roles, expiresAt, errors);
      if (dto.unitIds) await this.checkUnits(manager, before.agencyId, dto.unitIds, errors);
      if (errors.length) throw Problems.validation(errors);
      const disabledAt = dto.disabled === undefined ? undefined : dto.disabled ? (before.disabledAt ? new Date(before.disabledAt) : now) : null;
      await manager.query(
        `UPDATE users SET name = coalesce($2, name), locale = coalesce($3, locale), expires_at = $4,
                disabled_at = CASE WHEN $5::boolean THEN $6::timestamptz ELSE disabled_at END,
                password_hash = coalesce($7, password_hash),
                must_change_password = CASE WHEN $7::text IS NULL THEN must_change_password ELSE true END,
                password_changed_at = CASE WHEN $7::text IS NULL THEN password_changed_at ELSE $8 END,
                failed_login_count = CASE WHEN $7::text IS NULL THEN failed_login_count ELSE 0 END,
                locked_until = CASE WHEN $7::text IS NULL THEN locked_until ELSE NULL END,
                updated_at = $8
          WHERE id = $1`,
        [id, dto.name ?? null, dto.locale ?? null, expiresAt, disabledAt !== undefined, disabledAt ?? null, hashed ?? null, now],
      );
      await this.setMemberships(manager, id, admin.id, dto.roles ? roles : undefined, dto.unitIds);
      await this.announceGrant(manager, admin, actor, { id, agencyId: before.agencyId, email: before.email }, roles, before.roles);
      let revoked = 0;
      const reason = dto.disabled ? 'account-disabled' : hashed ? 'password-reset' : undefined;
      if (reason) {
        revoked = (
          await execute(manager, `UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL RETURNING id`, [
            id,
            now,
            reason,
          ])
        ).count;
      }
      const changes = Object.fromEntries(Object.entries(dto).filter(([k]) => k !== 'resetPassword'));
      await this.audit.append(manager, actor, {
        action: dto.disabled ? 'user.disable' : 'user.update',
        agencyId: before.agencyId,
        targetType: 'user',
        targetId: id,
        details: {
          changes,
          passwordReset: Boolean(hashed),
          sessionsRevoked: revoked,
          before: { roles: before.roles, unitIds: before.unitIds, expiresAt: before.expiresAt, disabled: before.disabled },
        },
      });
      const updated = await this.get(admin, id, manager);
      return newPassword ? { ...updated, temporaryPassword: newPassword } : updated;
    });
  }

  /** Nobody changes their own roles (no admin makes itself CISO or auditor): 403, audited naming the rule. */
  private async refuseOwnRoleChange(actor: Actor, agencyId: string, id: string, roles: Role[]): Promise<never> {
    const rule = 'noSelfRoleChange';
    await this.audit.recordRefusal(actor, { action: 'user.update', agencyId, targetType: 'user', targetId: id, details: { rule, roles } });
    const detail = { 'zh-TW': '任何人都不得變更自己的角色，須由其他管理者辦理', en: 'nobody changes their own roles; another administrator must' };
    const problem = new ProblemException('forbidden', detail, {
      reason: rule,
      errors: [{ field: 'roles', rule, message: 'nobody changes their own roles' }],
    });
    problem.audited = true;
    throw problem;
  }
}
