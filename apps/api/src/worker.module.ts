import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import { databaseModule } from './app.module.js';
import { AuditService } from './audit/audit.service.js';
import { ClockModule } from './clock/clock.module.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { MAINTENANCE_QUEUE } from './worker/maintenance.jobs.js';
import { MaintenanceProcessor } from './worker/maintenance.processor.js';
import { MaintenanceService } from './worker/maintenance.service.js';

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
        BullModule.forRoot({ connection: { url: config.redisUrl, maxRetriesPerRequest: null }, prefix: config.queuePrefix }),
        BullModule.registerQueue({ name: MAINTENANCE_QUEUE }),
      ],
      providers: [AuditService, MaintenanceService, MaintenanceProcessor],
    };
  }
}
