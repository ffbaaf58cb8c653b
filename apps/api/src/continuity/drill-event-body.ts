import { CAPABILITY_RATINGS, DRILL_CLIENT_EVENT_TYPES, type AfterActionReport, type DrillClientEventType } from '@app/workflows';
import { isUUID } from 'class-validator';
import { isInstant } from '../common/instant.js';
import type { FieldError } from '../common/problem.js';

/** The fields a client sends with each drill event (CLOSE's count of open actions comes from the database). */
export const DRILL_EVENT_FIELDS: Record<DrillClientEventType, string[]> = {
  START: [],
  RECORD_PARTICIPANT: ['name', 'role', 'organisation'],
  RECORD_OBSERVATION: ['text', 'capability'],
  COMPLETE: ['summary'],
  SUBMIT_AFTER_ACTION: ['report'],
  PLAN_UPDATED: ['planVersion'],
  CLOSE: [],
  CANCEL: ['reason'],
  RESCHEDULE: ['date', 'reason'],
};

type Body = Record<string, unknown>;

class Checker {
  readonly errors: FieldError[] = [];

  text(obj: Body, key: string, path: string, max: number, required = true): void {
    const v = obj[key];
    if (v === undefined && !required) return;
    if (typeof v !== 'string' || !v.trim()) this.errors.push({ field: path, rule: 'required', message: `${path} must be a non-blank string` });
    else if (v.length > max) this.errors.push({ field: path, rule: 'maxLength', message: `${path} is at most ${max} characters` });
    // eslint-disable-next-line no-control-regex
    else if (/\u0000/.test(v)) this.errors.push({ field: path, rule: 'noNul', message: `${path} must not contain NUL characters` });
  }

  texts(obj: Body, key: string, path: string, min: number, maxItems: number, maxLength: number): void {
    const v = obj[key];
    if (!Array.isArray(v) || v.length < min || v.length > maxItems) {
      this.errors.push({ field: path, rule: 'arraySize', message: `${path} is a list of ${min}–${maxItems} texts` });
      return;
    }
    v.forEach((_, i) => this.text(v as unknown as Body, String(i), `${path}[${i}]`, maxLength));
  }

  list(obj: Body, key: string, path: string, min: number, max: number, each: (item: Body, path: string) => void): void {
    const v = obj[key];
    if (!Array.isArray(v) || v.length < min || v.length > max) {
      this.errors.push({ field: path, rule: 'arraySize', message: `${path} is a list of ${min}–${max} entries` });
      return;
    }
    v.forEach((item, i) => {
      if (!isObject(item)) this.errors.push({ field: `${path}[${i}]`, rule: 'isObject', message: `${path}[${i}] must be an object` });
      else each(item, `${path}[${i}]`);
    });
  }

  only(obj: Body, allowed: string[], path: string): void {
    for (const key of Object.keys(obj)) {
      if (!allowed.includes(key)) this.errors.push({ field: path ? `${path}.${key}` : key, rule: 'whitelist', message: `${key} is not a field here` });
    }
  }
}

function isObject(v: unknown): v is Body {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkReport(c: Checker, report: unknown, now: Date): void {
  if (!isObject(report)) {
    c.errors.push({ field: 'report', rule: 'isObject', message: 'report is the after-action report object' });
    return;
  }
  c.only(
    report,
    ['objectives', 'scenario', 'participants', 'capabilities', 'strengths', 'areasForImprovement', 'correctiveActions', 'planChangeRequired'],
    'report',
  );
  c.texts(report, 'objectives', 'report.objectives', 1, 50, 1000);
  c.text(report, 'scenario', 'report.scenario', 10_000);
  c.list(report, 'participants', 'report.participants', 1, 500, (p, path) => {
    c.only(p, ['name', 'role', 'organisation'], path);
    c.text(p, 'name', `${path}.name`, 200);
    c.text(p, 'role', `${path}.role`, 200);
    c.text(p, 'organisation', `${path}.organisation`, 200, false);
  });
  c.list(report, 'capabilities', 'report.capabilities', 1, 100, (p, path) => {
    c.only(p, ['capability', 'rating', 'notes'], path);
    c.text(p, 'capability', `${path}.capability`, 200);
    if (!CAPABILITY_RATINGS.includes(p.rating as never)) {
      c.errors.push({
        field: `${path}.rating`,
        rule: 'isIn',
        message: 'rating is P (performed without challenges), S (some), M (major challenges) or U (unable to perform)',
      });
    }
    c.text(p, 'notes', `${path}.notes`, 5000, false);
  });
  c.texts(report, 'strengths', 'report.strengths', 0, 100, 2000);
  c.texts(report, 'areasForImprovement', 'report.areasForImprovement', 0, 100, 2000);
  c.list(report, 'correctiveActions', 'report.correctiveActions', 0, 100, (a, path) => {
    c.only(a, ['title', 'ownerUserId', 'ownerUnitId', 'dueAt'], path);
    c.text(a, 'title', `${path}.title`, 500);
    for (const key of ['ownerUserId', 'ownerUnitId']) {
      if (a[key] !== undefined && (typeof a[key] !== 'string' || !isUUID(a[key])))
        c.errors.push({ field: `${path}.${key}`, rule: 'isUuid', message: `${key} must be an id` });
    }
    if (a.ownerUserId === undefined && a.ownerUnitId === undefined) {
      c.errors.push({ field: `${path}.ownerUserId`, rule: 'ownerRequired', message: 'every corrective action has an owner: ownerUserId or ownerUnitId' });
    }
    if (!isInstant(a.dueAt)) c.errors.push({ field: `${path}.dueAt`, rule: 'isInstant', message: 'dueAt is an ISO 8601 instant with offset' });
    else if (new Date(a.dueAt).getTime() <= now.getTime()) c.errors.push({ field: `${path}.dueAt`, rule: 'future', message: 'dueAt must be in the future' });
  });
  if (typeof report.planChangeRequired !== 'boolean') {
    c.errors.push({ field: 'report.planChangeRequired', rule: 'isBoolean', message: 'say whether the plan must change (true or false)' });
  }
}

/**
 * Validates a drill event body: a known client type, only its own fields, each field's rule. The
 * machine then decides whether the event may happen now; this only says whether it is well-formed.
 */
export function parseDrillEventBody(body: unknown, now: Date): { type: DrillClientEventType; fields: Body } | { errors: FieldError[] } {
  if (!isObject(body)) return { errors: [{ field: 'body', rule: 'isObject', message: 'send the event as a JSON object with a type' }] };
  const type = body.type;
  if (typeof type !== 'string' || !DRILL_CLIENT_EVENT_TYPES.includes(type as DrillClientEventType)) {
    return { errors: [{ field: 'type', rule: 'isIn', message: `type must be one of ${DRILL_CLIENT_EVENT_TYPES.join(', ')}` }] };
  }
  const t = type as DrillClientEventType;
  const c = new Checker();
  c.only(body, ['type', ...DRILL_EVENT_FIELDS[t]], '');
  switch (t) {
    case 'RECORD_PARTICIPANT':
      c.text(body, 'name', 'name', 200);
      c.text(body, 'role', 'role', 200);
      c.text(body, 'organisation', 'organisation', 200, false);
      break;
    case 'RECORD_OBSERVATION':
      c.text(body, 'text', 'text', 5000);
      c.text(body, 'capability', 'capability', 200, false);
      break;
    case 'COMPLETE':
      c.text(body, 'summary', 'summary', 5000, false);
      break;
    case 'SUBMIT_AFTER_ACTION':
      checkReport(c, body.report, now);
      break;
    case 'PLAN_UPDATED':
      if (!Number.isInteger(body.planVersion) || (body.planVersion as number) < 1) {
        c.errors.push({ field: 'planVersion', rule: 'isInt', message: 'planVersion is the number of the plan version that answers the findings' });
      }
      break;
    case 'CANCEL':
      c.text(body, 'reason', 'reason', 2000);
      break;
    case 'RESCHEDULE':
      c.text(body, 'reason', 'reason', 2000);
      if (!isInstant(body.date))
        c.errors.push({ field: 'date', rule: 'isInstant', message: 'date is an ISO 8601 instant with offset, e.g. 2027-03-15T09:00:00+08:00' });
      else if (new Date(body.date).getTime() <= now.getTime()) c.errors.push({ field: 'date', rule: 'future', message: 'the new date must be in the future' });
      break;
    default:
      break;
  }
  if (c.errors.length) return { errors: c.errors };
  const { type: _type, ...fields } = body;
  if (t === 'RESCHEDULE') fields.date = new Date(body.date as string).toISOString();
  return { type: t, fields: fields as Body };
}

export type { AfterActionReport };
