import type { Provider } from '@nestjs/common';
import { CorrectiveActionDeadlineHandler, DrillDeadlineHandler, PlanReviewDeadlineHandler } from '../continuity/continuity-deadline.handlers.js';
import { CONTINUITY_PROVIDERS } from '../continuity/continuity.providers.js';
import { DeadlineScheduler } from '../incidents/deadline-scheduler.js';
import { DEADLINE_HANDLERS, DeadlineService } from '../incidents/deadline.service.js';
import { IncidentDeadlineHandler } from '../incidents/incident-deadline.handler.js';
import type { DeadlineHandler } from './deadline-handler.js';

/** Every subject's deadline handler: one place to read which clocks the worker fires. */
const HANDLER_CLASSES = [IncidentDeadlineHandler, DrillDeadlineHandler, PlanReviewDeadlineHandler, CorrectiveActionDeadlineHandler];

/**
 * What firing deadlines needs, with the subjects' services (the importing module provides the
 * shared ones: database, queues, clock, AuditService, IncidentStore).
 */
export const DEADLINE_PROVIDERS: Provider[] = [
  ...CONTINUITY_PROVIDERS,
  ...HANDLER_CLASSES,
  { provide: DEADLINE_HANDLERS, inject: HANDLER_CLASSES, useFactory: (...handlers: DeadlineHandler[]) => handlers },
  DeadlineScheduler,
  DeadlineService,
];
