import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from '../libs/api-types/openapi.js';
import { incidentBody, seedIncidentWorld } from './support/incident-fixture.js';
import { createTestApp, PASSWORD, type TestApp } from './support/test-app.js';

/*
 * A client generated from the contract alone (libs/api-types/openapi.d.ts, openapi-fetch) runs the
 * first hour of an incident against the real API over HTTP: sign in, file with an Idempotency-Key
 * (retried: the same incident), acknowledge the page, triage with If-Match (a stale one is the
 * typed 409 problem), read the timeline. No cast and no `any`: what compiles here is what the
 * document promises, and the answers must bear it out.
 */
type Api = Client<paths>;
type CreateIncident = components['schemas']['CreateIncident'];

describe('a client generated from the contract', () => {
  let t: TestApp;
  let baseUrl: string;

  beforeAll(async () => {
    t = await createTestApp();
    await seedIncidentWorld(t);
    const server = t.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => t.close());

  /** Signs in through the generated client and answers a client that sends the session token. */
  async function signedIn(email: string): Promise<Api> {
    const anonymous = createClient<paths>({ baseUrl });
    const { data, error, response } = await anonymous.POST('/api/auth/login', { body: { email, password: PASSWORD } });
    expect([response.status, error]).toEqual([200, undefined]);
    if (!data) throw new Error('no session');
    return createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${data.token}` } });
  }

  it('files, acknowledges, triages and reads the timeline, each answer of the type the document gives', async () => {
    const reporter = await signedIn('reporter@sub.gov.tw');
    const manager = await signedIn('manager@sub.gov.tw');
    const fixture = incidentBody(t);
    const body: CreateIncident = {
      title: fixture.title,
      description: fixture.description,
      category: 'web_attack',
      subcategory: 'defacement',
      awareAt: fixture.awareAt,
      impact: { confidentiality: 1, integrity: 2, availability: 2 },
      classification: { tlp: 'AMBER', dataLevel: 'sensitive' },
      affectedSystems: ['www.sub.gov.tw'],
    };
    const key = randomUUID();
    const filed = await reporter.POST('/api/incidents', { params: { header: { 'Idempotency-Key': key } }, body });
    expect(filed.response.status).toBe(201);
    const incident = filed.data!;
    expect(incident).toMatchObject({ state: 'reported', level: 2, version: 1 });
    expect(filed.response.headers.get('etag')).toBe(`"${incident.version}"`);
    // A retry after a lost answer is the same incident.
    const retried = await reporter.POST('/api/incidents', { params: { header: { 'Idempotency-Key': key } }, body });
    expect(retried.data?.id).toBe(incident.id);

    const path = { id: incident.id };
    const acknowledged = await manager.POST('/api/incidents/{id}/events', {
      params: { path, header: { 'If-Match': String(incident.version) } },
      body: { type: 'ACKNOWLEDGE' },
    });
    expect(acknowledged.response.status).toBe(200);
    const afterAck = acknowledged.data!;

    const transitions = await manager.GET('/api/incidents/{id}/transitions', { params: { path } });
    const triage = transitions.data?.allowedEvents.find((event) => event.type === 'TRIAGE');
    expect(triage?.schema).toBe('#/components/schemas/IncidentTriageEvent');

    const stale = await manager.POST('/api/incidents/{id}/events', {
      params: { path, header: { 'If-Match': String(incident.version) } },
      body: { type: 'TRIAGE', category: 'intrusion', impact: { confidentiality: 2, integrity: 2, availability: 1 } },
    });
    expect([stale.response.status, stale.error?.type, stale.error?.status]).toEqual([409, '/problems/conflict', 409]);

    const triaged = await manager.POST('/api/incidents/{id}/events', {
      params: { path, header: { 'If-Match': String(afterAck.version) } },
      body: { type: 'TRIAGE', category: 'intrusion', impact: { confidentiality: 2, integrity: 2, availability: 1 } },
    });
    expect(triaged.response.status).toBe(200);
    expect(triaged.data).toMatchObject({ category: 'intrusion', version: afterAck.version + 1 });

    const timeline = await manager.GET('/api/incidents/{id}/timeline', { params: { path, query: { limit: 50 } } });
    const entries = timeline.data?.items ?? [];
    expect(entries.map((entry) => entry.seq)).toEqual([...entries.map((entry) => entry.seq)].sort((a, b) => a - b));
    expect(entries.map((entry) => entry.entry)).toEqual(expect.arrayContaining(['filed', 'acknowledged', 'triaged']));
  });
});
