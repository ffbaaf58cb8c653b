import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AgencyPolicyDocument } from './agency-policy.js';

/** The agency's policy document: clocks, escalation, password and lockout rules. */
@Entity({ name: 'agency_policies' })
export class AgencyPolicyRow {
  @PrimaryColumn('uuid', { name: 'agency_id' }) agencyId: string;
  @Column('jsonb') document: AgencyPolicyDocument;
  @Column('int') version: number;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
  @Column('uuid', { name: 'updated_by', nullable: true }) updatedBy: string | null;
}
