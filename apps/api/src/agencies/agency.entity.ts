import { Column, Entity, PrimaryColumn } from 'typeorm';

export const RESPONSIBILITY_LEVELS = ['A', 'B', 'C', 'D', 'E'] as const;
export type ResponsibilityLevel = (typeof RESPONSIBILITY_LEVELS)[number];

/** A government agency; agencies form a tree (a superior oversees its subordinates, article 10). */
@Entity({ name: 'agencies' })
export class Agency {
  @PrimaryColumn('uuid') id: string;
  @Column('text') code: string;
  @Column('text') name: string;
  @Column('uuid', { name: 'parent_id', nullable: true }) parentId: string | null;
  @Column('text') timezone: string;
  @Column('char', { name: 'responsibility_level', length: 1 }) responsibilityLevel: ResponsibilityLevel;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
