import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Clock } from '../clock/clock.js';
import { GENESIS_HASH, appendToChain, chainHash, type AuditRecord } from './audit-chain.js';
import type { AuditOutcome } from './audit-event.entity.js';

/** Who did it, and in which request: passed from controllers to services. */
export interface Actor {
  userId: string | null;
  label: string | null;
  agencyId: string | null;
  requestId: string | null;
}

export const SYSTEM_ACTOR: Actor = { userId: null, label: 'system', agencyId: null, requestId: null };

export interface AuditEntry {
  action: string;
  outcome?: AuditOutcome;
  agencyId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditVerification {
  ok: boolean;
  checked: number;
  headHash: string;
  headSeq: string | null;
  firstBroken?: { seq: string; id: string; reason: 'hash-mismatch' | 'prev-hash-mismatch'; expected: string; found: string };
}

@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Appends one event inside the caller's transaction, so the record and the write it describes
   * commit or roll back together. The advisory lock makes the chain a single line: concurrent
   * writers append one after the other, each linking to the hash before it.
   */
  async append(manager: EntityManager, actor: Actor, entry: AuditEntry): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) throw new Error('audit append must run inside a transaction');
    const record: AuditRecord = {
      id: randomUUID(),
      occurredAt: this.clock.now(),
      actorId: actor.userId,
      actorLabel: actor.label,
      agencyId: entry.agencyId === undefined ? actor.agencyId : entry.agencyId,
      action: entry.action,
      targetType: entry.targetType ?? null,
      targetId: entry.targetId ?? null,
      outcome: entry.outcome ?? 'success',
      details: JSON.parse(JSON.stringify(entry.details ?? {})) as Record<string, unknown>,
      requestId: actor.requestId,
    };
    await appendToChain((sql, params) => manager.query(sql, params), record);
  }

  /** Records a refusal in a transaction of its own (the refused request wrote nothing). */
  async recordRefusal(actor: Actor, entry: Omit<AuditEntry, 'outcome'>): Promise<void> {
    try {
      await this.dataSource.transaction((manager) => this.append(manager, actor, { ...entry, outcome: 'refused' }));
    } catch (error) {
      this.logger.error(`could not audit a refusal (${entry.action}): ${String(error)}`);
    }
  }

  /** Recomputes the whole chain from the first event and names the first broken link. */
  async verify(batchSize = 2000): Promise<AuditVerification> {
    let prevHash = GENESIS_HASH;
    let afterSeq = '0';
    let checked = 0;
    let headSeq: string | null = null;
    for (;;) {
      const rows: Array<Record<string, unknown>> = await this.dataSource.query(
        `SELECT seq::text AS seq, id, occurred_at, actor_id, actor_label, agency_id, action, target_type, target_id, outcome, details, request_id, prev_hash, hash
           FROM audit_events WHERE seq > $1 ORDER BY audit_events.seq LIMIT $2`,
        [afterSeq, batchSize],
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        const seq = row.seq as string;
        const id = row.id as string;
        if (row.prev_hash !== prevHash) {
          return {
            ok: false,
            checked,
            headHash: prevHash,
            headSeq,
            firstBroken: { seq, id, reason: 'prev-hash-mismatch', expected: prevHash, found: row.prev_hash as string },
          };
        }
        const expected = chainHash(prevHash, {
          id,
          occurredAt: row.occurred_at as Date,
          actorId: row.actor_id as string | null,
          actorLabel: row.actor_label as string | null,
          agencyId: row.agency_id as string | null,
          action: row.action as string,
          targetType: row.target_type as string | null,
          targetId: row.target_id as string | null,
          outcome: row.outcome as string,
          details: row.details as Record<string, unknown>,
          requestId: row.request_id as string | null,
        });
        if (expected !== row.hash) {
          return { ok: false, checked, headHash: prevHash, headSeq, firstBroken: { seq, id, reason: 'hash-mismatch', expected, found: row.hash as string } };
        }
        prevHash = expected;
        headSeq = seq;
        checked += 1;
      }
      afterSeq = rows[rows.length - 1]!.seq as string;
    }
    return { ok: true, checked, headHash: prevHash, headSeq };
  }
}
