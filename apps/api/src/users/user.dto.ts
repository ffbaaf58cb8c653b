import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsBoolean, IsEmail, IsIn, IsOptional, IsString, IsUUID, Length, ValidateIf } from 'class-validator';
import { IsInstant } from '../common/instant.js';
import { PageQuery } from '../common/paging.js';
import { ROLES, type Role } from '../identity/roles.js';
import type { Locale } from './user.entity.js';
import { LowerCaseUuid } from '../common/uuid-field.js';

const LOCALES: Locale[] = ['zh-TW', 'en'];

export class CreateUserDto {
  @ApiProperty({ example: 'chen@agency.gov.tw' }) @IsEmail() @Length(3, 320) email: string;
  @ApiProperty({ example: '陳小明' }) @IsString() @Length(1, 200) name: string;
  @ApiProperty({ format: 'uuid' }) @LowerCaseUuid() @IsUUID() agencyId: string;
  @ApiProperty({
    enum: ROLES,
    isArray: true,
    description:
      'reporter is added to every staff account (not to vendors and auditors); an auditor holds no other role; ciso, auditor and admin grants are mailed to the other admins',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles: Role[];
  @ApiPropertyOptional({ type: [String], format: 'uuid' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @LowerCaseUuid()
  @IsUUID('all', { each: true })
  unitIds?: string[];
  @ApiPropertyOptional({ description: 'required for vendor accounts; ISO 8601 with offset' })
  @IsOptional()
  @IsInstant()
  expiresAt?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() disabled?: boolean;
  @ApiPropertyOptional({ enum: LOCALES, default: 'zh-TW' }) @IsOptional() @IsIn(LOCALES) locale?: Locale;
  @ApiPropertyOptional({ description: 'initial password (must be changed at first login); a temporary one is generated when omitted' })
  @IsOptional()
  @IsString()
  @Length(12, 256)
  password?: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ enum: ROLES, isArray: true, description: 'nobody changes their own roles (403 noSelfRoleChange)' })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ROLES.length)
  @ArrayUnique()
  @IsIn(ROLES, { each: true })
  roles?: Role[];
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ArrayUnique()
  @LowerCaseUuid()
  @IsUUID('all', { each: true })
  unitIds?: string[];
  @ApiPropertyOptional({ nullable: true, type: String })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInstant()
  expiresAt?: string | null;
  @ApiPropertyOptional({ description: 'true ends every session of the user at once' }) @IsOptional() @IsBoolean() disabled?: boolean;
  @ApiPropertyOptional({ enum: LOCALES }) @IsOptional() @IsIn(LOCALES) locale?: Locale;
  @ApiPropertyOptional({ description: 'true issues a new temporary password and ends every session' }) @IsOptional() @IsBoolean() resetPassword?: boolean;
}

export class ListUsersQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @LowerCaseUuid() @IsUUID() agencyId?: string;
  @ApiPropertyOptional({ enum: ROLES, description: 'admins and auditors only (the directory others read shows no roles)' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;
}
