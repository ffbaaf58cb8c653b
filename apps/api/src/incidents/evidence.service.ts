import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { Problems } from '../common/problem.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { ScopeService } from '../identity/scope.service.js';
import { collectionErrors, transferErrors, type IncidentTimes } from './custody-rules.js';
import { toPage } from '../common/paging.js';
import type { CreateEvidenceBody, CreateTransferBody, EvidenceTransferView, EvidenceView } from './evidence.schema.js';
import type { PageQuery } from '../common/schema.js';
import { decodeSeqCursor } from './seq-cursor.js';

function offsetOf(iso: string): string {
  return /(Z|[+-]\d{2}:\d{2})$/.exec(iso)![1]!;
}

interface EvidenceRow {
  id: string;
  incident_id: string;
  description: string;
  source: string;
  collected_by: string;
  collected_at: Date;
  collected_at_offset: string;
  sha256: string;
  storage: string;
  recorded_by: string;
  created_at: Date;
}
interface TransferRow {
  id: string;
  evidence_id: string;
  from_party: string;
  to_party: string;
  purpose: string;
  at: Date;
  at_offset: string;
  sha256: string;
  outcome: EvidenceTransferView['outcome'];
  recorded_by: string;
  created_at: Date;
}

const transferView = (t: TransferRow): EvidenceTransferView => ({
  id: t.id,
  from: t.from_party,
  to: t.to_party,
  purpose: t.purpose,
  at: t.at.toISOString(),
  offset: t.at_offset,
  sha256: t.sha256,
  outcome: t.outcome,
  recordedBy: t.recorded_by,
  recordedAt: t.created_at.toISOString(),
});

/**
 * Evidence and its chain of custody: SHA-256 at collection and at every transfer, from/to/purpose,
 * times with their zone; append-only. A transfer whose hash differs from the collection hash is
 * refused and the refusal is kept as part of the chain. Impossible times and a transfer from
 * someone who does not hold the item are refused (422) and change nothing (custody-rules.ts).
 */
@Injectable()
export class EvidenceService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Evidence belongs to the incident's own agency: only its people handle it. */
  private async incidentOf(user: AuthenticatedUser, incidentId: string, manager: EntityManager): Promise<IncidentTimes & { agencyId: string }> {
    const rows: Array<{ agency_id: string; occurred_at: Date | null; aware_at: Date }> = await manager.query(
      'SELECT agency_id, occurred_at, aware_at FROM incidents WHERE id = $1',
      [incidentId],
    );
    if (!rows[0]) throw Problems.notFound(`incident ${incidentId}`);
    if (rows[0].agency_id !== user.agencyId) {
      await this.scope.assertVisible(user, rows[0].agency_id, `incident ${incidentId}`, manager);
      throw Problems.forbidden({ 'zh-TW': '證物由事件所屬機關處理', en: 'evidence is handled by the incident’s own agency' });
    }
    return { agencyId: rows[0].agency_id, occurredAt: rows[0].occurred_at, awareAt: rows[0].aware_at };
  }

  private view(e: EvidenceRow, transfers: TransferRow[]): EvidenceView {
    return {
      id: e.id,
      incidentId: e.incident_id,
      description: e.description,
      source: e.source,
      collectedBy: e.collected_by,
      collectedAt: e.collected_at.toISOString(),
      collectedAtOffset: e.collected_at_offset,
      sha256: e.sha256,
      storage: e.storage,
      recordedBy: e.recorded_by,
      recordedAt: e.created_at.toISOString(),
      transfers: transfers.map(transferView),
    };
  }

  /** The incident's evidence in the order it was recorded, a page at a time, each item with its whole chain of custody. */
  async list(user: AuthenticatedUser, incidentId: string, page: PageQuery) {
    const limit = page.limit ?? 50;
    const after = decodeSeqCursor(page.cursor);
    await this.incidentOf(user, incidentId, this.dataSource.manager);
    const rows: Array<EvidenceRow & { seq_key: string }> = await this.dataSource.query(
      'SELECT e.*, e.seq::text AS seq_key FROM evidence_items e WHERE e.incident_id = $1 AND ($2::bigint IS NULL OR e.seq > $2::bigint) ORDER BY e.seq LIMIT $3',
      [incidentId, after ?? null, limit + 1],
    );
    const { items, nextCursor } = toPage(rows, limit, (e) => [e.seq_key]);
    const transfers: TransferRow[] = await this.dataSource.query('SELECT * FROM evidence_transfers WHERE evidence_id = ANY($1::uuid[]) ORDER BY seq', [
      items.map((e) => e.id),
    ]);
    return {
      items: items.map((e) =>
        this.view(
          e,
          transfers.filter((t) => t.evidence_id === e.id),
        ),
      ),
      nextCursor,
    };
  }

  async add(user: AuthenticatedUser, actor: Actor, incidentId: string, dto: CreateEvidenceBody) {
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const incident = await this.incidentOf(user, incidentId, manager);
      const broken = collectionErrors(dto.collectedAt, incident, now);
      if (broken.length) throw Problems.rulesBroken(broken);
      const agencyId = incident.agencyId;
      const id = randomUUID();
      const rows: EvidenceRow[] = await manager.query(
        `INSERT INTO evidence_items (id, incident_id, description, source, collected_by, collected_at, collected_at_offset, sha256, storage, recorded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        [
          id,
          incidentId,
          dto.description,
          dto.source,
          dto.collectedBy,
          dto.collectedAt,
          offsetOf(dto.collectedAt),
          dto.sha256.toLowerCase(),
          dto.storage,
          user.id,
          now,
        ],
      );
      await manager.query(`INSERT INTO incident_timeline (incident_id, at, actor_id, entry, data) VALUES ($1, $2, $3, 'evidence_collected', $4)`, [
        incidentId,
        now,
        user.id,
        JSON.stringify({ evidenceId: id, sha256: dto.sha256.toLowerCase() }),
      ]);
      await this.audit.append(manager, actor, {
        action: 'evidence.collect',
        agencyId,
        targetType: 'evidence',
        targetId: id,
        details: { incidentId, sha256: dto.sha256.toLowerCase() },
      });
      return this.view(rows[0]!, []);
    });
  }

  async transfer(user: AuthenticatedUser, actor: Actor, incidentId: string, evidenceId: string, dto: CreateTransferBody) {
    const now = this.clock.now();
    const sha = dto.sha256.toLowerCase();
    const result = await this.dataSource.transaction(async (manager) => {
      const { agencyId } = await this.incidentOf(user, incidentId, manager);
      // The item's row lock serialises the transfers of one item: the custodian read below is still the custodian at commit.
      const items: EvidenceRow[] = await manager.query('SELECT * FROM evidence_items WHERE id = $1 AND incident_id = $2 FOR UPDATE', [evidenceId, incidentId]);
      const item = items[0];
      if (!item) throw Problems.notFound(`evidence ${evidenceId}`);
      const last: Array<{ at: Date | null; custodian: string | null }> = await manager.query(
        `SELECT (SELECT max(at) FROM evidence_transfers WHERE evidence_id = $1) AS at,
                (SELECT to_party FROM evidence_transfers WHERE evidence_id = $1 AND outcome = 'accepted' ORDER BY seq DESC LIMIT 1) AS custodian`,
        [evidenceId],
      );
      const broken = transferErrors(
        dto,
        { collectedAt: item.collected_at, custodian: last[0]?.custodian ?? item.collected_by, lastTransferAt: last[0]?.at ?? null },
        now,
      );
      if (broken.length) throw Problems.rulesBroken(broken);
      const outcome = sha === item.sha256 ? 'accepted' : 'refused_hash_mismatch';
      const rows: TransferRow[] = await manager.query(
        `INSERT INTO evidence_transfers (id, evidence_id, from_party, to_party, purpose, at, at_offset, sha256, outcome, recorded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *`,
        [randomUUID(), evidenceId, dto.from, dto.to, dto.purpose, new Date(dto.at).toISOString(), offsetOf(dto.at), sha, outcome, user.id, now],
      );
      await manager.query(`INSERT INTO incident_timeline (incident_id, at, actor_id, entry, data) VALUES ($1, $2, $3, $4, $5)`, [
        incidentId,
        now,
        user.id,
        outcome === 'accepted' ? 'evidence_transferred' : 'evidence_transfer_refused',
        JSON.stringify({ evidenceId, from: dto.from, to: dto.to }),
      ]);
      await this.audit.append(manager, actor, {
        action: 'evidence.transfer',
        outcome: outcome === 'accepted' ? 'success' : 'refused',
        agencyId,
        targetType: 'evidence',
        targetId: evidenceId,
        details: { incidentId, from: dto.from, to: dto.to, sha256: sha, expected: item.sha256, outcome },
      });
      return { transfer: rows[0]!, expected: item.sha256 };
    });
    if (result.transfer.outcome !== 'accepted') {
      throw Object.assign(
        Problems.unprocessable(
          {
            'zh-TW': '移交時的 SHA-256 與蒐集時的雜湊值不符：此移交已被拒絕並記錄',
            en: 'the SHA-256 at transfer differs from the hash at collection: the transfer is refused and recorded',
          },
          {
            field: 'sha256',
            expected: result.expected,
            transfer: transferView(result.transfer),
          },
        ),
        { audited: true },
      );
    }
    return transferView(result.transfer);
  }
}
