import { Controller, Get, Query } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { decodeCursor, toPage } from '../common/paging.js';
import { Problems } from '../common/problem.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser } from '../identity/request-context.js';
import { AUDIT_READER_ROLES } from '../identity/roles.js';
import { ScopeService } from '../identity/scope.service.js';
import { AuditRecordPage, AuditVerificationSchema, ListAuditQuery, type AuditRecordView } from './audit.schema.js';
import { AuditService } from './audit.service.js';

interface AuditRow {
  seq: string;
  id: string;
  occurred_at: Date;
  actor_id: string | null;
  actor_label: string | null;
  agency_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  outcome: string;
  details: Record<string, unknown>;
  request_id: string | null;
  prev_hash: string;
  hash: string;
}

@ApiTags('oversight')
@ApiBearerAuth()
@Controller('api/audit')
@Roles(...AUDIT_READER_ROLES)
export class AuditController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @ApiOperation({
    operationId: 'listAuditRecords',
    summary: 'Audit events, newest first (auditor); agencies in scope, plus agency-less events for auditors of a top agency',
  })
  @ApiOkResponse({ standardSchema: AuditRecordPage })
  async list(@CurrentUser() user: AuthenticatedUser, @Query({ schema: ListAuditQuery }) q: ListAuditQuery) {
    const limit = q.limit ?? 50;
    const before = decodeCursor(q.cursor, 1);
    if (before && !/^[0-9]{1,18}$/.test(before[0]!)) throw Problems.field('cursor', 'isCursor', 'cursor must be a cursor returned by a previous page');
    let agencies = await this.scope.visibleAgencyIds(user);
    if (q.agencyId) {
      if (!agencies.includes(q.agencyId)) throw Problems.outOfScope(`agency ${q.agencyId}`);
      agencies = [q.agencyId];
    }
    const top: Array<{ parent_id: string | null }> = await this.dataSource.query('SELECT parent_id FROM agencies WHERE id = $1', [user.agencyId]);
    const includeAgencyless = !q.agencyId && top[0]?.parent_id === null;
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT seq::text AS seq, id, occurred_at, actor_id, actor_label, agency_id, action, target_type, target_id, outcome, details, request_id, prev_hash, hash
         FROM audit_events
        WHERE (agency_id = ANY($1) OR ($2 AND agency_id IS NULL))
          AND ($3::uuid IS NULL OR actor_id = $3) AND ($4::text IS NULL OR action = $4)
          AND ($5::text IS NULL OR target_type = $5) AND ($6::text IS NULL OR target_id = $6)
          AND ($7::text IS NULL OR outcome = $7)
          AND ($8::timestamptz IS NULL OR occurred_at >= $8) AND ($9::timestamptz IS NULL OR occurred_at < $9)
          AND ($10::bigint IS NULL OR seq < $10)
        ORDER BY audit_events.seq DESC LIMIT $11`,
      [
        agencies,
        includeAgencyless,
        q.actorId ?? null,
        q.action ?? null,
        q.targetType ?? null,
        q.targetId ?? null,
        q.outcome ?? null,
        q.from ?? null,
        q.to ?? null,
        before?.[0] ?? null,
        limit + 1,
      ],
    );
    const page = toPage(rows, limit, (r) => [r.seq]);
    return {
      items: page.items.map((r): AuditRecordView => ({
        seq: r.seq,
        id: r.id,
        occurredAt: r.occurred_at.toISOString(),
        actorId: r.actor_id,
        actorLabel: r.actor_label,
        agencyId: r.agency_id,
        action: r.action,
        targetType: r.target_type,
        targetId: r.target_id,
        outcome: r.outcome as AuditRecordView['outcome'],
        details: r.details,
        requestId: r.request_id,
        prevHash: r.prev_hash,
        hash: r.hash,
      })),
      nextCursor: page.nextCursor,
    };
  }

  @Get('verify')
  @ApiOkResponse({ standardSchema: AuditVerificationSchema })
  @ApiOperation({
    operationId: 'verifyAuditChain',
    summary: 'Recompute the whole hash chain; names the first broken link. Record headHash outside the system to anchor it.',
  })
  verify() {
    return this.audit.verify();
  }
}
