import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DEFAULT_POLICY } from '../agencies/agency-policy.js';
import { AuditService, SYSTEM_ACTOR } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { AppConfig } from '../config/app-config.js';
import { PasswordHasher, passwordRuleViolation } from './password-hasher.js';

/**
 * BOOTSTRAP_ADMIN_EMAIL / _PASSWORD create the first admin, of a new root agency, when the
 * database holds no user yet; afterwards they do nothing. The password must be changed at first login.
 */
@Injectable()
export class BootstrapAdmin implements OnApplicationBootstrap {
  private readonly logger = new Logger(BootstrapAdmin.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.bootstrapAdmin;
    if (!admin) return;
    const violation = passwordRuleViolation(admin.password, admin.email);
    if (violation) throw new Error(`BOOTSTRAP_ADMIN_PASSWORD ${violation}`);
    const hashed = await this.hasher.hash(admin.password);
    const now = this.clock.now();
    await this.dataSource.transaction(async (manager) => {
      // One bootstrap at a time across API processes; the second finds the user and stops.
      await manager.query('SELECT pg_advisory_xact_lock(36036037)');
      const any: unknown[] = await manager.query('SELECT 1 FROM users LIMIT 1');
      if (any.length) return;
      const agencyId = randomUUID();
      const userId = randomUUID();
      await manager.query(
        `INSERT INTO agencies (id, code, name, parent_id, timezone, responsibility_level, created_at, updated_at) VALUES ($1, 'ROOT', '主管機關 Root agency', NULL, 'Asia/Taipei', 'A', $2, $2)`,
        [agencyId, now],
      );
      await manager.query('INSERT INTO agency_policies (agency_id, document, version, updated_at) VALUES ($1, $2, 1, $3)', [
        agencyId,
        JSON.stringify(DEFAULT_POLICY),
        now,
      ]);
      await manager.query(
        `INSERT INTO users (id, agency_id, email, name, locale, password_hash, password_changed_at, must_change_password, created_at, updated_at)
         VALUES ($1, $2, $3, 'Administrator', 'zh-TW', $4, $5, true, $5, $5)`,
        [userId, agencyId, admin.email, hashed, now],
      );
      await manager.query(`INSERT INTO role_memberships (user_id, role, granted_at) VALUES ($1, 'admin', $2), ($1, 'reporter', $2)`, [userId, now]);
      await this.audit.append(manager, SYSTEM_ACTOR, {
        action: 'bootstrap.admin',
        agencyId,
        targetType: 'user',
        targetId: userId,
        details: { email: admin.email },
      });
      this.logger.log(`created the first admin ${admin.email} of the root agency ROOT`);
    });
  }
}
