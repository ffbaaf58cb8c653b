import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Problems } from '../common/problem.js';
import type { AuthenticatedUser } from './authenticated-user.js';
import { seesSubordinates } from './roles.js';

/**
 * Least privilege by agency: a user sees its own agency, and the agencies below it when one of
 * its roles oversees subordinates (article 10). Anything outside answers 404, so a record's
 * existence does not leak.
 */
@Injectable()
export class ScopeService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async visibleAgencyIds(user: AuthenticatedUser, manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    if (!seesSubordinates(user.roles)) return [user.agencyId];
    return this.subtree(user.agencyId, manager);
  }

  async subtree(agencyId: string, manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    const rows: Array<{ id: string }> = await manager.query(
      `WITH RECURSIVE tree AS (
         SELECT id FROM agencies WHERE id = $1
         UNION ALL SELECT a.id FROM agencies a JOIN tree t ON a.parent_id = t.id)
       SELECT id FROM tree`,
      [agencyId],
    );
    return rows.map((r) => r.id);
  }

  /** Throws the scope 404 unless the agency is visible to the user. */
  async assertVisible(user: AuthenticatedUser, agencyId: string, what: string, manager?: EntityManager): Promise<void> {
    const visible = await this.visibleAgencyIds(user, manager);
    if (!visible.includes(agencyId)) throw Problems.outOfScope(what);
  }
}
