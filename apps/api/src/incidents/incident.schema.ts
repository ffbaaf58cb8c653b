import * as z from 'zod';
import {
  CATEGORIES,
  CLIENT_EVENT_TYPES,
  DATA_LEVELS,
  DEADLINE_KINDS,
  LAW_ENFORCEMENT_AGENCIES,
  REPORT_CHANNELS,
  TLP_LABELS,
  type Category as CategoryName,
  type ClientEventType,
  type LawEnforcementAgency,
  type ReportChannel,
} from '@app/workflows';
import { FieldDescriptionSchema, Instant, InstantOut, PageOf, PageQueryShape, Text, Uuid } from '../common/schema.js';
import { checkedEach, nestedObject } from '../common/nested-fields.js';

export const CATEGORY_NAMES = Object.keys(CATEGORIES) as [CategoryName, ...CategoryName[]];
export const INCIDENT_STATES = ['reported', 'responding', 'review', 'closed', 'dismissed'] as const;

const Rating = z.int().min(1).max(4);

/** Confidentiality, integrity and availability impact, 1–4 each; the level is the highest. */
export const Impact = z.strictObject({ confidentiality: Rating, integrity: Rating, availability: Rating }).meta({ id: 'Impact' });

export const Category = z.enum(CATEGORY_NAMES).meta({ description: 'article 41 incident category' });
export const Subcategory = z.string().min(1).max(50).meta({ description: 'one of the category’s sub-categories' });

/** TLP 2.0 label and article 42 data security level. */
export const ClassificationInput = z
  .strictObject({
    tlp: z.enum(TLP_LABELS),
    dataLevel: z.enum(DATA_LEVELS).meta({ description: 'article 42 data security level' }),
  })
  .meta({ id: 'ClassificationInput' });

// ---- requests ----

/** POST /api/incidents. */
export const CreateIncidentBody = z
  .strictObject({
    title: Text(300).meta({ examples: ['官網遭置換首頁 Website defaced'] }),
    description: Text(20000),
    category: Category,
    subcategory: Subcategory.optional(),
    awareAt: Instant.meta({ description: 'when the agency became aware (知悉); the report clock starts here' }),
    occurredAt: Instant.optional(),
    impact: nestedObject(Impact),
    classification: nestedObject(ClassificationInput),
    affectedSystems: checkedEach(z.string().min(1).max(200), z.array(z.string().min(1).max(200)).max(100)).optional(),
    isDrill: z.boolean().optional().meta({ description: 'a drill report: runs the whole workflow, labelled as a drill (default false)' }),
  })
  .meta({ id: 'CreateIncident' });
export type CreateIncidentBody = z.output<typeof CreateIncidentBody>;

/** GET /api/incidents. */
export const ListIncidentsQuery = z.strictObject({
  ...PageQueryShape,
  state: z.enum(INCIDENT_STATES).optional(),
  level: z
    .string()
    .regex(/^[1-4]$/, { message: 'level must be 1, 2, 3 or 4' })
    .optional()
    .meta({ description: 'level 1–4' }),
  agencyId: Uuid.optional(),
  overdue: z.enum(['true', 'false']).optional().meta({ description: 'true: open with a breached or passed deadline' }),
  open: z.enum(['true', 'false']).optional().meta({ description: 'true: not closed or dismissed (the board); false: closed or dismissed' }),
  mine: z
    .enum(['true', 'false'])
    .optional()
    .meta({ description: 'true: the incidents the caller filed, acknowledged or acted on (an entry of theirs in the timeline); false: the others' }),
  format: z.enum(['json', 'csv']).optional().meta({
    description: 'csv: the list as a CSV file (as Accept: text/csv does), every page of it; limit and cursor are then ignored',
  }),
  awaitingReview: z.enum(['true']).optional().meta({
    description:
      "true: open incidents of the caller's direct subordinate agencies reported to the caller's agency and not yet reviewed (the superior's review queue)",
  }),
});
export type ListIncidentsQuery = z.output<typeof ListIncidentsQuery>;

/** `limit` and `cursor` of a sub-collection (timeline, notifications, evidence). */

// ---- the incident as the API shows it ----

const Level = z.int().min(1).max(4);
const UserId = Uuid.meta({ description: 'a user id' });
const When = InstantOut.nullable();

const Deadline = z
  .strictObject({
    kind: z.enum(DEADLINE_KINDS),
    step: z.int().optional().meta({ description: 'the escalation step (acknowledgement deadlines)' }),
    dueAt: InstantOut,
    status: z.enum(['pending', 'met', 'breached', 'cancelled', 'fired']),
    lateByMs: z.number().optional().meta({ description: 'how late a breached deadline was when it was found missed' }),
    metAt: InstantOut.optional().meta({
      description: 'when the work was done: for `met` in time; for `breached` late (absent while the breached work is still undone)',
    }),
  })
  .meta({ id: 'IncidentDeadline' });

const Breach = z.strictObject({ kind: z.enum(DEADLINE_KINDS), dueAt: InstantOut, at: InstantOut, lateByMs: z.number() }).meta({ id: 'IncidentBreach' });

const Paging = z
  .strictObject({
    step: z.int(),
    round: z.int(),
    acknowledgedBy: UserId.nullable(),
    acknowledgedAt: When,
    acknowledgedVia: z
      .enum(CLIENT_EVENT_TYPES as [ClientEventType, ...ClientEventType[]])
      .nullable()
      .meta({ description: 'the event that counted as the acknowledgement' }),
    exhausted: z.boolean(),
  })
  .meta({ id: 'IncidentPaging' });

const Authority = z
  .strictObject({
    status: z.enum(['pending', 'reported', 'reviewed']),
    reports: z.array(
      z.strictObject({
        at: InstantOut,
        by: UserId,
        level: Level,
        channel: z.enum(REPORT_CHANNELS as [ReportChannel, ...ReportChannel[]]),
        externalReference: z.string().nullable(),
        fallbackReason: z.string().nullable(),
      }),
    ),
    review: z.strictObject({ at: InstantOut, by: UserId, level: Level, note: z.string() }).nullable(),
  })
  .meta({ id: 'IncidentAuthority' });

const Measures = z.strictObject({
  management: z.string().optional(),
  technical: z.string().optional(),
  staffing: z.string().optional(),
  resources: z.string().optional(),
});
const Closure = z.strictObject({ approvedBy: UserId.nullable(), closedAt: When });

/** A round (the current one, or one before a reopening) for readers cleared to see its content. */
const FullRound = {
  response: z.strictObject({ containedAt: When, containmentSummary: z.string().nullable(), recoveredAt: When, recoverySummary: z.string().nullable() }),
  lawEnforcement: z.strictObject({
    status: z.enum(['undecided', 'not_required', 'requested', 'contacted', 'evidence_handed_over', 'concluded']),
    reason: z.string().nullable(),
    agency: z.enum(LAW_ENFORCEMENT_AGENCIES as [LawEnforcementAgency, ...LawEnforcementAgency[]]).nullable(),
    officer: z.string().nullable(),
    caseNumber: z.string().nullable(),
    requestedAt: When,
    contactedAt: When,
    evidenceIds: z.array(Uuid),
    handedOverAt: When,
    concludedAt: When,
    note: z.string().nullable(),
  }),
  improvementReport: z.strictObject({ at: InstantOut, by: UserId, rootCause: z.string(), measures: Measures, schedule: z.string() }).nullable(),
  closure: Closure,
  dismissal: z.strictObject({ at: InstantOut, by: UserId, reason: z.string() }).nullable(),
};

/** The same round for readers not cleared (article 42): when and who, never the summaries, report text, reason, officer or case. */
const RedactedRound = {
  response: z.strictObject({ containedAt: When, recoveredAt: When }),
  lawEnforcement: z.strictObject({ status: FullRound.lawEnforcement.shape.status }),
  improvementReport: z.strictObject({ at: InstantOut, by: UserId }).nullable(),
  closure: Closure,
  dismissal: z.strictObject({ at: InstantOut, by: UserId }).nullable(),
};

const EarlierRoundBase = { reopenedAt: InstantOut, ended: z.enum(['closed', 'dismissed']), level: Level };

/** What every reader sees. */
const Common = {
  id: Uuid,
  reference: z.string().meta({ description: 'agency code, year and a gapless number', examples: ['SUB-2026-0001'] }),
  agencyId: Uuid,
  category: Category,
  subcategory: z.string().nullable(),
  awareAt: InstantOut,
  occurredAt: When,
  impact: Impact,
  level: Level,
  classification: z
    .strictObject({
      tlp: z.enum(TLP_LABELS),
      dataLevel: z.enum(DATA_LEVELS),
      label: z.enum(TLP_LABELS).meta({ description: 'the label it is shown under: the strictest of the TLP and the data level' }),
    })
    .meta({ id: 'Classification' }),
  isDrill: z.boolean(),
  state: z.enum(INCIDENT_STATES),
  regions: z
    .strictObject({
      response: z.string().nullable(),
      authority: z.string().nullable(),
      lawEnforcement: z.string().nullable(),
      review: z.string().nullable(),
    })
    .meta({ description: 'the state of each parallel region while responding, and of the review' }),
  version: z.int().min(1).meta({ description: 'the version to send as If-Match (also the ETag)' }),
  overdue: z.boolean(),
  breaches: z.array(Breach),
  paging: Paging,
  authority: Authority,
  deadlines: z.array(Deadline),
  filedBy: UserId,
  createdAt: InstantOut,
  updatedAt: InstantOut,
};

/** An incident as a cleared reader sees it: everything. */
export const ClearedIncident = z
  .strictObject({
    ...Common,
    redacted: z.literal(false),
    title: z.string(),
    description: z.string(),
    affectedSystems: z.array(z.string()),
    ...FullRound,
    earlierRounds: z.array(z.strictObject({ ...EarlierRoundBase, ...FullRound })),
  })
  .meta({ id: 'ClearedIncident', description: 'an incident with its content (readers cleared for it, or not restricted)' });

/** A restricted incident as a reader not cleared for it sees it (article 42). */
export const RedactedIncident = z
  .strictObject({
    ...Common,
    redacted: z.literal(true),
    title: z.null(),
    description: z.null(),
    affectedSystems: z.null(),
    ...RedactedRound,
    earlierRounds: z.array(z.strictObject({ ...EarlierRoundBase, ...RedactedRound })),
  })
  .meta({
    id: 'RedactedIncident',
    description:
      'a restricted incident (AMBER or stricter, or sensitive/confidential data) for a reader not cleared: title, description and affected systems are null; ' +
      'each round keeps only its times and who (containedAt/recoveredAt, the law-enforcement status, the improvement report’s at/by, the closure, the dismissal’s at/by)',
  });

export const IncidentSchema = z.discriminatedUnion('redacted', [ClearedIncident, RedactedIncident]).meta({
  id: 'Incident',
  description: 'an incident; `redacted` tells which form (article 42)',
});
export type IncidentView = z.output<typeof IncidentSchema>;

export const IncidentPage = PageOf(IncidentSchema).meta({ id: 'IncidentPage' });

// ---- sub-resources ----

export const IncidentTransitions = z
  .strictObject({
    allowedEvents: z.array(
      z.strictObject({
        type: z.enum(CLIENT_EVENT_TYPES as [ClientEventType, ...ClientEventType[]]),
        requires: z.array(z.string()).meta({ description: 'the names of the required fields' }),
        fields: z.array(FieldDescriptionSchema).meta({ description: 'every field of the event (but type): type, allowed values, format, lengths' }),
        schema: z.string().meta({ description: 'the event’s schema in this document', examples: ['#/components/schemas/IncidentTriageEvent'] }),
      }),
    ),
  })
  .meta({ id: 'IncidentTransitions' });
export type IncidentTransitionsView = z.output<typeof IncidentTransitions>;

export const TimelineEntry = z
  .strictObject({
    seq: z.int().min(1).meta({ description: 'position in the incident’s timeline, increasing' }),
    at: InstantOut,
    actorId: Uuid.nullable(),
    entry: z.string().meta({ examples: ['filed', 'triaged'] }),
    data: z.record(z.string(), z.unknown()).optional().meta({ description: 'the entry’s details; left out for readers not cleared for a restricted incident' }),
  })
  .meta({ id: 'IncidentTimelineEntry' });
export const TimelinePage = PageOf(TimelineEntry).meta({ id: 'IncidentTimelinePage' });
