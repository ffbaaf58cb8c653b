import * as z from 'zod';
import {
  CLIENT_EVENT_TYPES,
  LAW_ENFORCEMENT_AGENCIES,
  REPORT_CHANNELS,
  type ClientEventType,
  type LawEnforcementAgency,
  type ReportChannel,
} from '@app/workflows';
import { fieldsOf, Instant, Text, Uuid, type FieldDescription } from '../common/schema.js';
import { Category, Impact, Subcategory } from './incident.schema.js';
import { checkedEach, nestedObject } from '../common/nested-fields.js';

/**
 * The body of POST /api/incidents/{id}/events: one variant per client event type, `type` picking
 * it (a discriminated union). Unknown fields are refused (`whitelist`), among them `actor` and `at`,
 * which the server sets. The system's own events (DEADLINE_PASSED) are none of these: a client
 * sending one is answered 422 before the body is parsed.
 */

const optionalText = (max: number) => z.string().min(1).max(max).optional();

const ImprovementAction = z
  .strictObject({
    title: Text(500),
    ownerUserId: Uuid.optional().meta({ description: 'the owner (a user of the agency); this or ownerUnitId' }),
    ownerUnitId: Uuid.optional().meta({ description: 'the owning unit of the agency; this or ownerUserId' }),
    dueAt: Instant.meta({ description: 'in the future' }),
  })
  .meta({ id: 'IncidentCorrectiveActionInput', description: 'a measure to track as a corrective action until verified' });

const Measures = z
  .strictObject({
    management: optionalText(10000),
    technical: optionalText(10000),
    staffing: optionalText(10000),
    resources: optionalText(10000),
  })
  .meta({ id: 'IncidentImprovementMeasures', description: 'at least one of the four' });

const EvidenceIds = z
  .array(Uuid)
  .min(1)
  .max(200)
  .refine((ids) => new Set(ids).size === ids.length, { params: { rule: 'arrayUnique' }, message: 'must not name an evidence item twice' })
  .meta({ uniqueItems: true, description: 'evidence items of this incident' });

const reason = { reason: Text(5000) };

/** The fields of each event type (but `type`): what GET …/transitions describes and the variants carry. */
export const EVENT_FIELDS = {
  TRIAGE: { impact: nestedObject(Impact), category: Category, subcategory: Subcategory.optional() },
  DISMISS: reason,
  ACKNOWLEDGE: {},
  REPORT_TO_AUTHORITY: {
    channel: z
      .enum(REPORT_CHANNELS as [ReportChannel, ...ReportChannel[]])
      .meta({ description: 'a channel other than the two normal ones needs a fallbackReason' }),
    externalReference: optionalText(200),
    fallbackReason: optionalText(2000),
  },
  AUTHORITY_REVIEWED: { level: z.int().min(1).max(4), note: Text(5000) },
  CONTAINED: { summary: Text(10000) },
  RECOVERED: { summary: Text(10000) },
  RECLASSIFY: { impact: nestedObject(Impact), ...reason },
  LE_NOT_REQUIRED: reason,
  LE_REQUEST: reason,
  LE_CONTACTED: {
    lawEnforcementAgency: z.enum(LAW_ENFORCEMENT_AGENCIES as [LawEnforcementAgency, ...LawEnforcementAgency[]]),
    officer: Text(200),
    caseNumber: optionalText(100),
  },
  LE_EVIDENCE_HANDED_OVER: { evidenceIds: checkedEach(Uuid, EvidenceIds) },
  LE_CONCLUDED: { note: Text(5000) },
  SUBMIT_IMPROVEMENT_REPORT: {
    rootCause: Text(20000),
    measures: nestedObject(Measures),
    schedule: Text(5000),
    correctiveActions: z.array(nestedObject(ImprovementAction)).max(100).optional().meta({ description: 'tracked as corrective actions once accepted' }),
  },
  APPROVE_CLOSURE: {},
  REOPEN: reason,
} satisfies Record<ClientEventType, z.ZodRawShape>;

const pascal = (type: string) =>
  type
    .toLowerCase()
    .split('_')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');

/** The component name of an event type's variant: TRIAGE → IncidentTriageEvent. */
export const eventSchemaName = (type: ClientEventType) => `Incident${pascal(type)}Event`;

/** An event variant without its name (for fieldsOf, which reads the inline JSON Schema). */
function fieldsObject<T extends ClientEventType>(type: T) {
  return z.strictObject({ type: z.literal(type), ...EVENT_FIELDS[type] });
}
function variant<T extends ClientEventType>(type: T, description: string) {
  return fieldsObject(type).meta({ id: eventSchemaName(type), description });
}

export const EVENT_VARIANTS = {
  TRIAGE: variant('TRIAGE', 'triage: impact (the level follows) and category; starts the response'),
  DISMISS: variant('DISMISS', 'dismiss a report that is no incident'),
  ACKNOWLEDGE: variant('ACKNOWLEDGE', 'acknowledge the page (stops the escalation)'),
  REPORT_TO_AUTHORITY: variant('REPORT_TO_AUTHORITY', 'record the report to the competent authority (article 41)'),
  AUTHORITY_REVIEWED: variant('AUTHORITY_REVIEWED', 'the superior agency’s review, which sets the level'),
  CONTAINED: variant('CONTAINED', 'the damage is contained'),
  RECOVERED: variant('RECOVERED', 'services are recovered'),
  RECLASSIFY: variant('RECLASSIFY', 'a new impact, with the reason'),
  LE_NOT_REQUIRED: variant('LE_NOT_REQUIRED', 'law enforcement is not needed'),
  LE_REQUEST: variant('LE_REQUEST', 'law enforcement is to be asked'),
  LE_CONTACTED: variant('LE_CONTACTED', 'law enforcement was contacted'),
  LE_EVIDENCE_HANDED_OVER: variant('LE_EVIDENCE_HANDED_OVER', 'evidence handed over to law enforcement'),
  LE_CONCLUDED: variant('LE_CONCLUDED', 'law enforcement concluded'),
  SUBMIT_IMPROVEMENT_REPORT: variant('SUBMIT_IMPROVEMENT_REPORT', 'the improvement report (root cause, measures, schedule)'),
  APPROVE_CLOSURE: variant('APPROVE_CLOSURE', 'the CISO approves the closure'),
  REOPEN: variant('REOPEN', 'reopen a closed or dismissed incident'),
} satisfies { [T in ClientEventType]: z.ZodType<{ type: T }> };

/**
 * What GET …/transitions tells of each event type to build a form from: its fields (type, allowed
 * values, format, lengths) and the pointer to its variant in the document.
 */
export const EVENT_FORMS = Object.fromEntries(
  CLIENT_EVENT_TYPES.map((type) => [type, { fields: fieldsOf(fieldsObject(type)), schema: `#/components/schemas/${eventSchemaName(type)}` }]),
) as Record<ClientEventType, { fields: FieldDescription[]; schema: string }>;

const V = EVENT_VARIANTS;
export const IncidentEventBody = z
  .discriminatedUnion('type', [
    V.TRIAGE,
    V.DISMISS,
    V.ACKNOWLEDGE,
    V.REPORT_TO_AUTHORITY,
    V.AUTHORITY_REVIEWED,
    V.CONTAINED,
    V.RECOVERED,
    V.RECLASSIFY,
    V.LE_NOT_REQUIRED,
    V.LE_REQUEST,
    V.LE_CONTACTED,
    V.LE_EVIDENCE_HANDED_OVER,
    V.LE_CONCLUDED,
    V.SUBMIT_IMPROVEMENT_REPORT,
    V.APPROVE_CLOSURE,
    V.REOPEN,
  ])
  .meta({ id: 'IncidentEvent', description: 'a workflow event; `type` picks the variant' });
export type IncidentEventBody = z.output<typeof IncidentEventBody>;

/** One example per event type, shown in Swagger UI (each valid against its variant). */
export const EVENT_EXAMPLES: { [T in ClientEventType]: { summary: string; value: z.input<(typeof EVENT_VARIANTS)[T]> } } = {
  TRIAGE: {
    summary: 'Triage: impact and category',
    value: { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack', subcategory: 'defacement' },
  },
  DISMISS: { summary: 'Dismiss a false alarm', value: { type: 'DISMISS', reason: '誤報 false alarm: a scheduled scan' } },
  ACKNOWLEDGE: { summary: 'Acknowledge the page', value: { type: 'ACKNOWLEDGE' } },
  REPORT_TO_AUTHORITY: {
    summary: 'Report on the national platform',
    value: { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform', externalReference: 'NCCST-2026-0001' },
  },
  AUTHORITY_REVIEWED: { summary: 'The superior reviews the level', value: { type: 'AUTHORITY_REVIEWED', level: 2, note: '審核通過 level confirmed' } },
  CONTAINED: { summary: 'Contained', value: { type: 'CONTAINED', summary: 'isolated the web server' } },
  RECOVERED: { summary: 'Recovered', value: { type: 'RECOVERED', summary: 'restored from the backup of 1 March' } },
  RECLASSIFY: {
    summary: 'Reclassify with a new impact',
    value: { type: 'RECLASSIFY', impact: { confidentiality: 3, integrity: 2, availability: 2 }, reason: 'personal data was exposed' },
  },
  LE_NOT_REQUIRED: { summary: 'No law enforcement needed', value: { type: 'LE_NOT_REQUIRED', reason: 'no criminal act' } },
  LE_REQUEST: { summary: 'Law enforcement to be asked', value: { type: 'LE_REQUEST', reason: 'unauthorised access to the database' } },
  LE_CONTACTED: {
    summary: 'Law enforcement contacted',
    value: { type: 'LE_CONTACTED', lawEnforcementAgency: 'investigation_bureau', officer: 'Agent Wang', caseNumber: 'MJIB-2026-17' },
  },
  LE_EVIDENCE_HANDED_OVER: {
    summary: 'Evidence handed over',
    value: { type: 'LE_EVIDENCE_HANDED_OVER', evidenceIds: ['0b6a3f0e-8d4c-4f57-9a51-3c2d1e0f9a77'] },
  },
  LE_CONCLUDED: { summary: 'Law enforcement concluded', value: { type: 'LE_CONCLUDED', note: 'the prosecutor closed the case' } },
  SUBMIT_IMPROVEMENT_REPORT: {
    summary: 'The improvement report, with a corrective action',
    value: {
      type: 'SUBMIT_IMPROVEMENT_REPORT',
      rootCause: 'an unpatched CMS plug-in',
      measures: { technical: 'patch the CMS monthly', management: 'review plug-ins each quarter' },
      schedule: 'by the end of Q2',
      correctiveActions: [{ title: 'monthly CMS patching', ownerUserId: '5d7c1f3a-2b4e-4c6d-8e9f-0a1b2c3d4e5f', dueAt: '2026-06-30T18:00:00+08:00' }],
    },
  },
  APPROVE_CLOSURE: { summary: 'The CISO approves the closure', value: { type: 'APPROVE_CLOSURE' } },
  REOPEN: { summary: 'Reopen', value: { type: 'REOPEN', reason: 'the defacement came back' } },
};
