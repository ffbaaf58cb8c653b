/**
 * Business continuity plan documents (article 40; today's rules: per core service an impact
 * analysis with hazards, MTPD, RTO and RPO where RTO < MTPD, activation criteria, emergency and
 * recovery procedures with a responsible role per step, contacts, a review at least yearly).
 *
 * Pure policy code: no I/O, no clock. The document's structure is the zod schema of
 * plan.schema.ts; `validatePlanDocument` takes untrusted JSON, checks it against that schema and
 * the rules between fields below, and never throws.
 *
 * Durations are ISO 8601 with whole-number parts, compared by measuring each from one fixed
 * reference instant (iso-duration.ts): P1M = 31 days, so `P1M` vs `P30D` always compare the same way.
 */
import jsonPatch from 'fast-json-patch';
import { DateTime, Duration } from 'luxon';
import { durationMillis } from './iso-duration.js';
import { MAX_REVIEW_INTERVAL, PLAN_LIMITS, PlanDocumentSchema, type PlanDocument, type PlanScopeEntry } from './plan.schema.js';
import { PLAN_RULES, schemaErrors } from './schema-issues.js';

export { DURATION_REFERENCE, durationMillis } from './iso-duration.js';
export {
  HAZARDS,
  MAX_REVIEW_INTERVAL,
  PLAN_LIMITS,
  PROCEDURE_PHASES,
  SCOPE_KINDS,
  type Hazard,
  type PlanContact,
  type PlanDocument,
  type PlanImpactAnalysis,
  type PlanProcedure,
  type PlanScopeEntry,
  type ProcedurePhase,
  type ScopeKind,
} from './plan.schema.js';

export interface PlanFieldError {
  /** Where, as a path: `impactAnalysis[2].rto`, `contacts[0]`, `plan` for the document itself. */
  field: string;
  /** A stable rule name, e.g. `rtoBelowMtpd`, `isoDuration`, `inScope`, `required`. */
  rule: string;
  /** English, for people. */
  message: string;
}

export const DEFAULT_REVIEW_INTERVAL = 'P1Y';

/**
 * When the plan approved at `approvedAt` is due for review: `approvedAt` plus the review interval
 * (default P1Y; a missing, invalid or longer-than-a-year interval counts as P1Y, since the plan is
 * reviewed at least yearly). Calendar parts count in `timezone` when given, otherwise in the
 * offset written in `approvedAt`. Returns an ISO instant in UTC; throws a RangeError when
 * `approvedAt` is not an ISO 8601 date-time.
 */
export function nextReviewDue(approvedAt: string, reviewInterval?: string, timezone?: string): string {
  const start = timezone ? DateTime.fromISO(approvedAt, { zone: timezone }) : DateTime.fromISO(approvedAt, { setZone: true });
  if (!start.isValid) throw new RangeError(`not an ISO 8601 date-time: ${approvedAt}`);
  const max = durationMillis(MAX_REVIEW_INTERVAL)!;
  const ms = reviewInterval === undefined ? null : durationMillis(reviewInterval);
  const interval = ms !== null && ms <= max ? reviewInterval! : MAX_REVIEW_INTERVAL;
  return start.plus(Duration.fromISO(interval)).toUTC().toISO()!;
}

/** Names of the core scope entries (services and systems), in plan order. */
export function coreServices(doc: PlanDocument): string[] {
  const scope: unknown = (doc as { scope?: unknown } | null | undefined)?.scope;
  if (!Array.isArray(scope)) return [];
  return scope.filter((s): s is PlanScopeEntry => isRecord(s) && s.core === true && typeof s.name === 'string').map((s) => s.name);
}

/* ----------------------------------------------------------------------------------------------
 * Validation
 * -------------------------------------------------------------------------------------------- */

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The entries of a list field, when it is one (at most `PLAN_LIMITS.listItems`), as records (others skipped). */
function rows(doc: Record<string, unknown>, key: string): Array<[number, Record<string, unknown>]> {
  const v = doc[key];
  if (!Array.isArray(v)) return [];
  return v
    .slice(0, PLAN_LIMITS.listItems)
    .map((row, i): [number, unknown] => [i, row])
    .filter((e): e is [number, Record<string, unknown>] => isRecord(e[1]));
}

const textOf = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' && v.length <= PLAN_LIMITS.longText ? v.trim() : undefined);
const present = (v: unknown): boolean => v !== undefined && v !== null;

/**
 * Checks a plan document sent by a client. Returns every problem found (at most
 * `PLAN_LIMITS.errors`), `[]` when the document is valid. Never throws, whatever the input.
 *
 * Structure (plan.schema.ts; rule names in brackets): the document is an object [type]; no unknown
 * fields [unknownField]; required fields present and non-blank [required]; types [type]; lengths
 * [maxLength]; lists [minItems, maxItems]; enumerations [enum]; durations [isoDuration]; step
 * order a positive integer [positiveInteger]; phone and e-mail in a plausible format [format].
 *
 * Rules between fields, checked on whatever parts are well-formed (so one answer names them all):
 * scope names unique, one impact row per (service, hazard), step order unique within a phase
 * [unique]; RTO strictly below MTPD [rtoBelowMtpd, on `impactAnalysis[i].rto`]; an impact row
 * names a scope entry [inScope]; each core scope entry has at least one impact row
 * [coreServiceAnalysed, on `scope[i].name`]; a step names a responsible role or unit
 * [responsible, on `procedures[i]`]; a contact has a phone or an e-mail [contactMethod, on
 * `contacts[i]`]; the review interval at most one year [reviewAtLeastYearly].
 */
export function validatePlanDocument(doc: unknown): PlanFieldError[] {
  try {
    if (!isRecord(doc)) return [{ field: 'plan', rule: 'type', message: 'the plan must be a JSON object' }];
    const errors = [...schemaErrors(PlanDocumentSchema, doc, PLAN_RULES, PLAN_LIMITS.errors), ...planRuleErrors(doc)];
    return errors.slice(0, PLAN_LIMITS.errors);
  } catch {
    // Defensive only: the checks are written not to throw (e.g. on getters or proxies).
    return [{ field: 'plan', rule: 'type', message: 'the plan could not be read' }];
  }
}

/** The rules between fields of a plan (see `validatePlanDocument`), on a document of any shape. */
export function planRuleErrors(doc: Record<string, unknown>): PlanFieldError[] {
  const errors: PlanFieldError[] = [];
  const add = (field: string, rule: string, message: string) => errors.push({ field, rule, message });

  // Scope: names unique; remember which names exist and which are core.
  const scopeNames = new Map<string, number>();
  const core: Array<{ index: number; name: string }> = [];
  for (const [i, entry] of rows(doc, 'scope')) {
    const name = typeof entry.name === 'string' && entry.name.length <= PLAN_LIMITS.shortText ? textOf(entry.name) : undefined;
    if (name === undefined) continue;
    if (scopeNames.has(name)) add(`scope[${i}].name`, 'unique', `scope name "${name}" is already used by scope[${scopeNames.get(name)}]`);
    else {
      scopeNames.set(name, i);
      if (entry.core === true) core.push({ index: i, name });
    }
  }

  // Impact analysis: per (service, hazard) one row; RTO < MTPD.
  const analysed = new Set<string>();
  const pairs = new Map<string, number>();
  for (const [i, row] of rows(doc, 'impactAnalysis')) {
    const f = `impactAnalysis[${i}]`;
    const mtpd = typeof row.mtpd === 'string' ? durationMillis(row.mtpd) : null;
    const rto = typeof row.rto === 'string' ? durationMillis(row.rto) : null;
    if (mtpd !== null && rto !== null && rto >= mtpd) {
      add(`${f}.rto`, 'rtoBelowMtpd', `${f}.rto (${String(row.rto)}) must be strictly below the maximum tolerable period of disruption (${String(row.mtpd)})`);
    }
    const service = typeof row.service === 'string' && row.service.length <= PLAN_LIMITS.shortText ? textOf(row.service) : undefined;
    if (service === undefined) continue;
    if (!scopeNames.has(service)) add(`${f}.service`, 'inScope', `${f}.service "${service}" is not the name of a scope entry`);
    else analysed.add(service);
    if (typeof row.hazard === 'string') {
      const key = JSON.stringify([service, row.hazard]);
      if (pairs.has(key)) add(`${f}.hazard`, 'unique', `"${service}" already has an impact row for ${row.hazard} (impactAnalysis[${pairs.get(key)}])`);
      else pairs.set(key, i);
    }
  }
  for (const { index, name } of core) {
    if (!analysed.has(name)) add(`scope[${index}].name`, 'coreServiceAnalysed', `core "${name}" needs at least one impact analysis row`);
  }

  const orders = new Map<string, number>();
  for (const [i, step] of rows(doc, 'procedures')) {
    const f = `procedures[${i}]`;
    if (!present(step.responsibleRole) && !present(step.responsibleUnitId)) {
      add(f, 'responsible', `${f} needs a responsible role (responsibleRole) or unit (responsibleUnitId)`);
    }
    if (typeof step.phase === 'string' && typeof step.order === 'number' && Number.isSafeInteger(step.order) && step.order >= 1) {
      const key = `${step.phase}#${step.order}`;
      if (orders.has(key)) add(`${f}.order`, 'unique', `${step.phase} step ${step.order} already exists (procedures[${orders.get(key)}])`);
      else orders.set(key, i);
    }
  }

  for (const [i, contact] of rows(doc, 'contacts')) {
    if (!present(contact.phone) && !present(contact.email)) add(`contacts[${i}]`, 'contactMethod', `contacts[${i}] needs a phone number or an e-mail address`);
  }

  const review = typeof doc.reviewInterval === 'string' ? durationMillis(doc.reviewInterval) : null;
  if (review !== null && review > durationMillis(MAX_REVIEW_INTERVAL)!) {
    add('reviewInterval', 'reviewAtLeastYearly', `the plan must be reviewed at least yearly: reviewInterval may be at most ${MAX_REVIEW_INTERVAL}`);
  }
  return errors;
}

/* ----------------------------------------------------------------------------------------------
 * Diff
 * -------------------------------------------------------------------------------------------- */

export interface PlanChange {
  op: 'add' | 'remove' | 'replace';
  /** JSON pointer (RFC 6901) into the plan document. */
  path: string;
  /** The old value (replace, remove). Not RFC 6902's `from`, which is a path. */
  from?: unknown;
  /** The new value (add, replace). */
  value?: unknown;
}

/**
 * What changed from plan `a` to plan `b`: fast-json-patch `compare` (an RFC 6902 patch that turns
 * `a` into `b`, applied in order), each operation carrying the value it overwrites or removes in
 * `from`. Values are read while replaying the patch on a copy of `a`, so `from` is right even
 * where array operations depend on earlier ones. Undefined properties are dropped first (JSON).
 */
export function diffPlans(a: PlanDocument, b: PlanDocument): PlanChange[] {
  const before = toJson(a);
  const after = toJson(b);
  const patch = jsonPatch.compare(before, after);
  let doc: unknown = jsonPatch.deepClone(before);
  const changes: PlanChange[] = [];
  for (const op of patch) {
    if (op.op === 'add') changes.push({ op: 'add', path: op.path, value: op.value });
    else if (op.op === 'replace') changes.push({ op: 'replace', path: op.path, from: jsonPatch.getValueByPointer(doc, op.path), value: op.value });
    else if (op.op === 'remove') changes.push({ op: 'remove', path: op.path, from: jsonPatch.getValueByPointer(doc, op.path) });
    else continue; // compare() emits add/remove/replace only (and test when asked to)
    doc = jsonPatch.applyOperation(doc, op, false, true).newDocument;
  }
  return changes;
}

function toJson(v: unknown): object {
  const json: unknown = JSON.parse(JSON.stringify(v ?? {}));
  return json !== null && typeof json === 'object' ? json : {};
}
