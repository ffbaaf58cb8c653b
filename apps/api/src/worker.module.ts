import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { databaseModule, queueRootModule } from './app.module.js';
import { DEADLINE_QUEUE } from './incidents/deadline-scheduler.js';
import { DeadlineProcessor } from './incidents/deadline.processor.js';
import { DEADLINE_PROVIDERS } from './deadlines/deadline.providers.js';
import { IncidentStore } from './incidents/incident-store.js';
import { AuditService } from './audit/audit.service.js';
import { ClockModule } from './clock/clock.module.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { MAINTENANCE_QUEUE } from './worker/maintenance.jobs.js';
import { createMailTransport, type MailTransport } from '@app/notify';
import { DeliveryService, MAIL_TRANSPORT } from './notifications/delivery.service.js';
import { NOTIFY_QUEUE } from './notifications/notification.jobs.js';
import { NotificationProcessor } from './notifications/notification.processor.js';
import { OutboxRelay } from './notifications/outbox-relay.service.js';
import { MaintenanceProcessor } from './worker/maintenance.processor.js';
import { MaintenanceService } from './worker/maintenance.service.js';
import { RefusedWebhooks } from './webhooks/refused-webhooks.js';

/** The worker: queue consumers and schedulers, no HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule,
        databaseModule(),
        queueRootModule(config),
        BullModule.registerQueue({ name: MAINTENANCE_QUEUE }, { name: DEADLINE_QUEUE }, { name: NOTIFY_QUEUE }),
      ],
      providers: [
        AuditService,
        MaintenanceService,
        MaintenanceProcessor,
        IncidentStore,
        ...DEADLINE_PROVIDERS,
        DeadlineProcessor,
        OutboxRelay,
        DeliveryService,
        RefusedWebhooks,
        NotificationProcessor,
        { provide: MAIL_TRANSPORT, inject: [AppConfig], useFactory: (c: AppConfig): MailTransport => createMailTransport(c.smtpUrl) },
      ],
    };
  }
}
