import type { components } from '../../../../../libs/api-types/openapi.d.ts';
import { CATEGORIES, type Category } from '../../../../../libs/workflows/src/incident/levels.ts';
import type { Incident } from '../../api/client.ts';
import type { MessageKey } from '../../i18n/index.tsx';
import { fromLocalInput } from '../../time/format.ts';

/**
 * What each workflow event asks, read off the sendIncidentEvent body in the OpenAPI document (the
 * `IncidentEvent` union, one variant per `type`): the fields of each variant, in the order a
 * person fills them in, with their labels from the catalogs. `toBody` builds the variant from what
 * was typed, so the compiler checks every field against the generated types.
 */

type Schemas = components['schemas'];
export type IncidentEvent = Schemas['IncidentEvent'];
export type EventType = IncidentEvent['type'];
type EventOf<T extends EventType> = Extract<IncidentEvent, { type: T }>;
type Impact = Schemas['Impact'];
type Channel = EventOf<'REPORT_TO_AUTHORITY'>['channel'];
type LeAgency = EventOf<'LE_CONTACTED'>['lawEnforcementAgency'];
type Measures = Schemas['IncidentImprovementMeasures'];
export type CorrectiveActionInput = Schemas['IncidentCorrectiveActionInput'];

/** Every member of a string union, checked complete by the compiler (a missing or extra one is an error). */
const all = <T extends string>(members: Record<T, true>) => Object.keys(members) as T[];

export const CHANNELS = all<Channel>({ national_platform: true, superior_agency: true, phone: true, email: true, fax: true, in_person: true });
export const LE_AGENCIES = all<LeAgency>({ prosecutor: true, police: true, investigation_bureau: true });
export const IMPACT_KEYS = ['confidentiality', 'integrity', 'availability'] as const satisfies ReadonlyArray<keyof Impact>;
export const MEASURE_KEYS = ['management', 'technical', 'staffing', 'resources'] as const satisfies ReadonlyArray<keyof Measures>;
export const RATINGS = ['1', '2', '3', '4'] as const;

/** The free-text fields, by name (each variant's own): label `field.<name>`. */
export type TextField = 'reason' | 'summary' | 'note' | 'externalReference' | 'fallbackReason' | 'officer' | 'caseNumber' | 'rootCause' | 'schedule';

export type FieldSpec =
  | { kind: 'text' | 'textarea'; name: TextField; required: boolean; maxLength: number }
  | { kind: 'channel' | 'lawEnforcementAgency' | 'level'; name: 'channel' | 'lawEnforcementAgency' | 'level'; required: true }
  | { kind: 'impact'; name: 'impact'; required: true }
  | { kind: 'category'; name: 'category'; required: true }
  | { kind: 'measures'; name: 'measures'; required: true }
  | { kind: 'evidenceIds'; name: 'evidenceIds'; required: true }
  | { kind: 'correctiveActions'; name: 'correctiveActions'; required: false };

const textarea = (name: TextField, maxLength: number, required = true): FieldSpec => ({ kind: 'textarea', name, required, maxLength });
const line = (name: TextField, maxLength: number, required = true): FieldSpec => ({ kind: 'text', name, required, maxLength });
const reason = [textarea('reason', 5000)];

/** Each event's fields (lengths as in the document). An event with none is a confirmation. */
export const EVENT_FORMS: { readonly [T in EventType]: readonly FieldSpec[] } = {
  TRIAGE: [
    { kind: 'impact', name: 'impact', required: true },
    { kind: 'category', name: 'category', required: true },
  ],
  DISMISS: reason,
  ACKNOWLEDGE: [],
  REPORT_TO_AUTHORITY: [{ kind: 'channel', name: 'channel', required: true }, line('externalReference', 200, false), textarea('fallbackReason', 2000, false)],
  AUTHORITY_REVIEWED: [{ kind: 'level', name: 'level', required: true }, textarea('note', 5000)],
  CONTAINED: [textarea('summary', 10000)],
  RECOVERED: [textarea('summary', 10000)],
  RECLASSIFY: [{ kind: 'impact', name: 'impact', required: true }, ...reason],
  LE_NOT_REQUIRED: reason,
  LE_REQUEST: reason,
  LE_CONTACTED: [{ kind: 'lawEnforcementAgency', name: 'lawEnforcementAgency', required: true }, line('officer', 200), line('caseNumber', 100, false)],
  LE_EVIDENCE_HANDED_OVER: [{ kind: 'evidenceIds', name: 'evidenceIds', required: true }],
  LE_CONCLUDED: [textarea('note', 5000)],
  SUBMIT_IMPROVEMENT_REPORT: [
    textarea('rootCause', 20000),
    { kind: 'measures', name: 'measures', required: true },
    textarea('schedule', 5000),
    { kind: 'correctiveActions', name: 'correctiveActions', required: false },
  ],
  APPROVE_CLOSURE: [],
  REOPEN: reason,
};

/** A corrective action being typed: the owner is `user:<id>` or `unit:<id>`; the due time a wall clock in the agency's zone. */
export interface ActionDraft {
  key: string;
  title: string;
  owner: string;
  dueAt: string;
}

/** What a dialog holds while the user types: strings as typed, converted when sending. */
export interface FormValues {
  text: Record<TextField, string>;
  channel: Channel;
  lawEnforcementAgency: LeAgency;
  level: string;
  impact: Record<keyof Impact, string>;
  category: Category;
  subcategory: string;
  measures: Record<keyof Measures, string>;
  evidenceIds: string[];
  correctiveActions: ActionDraft[];
}

/** Starting values: what the incident already says (impact, category, level), everything else empty. */
export function initialValues(incident: Incident): FormValues {
  return {
    text: { reason: '', summary: '', note: '', externalReference: '', fallbackReason: '', officer: '', caseNumber: '', rootCause: '', schedule: '' },
    channel: 'national_platform',
    lawEnforcementAgency: 'police',
    level: String(incident.level),
    impact: {
      confidentiality: String(incident.impact.confidentiality),
      integrity: String(incident.impact.integrity),
      availability: String(incident.impact.availability),
    },
    category: incident.category,
    subcategory: incident.subcategory ?? '',
    measures: { management: '', technical: '', staffing: '', resources: '' },
    evidenceIds: [],
    correctiveActions: [],
  };
}

export const newAction = (): ActionDraft => ({ key: crypto.randomUUID(), title: '', owner: '', dueAt: '' });

const optional = (value: string) => (value.trim() ? value.trim() : undefined);
const rating = (value: string) => Number(value) as Impact['confidentiality'];

function impactOf(values: FormValues): Impact {
  return {
    confidentiality: rating(values.impact.confidentiality),
    integrity: rating(values.impact.integrity),
    availability: rating(values.impact.availability),
  };
}

function actionOf(draft: ActionDraft, timeZone: string): CorrectiveActionInput {
  const [kind, id] = draft.owner.split(':');
  return {
    title: draft.title.trim(),
    ...(kind === 'user' && id ? { ownerUserId: id } : {}),
    ...(kind === 'unit' && id ? { ownerUnitId: id } : {}),
    dueAt: fromLocalInput(draft.dueAt, timeZone) ?? draft.dueAt,
  };
}

/** The request body of the event from what was typed (empty optional fields left out; required ones sent as typed, for the API to judge). */
export function toBody(type: EventType, values: FormValues, timeZone: string): IncidentEvent {
  const text = (name: TextField) => values.text[name].trim();
  switch (type) {
    case 'TRIAGE':
      return { type, impact: impactOf(values), category: values.category, ...(values.subcategory ? { subcategory: values.subcategory } : {}) };
    case 'RECLASSIFY':
      return { type, impact: impactOf(values), reason: text('reason') };
    case 'DISMISS':
    case 'LE_NOT_REQUIRED':
    case 'LE_REQUEST':
    case 'REOPEN':
      return { type, reason: text('reason') };
    case 'ACKNOWLEDGE':
    case 'APPROVE_CLOSURE':
      return { type };
    case 'REPORT_TO_AUTHORITY': {
      const externalReference = optional(values.text.externalReference);
      const fallbackReason = optional(values.text.fallbackReason);
      return { type, channel: values.channel, ...(externalReference ? { externalReference } : {}), ...(fallbackReason ? { fallbackReason } : {}) };
    }
    case 'AUTHORITY_REVIEWED':
      return { type, level: Number(values.level), note: text('note') };
    case 'CONTAINED':
    case 'RECOVERED':
      return { type, summary: text('summary') };
    case 'LE_CONTACTED': {
      const caseNumber = optional(values.text.caseNumber);
      return { type, lawEnforcementAgency: values.lawEnforcementAgency, officer: text('officer'), ...(caseNumber ? { caseNumber } : {}) };
    }
    case 'LE_EVIDENCE_HANDED_OVER':
      return { type, evidenceIds: values.evidenceIds };
    case 'LE_CONCLUDED':
      return { type, note: text('note') };
    case 'SUBMIT_IMPROVEMENT_REPORT': {
      const measures = Object.fromEntries(MEASURE_KEYS.flatMap((k) => (values.measures[k].trim() ? [[k, values.measures[k].trim()]] : []))) as Measures;
      const actions = values.correctiveActions.map((a) => actionOf(a, timeZone));
      return {
        type,
        rootCause: text('rootCause'),
        measures,
        schedule: text('schedule'),
        ...(actions.length ? { correctiveActions: actions } : {}),
      };
    }
  }
}

/** The field paths the dialog shows an error at (the others are listed with the problem). */
export function fieldPaths(type: EventType, values: FormValues): string[] {
  return EVENT_FORMS[type].flatMap((field): string[] => {
    switch (field.kind) {
      case 'impact':
        return ['impact', ...IMPACT_KEYS.map((k) => `impact.${k}`)];
      case 'category':
        return ['category', 'subcategory'];
      case 'measures':
        return ['measures', ...MEASURE_KEYS.map((k) => `measures.${k}`)];
      case 'evidenceIds':
        return ['evidenceIds', ...values.evidenceIds.map((_, i) => `evidenceIds.${i}`)];
      case 'correctiveActions':
        return [
          'correctiveActions',
          ...values.correctiveActions.flatMap((_, i) => ['title', 'ownerUserId', 'ownerUnitId', 'dueAt'].map((f) => `correctiveActions.${i}.${f}`)),
        ];
      default:
        return [field.name];
    }
  });
}

/** The sub-categories of a category, for the select. */
export const subcategoriesOf = (category: Category): readonly string[] => CATEGORIES[category];

export const eventLabel = (type: EventType): MessageKey => `event.${type}`;
/** The one-line explanation some events carry in their dialog. */
export const EVENT_INTROS: Partial<Record<EventType, MessageKey>> = {
  ACKNOWLEDGE: 'event.intro.ACKNOWLEDGE',
  APPROVE_CLOSURE: 'event.intro.APPROVE_CLOSURE',
  TRIAGE: 'event.intro.TRIAGE',
  REPORT_TO_AUTHORITY: 'event.intro.REPORT_TO_AUTHORITY',
  SUBMIT_IMPROVEMENT_REPORT: 'event.intro.SUBMIT_IMPROVEMENT_REPORT',
};
