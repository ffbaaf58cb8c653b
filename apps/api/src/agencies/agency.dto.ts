import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches, Validate, ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';
import { IANAZone } from 'luxon';
import { PageQuery } from '../common/paging.js';
import { RESPONSIBILITY_LEVELS, type ResponsibilityLevel } from './agency.entity.js';
import { LowerCaseUuid } from '../common/uuid-field.js';

@ValidatorConstraint({ name: 'isTimeZone' })
export class IsTimeZone implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && value.length <= 64 && IANAZone.isValidZone(value);
  }
  defaultMessage(): string {
    return 'timezone must be an IANA time zone such as Asia/Taipei';
  }
}

export class CreateAgencyDto {
  @ApiProperty({ example: '臺北市政府資訊局' })
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty({ example: 'TPEDOIT', description: 'upper-case letters and digits, 2–16, unique; used in incident references' })
  @IsString()
  @Matches(/^[A-Z][A-Z0-9]{1,15}$/, { message: 'code must be 2–16 upper-case letters or digits, starting with a letter' })
  code: string;

  @ApiProperty({ format: 'uuid', description: 'the superior agency' })
  @LowerCaseUuid()
  @IsUUID()
  parentId: string;

  @ApiPropertyOptional({ example: 'Asia/Taipei', default: 'Asia/Taipei' })
  @IsOptional()
  @Validate(IsTimeZone)
  timezone?: string;

  @ApiProperty({ enum: RESPONSIBILITY_LEVELS, description: '資通安全責任等級 A–E' })
  @IsIn(RESPONSIBILITY_LEVELS)
  responsibilityLevel: ResponsibilityLevel;
}

export class ListAgenciesQuery extends PageQuery {}

export class AgencyView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() code: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) parentId: string | null;
  @ApiProperty() timezone: string;
  @ApiProperty({ enum: RESPONSIBILITY_LEVELS }) responsibilityLevel: ResponsibilityLevel;
  @ApiProperty() createdAt: string;
}
