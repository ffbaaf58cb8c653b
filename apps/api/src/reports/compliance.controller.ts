import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser } from '../identity/request-context.js';
import { ComplianceQuery, ComplianceReportSchema } from './compliance.schema.js';
import { ComplianceService } from './compliance.service.js';

@ApiTags('oversight')
@ApiBearerAuth()
@Controller('api/reports')
export class ComplianceController {
  constructor(private readonly compliance: ComplianceService) {}

  @Get('compliance')
  @Roles('ciso', 'continuity_coordinator', 'auditor', 'admin')
  @ApiOperation({
    operationId: 'getComplianceReport',
    summary:
      "An agency's compliance for a year: incidents (drills excluded) and their report clock, the incident reporting drill, continuity plans, drills, after-action reports and corrective actions",
  })
  @ApiOkResponse({ standardSchema: ComplianceReportSchema })
  report(@CurrentUser() user: AuthenticatedUser, @Query({ schema: ComplianceQuery }) q: ComplianceQuery) {
    return this.compliance.report(user, q.agencyId, q.year);
  }
}
