import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { fileIncident, incidentBody, seedIncidentWorld, send, type IncidentWorld } from './support/incident-fixture.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { expectStatus as ok } from './support/http.js';

/**
 * Event and filing validation through the HTTP API: every client event type with missing,
 * wrong-typed, out-of-range and unknown fields is a 4xx problem (400 naming the field and the rule
 * for data problems) and changes nothing — same version, state and snapshot, no audit
 * incident.event, no timeline, outbox or deadline row. Each event type is tried on an incident put
 * into a state where that event is otherwise accepted (the last test of each group proves it), so
 * the refusals come from the validation, not from the state.
 */

type Who = keyof IncidentWorld['tokens'];
type Body = Record<string, unknown>;
interface Prepared {
  id: string;
  version: number;
  evidenceId?: string;
}

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const long = (n: number) => 'x'.repeat(n);
const IMPACT = { confidentiality: 1, integrity: 2, availability: 2 };
const MAJOR_IMPACT = { confidentiality: 3, integrity: 2, availability: 2 };

function expectProblem(res: Response, status: number, type?: string): void {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status });
  if (type) expect(res.body.type).toBe(`/problems/${type}`);
  expect(typeof res.body.title).toBe('string');
}

function expectFieldError(res: Response, field: string, rule?: string): void {
  expectProblem(res, 400, 'validation-error');
  if (!Array.isArray(res.body.errors)) throw new Error(`expected errors[] naming ${field}, got: ${JSON.stringify(res.body)}`);
  expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining(rule ? { field, rule } : { field })]));
}

/** A copy of `body` with the dotted `path` set to `value` (or removed when value is `REMOVE`). */
const REMOVE = Symbol('remove');
function edit(body: Body, path: string, value: unknown): Body {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let target: Record<string, unknown> = copy;
  for (const k of keys.slice(0, -1)) target = target[k] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value === REMOVE) delete target[last];
  else target[last] = value;
  return copy;
}

// ---- the field rules of each event DTO, as tables ----

interface Case {
  name: string;
  body: (valid: Body) => Body;
  field: string;
  /** class-validator's rule name; omitted where only the field is asserted. */
  rule?: string;
}

const set = (path: string, value: unknown, name: string, rule?: string, field = path): Case => ({ name, body: (v) => edit(v, path, value), field, rule });
const missing = (path: string, rule: string): Case => ({ name: `without ${path}`, body: (v) => edit(v, path, REMOVE), field: path, rule });

/** A required (or optional) string field of length min..max. */
function text(path: string, max: number, required = true): Case[] {
  return [
    ...(required ? [missing(path, 'isString')] : []),
    set(path, 42, `a number as ${path}`, 'isString'),
    set(path, { text: 'x' }, `an object as ${path}`, 'isString'),
    set(path, ['x'], `an array as ${path}`, 'isString'),
    set(path, true, `a boolean as ${path}`, 'isString'),
    ...(required ? [set(path, null, `null as ${path}`, 'isString')] : []),
    set(path, '', `an empty ${path}`, 'isLength'),
    set(path, long(max + 1), `${path} of ${max + 1} characters`, 'isLength'),
  ];
}

/** The impact object: three integers 1–4, nothing else. */
function impact(path = 'impact'): Case[] {
  return [
    missing(path, 'isDefined'),
    set(path, null, `null as ${path}`, 'isDefined'),
    set(path, 'high', `a string as ${path}`, 'nestedValidation'),
    set(path, 3, `a number as ${path}`, 'nestedValidation'),
    set(path, [1, 2, 2], `an array of numbers as ${path}`, 'nestedValidation', `${path}.0`),
    set(path, [IMPACT], `an array holding a valid ${path}`, undefined),
    set(`${path}.confidentiality`, 0, `${path}.confidentiality 0`, 'min'),
    set(`${path}.integrity`, 5, `${path}.integrity 5`, 'max'),
    set(`${path}.availability`, -1, `${path}.availability -1`, 'min'),
    set(`${path}.availability`, '2', `a string as ${path}.availability`, 'isInt'),
    set(`${path}.integrity`, 2.5, `a fraction as ${path}.integrity`, 'isInt'),
    set(`${path}.confidentiality`, null, `null as ${path}.confidentiality`, 'isInt'),
    {
      name: `${path} without integrity`,
      body: (v) => edit(v, `${path}.integrity`, REMOVE),
      field: `${path}.integrity`,
      rule: 'isInt',
    },
    set(`${path}.scope`, 'wide', `an unknown key in ${path}`, 'whitelist'),
  ];
}

/** Unknown fields: refused by name, including attempts to set the actor or the instant. */
function extras(): Case[] {
  return [
    set('extra', 1, 'an unknown field', 'whitelist'),
    set('actor', { id: randomUUID(), roles: ['ciso'], relation: 'own' }, 'an actor in the body', 'whitelist'),
    set('at', '2026-01-01T00:00:00Z', 'an instant in the body', 'whitelist'),
    set('version', 99, 'a version in the body', 'whitelist'),
  ];
}

function reasonCases(): Case[] {
  return [...text('reason', 5000), set('reason', '   ', 'a blank reason', undefined), ...extras()];
}

interface EventSpec {
  /** Who sends it (a role allowed to). */
  as: Who;
  /** Filing overrides and the events (each with its sender) that put a fresh incident where `valid` is accepted. */
  file?: Record<string, unknown>;
  steps: Array<[Who, Body]>;
  /** Record one evidence item before the steps (its id is `ctx.evidenceId`). */
  evidence?: boolean;
  valid: (ctx: { evidenceId?: string }) => Body;
  /** The state (and region) the valid event leads to. */
  after: Record<string, unknown>;
  cases: Case[];
}

const TRIAGE: Body = { type: 'TRIAGE', impact: IMPACT, category: 'web_attack', subcategory: 'defacement' };
const REPORT: Body = { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform', externalReference: 'NCCST-1' };
const TO_REVIEW: Array<[Who, Body]> = [
  ['manager', { type: 'TRIAGE', impact: MAJOR_IMPACT, category: 'web_attack' }],
  ['manager', REPORT],
  ['ethics', { type: 'LE_NOT_REQUIRED', reason: 'no crime' }],
  ['responder', { type: 'CONTAINED', summary: 'contained' }],
  ['responder', { type: 'RECOVERED', summary: 'recovered' }],
];

const SPECS: Record<string, EventSpec> = {
  TRIAGE: {
    as: 'manager',
    steps: [],
    valid: () => TRIAGE,
    after: { state: 'responding' },
    cases: [
      ...impact(),
      missing('category', 'isIn'),
      set('category', 'pigeon', 'an unknown category', 'isIn'),
      set('category', 5, 'a number as category', 'isIn'),
      set('category', ['web_attack'], 'an array as category', 'isIn'),
      ...text('subcategory', 50, false),
      set('subcategory', 'ransomware', 'a subcategory of another category', 'isIn'),
      set('subcategory', 'no_such_subcategory', 'an unknown subcategory', 'isIn'),
      ...extras(),
    ],
  },
  DISMISS: { as: 'manager', steps: [], valid: () => ({ type: 'DISMISS', reason: 'false alarm' }), after: { state: 'dismissed' }, cases: reasonCases() },
  ACKNOWLEDGE: {
    as: 'manager',
    steps: [],
    valid: () => ({ type: 'ACKNOWLEDGE' }),
    after: { state: 'reported' },
    cases: [...extras(), set('note', 'on it', 'a note', 'whitelist')],
  },
  REPORT_TO_AUTHORITY: {
    as: 'manager',
    steps: [['manager', TRIAGE]],
    valid: () => REPORT,
    after: { state: 'responding', regions: { authority: 'reported' } },
    cases: [
      missing('channel', 'isIn'),
      set('channel', 'pigeon', 'channel pigeon', 'isIn'),
      set('channel', 1, 'a number as channel', 'isIn'),
      set('channel', ['national_platform'], 'an array as channel', 'isIn'),
      set('channel', '', 'an empty channel', 'isIn'),
      ...text('externalReference', 200, false),
      ...text('fallbackReason', 2000, false),
      ...extras(),
    ],
  },
  AUTHORITY_REVIEWED: {
    as: 'supCiso',
    steps: [
      ['manager', TRIAGE],
      ['manager', REPORT],
    ],
    valid: () => ({ type: 'AUTHORITY_REVIEWED', level: 2, note: 'confirmed' }),
    after: { state: 'responding', regions: { authority: 'reviewed' } },
    cases: [
      missing('level', 'isInt'),
      set('level', 0, 'level 0', 'min'),
      set('level', 5, 'level 5', 'max'),
      set('level', -3, 'level -3', 'min'),
      set('level', '2', 'a string as level', 'isInt'),
      set('level', 2.5, 'a fraction as level', 'isInt'),
      set('level', null, 'null as level', 'isInt'),
      set('level', [2], 'an array as level', 'isInt'),
      ...text('note', 5000),
      set('note', ' \n\t ', 'a blank note', undefined),
      ...extras(),
    ],
  },
  CONTAINED: {
    as: 'responder',
    steps: [['manager', TRIAGE]],
    valid: () => ({ type: 'CONTAINED', summary: 'isolated the web server' }),
    after: { state: 'responding', regions: { response: 'recovering' } },
    cases: [...text('summary', 10000), set('summary', '   ', 'a blank summary', undefined), ...extras()],
  },
  RECOVERED: {
    as: 'responder',
    steps: [
      ['manager', TRIAGE],
      ['responder', { type: 'CONTAINED', summary: 'contained' }],
    ],
    valid: () => ({ type: 'RECOVERED', summary: 'restored from backup' }),
    after: { state: 'responding', regions: { response: 'recovered' } },
    cases: [...text('summary', 10000), ...extras()],
  },
  RECLASSIFY: {
    as: 'manager',
    steps: [['manager', TRIAGE]],
    valid: () => ({ type: 'RECLASSIFY', impact: MAJOR_IMPACT, reason: 'more servers affected' }),
    after: { state: 'responding', level: 3 },
    cases: [...impact(), ...text('reason', 5000), ...extras()],
  },
  LE_NOT_REQUIRED: {
    as: 'ethics',
    steps: [['manager', TRIAGE]],
    valid: () => ({ type: 'LE_NOT_REQUIRED', reason: 'no criminal act' }),
    after: { state: 'responding', regions: { lawEnforcement: 'not_required' } },
    cases: reasonCases(),
  },
  LE_REQUEST: {
    as: 'ethics',
    steps: [['manager', TRIAGE]],
    valid: () => ({ type: 'LE_REQUEST', reason: 'unauthorised access' }),
    after: { state: 'responding', regions: { lawEnforcement: 'requested' } },
    cases: reasonCases(),
  },
  LE_CONTACTED: {
    as: 'ethics',
    steps: [
      ['manager', TRIAGE],
      ['ethics', { type: 'LE_REQUEST', reason: 'unauthorised access' }],
    ],
    valid: () => ({ type: 'LE_CONTACTED', lawEnforcementAgency: 'police', officer: 'Officer Lin', caseNumber: 'TPD-1' }),
    after: { state: 'responding', regions: { lawEnforcement: 'contacted' } },
    cases: [
      missing('lawEnforcementAgency', 'isIn'),
      set('lawEnforcementAgency', 'army', 'lawEnforcementAgency army', 'isIn'),
      set('lawEnforcementAgency', 'POLICE', 'an upper-case lawEnforcementAgency', 'isIn'),
      set('lawEnforcementAgency', 3, 'a number as lawEnforcementAgency', 'isIn'),
      set('lawEnforcementAgency', ['police'], 'an array as lawEnforcementAgency', 'isIn'),
      ...text('officer', 200),
      ...text('caseNumber', 100, false),
      ...extras(),
    ],
  },
  LE_EVIDENCE_HANDED_OVER: {
    as: 'ethics',
    evidence: true,
    steps: [
      ['manager', TRIAGE],
      ['ethics', { type: 'LE_REQUEST', reason: 'unauthorised access' }],
      ['ethics', { type: 'LE_CONTACTED', lawEnforcementAgency: 'investigation_bureau', officer: 'Agent Wang' }],
    ],
    valid: (ctx) => ({ type: 'LE_EVIDENCE_HANDED_OVER', evidenceIds: [ctx.evidenceId] }),
    after: { state: 'responding', regions: { lawEnforcement: 'evidence_handed_over' } },
    cases: [
      missing('evidenceIds', 'isArray'),
      set('evidenceIds', [], 'no evidenceIds', 'arrayMinSize'),
      set('evidenceIds', 'not-a-uuid', 'a string as evidenceIds', 'isArray'),
      { name: 'one UUID string as evidenceIds', body: (v) => ({ ...v, evidenceIds: (v.evidenceIds as string[])[0] }), field: 'evidenceIds', rule: 'isArray' },
      { name: 'an object as evidenceIds', body: (v) => ({ ...v, evidenceIds: { 0: (v.evidenceIds as string[])[0] } }), field: 'evidenceIds', rule: 'isArray' },
      set('evidenceIds', null, 'null as evidenceIds', 'isArray'),
      set('evidenceIds', ['not-a-uuid'], 'a non-UUID evidence id', 'isUuid'),
      set('evidenceIds', ['123e4567-e89b-12d3-a456-42661417400'], 'a UUID one digit short', 'isUuid'),
      set('evidenceIds', [42], 'a number as an evidence id', 'isUuid'),
      set('evidenceIds', [{ id: randomUUID() }], 'an object as an evidence id', 'isUuid'),
      {
        name: 'the same evidence id twice',
        body: (v) => ({ ...v, evidenceIds: [...(v.evidenceIds as string[]), ...(v.evidenceIds as string[])] }),
        field: 'evidenceIds',
        rule: 'arrayUnique',
      },
      {
        name: 'the same evidence id twice, once in upper case',
        body: (v) => ({ ...v, evidenceIds: [(v.evidenceIds as string[])[0], (v.evidenceIds as string[])[0]!.toUpperCase()] }),
        field: 'evidenceIds',
        rule: 'arrayUnique',
      },
      set(
        'evidenceIds',
        Array.from({ length: 201 }, () => randomUUID()),
        '201 evidence ids',
        'arrayMaxSize',
      ),
      set('evidenceIds', [randomUUID()], 'an unknown evidence id', 'evidenceOfIncident'),
      ...extras(),
    ],
  },
  LE_CONCLUDED: {
    as: 'ethics',
    steps: [
      ['manager', TRIAGE],
      ['ethics', { type: 'LE_REQUEST', reason: 'unauthorised access' }],
      ['ethics', { type: 'LE_CONTACTED', lawEnforcementAgency: 'prosecutor', officer: 'Prosecutor Chen' }],
    ],
    valid: () => ({ type: 'LE_CONCLUDED', note: 'case closed by prosecutors' }),
    after: { state: 'responding', regions: { lawEnforcement: 'concluded' } },
    cases: [...text('note', 5000), ...extras()],
  },
  SUBMIT_IMPROVEMENT_REPORT: {
    as: 'manager',
    file: { impact: MAJOR_IMPACT },
    steps: TO_REVIEW,
    valid: () => ({ type: 'SUBMIT_IMPROVEMENT_REPORT', rootCause: 'unpatched CMS', measures: { technical: 'patch monthly' }, schedule: 'Q2' }),
    after: { state: 'review', regions: { review: 'awaiting_approval' } },
    cases: [
      ...text('rootCause', 20000),
      missing('measures', 'isDefined'),
      set('measures', null, 'null as measures', 'isDefined'),
      set('measures', 'patch it', 'a string as measures', 'nestedValidation'),
      set('measures', 7, 'a number as measures', 'nestedValidation'),
      set('measures', ['patch it'], 'an array of strings as measures', 'nestedValidation', 'measures.0'),
      set('measures', [{ technical: 'patch monthly' }], 'an array holding valid measures', undefined),
      set('measures', {}, 'measures without any measure', undefined),
      ...text('measures.technical', 10000, false),
      ...text('measures.management', 10000, false),
      set('measures.budget', 'NT$1M', 'an unknown measure', 'whitelist'),
      ...text('schedule', 5000),
      set(
        'correctiveActions',
        [{ title: 'patch monthly', ownerUserId: 'not-a-uuid', dueAt: '2030-01-01T00:00:00Z' }],
        'a corrective action owner that is not a UUID',
        'isUuid',
        'correctiveActions.0.ownerUserId',
      ),
      set(
        'correctiveActions',
        [{ title: 'patch monthly', ownerUnitId: 42, dueAt: '2030-01-01T00:00:00Z' }],
        'a number as a corrective action’s owning unit',
        'isUuid',
        'correctiveActions.0.ownerUnitId',
      ),
      set('correctiveActions', ['patch monthly'], 'a string as a corrective action', 'nestedValidation', 'correctiveActions.0'),
      ...extras(),
    ],
  },
  APPROVE_CLOSURE: {
    as: 'ciso',
    file: { impact: MAJOR_IMPACT },
    steps: [
      ...TO_REVIEW,
      ['manager', { type: 'SUBMIT_IMPROVEMENT_REPORT', rootCause: 'unpatched CMS', measures: { technical: 'patch monthly' }, schedule: 'Q2' }],
    ],
    valid: () => ({ type: 'APPROVE_CLOSURE' }),
    after: { state: 'closed' },
    cases: [...extras(), set('note', 'approved', 'a note', 'whitelist'), set('approved', true, 'an approved flag', 'whitelist')],
  },
  REOPEN: {
    as: 'manager',
    steps: [['manager', { type: 'DISMISS', reason: 'looked like a false alarm' }]],
    valid: () => ({ type: 'REOPEN', reason: 'it was real after all' }),
    after: { state: 'reported' },
    cases: reasonCases(),
  },
};

describe('incident event and filing validation through the HTTP API', () => {
  let t: TestApp;
  let w: IncidentWorld;

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedIncidentWorld(t);
  });
  afterAll(() => t.close());

  /** Everything an event could change: the row, its audit events, timeline, outbox and deadlines. */
  async function stored(id: string) {
    const row = (
      await t.db.query(
        `SELECT version, state, response_state, authority_state, law_enforcement_state, review_state, level, impact, category, subcategory,
                snapshot, machine_version, breach_count, first_reported_at, updated_at
           FROM incidents WHERE id = $1`,
        [id],
      )
    ).rows[0];
    const count = async (sql: string) => (await t.db.query(sql, [id])).rows[0].n as number;
    return {
      row,
      audit: await count(`SELECT count(*)::int AS n FROM audit_events WHERE target_type = 'incident' AND target_id = $1::text AND action = 'incident.event'`),
      timeline: await count('SELECT count(*)::int AS n FROM incident_timeline WHERE incident_id = $1'),
      outbox: await count('SELECT count(*)::int AS n FROM outbox WHERE aggregate_id = $1'),
      deadlines: (await t.db.query('SELECT kind, status, due_at FROM deadlines WHERE incident_id = $1 ORDER BY created_at, kind, due_at', [id])).rows,
    };
  }

  const post = (token: string, id: string, body: unknown, ifMatch: string | number | undefined) => {
    const req = t.http().post(`/api/incidents/${id}/events`).set(auth(token));
    if (ifMatch !== undefined) req.set('If-Match', String(ifMatch));
    return req.send(body as object);
  };

  async function prepare(spec: EventSpec, type: string): Promise<Prepared> {
    const filed = await fileIncident(t, w.tokens.reporter, spec.file ?? {});
    let evidenceId: string | undefined;
    if (spec.evidence) {
      const evidence = await ok(
        await t
          .http()
          .post(`/api/incidents/${filed.id}/evidence`)
          .set(auth(w.tokens.responder))
          .send({
            description: 'web server logs',
            source: 'www01 /var/log/nginx',
            collectedBy: 'responder@sub.gov.tw',
            collectedAt: '2026-03-02T09:00:00+08:00',
            sha256: 'c'.repeat(64),
            storage: 'locker A-1',
          }),
        201,
      );
      evidenceId = evidence.id;
    }
    let version = filed.version;
    for (const [who, event] of spec.steps) version = (await ok(await send(t, w.tokens[who], filed.id, event))).version;
    // The incident is where this event is accepted: it is among the sender's allowed events.
    const transitions = await ok(await t.http().get(`/api/incidents/${filed.id}/transitions`).set(auth(w.tokens[spec.as])));
    expect(transitions.allowedEvents.map((e: { type: string }) => e.type)).toContain(type);
    return { id: filed.id, version, evidenceId };
  }

  /**
   * An incident where `type` is accepted: the one prepared before, unless a request wrongly
   * accepted moved it on (a failure of its own test), in which case a fresh one, so that one bug
   * does not fail the cases after it.
   */
  function preparedFor(spec: EventSpec, type: string): () => Promise<Prepared> {
    let current: Prepared | undefined;
    return async () => {
      if (current) {
        const { version } = (await t.db.query('SELECT version FROM incidents WHERE id = $1', [current.id])).rows[0];
        if (version === current.version) return current;
      }
      current = await prepare(spec, type);
      return current;
    };
  }

  describe.each(Object.entries(SPECS))('%s', (type, spec) => {
    const incident = preparedFor(spec, type);

    it.each(spec.cases)('$name: 400 naming the field, nothing changes', async (c) => {
      const inc = await incident();
      const before = await stored(inc.id);
      const res = await post(w.tokens[spec.as], inc.id, c.body(spec.valid(inc)), before.row.version);
      expectFieldError(res, c.field, c.rule);
      expect(await stored(inc.id)).toEqual(before);
    });

    it('the same event with valid data is accepted in that state (the refusals above were the validation)', async () => {
      const inc = await incident();
      const before = await stored(inc.id);
      const body = await ok(await post(w.tokens[spec.as], inc.id, spec.valid(inc), before.row.version));
      expect(body).toMatchObject({ version: before.row.version + 1, ...spec.after });
      expect((await stored(inc.id)).audit).toBe(before.audit + 1);
    });
  });

  describe('the body, the type, If-Match and the incident id', () => {
    // A fresh incident, where ACKNOWLEDGE by the on-call manager is accepted.
    const incident = preparedFor(SPECS.ACKNOWLEDGE!, 'ACKNOWLEDGE');

    const notObjects: Array<[string, string]> = [
      ['an array', '[]'],
      ['an array holding the event', '[{"type":"ACKNOWLEDGE"}]'],
      ['a JSON string', '"ACKNOWLEDGE"'],
      ['a number', '42'],
      ['true', 'true'],
      ['null', 'null'],
    ];
    it.each(notObjects)('a body that is %s: 400, nothing changes', async (_name, raw) => {
      const id = (await incident()).id;
      const before = await stored(id);
      const res = await t
        .http()
        .post(`/api/incidents/${id}/events`)
        .set(auth(w.tokens.manager))
        .set('If-Match', String(before.row.version))
        .set('Content-Type', 'application/json')
        .send(raw);
      expectProblem(res, 400);
      expect(['/problems/validation-error', '/problems/malformed-json']).toContain(res.body.type);
      if (res.body.type === '/problems/validation-error') expect(res.body.errors).toEqual([expect.objectContaining({ field: 'body', rule: 'isObject' })]);
      expect(await stored(id)).toEqual(before);
    });

    it('no body at all: 400 naming the body', async () => {
      const id = (await incident()).id;
      const before = await stored(id);
      const res = await t.http().post(`/api/incidents/${id}/events`).set(auth(w.tokens.manager)).set('If-Match', String(before.row.version));
      expectFieldError(res, 'body', 'isObject');
      expect(await stored(id)).toEqual(before);
    });

    it('a body that is not JSON: 415, nothing changes', async () => {
      const id = (await incident()).id;
      const before = await stored(id);
      const res = await t
        .http()
        .post(`/api/incidents/${id}/events`)
        .set(auth(w.tokens.manager))
        .set('If-Match', String(before.row.version))
        .set('Content-Type', 'text/plain')
        .send('type=ACKNOWLEDGE');
      expectProblem(res, 415, 'unsupported-media-type');
      expect(await stored(id)).toEqual(before);
    });

    const badTypes: Array<[string, Body]> = [
      ['no type', {}],
      ['no type but event fields', { reason: 'x' }],
      ['an unknown type', { type: 'ESCALATE' }],
      ['a lower-case type', { type: 'acknowledge' }],
      ['an empty type', { type: '' }],
      ['a number as type', { type: 3 }],
      ['null as type', { type: null }],
      ['an array as type', { type: ['ACKNOWLEDGE'] }],
      ['an object as type', { type: { name: 'ACKNOWLEDGE' } }],
      ['an Object.prototype key as type', { type: 'constructor' }],
      ['__proto__ as type', { type: '__proto__' }],
      ['toString as type', { type: 'toString' }],
    ];
    it.each(badTypes)('%s: 400 naming type, nothing changes', async (_name, body) => {
      const id = (await incident()).id;
      const before = await stored(id);
      const res = await post(w.tokens.manager, id, body, before.row.version);
      expectFieldError(res, 'type', 'isIn');
      expect(await stored(id)).toEqual(before);
    });

    it.each(['__proto__', 'constructor'])('an event body carrying a %s key: 400 naming it (not silently dropped), nothing changes', async (key) => {
      const id = (await incident()).id;
      const before = await stored(id);
      const res = await t
        .http()
        .post(`/api/incidents/${id}/events`)
        .set(auth(w.tokens.manager))
        .set('If-Match', String(before.row.version))
        .set('Content-Type', 'application/json')
        .send(`{"type":"ACKNOWLEDGE","${key}":{"polluted":true}}`);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expectFieldError(res, key, 'forbiddenKey');
      expect(await stored(id)).toEqual(before);
    });

    it('DEADLINE_PASSED, even with the pending deadline and a system actor: 422 (the system’s own event), nothing changes', async () => {
      const id = (await incident()).id;
      const before = await stored(id);
      const report = before.deadlines.find((d: { kind: string; status: string }) => d.kind === 'report' && d.status === 'pending');
      for (const body of [
        { type: 'DEADLINE_PASSED', kind: 'report', dueAt: new Date(report.due_at).toISOString() },
        { type: 'DEADLINE_PASSED', kind: 'report', dueAt: new Date(report.due_at).toISOString(), actor: { id: 'system', roles: [], relation: 'system' } },
        { type: 'DEADLINE_PASSED' },
      ]) {
        const res = await post(w.tokens.ciso, id, body, before.row.version);
        expectProblem(res, 422, 'unprocessable');
        expect(res.body.allowedEvents).toEqual([]);
      }
      expect(await stored(id)).toEqual(before);
    });

    it.each(['abc', '-1', '1.0', '+1', '*', '', 'W/"x"', '"1', '1"', '1 2', '1, 2', '0x1', '1e0', '12345678901'])(
      'If-Match %j: 400 naming If-Match, nothing changes',
      async (ifMatch) => {
        const id = (await incident()).id;
        const before = await stored(id);
        const res = await post(w.tokens.manager, id, { type: 'ACKNOWLEDGE' }, ifMatch);
        expectFieldError(res, 'If-Match', 'isVersion');
        expect(await stored(id)).toEqual(before);
      },
    );

    it('If-Match missing: 428, nothing changes', async () => {
      const id = (await incident()).id;
      const before = await stored(id);
      const res = await post(w.tokens.manager, id, { type: 'ACKNOWLEDGE' }, undefined);
      expectProblem(res, 428, 'precondition-required');
      expect(await stored(id)).toEqual(before);
    });

    it('a stale or future If-Match: 409 with the current version, nothing changes', async () => {
      const id = (await incident()).id;
      const before = await stored(id);
      for (const v of [before.row.version - 1, before.row.version + 1, 0, 999999999]) {
        const res = await post(w.tokens.manager, id, { type: 'ACKNOWLEDGE' }, v);
        expectProblem(res, 409, 'conflict');
        expect(res.body.currentVersion).toBe(before.row.version);
      }
      expect(await stored(id)).toEqual(before);
    });

    const notUuids = ['not-a-uuid', '123', '00000000-0000-0000-0000-00000000000g', `${randomUUID()}0`, `{${randomUUID()}}`, "1' OR '1'='1", '%20'];
    it.each(notUuids)('incident id %j: 400 naming id on GET, transitions, timeline and POST events', async (bad) => {
      const path = `/api/incidents/${encodeURIComponent(bad)}`;
      for (const res of [
        await t.http().get(path).set(auth(w.tokens.manager)),
        await t.http().get(`${path}/transitions`).set(auth(w.tokens.manager)),
        await t.http().get(`${path}/timeline`).set(auth(w.tokens.manager)),
        await t.http().post(`${path}/events`).set(auth(w.tokens.manager)).set('If-Match', '1').send({ type: 'ACKNOWLEDGE' }),
      ]) {
        expectFieldError(res, 'id', 'isUUID');
      }
    });

    it('an unknown incident id: 404 on GET, transitions, timeline and POST events', async () => {
      const unknown = randomUUID();
      for (const res of [
        await t.http().get(`/api/incidents/${unknown}`).set(auth(w.tokens.manager)),
        await t.http().get(`/api/incidents/${unknown}/transitions`).set(auth(w.tokens.manager)),
        await t.http().get(`/api/incidents/${unknown}/timeline`).set(auth(w.tokens.manager)),
        await post(w.tokens.manager, unknown, { type: 'ACKNOWLEDGE' }, 1),
      ]) {
        expectProblem(res, 404, 'not-found');
      }
    });

    it('workflow data rules the DTO cannot express: a fallback channel without a reason is 422 with allowedEvents, nothing changes', async () => {
      const triaged = await fileIncident(t, w.tokens.reporter);
      await ok(await send(t, w.tokens.manager, triaged.id, TRIAGE));
      const before = await stored(triaged.id);
      const res = await post(w.tokens.manager, triaged.id, { type: 'REPORT_TO_AUTHORITY', channel: 'phone' }, before.row.version);
      expectProblem(res, 422, 'unprocessable');
      expect(res.body.allowedEvents.map((e: { type: string }) => e.type)).toContain('REPORT_TO_AUTHORITY');
      const after = await stored(triaged.id);
      expect(after.row).toEqual(before.row);
      expect([after.timeline, after.outbox, after.deadlines]).toEqual([before.timeline, before.outbox, before.deadlines]);
      // Only the refusal is audited, never as a success.
      const audits = await t.db.query(`SELECT outcome FROM audit_events WHERE target_id = $1 AND action = 'incident.event' ORDER BY seq DESC LIMIT 1`, [
        triaged.id,
      ]);
      expect(audits.rows[0].outcome).toBe('refused');
    });
    it('a rootCause at the length the DTO allows (20000) is accepted, not refused by the workflow', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      for (const [who, event] of [['manager', TRIAGE], ...TO_REVIEW.slice(1)] as Array<[Who, Body]>) await ok(await send(t, w.tokens[who], filed.id, event));
      const res = await send(t, w.tokens.manager, filed.id, {
        type: 'SUBMIT_IMPROVEMENT_REPORT',
        rootCause: long(20000),
        measures: { technical: 'patch monthly' },
        schedule: 'Q2',
      });
      expect({ status: res.status, state: res.body.state }).toEqual({ status: 200, state: 'closed' });
    });
  });

  describe('POST /api/incidents validation', () => {
    async function counts() {
      const one = async (sql: string) => (await t.db.query(sql)).rows[0];
      return {
        incidents: await one('SELECT count(*)::int AS n FROM incidents'),
        counters: await one('SELECT count(*)::int AS n, coalesce(sum(last), 0)::int AS last FROM incident_counters'),
        keys: await one('SELECT count(*)::int AS n FROM incident_idempotency_keys'),
        deadlines: await one('SELECT count(*)::int AS n FROM deadlines'),
        outbox: await one('SELECT count(*)::int AS n FROM outbox'),
        filed: await one(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'incident.file'`),
      };
    }

    const file = (body: unknown, key: string | null = randomUUID()) => {
      const req = t.http().post('/api/incidents').set(auth(w.tokens.reporter));
      if (key !== null) req.set('Idempotency-Key', key);
      return req.send(body as object);
    };

    const at = (offsetMs: number) => new Date(t.clock.now().getTime() + offsetMs).toISOString();
    const HOUR = 3_600_000;

    interface FilingCase {
      name: string;
      body: () => Body;
      field: string;
      rule?: string;
    }
    const f = (name: string, path: string, value: unknown, rule?: string, field = path): FilingCase => ({
      name,
      body: () => edit(incidentBody(t), path, value),
      field,
      rule,
    });

    const filingCases: FilingCase[] = [
      f('missing title', 'title', REMOVE, 'isString'),
      f('an empty title', 'title', '', 'isLength'),
      f('a title of 301 characters', 'title', long(301), 'isLength'),
      f('a number as title', 'title', 7, 'isString'),
      f('missing description', 'description', REMOVE, 'isString'),
      f('an array as description', 'description', ['d'], 'isString'),
      f('missing category', 'category', REMOVE, 'isIn'),
      f('an unknown category', 'category', 'pigeon', 'isIn'),
      f('an upper-case category', 'category', 'WEB_ATTACK', 'isIn'),
      f('a subcategory of another category', 'subcategory', 'ransomware', 'isIn'),
      f('an unknown subcategory', 'subcategory', 'no_such_thing', 'isIn'),
      f('an empty subcategory', 'subcategory', '', 'isLength'),
      f('missing awareAt', 'awareAt', REMOVE, 'isInstant'),
      f('awareAt without an offset', 'awareAt', '2026-03-02T08:55:00', 'isInstant'),
      f('awareAt as a date only', 'awareAt', '2026-03-02', 'isInstant'),
      f('awareAt not a time', 'awareAt', 'yesterday', 'isInstant'),
      f('awareAt on 30 February', 'awareAt', '2026-02-30T08:00:00+08:00', 'isInstant'),
      f('a number as awareAt', 'awareAt', Date.UTC(2026, 2, 2), 'isInstant'),
      { name: 'awareAt in the future', body: () => incidentBody(t, { awareAt: at(HOUR) }), field: 'awareAt', rule: 'notFuture' },
      // ISO 8601 forms the validator accepts but JavaScript's Date cannot read (week, ordinal, basic, comma fraction, hour only).
      f('awareAt as an ISO week date', 'awareAt', '2026-W10-1T09:00:00+08:00', undefined),
      f('awareAt as an ISO ordinal date', 'awareAt', '2026-061T09:00:00+08:00', undefined),
      f('awareAt in ISO basic format', 'awareAt', '20260302T090000+08:00', undefined),
      f('awareAt with a comma fraction', 'awareAt', '2026-03-02T09:00:00,5+08:00', undefined),
      f('awareAt with the hour only', 'awareAt', '2026-03-02T09+08:00', undefined),
      // An offset ISO 8601 allows but PostgreSQL does not (beyond ±15:59).
      f('awareAt with offset +20:00', 'awareAt', '2026-03-02T20:00:00+20:00', undefined),
      { name: 'occurredAt after awareAt', body: () => incidentBody(t, { occurredAt: at(0) }), field: 'occurredAt', rule: 'notAfterAwareAt' },
      f('occurredAt without an offset', 'occurredAt', '2026-03-02T08:00:00', 'isInstant'),
      f('occurredAt in ISO basic format, years after awareAt', 'occurredAt', '20300302T090000+08:00', undefined),
      f('missing impact', 'impact', REMOVE, 'isDefined'),
      f('impact.confidentiality 0', 'impact.confidentiality', 0, 'min'),
      f('impact.availability 5', 'impact.availability', 5, 'max'),
      f('a string as impact.integrity', 'impact.integrity', '2', 'isInt'),
      f('a string as impact', 'impact', 'high', 'nestedValidation'),
      f('an unknown key in impact', 'impact.scope', 'wide', 'whitelist'),
      f('an array holding the impact', 'impact', [IMPACT], undefined),
      f('missing classification', 'classification', REMOVE, 'isDefined'),
      f('tlp PURPLE', 'classification.tlp', 'PURPLE', 'isIn'),
      f('a lower-case tlp', 'classification.tlp', 'amber', 'isIn'),
      f('dataLevel secret', 'classification.dataLevel', 'secret', 'isIn'),
      f('missing dataLevel', 'classification.dataLevel', REMOVE, 'isIn'),
      f('an array holding the classification', 'classification', [{ tlp: 'GREEN', dataLevel: 'general' }], undefined),
      f('isDrill "true"', 'isDrill', 'true', 'isBoolean'),
      f('isDrill 1', 'isDrill', 1, 'isBoolean'),
      f('a string as affectedSystems', 'affectedSystems', 'www.sub.gov.tw', 'isArray'),
      f('an empty affected system', 'affectedSystems', [''], 'isLength'),
      f('a number as an affected system', 'affectedSystems', [5], 'isString'),
      f(
        '101 affected systems',
        'affectedSystems',
        Array.from({ length: 101 }, (_, i) => `host${i}`),
        'arrayMaxSize',
      ),
      f('a state in the body', 'state', 'closed', 'whitelist'),
      f('a level in the body', 'level', 4, 'whitelist'),
      f('an unknown field', 'extra', true, 'whitelist'),
    ];

    it.each(filingCases)('$name: 400 naming the field, nothing created', async (c) => {
      const before = await counts();
      const res = await file(c.body());
      expectFieldError(res, c.field, c.rule);
      expect(await counts()).toEqual(before);
    });

    it.each([
      ['missing', null],
      ['empty', ''],
      ['7 characters', 'abcdefg'],
      ['with a space', 'key with space'],
      ['with a slash', 'key/0001/abcd'],
      ['of 201 characters', long(201)],
    ])('an Idempotency-Key %s: 400 naming it, nothing created', async (_name, key) => {
      const before = await counts();
      const res = await file(incidentBody(t), key);
      expectFieldError(res, 'Idempotency-Key', 'isIdempotencyKey');
      expect(await counts()).toEqual(before);
    });

    it('a body that is not an object: 400, nothing created', async () => {
      const before = await counts();
      for (const raw of ['[]', '"incident"', '42', 'null']) {
        const res = await t
          .http()
          .post('/api/incidents')
          .set(auth(w.tokens.reporter))
          .set('Idempotency-Key', randomUUID())
          .set('Content-Type', 'application/json')
          .send(raw);
        expectProblem(res, 400);
      }
      expect(await counts()).toEqual(before);
    });

    it('the valid body is accepted (the refusals above were the validation)', async () => {
      const before = await counts();
      const res = await file(incidentBody(t, { occurredAt: at(-HOUR), isDrill: true }));
      expect(res.status).toBe(201);
      const after = await counts();
      expect(after.incidents.n).toBe(before.incidents.n + 1);
      expect(after.counters.last).toBe(before.counters.last + 1);
    });
  });
});
