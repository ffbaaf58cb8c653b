import * as z from 'zod';
import { DATA_LEVELS, TLP_LABELS } from '../incident/classification.js';
import type { RoleName } from '../incident/incident.events.js';
import { IsoDuration } from './iso-duration.js';
import { HAZARDS, PROCEDURE_PHASES, SCOPE_KINDS } from './plan-vocabulary.js';

/**
 * The structure of a business continuity plan document (article 40), as zod schemas: what the API
 * checks and what /api/openapi.json shows. The rules between fields (RTO below MTPD, an impact row
 * naming a scope entry, …) are `validatePlanDocument`'s, in plan.ts.
 */

export { HAZARDS, PROCEDURE_PHASES, SCOPE_KINDS, type Hazard, type ProcedurePhase, type ScopeKind } from './plan-vocabulary.js';

/** Roles a procedure step can name (every `RoleName`; the `satisfies` keeps the list complete). */
export const PLAN_ROLES = [
  'reporter',
  'responder',
  'on_call_manager',
  'ethics_officer',
  'ciso',
  'continuity_coordinator',
  'auditor',
  'admin',
  'vendor',
] as const satisfies readonly RoleName[];
const _everyRoleListed: [Exclude<RoleName, (typeof PLAN_ROLES)[number]>] extends [never] ? true : never = true;

/** Bounds that keep validation (and what is stored) small whatever a client sends. */
export const PLAN_LIMITS = {
  /** Entries per list. */
  listItems: 200,
  shortText: 200,
  longText: 4000,
  duration: 64,
  /** At most this many errors are returned. */
  errors: 200,
} as const;

export const MAX_REVIEW_INTERVAL = 'P1Y';

/** Text of 1–`max` characters, not only spaces (rule `required` when blank). */
export function PlanText(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((s) => s.trim() !== '', { params: { rule: 'required' }, message: 'must not be empty' });
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@.]{1,63}$/;
const PHONE = /^\+?[0-9(][0-9 ()#.\-/]{1,38}(?:\s*(?:ext\.?|x)\s*[0-9]{1,8})?$/i;

const list = <T extends z.ZodType>(item: T) => z.array(item).min(1).max(PLAN_LIMITS.listItems);

export const PlanClassificationSchema = z
  .strictObject({ tlp: z.enum(TLP_LABELS), dataLevel: z.enum(DATA_LEVELS) })
  .meta({ id: 'PlanClassificationInput', description: 'TLP label and data level of the plan (article 42)' });

export const PlanScopeEntrySchema = z
  .strictObject({
    name: PlanText(PLAN_LIMITS.shortText).meta({ description: 'unique within the plan; impact rows name it', examples: ['e-filing'] }),
    kind: z.enum(SCOPE_KINDS),
    core: z.boolean().meta({ description: 'a core service or system needs at least one impact analysis row' }),
    description: PlanText(PLAN_LIMITS.longText).optional(),
  })
  .meta({ id: 'PlanScopeEntry' });
export type PlanScopeEntry = z.output<typeof PlanScopeEntrySchema>;

export const PlanImpactRowSchema = z
  .strictObject({
    service: PlanText(PLAN_LIMITS.shortText).meta({ description: 'the name of a scope entry' }),
    hazard: z.enum(HAZARDS),
    impact: PlanText(PLAN_LIMITS.longText),
    mtpd: IsoDuration({ description: 'maximum tolerable period of disruption (ISO 8601 duration)', examples: ['P3D'] }),
    rto: IsoDuration({ description: 'recovery time objective (ISO 8601 duration), strictly below the MTPD', examples: ['PT24H'] }),
    rpo: IsoDuration({ description: 'recovery point objective (ISO 8601 duration)', examples: ['PT1H'] }),
  })
  .meta({ id: 'PlanImpactRow', description: 'one row of the business impact analysis: a scope entry under one hazard' });
export type PlanImpactAnalysis = z.output<typeof PlanImpactRowSchema>;

export const PlanProcedureSchema = z
  .strictObject({
    phase: z.enum(PROCEDURE_PHASES),
    order: z
      .custom<number>((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1, {
        params: { rule: 'positiveInteger' },
        message: 'must be a positive integer',
      })
      .meta({ type: 'integer', minimum: 1, description: 'step number, unique within its phase' }),
    action: PlanText(PLAN_LIMITS.longText),
    responsibleRole: z.enum(PLAN_ROLES).optional(),
    responsibleUnitId: PlanText(PLAN_LIMITS.shortText).optional(),
  })
  .meta({ id: 'PlanProcedure', description: 'a step of the emergency, recovery or resumption procedure; names a responsible role or unit' });
export type PlanProcedure = z.output<typeof PlanProcedureSchema>;

export const PlanContactSchema = z
  .strictObject({
    name: PlanText(PLAN_LIMITS.shortText),
    function: PlanText(PLAN_LIMITS.shortText),
    phone: PlanText(64)
      .refine((s) => PHONE.test(s.trim()), { params: { rule: 'format' }, message: 'is not a phone number' })
      .optional(),
    email: PlanText(254)
      .refine((s) => EMAIL.test(s.trim()), { params: { rule: 'format' }, message: 'is not an e-mail address' })
      .optional(),
    organisation: PlanText(PLAN_LIMITS.shortText).optional(),
  })
  .meta({ id: 'PlanContact', description: 'a contact with a phone number or an e-mail address' });
export type PlanContact = z.output<typeof PlanContactSchema>;

/** The plan document: what a plan version holds. */
export const PlanDocumentShape = {
  title: PlanText(PLAN_LIMITS.shortText),
  summary: PlanText(PLAN_LIMITS.longText).optional(),
  classification: PlanClassificationSchema,
  scope: list(PlanScopeEntrySchema),
  impactAnalysis: list(PlanImpactRowSchema),
  activationCriteria: list(PlanText(PLAN_LIMITS.longText)),
  procedures: list(PlanProcedureSchema),
  contacts: list(PlanContactSchema),
  reviewInterval: IsoDuration({ description: 'how often the plan is reviewed, at most P1Y (default P1Y)', examples: ['P6M'] }).optional(),
};
export const PlanDocumentSchema = z.strictObject(PlanDocumentShape).meta({ id: 'PlanDocument' });
export type PlanDocument = z.output<typeof PlanDocumentSchema>;
