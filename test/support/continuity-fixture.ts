import { login, seedAgency, seedUser, type TestApp } from './test-app.js';

/** A superior agency (SUP, level A) with a subordinate (SUB, level B), and people for business continuity. */
export interface ContinuityWorld {
  sup: string;
  sub: string;
  users: { coordinator: string; ciso: string; responder: string; owner: string; staff: string };
  tokens: {
    coordinator: string;
    ciso: string;
    responder: string;
    owner: string;
    reporter: string;
    staff: string;
    admin: string;
    supCiso: string;
    supCoordinator: string;
    auditor: string;
  };
}

export async function seedContinuityWorld(t: TestApp): Promise<ContinuityWorld> {
  const sup = await seedAgency(t.db, { code: 'SUP', level: 'A' });
  const sub = await seedAgency(t.db, { code: 'SUB', parentId: sup, level: 'B' });
  const coordinator = await seedUser(t, { agencyId: sub, email: 'bcp@sub.gov.tw', roles: ['continuity_coordinator', 'reporter'] });
  const ciso = await seedUser(t, { agencyId: sub, email: 'ciso@sub.gov.tw', roles: ['ciso', 'reporter'] });
  const responder = await seedUser(t, { agencyId: sub, email: 'responder@sub.gov.tw', roles: ['responder', 'reporter'] });
  const owner = await seedUser(t, { agencyId: sub, email: 'owner@sub.gov.tw', roles: ['responder', 'reporter'] });
  await seedUser(t, { agencyId: sub, email: 'reporter@sub.gov.tw', roles: ['reporter'] });
  const staff = await seedUser(t, { agencyId: sub, email: 'staff@sub.gov.tw', roles: ['reporter'] });
  await seedUser(t, { agencyId: sub, email: 'admin@sub.gov.tw', roles: ['admin'] });
  await seedUser(t, { agencyId: sup, email: 'ciso@sup.gov.tw', roles: ['ciso', 'reporter'] });
  await seedUser(t, { agencyId: sup, email: 'bcp@sup.gov.tw', roles: ['continuity_coordinator', 'reporter'] });
  await seedUser(t, { agencyId: sup, email: 'auditor@sup.gov.tw', roles: ['auditor'] });
  return {
    sup,
    sub,
    users: { coordinator, ciso, responder, owner, staff },
    tokens: {
      coordinator: await login(t, 'bcp@sub.gov.tw'),
      ciso: await login(t, 'ciso@sub.gov.tw'),
      responder: await login(t, 'responder@sub.gov.tw'),
      owner: await login(t, 'owner@sub.gov.tw'),
      reporter: await login(t, 'reporter@sub.gov.tw'),
      staff: await login(t, 'staff@sub.gov.tw'),
      admin: await login(t, 'admin@sub.gov.tw'),
      supCiso: await login(t, 'ciso@sup.gov.tw'),
      supCoordinator: await login(t, 'bcp@sup.gov.tw'),
      auditor: await login(t, 'auditor@sup.gov.tw'),
    },
  };
}

/** A valid plan document for the e-services of an agency (override any field). */
export function planBody(overrides: Record<string, unknown> = {}) {
  return {
    title: '線上申辦服務營運持續計畫 E-services continuity plan',
    classification: { tlp: 'GREEN', dataLevel: 'general' },
    scope: [
      { name: 'e-services portal', kind: 'service', core: true },
      { name: 'document archive', kind: 'system', core: false },
    ],
    impactAnalysis: [
      { service: 'e-services portal', hazard: 'earthquake', impact: 'data centre unusable', mtpd: 'P3D', rto: 'PT24H', rpo: 'PT1H' },
      { service: 'e-services portal', hazard: 'cyber_attack', impact: 'ransomware on the web tier', mtpd: 'P2D', rto: 'PT8H', rpo: 'PT4H' },
    ],
    activationCriteria: ['portal unavailable for more than 2 hours', 'primary data centre lost'],
    procedures: [
      { phase: 'emergency', order: 1, action: 'declare the continuity event and call the response team', responsibleRole: 'continuity_coordinator' },
      { phase: 'recovery', order: 1, action: 'fail over to the backup site', responsibleRole: 'responder' },
    ],
    contacts: [{ name: 'Backup site duty desk', function: 'failover', phone: '+886-2-0000-0000' }],
    ...overrides,
  };
}

/** A complete after-action report (override any field). */
export function afterActionBody(overrides: Record<string, unknown> = {}) {
  return {
    objectives: ['fail over the portal within the RTO'],
    scenario: 'Tabletop: a magnitude 7 earthquake makes the primary data centre unusable at 09:00.',
    participants: [{ name: 'Chen', role: 'continuity coordinator' }],
    capabilities: [
      { capability: 'operational communications', rating: 'S', notes: 'call tree partly outdated' },
      { capability: 'infrastructure systems', rating: 'P' },
    ],
    strengths: ['backup site reachable within minutes'],
    areasForImprovement: ['call tree outdated'],
    correctiveActions: [],
    planChangeRequired: false,
    ...overrides,
  };
}

/**
 * Moves the test clock (months at a time, as continuity does) and gives everyone fresh sessions and
 * a password changed "now", so session expiry and password age stay out of the way.
 */
export async function moveClock(t: TestApp, w: ContinuityWorld, to: string | Date): Promise<void> {
  t.clock.set(to);
  await t.db.query('UPDATE users SET password_changed_at = $1', [t.clock.now()]);
  const emails: Record<keyof ContinuityWorld['tokens'], string> = {
    coordinator: 'bcp@sub.gov.tw',
    ciso: 'ciso@sub.gov.tw',
    responder: 'responder@sub.gov.tw',
    owner: 'owner@sub.gov.tw',
    reporter: 'reporter@sub.gov.tw',
    staff: 'staff@sub.gov.tw',
    admin: 'admin@sub.gov.tw',
    supCiso: 'ciso@sup.gov.tw',
    supCoordinator: 'bcp@sup.gov.tw',
    auditor: 'auditor@sup.gov.tw',
  };
  for (const [key, email] of Object.entries(emails)) w.tokens[key as keyof ContinuityWorld['tokens']] = await login(t, email);
}
