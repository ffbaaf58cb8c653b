import { randomUUID } from 'node:crypto';
import { login, seedAgency, seedUser, type TestApp } from './test-app.js';

/** A superior agency (SUP) with a subordinate (SUB) and a sibling (OTH), and people in each role. */
export interface IncidentWorld {
  sup: string;
  sub: string;
  oth: string;
  tokens: {
    reporter: string;
    manager: string;
    responder: string;
    ethics: string;
    ciso: string;
    supCiso: string;
    othReporter: string;
    auditor: string;
  };
}

export async function seedIncidentWorld(t: TestApp): Promise<IncidentWorld> {
  const sup = await seedAgency(t.db, { code: 'SUP', level: 'A' });
  const sub = await seedAgency(t.db, { code: 'SUB', parentId: sup, level: 'B' });
  const oth = await seedAgency(t.db, { code: 'OTH', parentId: sup, level: 'C' });
  await seedUser(t, { agencyId: sub, email: 'reporter@sub.gov.tw', roles: ['reporter'] });
  await seedUser(t, { agencyId: sub, email: 'manager@sub.gov.tw', roles: ['on_call_manager', 'reporter'] });
  await seedUser(t, { agencyId: sub, email: 'responder@sub.gov.tw', roles: ['responder', 'reporter'] });
  await seedUser(t, { agencyId: sub, email: 'ethics@sub.gov.tw', roles: ['ethics_officer', 'reporter'] });
  await seedUser(t, { agencyId: sub, email: 'ciso@sub.gov.tw', roles: ['ciso', 'reporter'] });
  await seedUser(t, { agencyId: sup, email: 'ciso@sup.gov.tw', roles: ['ciso', 'reporter'] });
  await seedUser(t, { agencyId: oth, email: 'reporter@oth.gov.tw', roles: ['reporter'] });
  await seedUser(t, { agencyId: sup, email: 'auditor@sup.gov.tw', roles: ['auditor'] });
  return {
    sup,
    sub,
    oth,
    tokens: {
      reporter: await login(t, 'reporter@sub.gov.tw'),
      manager: await login(t, 'manager@sub.gov.tw'),
      responder: await login(t, 'responder@sub.gov.tw'),
      ethics: await login(t, 'ethics@sub.gov.tw'),
      ciso: await login(t, 'ciso@sub.gov.tw'),
      supCiso: await login(t, 'ciso@sup.gov.tw'),
      othReporter: await login(t, 'reporter@oth.gov.tw'),
      auditor: await login(t, 'auditor@sup.gov.tw'),
    },
  };
}

export function incidentBody(t: TestApp, overrides: Record<string, unknown> = {}) {
  return {
    title: '官網首頁遭置換 Website defaced',
    description: 'The home page shows a foreign banner since 08:55.',
    category: 'web_attack',
    subcategory: 'defacement',
    awareAt: new Date(t.clock.now().getTime() - 5 * 60_000).toISOString(),
    impact: { confidentiality: 1, integrity: 2, availability: 2 },
    classification: { tlp: 'AMBER', dataLevel: 'sensitive' },
    affectedSystems: ['www.sub.gov.tw'],
    ...overrides,
  };
}

export async function fileIncident(t: TestApp, token: string, overrides: Record<string, unknown> = {}) {
  const res = await t
    .http()
    .post('/api/incidents')
    .set('Authorization', `Bearer ${token}`)
    .set('Idempotency-Key', randomUUID())
    .send(incidentBody(t, overrides));
  if (res.status !== 201) throw new Error(`filing failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as {
    id: string;
    version: number;
    reference: string;
    level: number;
    state: string;
    deadlines: Array<{ kind: string; dueAt: string; status: string }>;
  };
}

/** Sends an event with the current version; returns the response. */
export async function send(t: TestApp, token: string, id: string, event: Record<string, unknown>, version?: number) {
  let v = version;
  if (v === undefined) {
    const current = await t.http().get(`/api/incidents/${id}`).set('Authorization', `Bearer ${token}`);
    v = current.body.version as number;
  }
  return t.http().post(`/api/incidents/${id}/events`).set('Authorization', `Bearer ${token}`).set('If-Match', String(v)).send(event);
}
