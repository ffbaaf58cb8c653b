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

/** A constant key for the advisory lock that serialises appends to the single chain. */
export const CHAIN_LOCK_KEY = 36_036_036;

/** Runs SQL and returns the rows: adapts a TypeORM manager or a pg client. */
export type RowQuery = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

/**
 * Appends one record to the chain inside the caller's transaction: takes the chain lock (held to
 * commit, so concurrent writers append one after the other), reads the head, inserts the record
 * linked to it. Returns the new hash.
 */
export async function appendToChain(query: RowQuery, record: AuditRecord): Promise<string> {
  await query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK_KEY]);
  const last = await query('SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1');
  const prevHash = (last[0]?.hash as string | undefined) ?? GENESIS_HASH;
  const hash = chainHash(prevHash, record);
  await query(
    `INSERT INTO audit_events (id, occurred_at, actor_id, actor_label, agency_id, action, target_type, target_id, outcome, details, request_id, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      record.id,
      record.occurredAt,
      record.actorId,
      record.actorLabel,
      record.agencyId,
      record.action,
      record.targetType,
      record.targetId,
      record.outcome,
      JSON.stringify(record.details),
      record.requestId,
      prevHash,
      hash,
    ],
  );
  return hash;
}
