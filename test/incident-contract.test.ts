import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { CLIENT_EVENT_TYPES, SYSTEM_EVENT_TYPES } from '@app/workflows';
import { fileIncident, seedIncidentWorld, send, type IncidentWorld } from './support/incident-fixture.js';
import { expectStatus as ok } from './support/http.js';
import { createTestApp, login, seedUser, type TestApp } from './support/test-app.js';

/**
 * The incidents module's contract in /api/openapi.json: the event body as a discriminated union
 * with an example per client event type, GET …/transitions telling each event's fields and schema,
 * and the sub-collections (timeline, notifications, evidence) paging as every list does.
 */

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });
const TRIAGE = { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack', subcategory: 'defacement' };

interface Document {
  paths: Record<string, Record<string, any>>;
  components: { schemas: Record<string, any> };
}

describe('the incidents contract', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let document: Document;

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedIncidentWorld(t);
    document = ok(await t.http().get('/api/openapi.json'));
  });
  afterAll(() => t.close());

  const ajv = () => {
    const a = new Ajv2020({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (x: Ajv2020) => void)(a);
    a.addSchema({ ...document, $id: 'openapi.json' } as object);
    return a;
  };

  /** Every page of a list, following nextCursor; each page holds at most `limit` items. */
  async function allPages(path: string, token: string, limit: number): Promise<{ pages: number; items: any[] }> {
    const items: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string | number> = { limit, ...(cursor ? { cursor } : {}) };
      const page: { items: any[]; nextCursor: string | null } = ok(await t.http().get(path).query(query).set(auth(token)));
      expect(page.items.length).toBeLessThanOrEqual(limit);
      items.push(...page.items);
      cursor = page.nextCursor;
      pages++;
      if (pages > 100) throw new Error('paging does not end');
    } while (cursor);
    return { pages, items };
  }

  describe('the event body', () => {
    const operation = () => document.paths['/api/incidents/{id}/events']!.post;

    it('is IncidentEvent: a oneOf of one named variant per client event type, with a discriminator mapping on type', () => {
      expect(operation().operationId).toBe('sendIncidentEvent');
      expect(operation().requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/IncidentEvent' });
      const union = document.components.schemas.IncidentEvent;
      expect(union.discriminator.propertyName).toBe('type');
      const mapping: Record<string, string> = union.discriminator.mapping;
      expect(Object.keys(mapping).sort()).toEqual([...CLIENT_EVENT_TYPES].sort());
      expect(union.oneOf.map((v: { $ref: string }) => v.$ref).sort()).toEqual(Object.values(mapping).sort());
      for (const [type, ref] of Object.entries(mapping)) {
        const variant = document.components.schemas[ref.replace('#/components/schemas/', '')];
        // `type` is a single value: the variant's own.
        expect([type, variant.properties.type.const ?? variant.properties.type.enum]).toEqual([type, type]);
        expect(variant.required).toContain('type');
        expect(variant.additionalProperties).toBe(false);
      }
    });

    it('names no system event (clock or paging) among its variants', () => {
      const union = document.components.schemas.IncidentEvent;
      const types = Object.keys(union.discriminator.mapping);
      for (const system of SYSTEM_EVENT_TYPES) expect(types).not.toContain(system);
    });

    it('shows one example per client event type, each with a summary and valid against its variant (and the union)', () => {
      const examples: Record<string, { summary: string; value: { type: string } }> = operation().requestBody.content['application/json'].examples;
      expect(Object.keys(examples).sort()).toEqual([...CLIENT_EVENT_TYPES].sort());
      const validator = ajv();
      const mapping: Record<string, string> = document.components.schemas.IncidentEvent.discriminator.mapping;
      const union = validator.getSchema('openapi.json#/components/schemas/IncidentEvent')!;
      for (const [name, example] of Object.entries(examples)) {
        expect(example.summary).toEqual(expect.any(String));
        expect(example.value.type).toBe(name);
        const variant = validator.getSchema(`openapi.json${mapping[name]}`)!;
        expect([name, variant(example.value), variant.errors ?? null]).toEqual([name, true, null]);
        expect([name, union(example.value)]).toEqual([name, true]);
        // …and against no other variant.
        for (const [other, ref] of Object.entries(mapping))
          if (other !== name) expect([name, other, validator.getSchema(`openapi.json${ref}`)!(example.value)]).toEqual([name, other, false]);
      }
    });

    it('the examples are accepted by the API too (TRIAGE, ACKNOWLEDGE on a fresh incident)', async () => {
      const examples = operation().requestBody.content['application/json'].examples;
      const filed = await fileIncident(t, w.tokens.reporter);
      const acknowledged = ok(await send(t, w.tokens.manager, filed.id, examples.ACKNOWLEDGE.value));
      const triaged = ok(await send(t, w.tokens.manager, filed.id, examples.TRIAGE.value, acknowledged.version));
      expect(triaged.state).toBe('responding');
    });

    it('DEADLINE_PASSED from a client is still 422, not a 400 from the union', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      const res = await send(t, w.tokens.manager, filed.id, { type: 'DEADLINE_PASSED', kind: 'report', dueAt: filed.deadlines[0]!.dueAt });
      expect([res.status, res.body.allowedEvents]).toEqual([422, []]);
    });
  });

  describe('GET …/transitions', () => {
    it('tells, for each allowed event, its required fields, every field with type and allowed values, and its schema', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      const body = ok(await t.http().get(`/api/incidents/${filed.id}/transitions`).set(auth(w.tokens.manager)));
      const byType = Object.fromEntries(body.allowedEvents.map((e: { type: string }) => [e.type, e]));
      expect(Object.keys(byType)).toEqual(expect.arrayContaining(['TRIAGE', 'DISMISS', 'ACKNOWLEDGE']));
      const triage = byType.TRIAGE;
      expect(triage.requires).toEqual(['impact', 'category']);
      expect(triage.schema).toBe('#/components/schemas/IncidentTriageEvent');
      expect(document.components.schemas.IncidentTriageEvent).toBeDefined();
      const fields = Object.fromEntries(triage.fields.map((f: { name: string }) => [f.name, f]));
      expect(Object.keys(fields).sort()).toEqual(['category', 'impact', 'subcategory']);
      expect(fields.category).toMatchObject({
        required: true,
        type: 'string',
        enum: ['web_attack', 'intrusion', 'denial_of_service', 'equipment_problem', 'other'],
      });
      expect(fields.subcategory).toMatchObject({ required: false, type: 'string', minLength: 1, maxLength: 50 });
      expect(fields.impact).toMatchObject({ required: true, type: 'object' });
      expect(byType.DISMISS.fields).toEqual([{ name: 'reason', required: true, type: 'string', minLength: 1, maxLength: 5000 }]);
      expect(byType.ACKNOWLEDGE).toEqual({ type: 'ACKNOWLEDGE', requires: [], fields: [], schema: '#/components/schemas/IncidentAcknowledgeEvent' });
      // The required fields are exactly the fields marked required, and each schema is in the document.
      for (const e of body.allowedEvents) {
        expect([e.type, e.fields.filter((f: { required: boolean }) => f.required).map((f: { name: string }) => f.name)]).toEqual([e.type, e.requires]);
        expect(document.components.schemas[e.schema.replace('#/components/schemas/', '')]).toBeDefined();
      }
    });

    it('describes enumerations and lists as the variants do (REPORT_TO_AUTHORITY channel, LE_EVIDENCE_HANDED_OVER evidenceIds)', async () => {
      const filed = await fileIncident(t, w.tokens.reporter);
      ok(await send(t, w.tokens.manager, filed.id, TRIAGE));
      ok(await send(t, w.tokens.ethics, filed.id, { type: 'LE_REQUEST', reason: 'unauthorised access' }));
      ok(await send(t, w.tokens.ethics, filed.id, { type: 'LE_CONTACTED', lawEnforcementAgency: 'police', officer: 'Officer Lin' }));
      const asManager = ok(await t.http().get(`/api/incidents/${filed.id}/transitions`).set(auth(w.tokens.manager)));
      const report = asManager.allowedEvents.find((e: { type: string }) => e.type === 'REPORT_TO_AUTHORITY');
      expect(report.fields.find((f: { name: string }) => f.name === 'channel')).toMatchObject({
        required: true,
        type: 'string',
        enum: ['national_platform', 'superior_agency', 'phone', 'email', 'fax', 'in_person'],
      });
      const asEthics = ok(await t.http().get(`/api/incidents/${filed.id}/transitions`).set(auth(w.tokens.ethics)));
      const handover = asEthics.allowedEvents.find((e: { type: string }) => e.type === 'LE_EVIDENCE_HANDED_OVER');
      expect(handover.fields).toEqual([
        expect.objectContaining({ name: 'evidenceIds', required: true, type: 'array', schema: expect.objectContaining({ minItems: 1, maxItems: 200 }) }),
      ]);
    });
  });

  describe('the incident view', () => {
    it('is Incident: ClearedIncident or RedactedIncident by `redacted`; a reader not cleared gets the redacted form, earlier rounds included', async () => {
      expect(document.components.schemas.Incident.oneOf).toEqual([
        { $ref: '#/components/schemas/ClearedIncident' },
        { $ref: '#/components/schemas/RedactedIncident' },
      ]);
      await seedUser(t, { agencyId: w.sub, email: 'staff@sub.gov.tw', roles: ['reporter'] });
      const staff = await login(t, 'staff@sub.gov.tw');
      const filed = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'AMBER', dataLevel: 'sensitive' } });
      ok(await send(t, w.tokens.manager, filed.id, { type: 'DISMISS', reason: 'secret reason 42' }));
      ok(await send(t, w.tokens.manager, filed.id, { type: 'REOPEN', reason: 'it was real' }));
      const validator = ajv();
      const cleared = validator.getSchema('openapi.json#/components/schemas/ClearedIncident')!;
      const redacted = validator.getSchema('openapi.json#/components/schemas/RedactedIncident')!;
      const full = ok(await t.http().get(`/api/incidents/${filed.id}`).set(auth(w.tokens.manager)));
      expect([full.redacted, cleared(full), redacted(full)]).toEqual([false, true, false]);
      expect(full.earlierRounds[0].dismissal.reason).toBe('secret reason 42');
      const view = ok(await t.http().get(`/api/incidents/${filed.id}`).set(auth(staff)));
      expect([view.redacted, redacted(view), cleared(view)]).toEqual([true, true, false]);
      expect(view).toMatchObject({ title: null, description: null, affectedSystems: null });
      expect(view.earlierRounds).toEqual([
        expect.objectContaining({ ended: 'dismissed', dismissal: { at: expect.any(String), by: expect.any(String) }, lawEnforcement: { status: 'undecided' } }),
      ]);
      expect(JSON.stringify(view)).not.toContain('secret reason 42');
    });
  });

  describe('sub-collections page as every list does', () => {
    let incidentId: string;

    beforeAll(async () => {
      const filed = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'GREEN', dataLevel: 'general' } });
      incidentId = filed.id;
      ok(await send(t, w.tokens.manager, incidentId, TRIAGE));
      ok(await send(t, w.tokens.manager, incidentId, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' }));
      for (let i = 0; i < 3; i++) {
        ok(
          await t
            .http()
            .post(`/api/incidents/${incidentId}/evidence`)
            .set(auth(w.tokens.responder))
            .send({
              description: `log ${i}`,
              source: 'www01 /var/log/nginx',
              collectedBy: 'responder@sub.gov.tw',
              collectedAt: new Date(t.clock.now().getTime() - 60_000).toISOString(),
              sha256: String(i).repeat(64),
              storage: 'locker A-1',
            }),
          201,
        );
      }
    });

    it('the timeline, with limit=2: every entry once, in order, seq an integer', async () => {
      const whole = ok(await t.http().get(`/api/incidents/${incidentId}/timeline`).set(auth(w.tokens.manager)));
      expect(whole.nextCursor).toBeNull();
      expect(whole.items.length).toBeGreaterThanOrEqual(5);
      for (const e of whole.items) expect(Number.isInteger(e.seq)).toBe(true);
      const paged = await allPages(`/api/incidents/${incidentId}/timeline`, w.tokens.manager, 2);
      expect(paged.pages).toBe(Math.ceil(whole.items.length / 2));
      expect(paged.items).toEqual(whole.items);
      const seqs = paged.items.map((e) => e.seq as number);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(new Set(seqs).size).toBe(seqs.length);
    });

    it('the notifications, with limit=1: every intent once', async () => {
      const whole = ok(await t.http().get(`/api/incidents/${incidentId}/notifications`).set(auth(w.tokens.manager)));
      expect(whole.items.length).toBeGreaterThanOrEqual(2);
      const paged = await allPages(`/api/incidents/${incidentId}/notifications`, w.tokens.manager, 1);
      expect(paged.pages).toBe(whole.items.length);
      expect(paged.items.map((n) => n.id)).toEqual(whole.items.map((n: { id: string }) => n.id));
    });

    it('the evidence, with limit=2: every item once, in the order recorded, each with its transfers', async () => {
      const whole = ok(await t.http().get(`/api/incidents/${incidentId}/evidence`).set(auth(w.tokens.responder)));
      expect(whole.items.map((e: { description: string }) => e.description)).toEqual(['log 0', 'log 1', 'log 2']);
      const paged = await allPages(`/api/incidents/${incidentId}/evidence`, w.tokens.responder, 2);
      expect(paged.pages).toBe(2);
      expect(paged.items).toEqual(whole.items);
    });

    it.each(['timeline', 'notifications', 'evidence'])('%s refuses a bad limit or cursor and an unknown parameter (400 naming it)', async (sub) => {
      const path = `/api/incidents/${incidentId}/${sub}`;
      const rules = async (query: Record<string, string>) =>
        (await t.http().get(path).query(query).set(auth(w.tokens.responder))).body.errors?.map((e: { field: string; rule: string }) => `${e.field}:${e.rule}`);
      expect(await rules({ limit: '0' })).toContain('limit:min');
      expect(await rules({ limit: '201' })).toContain('limit:max');
      expect(await rules({ limit: 'x' })).toContain('limit:isInt');
      expect(await rules({ cursor: 'abc' })).toContain('cursor:isCursor');
      expect(await rules({ cursor: Buffer.from(JSON.stringify(['1; DROP TABLE x'])).toString('base64url') })).toContain('cursor:isCursor');
      expect(await rules({ sort: 'seq' })).toContain('sort:whitelist');
    });
  });
});
