import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { decodeCursor, toPage, type Page } from '../common/paging.js';
import { ProblemException, Problems } from '../common/problem.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { ScopeService } from '../identity/scope.service.js';
import { DEFAULT_POLICY } from './agency-policy.js';
import type { AgencyPolicyView } from './agency-policy.schema.js';
import { withReminderLead, type AgencyPolicyBody } from './agency-policy.validate.js';
import type { AgencyView, CreateAgencyBody } from './agency.schema.js';
import { PolicyService } from './policy.service.js';

interface AgencyRow {
  id: string;
  name: string;
  code: string;
  parent_id: string | null;
  timezone: string;
  responsibility_level: AgencyView['responsibilityLevel'];
  created_at: Date;
}

const view = (r: AgencyRow): AgencyView => ({
  id: r.id,
  name: r.name,
  code: r.code,
  parentId: r.parent_id,
  timezone: r.timezone,
  responsibilityLevel: r.responsibility_level,
  createdAt: r.created_at.toISOString(),
});

@Injectable()
export class AgenciesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    private readonly policies: PolicyService,
    private readonly clock: Clock,
  ) {}

  async list(user: AuthenticatedUser, limit = 50, cursor?: string): Promise<Page<AgencyView>> {
    const after = decodeCursor(cursor, 1);
    const visible = await this.scope.visibleAgencyIds(user);
    const rows: AgencyRow[] = await this.dataSource.query(
      `SELECT * FROM agencies WHERE id = ANY($1) AND ($2::text IS NULL OR code > $2) ORDER BY code LIMIT $3`,
      [visible, after?.[0] ?? null, limit + 1],
    );
    const page = toPage(rows, limit, (r) => [r.code]);
    return { items: page.items.map(view), nextCursor: page.nextCursor };
  }

  async get(user: AuthenticatedUser, id: string): Promise<AgencyView> {
    await this.scope.assertVisible(user, id, `agency ${id}`);
    const rows: AgencyRow[] = await this.dataSource.query('SELECT * FROM agencies WHERE id = $1', [id]);
    if (!rows[0]) throw Problems.notFound(`agency ${id}`);
    return view(rows[0]);
  }

  /** A new agency below one the admin manages, with the default policy of today's law. */
  async create(user: AuthenticatedUser, actor: Actor, dto: CreateAgencyBody): Promise<AgencyView> {
    await this.scope.assertVisible(user, dto.parentId, `agency ${dto.parentId}`);
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const taken: unknown[] = await manager.query('SELECT 1 FROM agencies WHERE code = $1', [dto.code]);
      if (taken.length) throw Problems.conflict({ 'zh-TW': `代碼 ${dto.code} 已有機關使用`, en: `an agency with code ${dto.code} exists` }, { field: 'code' });
      const id = randomUUID();
      const rows: AgencyRow[] = await manager.query(
        `INSERT INTO agencies (id, code, name, parent_id, timezone, responsibility_level, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING *`,
        [id, dto.code, dto.name, dto.parentId, dto.timezone ?? 'Asia/Taipei', dto.responsibilityLevel, now],
      );
      await manager.query('INSERT INTO agency_policies (agency_id, document, version, updated_at, updated_by) VALUES ($1, $2, 1, $3, $4)', [
        id,
        JSON.stringify(DEFAULT_POLICY),
        now,
        user.id,
      ]);
      await this.audit.append(manager, actor, {
        action: 'agency.create',
        agencyId: id,
        targetType: 'agency',
        targetId: id,
        details: { code: dto.code, name: dto.name, parentId: dto.parentId },
      });
      return view(rows[0]!);
    });
  }

  async policy(user: AuthenticatedUser, agencyId: string): Promise<AgencyPolicyView> {
    await this.scope.assertVisible(user, agencyId, `agency ${agencyId}`);
    const { document, version } = await this.policies.policyOf(agencyId);
    return { agencyId, version, policy: document };
  }

  /**
   * Replaces the policy with GET's `policy`, edited (the body, checked whole by AgencyPolicyBody).
   * If-Match names the version edited (GET's `version`, its ETag), required as for every versioned
   * write: 428 without it; a policy changed since is a 409 with its current version, and nothing changes.
   */
  async replacePolicy(user: AuthenticatedUser, actor: Actor, agencyId: string, ifMatch: number | undefined, body: AgencyPolicyBody): Promise<AgencyPolicyView> {
    await this.scope.assertVisible(user, agencyId, `agency ${agencyId}`);
    if (ifMatch === undefined)
      throw new ProblemException('precondition-required', {
        'zh-TW': '請以 If-Match 標頭送出您所編輯的政策版本（GET /api/agencies/{id}/policy 回應的 ETag）',
        en: 'send If-Match with the policy version you edited (the ETag of GET /api/agencies/{id}/policy)',
      });
    const policy = withReminderLead(body);
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      // One writer at a time per agency, whether or not a policy is stored yet.
      await manager.query('SELECT 1 FROM agencies WHERE id = $1 FOR UPDATE', [agencyId]);
      const current = await this.policies.policyOf(agencyId, manager);
      if (current.version !== ifMatch)
        throw Problems.conflict(
          {
            'zh-TW': `政策目前為第 ${current.version} 版，而非第 ${ifMatch} 版；請重新讀取後再試`,
            en: `the policy is at version ${current.version}, not ${ifMatch}; reload it and retry`,
          },
          { currentVersion: current.version },
        );
      const version = current.version + 1;
      await manager.query(
        `INSERT INTO agency_policies (agency_id, document, version, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (agency_id) DO UPDATE SET document = EXCLUDED.document, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by`,
        [agencyId, JSON.stringify(policy), version, now, user.id],
      );
      await this.audit.append(manager, actor, {
        action: 'agency.policy.replace',
        agencyId,
        targetType: 'agency',
        targetId: agencyId,
        details: { version, previous: current.document, policy },
      });
      return { agencyId, version, policy };
    });
  }
}
