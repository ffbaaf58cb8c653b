import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { decodeCursor, toPage } from '../common/paging.js';
import { Problems } from '../common/problem.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { ScopeService } from '../identity/scope.service.js';
import type { CreateUnitBody, ListUnitsQuery, UnitView } from './unit.schema.js';

interface UnitRow {
  id: string;
  agency_id: string;
  name: string;
  type: string;
  head_user_id: string | null;
  email: string | null;
  created_at: Date;
  member_ids: string[];
}

const view = (r: UnitRow): UnitView => ({
  id: r.id,
  agencyId: r.agency_id,
  name: r.name,
  type: r.type as UnitView['type'],
  headUserId: r.head_user_id,
  email: r.email,
  memberIds: r.member_ids,
  createdAt: r.created_at.toISOString(),
});

const SELECT = `SELECT u.*, coalesce((SELECT array_agg(m.user_id ORDER BY m.user_id) FROM unit_memberships m WHERE m.unit_id = u.id), '{}') AS member_ids FROM units u`;

@Injectable()
export class UnitsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async list(user: AuthenticatedUser, query: ListUnitsQuery) {
    const limit = query.limit ?? 50;
    const after = decodeCursor(query.cursor, 2);
    let agencies = await this.scope.visibleAgencyIds(user);
    if (query.agencyId) {
      if (!agencies.includes(query.agencyId)) throw Problems.outOfScope(`agency ${query.agencyId}`);
      agencies = [query.agencyId];
    }
    const rows: UnitRow[] = await this.dataSource.query(
      `${SELECT} WHERE u.agency_id = ANY($1) AND ($2::text IS NULL OR (u.name, u.id::text) > ($2, $3)) ORDER BY u.name, u.id LIMIT $4`,
      [agencies, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const page = toPage(rows, limit, (r) => [r.name, r.id]);
    return { items: page.items.map(view), nextCursor: page.nextCursor };
  }

  async create(user: AuthenticatedUser, actor: Actor, dto: CreateUnitBody) {
    await this.scope.assertVisible(user, dto.agencyId, `agency ${dto.agencyId}`);
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      if (dto.headUserId) {
        const head: unknown[] = await manager.query('SELECT 1 FROM users WHERE id = $1 AND agency_id = $2', [dto.headUserId, dto.agencyId]);
        if (!head.length) throw Problems.field('headUserId', 'sameAgency', 'headUserId must be a user of the same agency');
      }
      const dup: unknown[] = await manager.query('SELECT 1 FROM units WHERE agency_id = $1 AND name = $2', [dto.agencyId, dto.name]);
      if (dup.length)
        throw Problems.conflict({ 'zh-TW': `機關已有名為 ${dto.name} 的單位`, en: `the agency already has a unit named ${dto.name}` }, { field: 'name' });
      const id = randomUUID();
      await manager.query(
        `INSERT INTO units (id, agency_id, name, type, head_user_id, email, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`,
        [id, dto.agencyId, dto.name, dto.type, dto.headUserId ?? null, dto.email ?? null, now],
      );
      if (dto.headUserId) await manager.query('INSERT INTO unit_memberships (unit_id, user_id, created_at) VALUES ($1, $2, $3)', [id, dto.headUserId, now]);
      await this.audit.append(manager, actor, {
        action: 'unit.create',
        agencyId: dto.agencyId,
        targetType: 'unit',
        targetId: id,
        details: { name: dto.name, type: dto.type, headUserId: dto.headUserId ?? null },
      });
      const rows: UnitRow[] = await manager.query(`${SELECT} WHERE u.id = $1`, [id]);
      return view(rows[0]!);
    });
  }
}
