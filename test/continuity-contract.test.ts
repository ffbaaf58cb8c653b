import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { planBody, seedContinuityWorld, type ContinuityWorld } from './support/continuity-fixture.js';
import { expectStatus as ok } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/*
 * The continuity module's part of the contract (/api/openapi.json): the drill event union with its
 * mapping and examples, the fields of each allowed event, the programme's GET → PUT round trip,
 * plan versions and the drill timeline a page at a time, the plan body with its nested rows.
 */

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const CLIENT_TYPES = ['START', 'RECORD_PARTICIPANT', 'RECORD_OBSERVATION', 'COMPLETE', 'SUBMIT_AFTER_ACTION', 'PLAN_UPDATED', 'CLOSE', 'CANCEL', 'RESCHEDULE'];

type Schema = Record<string, any>;

describe('the continuity contract', () => {
  let t: TestApp;
  let w: ContinuityWorld;
  let document: { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, Schema> } };
  let ajv: Ajv2020;

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedContinuityWorld(t);
    document = ok(await t.http().get('/api/openapi.json'));
    ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
    ajv.addSchema({ ...document, $id: 'openapi.json' });
  });
  afterAll(() => t.close());

  const validatorOf = (ref: string) => ajv.compile({ $ref: `openapi.json${ref}` });
  const createPlan = async (body: Record<string, unknown> = planBody()) =>
    ok(await t.http().post('/api/continuity/plans').set(auth(w.tokens.coordinator)).send(body), 201);
  const scheduleDrill = async (planId: string) =>
    ok(
      await t
        .http()
        .post(`/api/continuity/plans/${planId}/drills`)
        .set(auth(w.tokens.coordinator))
        .send({ scheduledFor: new Date(t.clock.now().getTime() + 30 * 86_400_000).toISOString(), drillType: 'tabletop' }),
      201,
    );
  const sendEvent = async (drillId: string, body: Record<string, unknown>) => {
    const current = ok(await t.http().get(`/api/drills/${drillId}`).set(auth(w.tokens.coordinator)));
    return t.http().post(`/api/drills/${drillId}/events`).set(auth(w.tokens.coordinator)).set('If-Match', String(current.version)).send(body);
  };

  describe('drill events in the document', () => {
    const requestBody = () => document.paths['/api/drills/{id}/events']!.post.requestBody.content['application/json'];

    it('are a oneOf of named variants, each with a single-value type, with the discriminator mapping', () => {
      expect(requestBody().schema).toEqual({ $ref: '#/components/schemas/DrillEvent' });
      const union = document.components.schemas.DrillEvent!;
      const refs: string[] = union.oneOf.map((v: Schema) => v.$ref);
      expect(refs).toHaveLength(CLIENT_TYPES.length);
      expect(union.discriminator.propertyName).toBe('type');
      expect(Object.keys(union.discriminator.mapping).sort()).toEqual([...CLIENT_TYPES].sort());
      for (const [type, ref] of Object.entries(union.discriminator.mapping as Record<string, string>)) {
        expect(refs).toContain(ref);
        const variant = document.components.schemas[ref.replace('#/components/schemas/', '')]!;
        expect(variant.properties.type).toEqual(expect.objectContaining({ const: type }));
        expect(variant.required).toContain('type');
        expect(variant.additionalProperties).toBe(false);
      }
      // The system's own event is no variant.
      expect(Object.keys(union.discriminator.mapping)).not.toContain('DEADLINE_PASSED');
      expect(JSON.stringify(union)).not.toContain('DEADLINE_PASSED');
    });

    it('show one example per client event type, each valid against its own variant (and only against it)', () => {
      const examples = requestBody().examples as Record<string, { summary: string; value: Record<string, unknown> }>;
      expect(Object.keys(examples).sort()).toEqual([...CLIENT_TYPES].sort());
      const mapping = document.components.schemas.DrillEvent!.discriminator.mapping as Record<string, string>;
      const union = validatorOf('#/components/schemas/DrillEvent');
      for (const [type, example] of Object.entries(examples)) {
        expect(example.summary.length).toBeGreaterThan(0);
        expect(example.value.type).toBe(type);
        const own = validatorOf(mapping[type]!);
        expect([type, own(example.value), own.errors ?? null]).toEqual([type, true, null]);
        expect([type, union(example.value)]).toEqual([type, true]);
      }
      // A variant refuses another type's body.
      expect(validatorOf(mapping.CANCEL!)({ type: 'START' })).toBe(false);
    });

    it('a system event type sent by a client is still 422, and changes nothing', async () => {
      const plan = await createPlan();
      const drill = await scheduleDrill(plan.id);
      for (const body of [{ type: 'DEADLINE_PASSED' }, { type: 'DEADLINE_PASSED', kind: 'start', dueAt: drill.scheduledFor }]) {
        const res = await sendEvent(drill.id, body);
        expect(res.status).toBe(422);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body).toMatchObject({ status: 422, allowedEvents: [] });
      }
      expect(ok(await t.http().get(`/api/drills/${drill.id}`).set(auth(w.tokens.coordinator)))).toMatchObject({ state: 'scheduled', version: drill.version });
      // An unknown type stays a 400 naming the field.
      const unknown = await sendEvent(drill.id, { type: 'PANIC' });
      expect(unknown.status).toBe(400);
      expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'type', rule: 'isIn' })]);
    });
  });

  it('transitions give each allowed event its fields and the pointer of its schema', async () => {
    const plan = await createPlan();
    const drill = await scheduleDrill(plan.id);
    const { allowedEvents } = ok(await t.http().get(`/api/drills/${drill.id}/transitions`).set(auth(w.tokens.coordinator)));
    const byType = Object.fromEntries(allowedEvents.map((e: Schema) => [e.type, e]));
    expect(Object.keys(byType).sort()).toEqual(['CANCEL', 'RESCHEDULE', 'START']);
    const mapping = document.components.schemas.DrillEvent!.discriminator.mapping;
    for (const e of allowedEvents) {
      expect(e.schema).toBe(mapping[e.type]);
      expect(document.components.schemas[e.schema.replace('#/components/schemas/', '')]).toBeDefined();
    }
    expect(byType.START.fields).toEqual([]);
    expect(byType.RESCHEDULE).toMatchObject({
      requires: ['date', 'reason'],
      fields: [
        expect.objectContaining({ name: 'date', required: true, type: 'string', format: 'date-time' }),
        expect.objectContaining({ name: 'reason', required: true, type: 'string', minLength: 1, maxLength: 2000 }),
      ],
    });
    expect(byType.CANCEL.fields).toEqual([expect.objectContaining({ name: 'reason', required: true, type: 'string', maxLength: 2000 })]);

    ok(await sendEvent(drill.id, { type: 'START' }));
    const running = ok(await t.http().get(`/api/drills/${drill.id}/transitions`).set(auth(w.tokens.coordinator)));
    const participant = running.allowedEvents.find((e: Schema) => e.type === 'RECORD_PARTICIPANT');
    expect(participant.fields).toEqual([
      expect.objectContaining({ name: 'name', required: true, type: 'string', maxLength: 200 }),
      expect.objectContaining({ name: 'role', required: true, type: 'string' }),
      expect.objectContaining({ name: 'organisation', required: false, type: 'string' }),
    ]);
  });

  it('the programme GET answers what PUT takes back, with the programme version as ETag and If-Match', async () => {
    const plan = await createPlan();
    const first = await t
      .http()
      .put(`/api/continuity/plans/${plan.id}/programme`)
      .set(auth(w.tokens.coordinator))
      .send({ rrule: 'FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=20', drillType: 'functional', reminders: ['P7D', 'P1D'], afterActionWindow: 'P2W' });
    const set = ok(first);
    expect(first.headers.etag).toBe(`"${set.programmeVersion}"`);
    const got = await t.http().get(`/api/continuity/plans/${plan.id}/programme`).set(auth(w.tokens.coordinator));
    const view = ok(got);
    expect(got.headers.etag).toBe(`"${view.programmeVersion}"`);
    expect(view.programme).toMatchObject({ drillType: 'functional', reminders: ['P7D', 'P1D'], afterActionWindow: 'P2W', timezone: 'Asia/Taipei' });

    // PUT the programme exactly as GET returned it: accepted, the same programme, a new version.
    const again = await t
      .http()
      .put(`/api/continuity/plans/${plan.id}/programme`)
      .set(auth(w.tokens.coordinator))
      .set('If-Match', got.headers.etag!)
      .send(view.programme);
    const back = ok(again);
    expect(back.programme).toEqual(view.programme);
    expect(back.programmeVersion).toBe(view.programmeVersion + 1);
    expect(again.headers.etag).toBe(`"${back.programmeVersion}"`);

    // A stale If-Match is a conflict; another time zone than the agency's is refused; nothing changes.
    const stale = await t
      .http()
      .put(`/api/continuity/plans/${plan.id}/programme`)
      .set(auth(w.tokens.coordinator))
      .set('If-Match', got.headers.etag!)
      .send(view.programme);
    expect(stale.status).toBe(409);
    const otherZone = await t
      .http()
      .put(`/api/continuity/plans/${plan.id}/programme`)
      .set(auth(w.tokens.coordinator))
      .send({ ...view.programme, timezone: 'Europe/Berlin' });
    expect(otherZone.status).toBe(400);
    expect(otherZone.body.errors).toEqual([expect.objectContaining({ field: 'timezone', rule: 'agencyTimezone' })]);
    expect(ok(await t.http().get(`/api/continuity/plans/${plan.id}/programme`).set(auth(w.tokens.coordinator))).programmeVersion).toBe(back.programmeVersion);
  });

  it('pages through plan versions with limit=2, every version exactly once, newest first', async () => {
    const plan = await createPlan();
    let version = plan.version;
    for (let i = 2; i <= 5; i++) {
      const res = await t
        .http()
        .put(`/api/continuity/plans/${plan.id}`)
        .set(auth(w.tokens.coordinator))
        .set('If-Match', `"${version}"`)
        .send({ ...planBody({ title: `version ${i}` }), changeReason: `change ${i}` });
      version = ok(res).version;
    }
    const seen: number[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 10; pages++) {
      const page: { items: Array<{ version: number }>; nextCursor: string | null } = ok(
        await t
          .http()
          .get(`/api/continuity/plans/${plan.id}/versions`)
          .query({ limit: 2, ...(cursor ? { cursor } : {}) })
          .set(auth(w.tokens.coordinator)),
      );
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((v) => v.version));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    const bad = await t.http().get(`/api/continuity/plans/${plan.id}/versions`).query({ limit: 0 }).set(auth(w.tokens.coordinator));
    expect(bad.status).toBe(400);
    const unknown = await t.http().get(`/api/continuity/plans/${plan.id}/versions`).query({ page: 2 }).set(auth(w.tokens.coordinator));
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'page', rule: 'whitelist' })]);
  });

  it('pages through the drill timeline with limit=1, every entry exactly once, seq an integer', async () => {
    const plan = await createPlan();
    const drill = await scheduleDrill(plan.id);
    ok(await sendEvent(drill.id, { type: 'START' }));
    ok(await sendEvent(drill.id, { type: 'RECORD_PARTICIPANT', name: 'Lin', role: 'DBA' }));
    ok(await sendEvent(drill.id, { type: 'RECORD_OBSERVATION', text: 'DNS TTL too long' }));
    const all = (await t.db.query('SELECT seq::int AS seq FROM drill_timeline WHERE drill_id = $1 ORDER BY seq', [drill.id])).rows.map((r) => r.seq);
    expect(all.length).toBeGreaterThanOrEqual(4);
    const seen: number[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const page: { items: Array<{ seq: unknown }>; nextCursor: string | null } = ok(
        await t
          .http()
          .get(`/api/drills/${drill.id}/timeline`)
          .query({ limit: 1, ...(cursor ? { cursor } : {}) })
          .set(auth(w.tokens.coordinator)),
      );
      expect(page.items).toHaveLength(1);
      expect(Number.isInteger(page.items[0]!.seq)).toBe(true);
      seen.push(page.items[0]!.seq as number);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual(all);
    expect(document.components.schemas.DrillTimelineEntry!.properties.seq.type).toBe('integer');
  });

  it('shows the plan body with its nested rows, not a bare object', () => {
    const create = document.paths['/api/continuity/plans']!.post.requestBody.content['application/json'].schema;
    expect(create).toEqual({ $ref: '#/components/schemas/CreatePlan' });
    const body = document.components.schemas.CreatePlan!;
    expect(body.required).toEqual(
      expect.arrayContaining(['title', 'classification', 'scope', 'impactAnalysis', 'activationCriteria', 'procedures', 'contacts']),
    );
    expect(body.properties.impactAnalysis).toMatchObject({ type: 'array', minItems: 1, maxItems: 200, items: { $ref: '#/components/schemas/PlanImpactRow' } });
    const row = document.components.schemas.PlanImpactRow!;
    expect(row.required.sort()).toEqual(['hazard', 'impact', 'mtpd', 'rpo', 'rto', 'service']);
    for (const key of ['mtpd', 'rto', 'rpo']) expect(row.properties[key]).toMatchObject({ type: 'string', pattern: expect.stringMatching(/^\^P/) });
    expect(row.properties.hazard.enum).toContain('earthquake');
    expect(document.components.schemas.PlanProcedure!.properties.phase.enum).toEqual(['emergency', 'recovery', 'resumption']);
    expect(body.properties.classification).toEqual({ $ref: '#/components/schemas/PlanClassificationInput' });
    const update = document.components.schemas.UpdatePlan!;
    expect(update.required).toContain('changeReason');
    // The schema judges bodies as the API does: a valid plan passes, one with an impact row missing its RTO does not.
    const validate = validatorOf('#/components/schemas/CreatePlan');
    expect(validate(planBody())).toBe(true);
    const broken = planBody();
    delete (broken.impactAnalysis[0] as Record<string, unknown>).rto;
    expect(validate(broken)).toBe(false);
    // The calendar feed is a text/calendar string.
    expect(document.paths['/api/drills/calendar.ics']!.get.responses['200'].content['text/calendar'].schema.type).toBe('string');
  });
});
