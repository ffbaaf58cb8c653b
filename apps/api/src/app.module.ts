import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from '../../../db/data-source.js';
import { AgenciesController } from './agencies/agencies.controller.js';
import { AgenciesService } from './agencies/agencies.service.js';
import { PolicyService } from './agencies/policy.service.js';
import { AuditController } from './audit/audit.controller.js';
import { AuditService } from './audit/audit.service.js';
import { ClockModule } from './clock/clock.module.js';
import { ProblemFilter } from './common/problem.filter.js';
import { createSchemaValidationPipe, createValidationPipe } from './common/validation.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { CalendarController } from './continuity/calendar.controller.js';
import { CalendarService } from './continuity/calendar.service.js';
import { CorrectiveActionsController, DrillsController, PlansController } from './continuity/continuity.controller.js';
import { CONTINUITY_PROVIDERS } from './continuity/continuity.providers.js';
import { HealthController } from './health/health.controller.js';
import { AuthController } from './identity/auth.controller.js';
import { ConsoleSessionController } from './identity/console-session.controller.js';
import { AuthGuard } from './identity/auth.guard.js';
import { AuthService } from './identity/auth.service.js';
import { LoginThrottle } from './identity/login-throttle.js';
import { BootstrapAdmin } from './identity/bootstrap-admin.js';
import { PasswordHasher } from './identity/password-hasher.js';
import { ScopeService } from './identity/scope.service.js';
import { RedisModule } from './redis/redis.module.js';
import { ChangeFeed } from './stream/change-feed.js';
import { StreamController } from './stream/stream.controller.js';
import { ComplianceController } from './reports/compliance.controller.js';
import { ComplianceService } from './reports/compliance.service.js';
import { IncidentCsvExport } from './incidents/incident-csv.js';
import { ResponseTimesController } from './reports/response-times.controller.js';
import { ResponseTimesService } from './reports/response-times.service.js';
import { DEADLINE_QUEUE, DeadlineScheduler } from './incidents/deadline-scheduler.js';
import { EvidenceService } from './incidents/evidence.service.js';
import { IncidentStore } from './incidents/incident-store.js';
import { IncidentsController } from './incidents/incidents.controller.js';
import { IncidentsService } from './incidents/incidents.service.js';
import { HttpMetricsMiddleware, Metrics, MetricsController } from './metrics/metrics.controller.js';
import { NOTIFY_QUEUE } from './notifications/notification.jobs.js';
import { OnCallController } from './oncall/oncall.controller.js';
import { QueueDashboardController } from './operations/queue-dashboard.controller.js';
import { QueueDashboard } from './operations/queue-dashboard.js';
import { OnCallService } from './oncall/oncall.service.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';
import { WebhookHostResolver } from './webhooks/webhook-host-resolver.js';
import { WebhooksService } from './webhooks/webhooks.service.js';
import { UnitsController } from './units/units.controller.js';
import { UnitsService } from './units/units.service.js';
import { UsersController } from './users/users.controller.js';
import { UsersService } from './users/users.service.js';
import { MAINTENANCE_QUEUE } from './worker/maintenance.jobs.js';

/** Database access shared by the API and the worker. */
export function databaseModule(): DynamicModule {
  return TypeOrmModule.forRootAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => dataSourceOptions(config.databaseUrl, config.databasePoolSize) });
}

/** BullMQ on the configured Redis, with the hash-tagged prefix. */
export function queueRootModule(config: AppConfig): DynamicModule {
  return BullModule.forRoot({ connection: { url: config.redisUrl, maxRetriesPerRequest: null }, prefix: config.queuePrefix });
}

/** The HTTP API. */
@Module({})
export class ApiModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }

  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule,
        databaseModule(),
        RedisModule,
        TerminusModule.forRoot({ logger: false }),
        queueRootModule(config),
        BullModule.registerQueue({ name: DEADLINE_QUEUE }, { name: NOTIFY_QUEUE }, { name: MAINTENANCE_QUEUE }),
      ],
      controllers: [
        AuthController,
        ConsoleSessionController,
        AgenciesController,
        UnitsController,
        UsersController,
        AuditController,
        IncidentsController,
        OnCallController,
        WebhooksController,
        PlansController,
        // Before DrillsController: GET /api/drills/calendar.ics must not be taken for GET /api/drills/:id.
        CalendarController,
        DrillsController,
        CorrectiveActionsController,
        ComplianceController,
        ResponseTimesController,
        StreamController,
        HealthController,
        MetricsController,
        QueueDashboardController,
      ],
      providers: [
        AuditService,
        PolicyService,
        ScopeService,
        AuthService,
        LoginThrottle,
        AgenciesService,
        UnitsService,
        UsersService,
        BootstrapAdmin,
        IncidentStore,
        IncidentsService,
        IncidentCsvExport,
        EvidenceService,
        DeadlineScheduler,
        Metrics,
        OnCallService,
        WebhooksService,
        WebhookHostResolver,
        QueueDashboard,
        ...CONTINUITY_PROVIDERS,
        CalendarService,
        ComplianceService,
        ResponseTimesService,
        ChangeFeed,
        { provide: PasswordHasher, useValue: new PasswordHasher() },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_PIPE, useFactory: createSchemaValidationPipe },
      ],
    };
  }
}
