import { Column, Entity, PrimaryColumn } from 'typeorm';

export type AuditOutcome = 'success' | 'refused' | 'failed';

/** One entry of the append-only, hash-chained audit log (article 36). */
@Entity({ name: 'audit_events' })
export class AuditEvent {
  @PrimaryColumn('bigint', { generated: undefined }) seq: string;
  @Column('uuid') id: string;
  @Column('timestamptz', { name: 'occurred_at' }) occurredAt: Date;
  @Column('uuid', { name: 'actor_id', nullable: true }) actorId: string | null;
  @Column('text', { name: 'actor_label', nullable: true }) actorLabel: string | null;
  @Column('uuid', { name: 'agency_id', nullable: true }) agencyId: string | null;
  @Column('text') action: string;
  @Column('text', { name: 'target_type', nullable: true }) targetType: string | null;
  @Column('text', { name: 'target_id', nullable: true }) targetId: string | null;
  @Column('text') outcome: AuditOutcome;
  @Column('jsonb') details: Record<string, unknown>;
  @Column('text', { name: 'request_id', nullable: true }) requestId: string | null;
  @Column('text', { name: 'prev_hash' }) prevHash: string;
  @Column('text') hash: string;
}
