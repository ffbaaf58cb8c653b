import {
  DATA_LEVELS,
  IsoDuration,
  PlanDocumentSchema,
  PlanDocumentShape,
  PlanText,
  ProgrammeInputShape,
  TLP_LABELS,
  PROGRAMME_DRILL_TYPES,
} from '@app/workflows';
import * as z from 'zod';
import { InstantOut, PageOf, PageQueryShape, Uuid } from '../common/schema.js';

/** The plan's own fields beside its document: why it changes (article 19) and the drills a version answers. */
export const MAX_CHANGE_REASON = 2000;
export const MAX_ADDRESSED_DRILLS = 50;

const ChangeReason = PlanText(MAX_CHANGE_REASON).meta({ description: 'why the plan changes (article 19)', examples: ['年度審查：更新聯絡人'] });
const AddressesDrillIds = z
  .array(Uuid)
  .max(MAX_ADDRESSED_DRILLS)
  .meta({ description: 'drills of this plan waiting for a plan change whose findings this version answers (they are told PLAN_UPDATED)' });

/** POST /api/continuity/plans: the document (version 1), optionally with a changeReason. */
export const CreatePlanBody = z.strictObject({ ...PlanDocumentShape, changeReason: ChangeReason.optional() }).meta({ id: 'CreatePlan' });

/** PUT /api/continuity/plans/{id}: the whole new document, with the reason. */
export const UpdatePlanBody = z
  .strictObject({ ...PlanDocumentShape, changeReason: ChangeReason, addressesDrillIds: AddressesDrillIds.optional() })
  .meta({ id: 'UpdatePlan', description: 'a new version: the whole document (GET …/versions/{v} `document`), a changeReason and the drills it answers' });

/** The version's own fields, checked beside the document. */
export const PlanVersionFields = z.strictObject({ changeReason: ChangeReason.optional(), addressesDrillIds: AddressesDrillIds.optional() });

export const ListPlansQuery = z.strictObject({ ...PageQueryShape, agencyId: Uuid.optional() });
export type ListPlansQuery = z.output<typeof ListPlansQuery>;

export const PlanVersionsQuery = z.strictObject({ ...PageQueryShape });
export type PlanVersionsQuery = z.output<typeof PlanVersionsQuery>;

const VersionNumber = z
  .string()
  .refine((s) => /^\d{1,9}$/.test(s) && Number(s) >= 1, { params: { rule: 'isVersion' }, message: 'is a plan version number (1, 2, …)' })
  .transform(Number)
  .meta({ type: 'integer', minimum: 1 });
export const PlanDiffQuery = z.strictObject({ from: VersionNumber, to: VersionNumber });
export type PlanDiffQuery = z.output<typeof PlanDiffQuery>;

export const LabelledClassificationSchema = z
  .strictObject({
    tlp: z.string(),
    dataLevel: z.string(),
    label: z.enum(TLP_LABELS).meta({ description: 'the label it is shown under: the strictest of TLP and data level' }),
  })
  .meta({ id: 'ContinuityClassification', description: `TLP (${TLP_LABELS.join(', ')}) and data level (${DATA_LEVELS.join(', ')})` });

/** A clock of a plan, drill or corrective action. */
export const ContinuityDeadlineSchema = z
  .strictObject({
    kind: z.string(),
    step: z.int().optional(),
    dueAt: InstantOut,
    status: z.string(),
    lateByMs: z.number().optional(),
    metAt: InstantOut.optional().meta({ description: 'when the work was done (a breached deadline keeps its breach and says when the work came, late)' }),
  })
  .meta({ id: 'ContinuityDeadline' });

export const AFTER_ACTION_WINDOW = /^P(?:([1-9]|[12][0-9]|3[01])D|[1-4]W|1M)$/;
const AfterActionWindow = z
  .custom<string>((v) => typeof v === 'string' && AFTER_ACTION_WINDOW.test(v), {
    params: { rule: 'withinOneMonth' },
    message: 'is an ISO duration of at most one month (P1D…P31D, P1W…P4W or P1M): drill results are reported within a month',
  })
  .meta({
    type: 'string',
    pattern: AFTER_ACTION_WINDOW.source,
    description: 'how long after a drill its after-action report is due, at most one month (default P30D)',
    examples: ['P30D'],
  });

/** A plan's drill programme as stored and shown; PUT …/programme takes it back as it is. */
export const ProgrammeSchema = z
  .strictObject({
    rrule: z.string().meta({ description: 'normalised: DTSTART in the agency’s zone, then the RRULE' }),
    timezone: z.string().meta({ description: 'the agency’s IANA time zone the rule is expanded in' }),
    drillType: z.enum(PROGRAMME_DRILL_TYPES),
    reminders: z.array(IsoDuration()),
    afterActionWindow: AfterActionWindow,
  })
  .meta({ id: 'Programme' });

/** What PUT …/programme takes beside the RRULE fields (checked by the API, not by parseProgramme). */
export const ProgrammeExtraFields = z.strictObject({
  afterActionWindow: AfterActionWindow.optional(),
  timezone: z.string().max(64).optional(),
});

/** PUT /api/continuity/plans/{id}/programme. */
export const ReplaceProgrammeBody = z
  .strictObject({
    ...ProgrammeInputShape,
    afterActionWindow: AfterActionWindow.optional(),
    timezone: z.string().max(64).optional().meta({ description: 'read-only: when sent (as GET returns it), it must be the agency’s time zone' }),
  })
  .meta({
    id: 'ReplaceProgramme',
    description: 'the programme: exactly the `programme` member of GET …/programme is accepted back (timezone, when sent, is the agency’s)',
  });

export const PlanSchema = z
  .strictObject({
    id: Uuid,
    reference: z.string().meta({ examples: ['MOF-BCP-001'] }),
    agencyId: Uuid,
    title: z.string().nullable().meta({ description: 'null when withheld (redacted)' }),
    classification: LabelledClassificationSchema,
    redacted: z.boolean(),
    version: z.int().min(1).meta({ description: 'the version to send as If-Match (also the ETag)' }),
    document: PlanDocumentSchema.nullable(),
    changeReason: z.string().nullable(),
    reviewDueAt: InstantOut,
    reviewOverdue: z.boolean(),
    programme: ProgrammeSchema.nullable(),
    nextDrill: z.strictObject({ id: Uuid, reference: z.string(), scheduledFor: InstantOut, state: z.string() }).nullable(),
    deadlines: z.array(ContinuityDeadlineSchema),
    createdBy: Uuid,
    createdAt: InstantOut,
    updatedAt: InstantOut,
  })
  .meta({ id: 'Plan' });

export const PlanPage = PageOf(PlanSchema).meta({ id: 'PlanPage' });

export const PlanVersionSummarySchema = z
  .strictObject({
    version: z.int().min(1).meta({ description: 'the plan version number, 1 for the first' }),
    title: z.string().nullable(),
    changeReason: z.string().nullable(),
    addressesDrillIds: z.array(Uuid),
    authorId: Uuid,
    createdAt: InstantOut,
  })
  .meta({ id: 'PlanVersionSummary' });
export const PlanVersionPage = PageOf(PlanVersionSummarySchema).meta({ id: 'PlanVersionPage' });

export const PlanVersionSchema = z
  .strictObject({
    planId: Uuid,
    version: z.int().min(1).meta({ description: 'the plan version number, 1 for the first' }),
    document: PlanDocumentSchema,
    changeReason: z.string(),
    addressesDrillIds: z.array(Uuid),
    authorId: Uuid,
    createdAt: InstantOut,
  })
  .meta({ id: 'PlanVersion' });

export const PlanDiffSchema = z
  .strictObject({
    planId: Uuid,
    from: z.int(),
    to: z.int(),
    changes: z.array(
      z.strictObject({
        op: z.enum(['add', 'remove', 'replace']),
        path: z.string().meta({ description: 'JSON pointer (RFC 6901) into the plan document' }),
        from: z.unknown().optional().meta({ description: 'the old value (replace, remove)' }),
        value: z.unknown().optional().meta({ description: 'the new value (add, replace)' }),
      }),
    ),
  })
  .meta({ id: 'PlanDiff' });

export const ProgrammeViewSchema = z
  .strictObject({
    planId: Uuid,
    programme: ProgrammeSchema.nullable(),
    programmeVersion: z.int(),
    upcoming: z.array(InstantOut).meta({ description: 'the drills of the coming two years' }),
    nextDrill: z.strictObject({ id: Uuid, reference: z.string(), scheduledFor: InstantOut, occurrenceAt: InstantOut, state: z.string() }).nullable(),
  })
  .meta({ id: 'ProgrammeView' });
