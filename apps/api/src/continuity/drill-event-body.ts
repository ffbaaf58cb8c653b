import {
  DRILL_CLIENT_EVENT_TYPES,
  DRILL_SYSTEM_EVENT_TYPES,
  FORM_RULES,
  schemaErrors,
  type AfterActionReport,
  type DrillClientEventType,
} from '@app/workflows';
import { isInstant } from '../common/instant.js';
import { Problems, type FieldError } from '../common/problem.js';
import { DRILL_EVENT_VARIANTS } from './drill-event.schema.js';

type Body = Record<string, unknown>;

function isObject(v: unknown): v is Body {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `future`: an instant given at `path` must be after now. */
function futureErrors(value: unknown, path: string, now: Date, message: string): FieldError[] {
  return isInstant(value) && new Date(value).getTime() <= now.getTime() ? [{ field: path, rule: 'future', message }] : [];
}

/** The rules beyond structure, on whatever parts are there: dates in the future, an owner per corrective action. */
function ruleErrors(type: DrillClientEventType, body: Body, now: Date): FieldError[] {
  if (type === 'RESCHEDULE') return futureErrors(body.date, 'date', now, 'the new date must be in the future');
  if (type !== 'SUBMIT_AFTER_ACTION' || !isObject(body.report) || !Array.isArray(body.report.correctiveActions)) return [];
  return body.report.correctiveActions.slice(0, 100).flatMap((a: unknown, i): FieldError[] => {
    if (!isObject(a)) return [];
    const path = `report.correctiveActions[${i}]`;
    return [
      ...(a.ownerUserId === undefined && a.ownerUnitId === undefined
        ? [{ field: `${path}.ownerUserId`, rule: 'ownerRequired', message: 'every corrective action has an owner: ownerUserId or ownerUnitId' }]
        : []),
      ...futureErrors(a.dueAt, `${path}.dueAt`, now, 'dueAt must be in the future'),
    ];
  });
}

/**
 * Validates a drill event body: a known client type (the system's own DEADLINE_PASSED is a 422),
 * then its variant of the DrillEvent union (drill-event.schema.ts) and the dates in the future.
 * The machine then decides whether the event may happen now; this only says whether it is well-formed.
 */
export function parseDrillEventBody(body: unknown, now: Date): { type: DrillClientEventType; fields: Body } | { errors: FieldError[] } {
  if (!isObject(body)) return { errors: [{ field: 'body', rule: 'isObject', message: 'send the event as a JSON object with a type' }] };
  const type = body.type;
  if ((DRILL_SYSTEM_EVENT_TYPES as readonly unknown[]).includes(type)) {
    throw Problems.unprocessable(`${String(type)} is the system's own event (the drill's clocks); clients cannot send it`, { allowedEvents: [] });
  }
  if (typeof type !== 'string' || !DRILL_CLIENT_EVENT_TYPES.includes(type as DrillClientEventType)) {
    return { errors: [{ field: 'type', rule: 'isIn', message: `type must be one of ${DRILL_CLIENT_EVENT_TYPES.join(', ')}` }] };
  }
  const t = type as DrillClientEventType;
  const errors = [...schemaErrors(DRILL_EVENT_VARIANTS[t], body, FORM_RULES), ...ruleErrors(t, body, now)];
  if (errors.length) return { errors };
  const { type: _type, ...fields } = body;
  if (t === 'RESCHEDULE') fields.date = new Date(body.date as string).toISOString();
  return { type: t, fields };
}

export type { AfterActionReport };
