import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import * as z from 'zod';
import type { Actor } from '../audit/audit.service.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { Roles } from '../identity/decorators.js';
import { CurrentUser, RequestActor } from '../identity/request-context.js';
import { InstantOut } from '../common/schema.js';
import { QueueDashboard } from './queue-dashboard.js';

/** A single-use link to the BullMQ dashboard and when it stops working. */
const QueueDashboardTicketSchema = z
  .strictObject({
    url: z.string().meta({
      format: 'uri',
      description: 'open it in a browser within 60 s; it works once',
      examples: ['https://ir.agency.gov.tw/admin/queues/login?ticket=…'],
    }),
    expiresAt: InstantOut,
  })
  .meta({ id: 'QueueDashboardTicket' });

@ApiTags('operations')
@ApiBearerAuth()
@Controller('api/admin/queues')
export class QueueDashboardController {
  constructor(private readonly dashboard: QueueDashboard) {}

  @Post('ticket')
  @HttpCode(201)
  @Roles('admin')
  @ApiOperation({
    operationId: 'issueQueueDashboardTicket',
    summary:
      'Admins: a single-use link (valid 60 s) that opens the BullMQ dashboard at /admin/queues in a browser; the dashboard then lasts as long as this API session',
  })
  @ApiCreatedResponse({ standardSchema: QueueDashboardTicketSchema })
  issueTicket(@CurrentUser() user: AuthenticatedUser, @RequestActor() actor: Actor): Promise<{ url: string; expiresAt: string }> {
    return this.dashboard.issueTicket(user, actor);
  }
}
