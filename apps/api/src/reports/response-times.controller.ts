import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser } from '../identity/request-context.js';
import { ResponseTimesQuery, ResponseTimesSchema } from './response-times.schema.js';
import { ResponseTimesService } from './response-times.service.js';

@ApiTags('oversight')
@ApiBearerAuth()
@Controller('api/reports')
export class ResponseTimesController {
  constructor(private readonly responseTimes: ResponseTimesService) {}

  @Get('response-times')
  @Roles('ciso', 'on_call_manager', 'continuity_coordinator', 'auditor', 'admin')
  @ApiOperation({
    operationId: 'getResponseTimes',
    summary:
      'Time to acknowledge, report, contain and recover (median and p90, in seconds) per level, agency and month over [from, to), for the agency and the part of its subtree the caller sees; drills apart. ' +
      '400 for a malformed from/to, 422 naming the field for a period that is empty or longer than five years',
  })
  @ApiOkResponse({ standardSchema: ResponseTimesSchema })
  report(@CurrentUser() user: AuthenticatedUser, @Query({ schema: ResponseTimesQuery }) q: ResponseTimesQuery) {
    return this.responseTimes.report(user, q);
  }
}
