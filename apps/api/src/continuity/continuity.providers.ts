import type { Provider } from '@nestjs/common';
import { ScopeService } from '../identity/scope.service.js';
import { CorrectiveActionsService } from './corrective-actions.service.js';
import { DrillStore } from './drill-store.js';
import { DrillsService } from './drills.service.js';
import { PlansService } from './plans.service.js';
import { ProgrammeScheduler } from './programme-scheduler.js';

/** Business continuity's services, shared by the API and the worker (which fires their deadlines). */
export const CONTINUITY_PROVIDERS: Provider[] = [ScopeService, DrillStore, ProgrammeScheduler, CorrectiveActionsService, DrillsService, PlansService];
