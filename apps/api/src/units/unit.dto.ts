import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQuery } from '../common/paging.js';
import { UNIT_TYPES, type UnitType } from './unit.entity.js';
import { LowerCaseUuid } from '../common/uuid-field.js';

export class CreateUnitDto {
  @ApiProperty({ format: 'uuid' }) @LowerCaseUuid() @IsUUID() agencyId: string;
  @ApiProperty({ example: '資訊室' }) @IsString() @Length(1, 200) name: string;
  @ApiProperty({ enum: UNIT_TYPES }) @IsIn(UNIT_TYPES) type: UnitType;
  @ApiPropertyOptional({ format: 'uuid', description: 'head of the unit (a user of the same agency)' })
  @IsOptional()
  @LowerCaseUuid()
  @IsUUID()
  headUserId?: string;
  @ApiPropertyOptional({ description: "the unit's shared mailbox" }) @IsOptional() @IsEmail() @Length(3, 320) email?: string;
}

export class ListUnitsQuery extends PageQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @LowerCaseUuid() @IsUUID() agencyId?: string;
}
