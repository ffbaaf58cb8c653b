import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '../identity/roles.js';

export const LOCALES = ['zh-TW', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/** A person (or a vendor's account) who signs in. Passwords are argon2id hashes. */
@Entity({ name: 'users' })
export class User {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'agency_id' }) agencyId: string;
  @Column('text') email: string;
  @Column('text') name: string;
  @Column('text') locale: Locale;
  @Column('text', { name: 'password_hash', select: false }) passwordHash: string;
  @Column('timestamptz', { name: 'password_changed_at' }) passwordChangedAt: Date;
  @Column('boolean', { name: 'must_change_password' }) mustChangePassword: boolean;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expiresAt: Date | null;
  @Column('timestamptz', { name: 'disabled_at', nullable: true }) disabledAt: Date | null;
  @Column('text', { name: 'disabled_reason', nullable: true }) disabledReason: string | null;
  @Column('int', { name: 'failed_login_count' }) failedLoginCount: number;
  @Column('timestamptz', { name: 'locked_until', nullable: true }) lockedUntil: Date | null;
  @Column('timestamptz', { name: 'last_login_at', nullable: true }) lastLoginAt: Date | null;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}

@Entity({ name: 'role_memberships' })
export class RoleMembership {
  @PrimaryColumn('uuid', { name: 'user_id' }) userId: string;
  @PrimaryColumn('text') role: Role;
  @Column('timestamptz', { name: 'granted_at' }) grantedAt: Date;
  @Column('uuid', { name: 'granted_by', nullable: true }) grantedBy: string | null;
}
