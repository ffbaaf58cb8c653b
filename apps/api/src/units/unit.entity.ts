import { Column, Entity, PrimaryColumn } from 'typeorm';

export const UNIT_TYPES = ['it', 'business', 'ethics', 'leadership', 'other'] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

/** A unit of an agency (articles 9 and 11: IT, business, ethics/政風, leadership, …). */
@Entity({ name: 'units' })
export class Unit {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'agency_id' }) agencyId: string;
  @Column('text') name: string;
  @Column('text') type: UnitType;
  @Column('uuid', { name: 'head_user_id', nullable: true }) headUserId: string | null;
  @Column('text', { nullable: true }) email: string | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}

@Entity({ name: 'unit_memberships' })
export class UnitMembership {
  @PrimaryColumn('uuid', { name: 'unit_id' }) unitId: string;
  @PrimaryColumn('uuid', { name: 'user_id' }) userId: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
}
