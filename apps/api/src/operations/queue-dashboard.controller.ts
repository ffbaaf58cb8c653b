import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../audit/audit.service.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { QueueDashboard } from './queue-dashboard.js';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('api/admin/queues')
export class QueueDashboardController {
  constructor(private readonly dashboard: QueueDashboard) {}

  @Post('ticket')
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({
    summary:
      'Admins: a single-use link (valid 60 s) that opens the BullMQ dashboard at /admin/queues in a browser; the dashboard then lasts as long as this API session',
  })
  issueTicket(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor): Promise<{ url: string; expiresAt: string }> {
    return this.dashboard.issueTicket(user, actor);
  }
}
