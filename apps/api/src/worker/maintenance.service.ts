import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService, SYSTEM_ACTOR } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { execute } from '../database/sql.js';

/** The work behind the maintenance jobs; each run is idempotent. */
@Injectable()
export class MaintenanceService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Revokes live sessions of expired accounts; audits each account once. Returns the accounts. */
  async expireAccounts(): Promise<string[]> {
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const { rows: ended } = await execute<{ user_id: string; agency_id: string }>(
        manager,
        `UPDATE sessions s SET revoked_at = $1, revoked_reason = 'account-expired'
           FROM users u
          WHERE u.id = s.user_id AND s.revoked_at IS NULL AND u.expires_at IS NOT NULL AND u.expires_at <= $1
        RETURNING s.user_id, u.agency_id`,
        [now],
      );
      const users = [...new Map(ended.map((r) => [r.user_id, r.agency_id])).entries()];
      for (const [userId, agencyId] of users) {
        await this.audit.append(manager, SYSTEM_ACTOR, {
          action: 'user.expired',
          agencyId,
          targetType: 'user',
          targetId: userId,
          details: { sessionsRevoked: ended.filter((r) => r.user_id === userId).length },
        });
      }
      return users.map(([id]) => id);
    });
  }

  async purgeSessions(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - 30 * 86_400_000);
    const { count } = await execute(
      this.dataSource.manager,
      'DELETE FROM sessions WHERE (revoked_at IS NOT NULL AND revoked_at < $1) OR expires_at < $1 RETURNING id',
      [cutoff],
    );
    return count;
  }
}
