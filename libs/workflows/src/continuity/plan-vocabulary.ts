/**
 * The words of a continuity plan's document (hazards, procedure phases, scope kinds), apart from
 * its zod schemas so the console can list them without loading zod.
 */

export const HAZARDS = [
  'earthquake',
  'typhoon',
  'flood',
  'fire',
  'power_loss',
  'network_loss',
  'cyber_attack',
  'pandemic',
  'staff_loss',
  'supplier_failure',
  'facility_loss',
  'other',
] as const;
export type Hazard = (typeof HAZARDS)[number];

export const PROCEDURE_PHASES = ['emergency', 'recovery', 'resumption'] as const;
export type ProcedurePhase = (typeof PROCEDURE_PHASES)[number];

export const SCOPE_KINDS = ['service', 'system'] as const;
export type ScopeKind = (typeof SCOPE_KINDS)[number];
