import { createHash } from 'node:crypto';

/** The chain starts from this hash. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields an audit hash covers: everything but the sequence number and the hashes. */
export interface AuditRecord {
  id: string;
  occurredAt: Date;
  actorId: string | null;
  actorLabel: string | null;
  agencyId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
  details: Record<string, unknown>;
  requestId: string | null;
}

/** JSON with object keys sorted at every depth, so the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return '[' + value.map((v) => canonicalJson(v === undefined ? null : v)).join(',') + ']';
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return '{' + entries.map(([k, v]) => JSON.stringify(k) + ':' + canonicalJson(v)).join(',') + '}';
}

/** hash = SHA-256(prevHash ‖ "\n" ‖ canonical JSON of the record), hex. */
export function chainHash(prevHash: string, record: AuditRecord): string {
  const body = canonicalJson({ ...record, occurredAt: record.occurredAt.toISOString() });
  return createHash('sha256').update(prevHash).update('\n').update(body).digest('hex');
}
