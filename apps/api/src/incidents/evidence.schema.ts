import * as z from 'zod';
import { Instant, InstantOut, PageOf, Text, Uuid } from '../common/schema.js';

const Sha256 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, { message: 'sha256 must be 64 hexadecimal characters' })
  .meta({ description: 'SHA-256, hex (stored in lower case)' });

/** POST /api/incidents/{id}/evidence. */
export const CreateEvidenceBody = z
  .strictObject({
    description: Text(5000),
    source: Text(500).meta({ examples: ['web server /var/log/nginx'] }),
    collectedBy: Text(200).meta({ description: 'who collected it' }),
    collectedAt: Instant.meta({ description: 'RFC 3339 with offset (the offset is kept)' }),
    sha256: Sha256.meta({ description: 'SHA-256 of the item at collection, hex' }),
    storage: Text(500).meta({ examples: ['evidence locker B-2, sealed bag 0042'] }),
  })
  .meta({ id: 'CreateEvidence' });
export type CreateEvidenceBody = z.output<typeof CreateEvidenceBody>;

/** POST /api/incidents/{id}/evidence/{evidenceId}/transfers. */
export const CreateTransferBody = z
  .strictObject({
    from: Text(200),
    to: Text(200),
    purpose: Text(2000),
    at: Instant.meta({ description: 'RFC 3339 with offset' }),
    sha256: Sha256.meta({ description: 'SHA-256 computed at the transfer; must equal the hash at collection' }),
  })
  .meta({ id: 'CreateEvidenceTransfer' });
export type CreateTransferBody = z.output<typeof CreateTransferBody>;

export const EvidenceTransferSchema = z
  .strictObject({
    id: Uuid,
    from: z.string(),
    to: z.string(),
    purpose: z.string(),
    at: InstantOut,
    offset: z.string().meta({ description: 'the zone offset `at` was given in', examples: ['+08:00'] }),
    sha256: z.string(),
    outcome: z.enum(['accepted', 'refused_hash_mismatch']),
    recordedBy: Uuid,
    recordedAt: InstantOut,
  })
  .meta({ id: 'EvidenceTransfer' });
export type EvidenceTransferView = z.output<typeof EvidenceTransferSchema>;

export const EvidenceSchema = z
  .strictObject({
    id: Uuid,
    incidentId: Uuid,
    description: z.string(),
    source: z.string(),
    collectedBy: z.string(),
    collectedAt: InstantOut,
    collectedAtOffset: z.string().meta({ examples: ['+08:00'] }),
    sha256: z.string(),
    storage: z.string(),
    recordedBy: Uuid,
    recordedAt: InstantOut,
    transfers: z.array(EvidenceTransferSchema).meta({ description: 'the chain of custody, oldest first (refused transfers included)' }),
  })
  .meta({ id: 'Evidence' });
export type EvidenceView = z.output<typeof EvidenceSchema>;

export const EvidencePage = PageOf(EvidenceSchema).meta({ id: 'EvidencePage' });
