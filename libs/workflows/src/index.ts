/** Pure XState machines and policy tables (no I/O, no timers, no Nest). */
export * from './incident/classification.js';
export * from './incident/clocks.js';
export * from './incident/levels.js';
export * from './incident/incident.events.js';
export * from './incident/incident.machine.js';
export * from './incident/incident.runtime.js';
export * from './incident/incident.diagram.js';
export * from './continuity/drill.events.js';
export * from './continuity/drill.machine.js';
export * from './continuity/drill.runtime.js';
export * from './continuity/drill.diagram.js';
export * from './continuity/corrective-action.js';
export * from './continuity/plan.js';
export * from './continuity/programme.js';
export * from './continuity/schema-issues.js';
export { IsoDuration } from './continuity/iso-duration.js';
export {
  PLAN_ROLES,
  PlanClassificationSchema,
  PlanContactSchema,
  PlanDocumentSchema,
  PlanDocumentShape,
  PlanImpactRowSchema,
  PlanProcedureSchema,
  PlanScopeEntrySchema,
  PlanText,
} from './continuity/plan.schema.js';
export { ProgrammeInputShape } from './continuity/programme.schema.js';
