import * as z from 'zod';
import { Instant, InstantOut, PageOf, PageQueryShape, Uuid } from '../common/schema.js';

const AUDIT_OUTCOMES = ['success', 'refused', 'failed'] as const;

/** The position of an event in the one chain: a PostgreSQL bigint, written as a decimal string. */
const Seq = z
  .string()
  .regex(/^[0-9]+$/)
  .meta({ description: 'position in the chain (a bigint, as a decimal string)', examples: ['1024'] });
const Hash = z
  .string()
  .regex(/^[0-9a-f]{64}$/)
  .meta({ description: 'SHA-256, hex' });

/** GET /api/audit. */
export const ListAuditQuery = z.strictObject({
  ...PageQueryShape,
  agencyId: Uuid.optional(),
  actorId: Uuid.optional(),
  action: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .meta({ examples: ['auth.login'] }),
  targetType: z.string().min(1).max(50).optional(),
  targetId: z.string().min(1).max(300).optional(),
  outcome: z.enum(AUDIT_OUTCOMES).optional(),
  from: Instant.optional().meta({ description: 'events at or after this instant' }),
  to: Instant.optional().meta({ description: 'events before this instant' }),
});
export type ListAuditQuery = z.output<typeof ListAuditQuery>;

export const AuditRecordSchema = z
  .strictObject({
    seq: Seq,
    id: Uuid,
    occurredAt: InstantOut,
    actorId: Uuid.nullable().meta({ description: 'null for the system (actorLabel "system") and for an unknown caller' }),
    actorLabel: z.string().nullable(),
    agencyId: Uuid.nullable(),
    action: z.string().meta({ examples: ['webhook.disable'] }),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    outcome: z.enum(AUDIT_OUTCOMES),
    details: z.record(z.string(), z.unknown()).meta({ description: 'what the action recorded (free-form per action)' }),
    requestId: z.string().nullable(),
    prevHash: z.string().meta({ description: 'the hash of the event before it (SHA-256, hex; 64 zeros for the first)' }),
    hash: z.string().meta({ description: 'SHA-256 (hex) of prevHash and this event, as stored: GET /api/audit/verify recomputes it' }),
  })
  .meta({ id: 'AuditRecord' });
export type AuditRecordView = z.infer<typeof AuditRecordSchema>;

export const AuditRecordPage = PageOf(AuditRecordSchema).meta({ id: 'AuditRecordPage' });

export const AuditVerificationSchema = z
  .strictObject({
    ok: z.boolean(),
    checked: z.int().min(0).meta({ description: 'events checked, from the first' }),
    headHash: Hash.meta({ description: 'hash of the last good event (record it outside the system to anchor the chain)' }),
    headSeq: Seq.nullable(),
    firstBroken: z
      .strictObject({
        seq: Seq,
        id: Uuid,
        reason: z.enum(['hash-mismatch', 'prev-hash-mismatch']),
        expected: Hash,
        found: z.string(),
      })
      .optional(),
  })
  .meta({ id: 'AuditVerification' });
