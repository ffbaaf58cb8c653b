import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  Validate,
  ValidateNested,
} from 'class-validator';
import { IsTimeZone } from '../agencies/agency.dto.js';
import { IsInstant, NotBlank } from '../common/instant.js';
import { LowerCaseUuid } from '../common/uuid-field.js';

export class LayerDto {
  @ApiProperty({ enum: ['daily', 'weekly'] }) @IsIn(['daily', 'weekly']) rotation: 'daily' | 'weekly';
  @ApiProperty({ example: '09:00', description: 'local hand-off time' })
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'handoffTime must be a local time HH:mm' })
  handoffTime: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 7, description: 'weekly hand-off weekday, 1 = Monday' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(7)
  handoffWeekday?: number;
  @ApiProperty() @IsInstant() startsAt: string;
  @ApiPropertyOptional() @IsOptional() @IsInstant() endsAt?: string;
  @ApiProperty({ type: [String], description: 'users of the agency, in rotation order' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  @LowerCaseUuid()
  @IsUUID('all', { each: true })
  participants: string[];
}

export class CreateScheduleDto {
  @ApiProperty({ format: 'uuid' }) @LowerCaseUuid() @IsUUID() agencyId: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @LowerCaseUuid() @IsUUID() unitId?: string;
  @ApiProperty({ example: '資訊室值班 IT on call' }) @IsString() @NotBlank() @Length(1, 200) name: string;
  @ApiPropertyOptional({ example: 'Asia/Taipei', description: "defaults to the agency's time zone" }) @IsOptional() @Validate(IsTimeZone) timezone?: string;
  @ApiProperty({ type: [LayerDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @IsObject({ each: true })
  @ValidateNested({ each: true })
  @Type(() => LayerDto)
  layers: LayerDto[];
}

export class CreateOverrideDto {
  @ApiProperty({ format: 'uuid' }) @LowerCaseUuid() @IsUUID() userId: string;
  @ApiProperty() @IsInstant() startsAt: string;
  @ApiProperty() @IsInstant() endsAt: string;
  @ApiProperty() @IsString() @NotBlank() @Length(1, 1000) reason: string;
}

export class OnCallQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @LowerCaseUuid() @IsUUID() agencyId?: string;
  @ApiPropertyOptional() @IsOptional() @IsInstant() at?: string;
}

export class CalendarQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @LowerCaseUuid() @IsUUID() agencyId?: string;
  @ApiProperty() @IsInstant() from: string;
  @ApiProperty() @IsInstant() to: string;
}

export class ListSchedulesQuery {
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @LowerCaseUuid() @IsUUID() agencyId?: string;
}
