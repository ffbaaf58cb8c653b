import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsUUID, Matches } from 'class-validator';
import { LowerCaseUuid } from '../common/uuid-field.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser } from '../identity/request-context.js';
import { ComplianceService } from './compliance.service.js';

export class ComplianceQuery {
  @ApiPropertyOptional({ format: 'uuid', description: "defaults to the caller's agency" })
  @IsOptional()
  @LowerCaseUuid()
  @IsUUID()
  agencyId?: string;

  @ApiPropertyOptional({ example: '2026', description: "defaults to the current year in the agency's time zone" })
  @IsOptional()
  @Matches(/^(19[7-9]\d|20\d\d|2100)$/, { message: 'year must be a four-digit year from 1970 to 2100' })
  year?: string;
}

@ApiTags('oversight')
@ApiBearerAuth()
@Controller('api/reports')
export class ComplianceController {
  constructor(private readonly compliance: ComplianceService) {}

  @Get('compliance')
  @Roles('ciso', 'continuity_coordinator', 'auditor', 'admin')
  @ApiOperation({
    summary:
      "An agency's compliance for a year: incidents (drills excluded) and their report clock, the incident reporting drill, continuity plans, drills, after-action reports and corrective actions",
  })
  report(@CurrentUser() user: AuthenticatedUser, @Query() q: ComplianceQuery) {
    return this.compliance.report(user, q.agencyId, q.year);
  }
}
