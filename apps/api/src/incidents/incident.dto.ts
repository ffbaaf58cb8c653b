import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
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
  ValidateNested,
} from 'class-validator';
import { CATEGORIES, DATA_LEVELS, LAW_ENFORCEMENT_AGENCIES, REPORT_CHANNELS, TLP_LABELS, type Category, type DataLevel, type Tlp } from '@app/workflows';
import { IsInstant, NotBlank } from '../common/instant.js';
import { PageQuery } from '../common/paging.js';
import { LowerCaseUuid } from '../common/uuid-field.js';

export class ImpactDto {
  @ApiProperty({ minimum: 1, maximum: 4 }) @IsInt() @Min(1) @Max(4) confidentiality: 1 | 2 | 3 | 4;
  @ApiProperty({ minimum: 1, maximum: 4 }) @IsInt() @Min(1) @Max(4) integrity: 1 | 2 | 3 | 4;
  @ApiProperty({ minimum: 1, maximum: 4 }) @IsInt() @Min(1) @Max(4) availability: 1 | 2 | 3 | 4;
}

export class ClassificationDto {
  @ApiProperty({ enum: TLP_LABELS }) @IsIn(TLP_LABELS) tlp: Tlp;
  @ApiProperty({ enum: DATA_LEVELS, description: 'article 42 data security level' }) @IsIn(DATA_LEVELS) dataLevel: DataLevel;
}

export class CreateIncidentDto {
  @ApiProperty({ example: '官網遭置換首頁 Website defaced' }) @IsString() @NotBlank() @Length(1, 300) title: string;
  @ApiProperty() @IsString() @NotBlank() @Length(1, 20000) description: string;
  @ApiProperty({ enum: Object.keys(CATEGORIES) }) @IsIn(Object.keys(CATEGORIES)) category: Category;
  @ApiPropertyOptional({ description: 'one of the category’s sub-categories' }) @IsOptional() @IsString() @Length(1, 50) subcategory?: string;
  @ApiProperty({ description: 'when the agency became aware (知悉); the report clock starts here' })
  @IsInstant()
  awareAt: string;
  @ApiPropertyOptional() @IsOptional() @IsInstant() occurredAt?: string;
  @ApiProperty({ type: ImpactDto }) @IsDefined() @IsObject() @ValidateNested() @Type(() => ImpactDto) impact: ImpactDto;
  @ApiProperty({ type: ClassificationDto }) @IsDefined() @IsObject() @ValidateNested() @Type(() => ClassificationDto) classification: ClassificationDto;
  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  affectedSystems?: string[];
  @ApiPropertyOptional({ default: false, description: 'a drill report: runs the whole workflow, labelled as a drill' })
  @IsOptional()
  @IsBoolean()
  isDrill?: boolean;
}

export class ListIncidentsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: ['reported', 'responding', 'review', 'closed', 'dismissed'] })
  @IsOptional()
  @IsIn(['reported', 'responding', 'review', 'closed', 'dismissed'])
  state?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 4 })
  @IsOptional()
  @Matches(/^[1-4]$/, { message: 'level must be 1, 2, 3 or 4' })
  level?: string;
  @ApiPropertyOptional({ format: 'uuid' }) @IsOptional() @LowerCaseUuid() @IsUUID() agencyId?: string;
  @ApiPropertyOptional({ enum: ['true', 'false'] }) @IsOptional() @IsIn(['true', 'false']) overdue?: string;
}

// ---- events: one DTO per type; `type` picks it, unknown fields are refused ----

class EventBase {
  @IsString() type: string;
}
export class TriageEventDto extends EventBase {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => ImpactDto) impact: ImpactDto;
  @IsIn(Object.keys(CATEGORIES)) category: Category;
  @IsOptional() @IsString() @Length(1, 50) subcategory?: string;
}
export class ReasonEventDto extends EventBase {
  @IsString() @NotBlank() @Length(1, 5000) reason: string;
}
export class EmptyEventDto extends EventBase {}
export class ReportEventDto extends EventBase {
  @IsIn(REPORT_CHANNELS) channel: string;
  @IsOptional() @IsString() @Length(1, 200) externalReference?: string;
  @IsOptional() @IsString() @Length(1, 2000) fallbackReason?: string;
}
export class ReviewEventDto extends EventBase {
  @IsInt() @Min(1) @Max(4) level: number;
  @IsString() @NotBlank() @Length(1, 5000) note: string;
}
export class SummaryEventDto extends EventBase {
  @IsString() @NotBlank() @Length(1, 10000) summary: string;
}
export class ReclassifyEventDto extends EventBase {
  @IsDefined() @IsObject() @ValidateNested() @Type(() => ImpactDto) impact: ImpactDto;
  @IsString() @NotBlank() @Length(1, 5000) reason: string;
}
export class ContactEventDto extends EventBase {
  @IsIn(LAW_ENFORCEMENT_AGENCIES) lawEnforcementAgency: string;
  @IsString() @NotBlank() @Length(1, 200) officer: string;
  @IsOptional() @IsString() @Length(1, 100) caseNumber?: string;
}
export class HandoverEventDto extends EventBase {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(200) @ArrayUnique() @LowerCaseUuid() @IsUUID('all', { each: true }) evidenceIds: string[];
}
export class NoteEventDto extends EventBase {
  @IsString() @NotBlank() @Length(1, 5000) note: string;
}
export class MeasuresDto {
  @IsOptional() @IsString() @Length(1, 10000) management?: string;
  @IsOptional() @IsString() @Length(1, 10000) technical?: string;
  @IsOptional() @IsString() @Length(1, 10000) staffing?: string;
  @IsOptional() @IsString() @Length(1, 10000) resources?: string;
}
/** A measure of the improvement report to track as a corrective action (owner, due date) until verified. */
export class ImprovementActionDto {
  @IsString() @NotBlank() @Length(1, 500) title: string;
  @IsOptional() @LowerCaseUuid() ownerUserId?: string;
  @IsOptional() @LowerCaseUuid() ownerUnitId?: string;
  @IsInstant() dueAt: string;
}
export class ImprovementReportEventDto extends EventBase {
  @IsString() @NotBlank() @Length(1, 20000) rootCause: string;
  @IsDefined() @IsObject() @ValidateNested() @Type(() => MeasuresDto) measures: MeasuresDto;
  @IsString() @NotBlank() @Length(1, 5000) schedule: string;
  /** Tracked as corrective actions from the moment the report is accepted (they are not part of the machine's event). */
  @IsOptional() @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => ImprovementActionDto) correctiveActions?: ImprovementActionDto[];
}

export const EVENT_DTOS = {
  TRIAGE: TriageEventDto,
  DISMISS: ReasonEventDto,
  ACKNOWLEDGE: EmptyEventDto,
  REPORT_TO_AUTHORITY: ReportEventDto,
  AUTHORITY_REVIEWED: ReviewEventDto,
  CONTAINED: SummaryEventDto,
  RECOVERED: SummaryEventDto,
  RECLASSIFY: ReclassifyEventDto,
  LE_NOT_REQUIRED: ReasonEventDto,
  LE_REQUEST: ReasonEventDto,
  LE_CONTACTED: ContactEventDto,
  LE_EVIDENCE_HANDED_OVER: HandoverEventDto,
  LE_CONCLUDED: NoteEventDto,
  SUBMIT_IMPROVEMENT_REPORT: ImprovementReportEventDto,
  APPROVE_CLOSURE: EmptyEventDto,
  REOPEN: ReasonEventDto,
} as const;

// ---- evidence ----

export class CreateEvidenceDto {
  @ApiProperty() @IsString() @NotBlank() @Length(1, 5000) description: string;
  @ApiProperty({ example: 'web server /var/log/nginx' }) @IsString() @NotBlank() @Length(1, 500) source: string;
  @ApiProperty({ description: 'who collected it' }) @IsString() @NotBlank() @Length(1, 200) collectedBy: string;
  @ApiProperty({ description: 'ISO 8601 with offset (the time zone is kept)' })
  @IsInstant()
  collectedAt: string;
  @ApiProperty({ description: 'SHA-256 of the item at collection, hex' })
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'sha256 must be 64 hexadecimal characters' })
  sha256: string;
  @ApiProperty({ example: 'evidence locker B-2, sealed bag 0042' }) @IsString() @NotBlank() @Length(1, 500) storage: string;
}

export class CreateTransferDto {
  @ApiProperty() @IsString() @NotBlank() @Length(1, 200) from: string;
  @ApiProperty() @IsString() @NotBlank() @Length(1, 200) to: string;
  @ApiProperty() @IsString() @NotBlank() @Length(1, 2000) purpose: string;
  @ApiProperty({ description: 'ISO 8601 with offset' })
  @IsInstant()
  at: string;
  @ApiProperty({ description: 'SHA-256 computed at the transfer; must equal the hash at collection' })
  @Matches(/^[0-9a-fA-F]{64}$/, { message: 'sha256 must be 64 hexadecimal characters' })
  sha256: string;
}
