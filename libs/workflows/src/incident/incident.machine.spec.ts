import { describe, expect, it } from '@jest/globals';
import { DateTime, Duration } from 'luxon';
import { STATUTORY_CLOCKS, type IncidentPolicy, type DeadlineKind } from './clocks.js';
import {
  CLIENT_EVENT_TYPES,
  EVENT_ROLES,
  relationFor,
  type ClientEvent,
  type ClientEventType,
  type EventActor,
  type IncidentEvent,
  type RoleName,
} from './incident.events.js';
import { EMPTY_LAW_ENFORCEMENT, INCIDENT_MACHINE_VERSION, incidentMachine, type IncidentEffect } from './incident.machine.js';
import {
  allowedEvents,
  applyIncidentEvent,
  applyMachineEvent,
  eventsInState,
  fileIncident,
  refusalReasons,
  flattenState,
  restoreIncident,
  type AppliedEvent,
  type FlatState,
  type IncidentSnapshot,
} from './incident.runtime.js';
import { levelOf, type Impact, type Level } from './levels.js';

/*
 * Unit tests of the incident statechart: every state, every event, accepted and refused.
 * The policy's clocks differ by level (and the escalation steps by timeout) so that every
 * recomputation is visible in the due dates.
 */

const policy: IncidentPolicy = {
  clocks: { ...STATUTORY_CLOCKS, report: { minor: 'PT24H', major: 'PT1H' } },
  acknowledgementTimeout: 'PT15M',
  escalation: {
    steps: [
      { target: 'on_call_manager', timeout: 'PT15M' },
      { target: 'it_unit_head', timeout: 'PT10M' },
      { target: 'ciso', timeout: 'PT5M' },
    ],
    repeat: 1,
  },
  timezone: 'Asia/Taipei',
  reportReminderLead: 'PT20M',
};

const AWARE = '2026-03-02T01:00:00.000Z';
const FILED = '2026-03-02T01:05:00.000Z';
/** An instant `minutes` after filing. */
const at = (minutes: number) => new Date(Date.parse(FILED) + minutes * 60_000).toISOString();
/** An ISO instant plus an ISO duration on the Asia/Taipei calendar (luxon): the expected due dates. */
const plus = (iso: string, duration: string) => DateTime.fromISO(iso, { zone: 'Asia/Taipei' }).plus(Duration.fromISO(duration)).toUTC().toISO()!;
/** The "report due soon" reminder of a report clock due at `reportDue`: the policy's lead (20 minutes) before. */
const reminderOf = (reportDue: string) => new Date(Date.parse(reportDue) - 20 * 60_000).toISOString();

const actor = (id: string, ...roles: RoleName[]): EventActor => ({ id, roles, relation: 'own' });
const manager = actor('m', 'on_call_manager');
const responder = actor('resp', 'responder');
const ciso = actor('c', 'ciso');
const ethics = actor('e', 'ethics_officer');
const reporter = actor('r', 'reporter');
const auditor = actor('aud', 'auditor');
const admin = actor('adm', 'admin');
const superior: EventActor = { id: 's', roles: ['ciso', 'on_call_manager'], relation: 'superior' };
const system: EventActor = { id: 'system', roles: [], relation: 'system' };
const ALL_ROLES: RoleName[] = ['reporter', 'responder', 'on_call_manager', 'ethics_officer', 'ciso', 'continuity_coordinator', 'auditor', 'admin', 'vendor'];
const ALL_KINDS: DeadlineKind[] = ['report', 'superior_review', 'recovery', 'improvement_report', 'acknowledgement', 'report_due_soon'];

const impactOf = (level: Level, integrity: Level = 1, availability: Level = 1): Impact => ({ confidentiality: level, integrity, availability });

interface FileOptions {
  level?: Level;
  impact?: Impact;
  hasSuperior?: boolean;
  policy?: IncidentPolicy;
  awareAt?: string;
  filedAt?: string;
}
function file(o: FileOptions = {}) {
  return fileIncident({
    agencyId: 'agency-1',
    hasSuperior: o.hasSuperior ?? true,
    policy: o.policy ?? policy,
    impact: o.impact ?? impactOf(o.level ?? 2),
    category: 'intrusion',
    subcategory: 'abnormal_login',
    isDrill: false,
    awareAt: o.awareAt ?? AWARE,
    filedAt: o.filedAt ?? FILED,
    filedBy: 'r',
  });
}

/** Who normally sends an event type (an allowed role, the right relation). */
function defaultActor(type: ClientEventType, hasSuperior: boolean): EventActor {
  switch (type) {
    case 'AUTHORITY_REVIEWED':
      return hasSuperior ? superior : ciso;
    case 'APPROVE_CLOSURE':
      return ciso;
    case 'CONTAINED':
    case 'RECOVERED':
      return responder;
    case 'LE_NOT_REQUIRED':
    case 'LE_REQUEST':
    case 'LE_CONTACTED':
    case 'LE_EVIDENCE_HANDED_OVER':
    case 'LE_CONCLUDED':
      return ethics;
    default:
      return manager;
  }
}

/** A valid event of each type (data that passes every guard); the level-dependent data follows the snapshot. */
function sample(type: ClientEventType, s: IncidentSnapshot, who?: EventActor, when = at(30)): ClientEvent {
  const base = { actor: who ?? defaultActor(type, s.context.hasSuperior), at: when };
  const level = s.context.level;
  switch (type) {
    case 'TRIAGE':
      return { ...base, type, impact: s.context.impact, category: 'intrusion', subcategory: 'abnormal_login' };
    case 'DISMISS':
      return { ...base, type, reason: 'duplicate of another report' };
    case 'ACKNOWLEDGE':
      return { ...base, type };
    case 'REPORT_TO_AUTHORITY':
      return { ...base, type, channel: 'national_platform', externalReference: 'NCCST-2026-0001' };
    case 'AUTHORITY_REVIEWED':
      return { ...base, type, level, note: 'level confirmed' };
    case 'CONTAINED':
      return { ...base, type, summary: 'host isolated' };
    case 'RECOVERED':
      return { ...base, type, summary: 'service restored from backup' };
    case 'RECLASSIFY':
      return { ...base, type, impact: impactOf(level === 3 ? 2 : 3), reason: 'more systems affected' };
    case 'LE_NOT_REQUIRED':
      return { ...base, type, reason: 'no criminal conduct' };
    case 'LE_REQUEST':
      return { ...base, type, reason: 'intrusion suspected' };
    case 'LE_CONTACTED':
      return { ...base, type, lawEnforcementAgency: 'investigation_bureau', officer: 'Officer Lin', caseNumber: 'MJIB-115-001' };
    case 'LE_EVIDENCE_HANDED_OVER':
      return { ...base, type, evidenceIds: ['ev-1', 'ev-2'] };
    case 'LE_CONCLUDED':
      return { ...base, type, note: 'case filed with the prosecutor' };
    case 'SUBMIT_IMPROVEMENT_REPORT':
      return { ...base, type, rootCause: 'weak password', measures: { technical: 'MFA for all admins' }, schedule: '2026 Q2' };
    case 'APPROVE_CLOSURE':
      return { ...base, type };
    case 'REOPEN':
      return { ...base, type, reason: 'the attacker came back' };
  }
}

function dp(kind: DeadlineKind, dueAt: string, when: string, who: EventActor = system): IncidentEvent {
  return { type: 'DEADLINE_PASSED', kind, dueAt, actor: who, at: when };
}

/**
 * Sends an event that must be accepted, to the machine alone: the runtime's implicit
 * acknowledgement (applyIncidentEvent) is tested on its own ("the first handling event acknowledges").
 */
function send(s: IncidentSnapshot, event: IncidentEvent): AppliedEvent {
  const result = applyMachineEvent(s, event);
  if (!result.changed) throw new Error(`refused: ${event.type} in ${JSON.stringify(s.value)}`);
  return result;
}

/** Sends an event that must be refused: nothing changes, nothing is to be done. */
function expectRefused(s: IncidentSnapshot, event: IncidentEvent) {
  const before = JSON.stringify(incidentMachine.getPersistedSnapshot(s));
  const result = applyIncidentEvent(s, event);
  expect(applyMachineEvent(s, event).changed).toBe(false);
  expect(result.changed).toBe(false);
  expect(result.effects).toEqual([]);
  expect(result.snapshot).toBe(s);
  expect(JSON.stringify(result.persisted)).toBe(before);
  expect(JSON.stringify(incidentMachine.getPersistedSnapshot(s))).toBe(before);
}

type Step = ClientEventType | IncidentEvent;
/** Files an incident and sends the steps (a type means its sample event from its usual actor), one minute apart. */
function play(steps: Step[], o: FileOptions = {}): IncidentSnapshot {
  let s = file(o).snapshot;
  steps.forEach((step, i) => {
    s = send(s, typeof step === 'string' ? sample(step, s, undefined, at(10 + i)) : step).snapshot;
  });
  return s;
}

function notify(template: string, ...audience: unknown[]) {
  return { type: 'notify', params: { template, audience } };
}
const role = (r: string) => ({ kind: 'role', role: r });
const timeline = (entry: string, data: Record<string, unknown> = {}) => ({ type: 'timeline', params: { entry, data } });
const startDeadline = (kind: DeadlineKind, dueAt: string, step?: number) => ({
  type: 'startDeadline',
  params: step === undefined ? { kind, dueAt } : { kind, dueAt, step },
});
const meetDeadline = (kind: DeadlineKind) => ({ type: 'meetDeadline', params: { kind } });
const cancelAll = { type: 'cancelDeadlines', params: { kinds: ALL_KINDS } };
const cancelReminder = { type: 'cancelDeadlines', params: { kinds: ['report_due_soon'] } };
const ofType = (effects: IncidentEffect[], type: IncidentEffect['type']) => effects.filter((e) => e.type === type);

/*
 * Fixtures: one snapshot in every state and region state, with the client events each accepts.
 * None is acknowledged (so ACKNOWLEDGE is accepted in every open state) except where named.
 */
interface Fixture {
  steps: Step[];
  options?: FileOptions;
  flat: FlatState;
  accepts: ClientEventType[];
}
const responding = (response: string, authority: string, lawEnforcement: string): FlatState => ({
  state: 'responding',
  response,
  authority,
  lawEnforcement,
  review: null,
});
const flatOf = (state: FlatState['state'], review: string | null = null): FlatState => ({
  state,
  response: null,
  authority: null,
  lawEnforcement: null,
  review,
});

const FIXTURES: Record<string, Fixture> = {
  reported: { steps: [], flat: flatOf('reported'), accepts: ['TRIAGE', 'DISMISS', 'ACKNOWLEDGE', 'RECLASSIFY'] },
  'responding (containing, pending, undecided)': {
    steps: ['TRIAGE'],
    flat: responding('containing', 'pending', 'undecided'),
    accepts: ['ACKNOWLEDGE', 'REPORT_TO_AUTHORITY', 'CONTAINED', 'RECLASSIFY', 'LE_NOT_REQUIRED', 'LE_REQUEST'],
  },
  'responding, acknowledged': {
    steps: ['ACKNOWLEDGE', 'TRIAGE'],
    flat: responding('containing', 'pending', 'undecided'),
    accepts: ['REPORT_TO_AUTHORITY', 'CONTAINED', 'RECLASSIFY', 'LE_NOT_REQUIRED', 'LE_REQUEST'],
  },
  'responding (recovering, reported, requested)': {
    steps: ['TRIAGE', 'CONTAINED', 'REPORT_TO_AUTHORITY', 'LE_REQUEST'],
    flat: responding('recovering', 'reported', 'requested'),
    accepts: ['ACKNOWLEDGE', 'AUTHORITY_REVIEWED', 'RECOVERED', 'RECLASSIFY', 'LE_CONTACTED'],
  },
  'responding (recovered, reviewed, contacted)': {
    steps: ['TRIAGE', 'CONTAINED', 'RECOVERED', 'REPORT_TO_AUTHORITY', 'AUTHORITY_REVIEWED', 'LE_REQUEST', 'LE_CONTACTED'],
    flat: responding('recovered', 'reviewed', 'contacted'),
    accepts: ['ACKNOWLEDGE', 'RECLASSIFY', 'LE_EVIDENCE_HANDED_OVER', 'LE_CONCLUDED'],
  },
  'responding (containing, reviewed, evidence_handed_over)': {
    steps: ['TRIAGE', 'REPORT_TO_AUTHORITY', 'AUTHORITY_REVIEWED', 'LE_REQUEST', 'LE_CONTACTED', 'LE_EVIDENCE_HANDED_OVER'],
    flat: responding('containing', 'reviewed', 'evidence_handed_over'),
    accepts: ['ACKNOWLEDGE', 'CONTAINED', 'RECLASSIFY', 'LE_CONCLUDED'],
  },
  'responding (containing, pending, not_required)': {
    steps: ['TRIAGE', 'LE_NOT_REQUIRED'],
    flat: responding('containing', 'pending', 'not_required'),
    accepts: ['ACKNOWLEDGE', 'REPORT_TO_AUTHORITY', 'CONTAINED', 'RECLASSIFY'],
  },
  'responding (containing, reported, concluded)': {
    steps: ['TRIAGE', 'REPORT_TO_AUTHORITY', 'LE_REQUEST', 'LE_CONTACTED', 'LE_CONCLUDED'],
    flat: responding('containing', 'reported', 'concluded'),
    accepts: ['ACKNOWLEDGE', 'AUTHORITY_REVIEWED', 'CONTAINED', 'RECLASSIFY'],
  },
  'review.awaiting_report (authority reported)': {
    steps: ['TRIAGE', 'REPORT_TO_AUTHORITY', 'LE_NOT_REQUIRED', 'CONTAINED', 'RECOVERED'],
    flat: flatOf('review', 'awaiting_report'),
    accepts: ['ACKNOWLEDGE', 'AUTHORITY_REVIEWED', 'RECLASSIFY', 'SUBMIT_IMPROVEMENT_REPORT'],
  },
  'review.awaiting_report (authority reviewed)': {
    steps: ['TRIAGE', 'REPORT_TO_AUTHORITY', 'AUTHORITY_REVIEWED', 'LE_NOT_REQUIRED', 'CONTAINED', 'RECOVERED'],
    flat: flatOf('review', 'awaiting_report'),
    accepts: ['ACKNOWLEDGE', 'RECLASSIFY', 'SUBMIT_IMPROVEMENT_REPORT'],
  },
  'review.awaiting_approval (level 3)': {
    steps: ['TRIAGE', 'REPORT_TO_AUTHORITY', 'AUTHORITY_REVIEWED', 'LE_NOT_REQUIRED', 'CONTAINED', 'RECOVERED', 'SUBMIT_IMPROVEMENT_REPORT'],
    options: { level: 3 },
    flat: flatOf('review', 'awaiting_approval'),
    accepts: ['ACKNOWLEDGE', 'RECLASSIFY', 'APPROVE_CLOSURE'],
  },
  closed: {
    steps: ['TRIAGE', 'REPORT_TO_AUTHORITY', 'AUTHORITY_REVIEWED', 'LE_NOT_REQUIRED', 'CONTAINED', 'RECOVERED', 'SUBMIT_IMPROVEMENT_REPORT'],
    flat: flatOf('closed'),
    accepts: ['REOPEN'],
  },
  dismissed: { steps: ['DISMISS'], flat: flatOf('dismissed'), accepts: ['REOPEN'] },
};
const FIXTURE_NAMES = Object.keys(FIXTURES);
const built = new Map<string, IncidentSnapshot>();
/** The fixture's snapshot (snapshots are immutable, so one is built per fixture and shared). */
const fixture = (name: string) => {
  if (!built.has(name)) built.set(name, play(FIXTURES[name]!.steps, FIXTURES[name]!.options));
  return built.get(name)!;
};

/** For each event type, a fixture that accepts it. */
const ACCEPTING: Record<ClientEventType, string> = Object.fromEntries(
  CLIENT_EVENT_TYPES.map((t) => [t, FIXTURE_NAMES.find((n) => FIXTURES[n]!.accepts.includes(t))!]),
) as Record<ClientEventType, string>;

describe('fixtures', () => {
  it.each(FIXTURE_NAMES)('%s is in the state it names', (name) => {
    expect(flattenState(fixture(name))).toEqual(FIXTURES[name]!.flat);
  });

  it('cover every state node of the machine', () => {
    const reached = new Set<string>();
    for (const name of FIXTURE_NAMES) for (const node of fixture(name)._nodes) reached.add(node.id);
    const all: string[] = [];
    const walk = (node: typeof incidentMachine.root) => {
      all.push(node.id);
      Object.values(node.states).forEach(walk);
    };
    walk(incidentMachine.root);
    expect(all.filter((id) => !reached.has(id))).toEqual([]);
  });

  it('every client event type is accepted in some fixture', () => {
    expect(CLIENT_EVENT_TYPES.filter((t) => !ACCEPTING[t])).toEqual([]);
  });
});

describe('which state accepts which event', () => {
  const cases = FIXTURE_NAMES.flatMap((name) => CLIENT_EVENT_TYPES.map((type) => [name, type, FIXTURES[name]!.accepts.includes(type)] as const));
  it.each(cases)('%s × %s → accepted: %s', (name, type, accepted) => {
    const s = fixture(name);
    const event = sample(type, s);
    if (accepted) {
      expect(applyIncidentEvent(s, event).changed).toBe(true);
    } else {
      expectRefused(s, event);
    }
  });

  it.each(FIXTURE_NAMES)('eventsInState(%s) lists exactly the accepted types', (name) => {
    expect(eventsInState(fixture(name))).toEqual(CLIENT_EVENT_TYPES.filter((t) => FIXTURES[name]!.accepts.includes(t)));
  });
});

describe('who may send what', () => {
  const allowedCases = CLIENT_EVENT_TYPES.flatMap((type) => EVENT_ROLES[type].map((r) => [type, r] as const));
  it.each(allowedCases)('%s is accepted from a %s', (type, r) => {
    const s = fixture(ACCEPTING[type]);
    const who: EventActor = { id: 'x', roles: [r], relation: relationFor(type, true) };
    expect(applyIncidentEvent(s, sample(type, s, who)).changed).toBe(true);
  });

  const refusedCases = CLIENT_EVENT_TYPES.flatMap((type) => ALL_ROLES.filter((r) => !EVENT_ROLES[type].includes(r)).map((r) => [type, r] as const));
  it.each(refusedCases)('%s is refused from a %s', (type, r) => {
    const s = fixture(ACCEPTING[type]);
    expectRefused(s, sample(type, s, { id: 'x', roles: [r], relation: relationFor(type, true) }));
  });

  it.each(CLIENT_EVENT_TYPES)('%s is refused from an actor without roles', (type) => {
    const s = fixture(ACCEPTING[type]);
    expectRefused(s, sample(type, s, { id: 'x', roles: [], relation: relationFor(type, true) }));
  });

  it.each(CLIENT_EVENT_TYPES)('%s is refused from the system relation, whatever its roles', (type) => {
    const s = fixture(ACCEPTING[type]);
    expectRefused(s, sample(type, s, { id: 'system', roles: [...ALL_ROLES], relation: 'system' }));
  });

  it('AUTHORITY_REVIEWED is refused from the own agency when there is a superior (even its CISO)', () => {
    const s = fixture('responding (recovering, reported, requested)');
    expectRefused(s, sample('AUTHORITY_REVIEWED', s, ciso));
    expectRefused(s, sample('AUTHORITY_REVIEWED', s, actor('all', ...ALL_ROLES)));
    const inReview = fixture('review.awaiting_report (authority reported)');
    expectRefused(inReview, sample('AUTHORITY_REVIEWED', inReview, ciso));
    expect(applyIncidentEvent(inReview, sample('AUTHORITY_REVIEWED', inReview, superior)).changed).toBe(true);
  });

  it.each(CLIENT_EVENT_TYPES.filter((t) => t !== 'AUTHORITY_REVIEWED'))('%s is refused from the superior agency', (type) => {
    const s = fixture(ACCEPTING[type]);
    expectRefused(s, sample(type, s, { id: 's', roles: [...ALL_ROLES], relation: 'superior' }));
  });

  it('without a superior, the own agency reviews and a superior-relation actor cannot', () => {
    const s = play(['TRIAGE', 'REPORT_TO_AUTHORITY'], { hasSuperior: false });
    expect(s.context.clocks.superior_review).toBeUndefined();
    expectRefused(s, sample('AUTHORITY_REVIEWED', s, superior));
    expectRefused(s, sample('AUTHORITY_REVIEWED', s, responder));
    const reviewed = send(s, sample('AUTHORITY_REVIEWED', s, ciso));
    expect(flattenState(reviewed.snapshot).authority).toBe('reviewed');
    expect(reviewed.snapshot.context.authority.review).toEqual({ at: at(30), by: 'c', level: 2, note: 'level confirmed' });
  });
});

describe('missing or invalid data is refused', () => {
  const bad = (e: Record<string, unknown>) => e as unknown as IncidentEvent;
  const event = (type: ClientEventType, s: IncidentSnapshot, patch: Record<string, unknown>, remove: string[] = []) => {
    const e: Record<string, unknown> = { ...sample(type, s), ...patch };
    for (const k of remove) delete e[k];
    return bad(e);
  };
  const cases: Array<[string, ClientEventType, Record<string, unknown>, string[]?]> = [
    ['TRIAGE with confidentiality 0', 'TRIAGE', { impact: { confidentiality: 0, integrity: 1, availability: 1 } }],
    ['TRIAGE with integrity 5', 'TRIAGE', { impact: { confidentiality: 1, integrity: 5, availability: 1 } }],
    ['TRIAGE with availability 2.5', 'TRIAGE', { impact: { confidentiality: 1, integrity: 1, availability: 2.5 } }],
    ['TRIAGE with availability as a string', 'TRIAGE', { impact: { confidentiality: 1, integrity: 1, availability: '2' } }],
    ['TRIAGE without availability', 'TRIAGE', { impact: { confidentiality: 1, integrity: 1 } }],
    ['TRIAGE without impact', 'TRIAGE', {}, ['impact']],
    ['TRIAGE without category', 'TRIAGE', {}, ['category']],
    ['DISMISS with a blank reason', 'DISMISS', { reason: '   ' }],
    ['DISMISS with an empty reason', 'DISMISS', { reason: '' }],
    ['DISMISS without reason', 'DISMISS', {}, ['reason']],
    ['REPORT_TO_AUTHORITY by phone without fallbackReason', 'REPORT_TO_AUTHORITY', { channel: 'phone' }],
    ['REPORT_TO_AUTHORITY by e-mail with a blank fallbackReason', 'REPORT_TO_AUTHORITY', { channel: 'email', fallbackReason: ' ' }],
    ['REPORT_TO_AUTHORITY by fax without fallbackReason', 'REPORT_TO_AUTHORITY', { channel: 'fax' }],
    ['REPORT_TO_AUTHORITY in person without fallbackReason', 'REPORT_TO_AUTHORITY', { channel: 'in_person' }],
    ['AUTHORITY_REVIEWED with a blank note', 'AUTHORITY_REVIEWED', { note: '\t' }],
    ['AUTHORITY_REVIEWED without note', 'AUTHORITY_REVIEWED', {}, ['note']],
    ['AUTHORITY_REVIEWED with level 0', 'AUTHORITY_REVIEWED', { level: 0 }],
    ['AUTHORITY_REVIEWED with level 5', 'AUTHORITY_REVIEWED', { level: 5 }],
    ['CONTAINED with a blank summary', 'CONTAINED', { summary: ' ' }],
    ['CONTAINED without summary', 'CONTAINED', {}, ['summary']],
    ['CONTAINED with a summary of a million characters', 'CONTAINED', { summary: 'x'.repeat(1_000_001) }],
    ['RECOVERED with a blank summary', 'RECOVERED', { summary: '' }],
    ['RECOVERED without summary', 'RECOVERED', {}, ['summary']],
    ['RECLASSIFY with impact 0', 'RECLASSIFY', { impact: { confidentiality: 0, integrity: 1, availability: 1 } }],
    ['RECLASSIFY with impact 5', 'RECLASSIFY', { impact: { confidentiality: 1, integrity: 1, availability: 5 } }],
    ['RECLASSIFY with a blank reason', 'RECLASSIFY', { reason: '  ' }],
    ['RECLASSIFY without reason', 'RECLASSIFY', {}, ['reason']],
    ['LE_NOT_REQUIRED with a blank reason', 'LE_NOT_REQUIRED', { reason: ' ' }],
    ['LE_NOT_REQUIRED without reason', 'LE_NOT_REQUIRED', {}, ['reason']],
    ['LE_REQUEST with a blank reason', 'LE_REQUEST', { reason: '' }],
    ['LE_CONTACTED with a blank officer', 'LE_CONTACTED', { officer: ' ' }],
    ['LE_CONTACTED with a 201-character officer', 'LE_CONTACTED', { officer: 'x'.repeat(201) }],
    ['LE_CONTACTED with an unknown agency', 'LE_CONTACTED', { lawEnforcementAgency: 'coast_guard' }],
    ['LE_EVIDENCE_HANDED_OVER with no evidence', 'LE_EVIDENCE_HANDED_OVER', { evidenceIds: [] }],
    ['LE_EVIDENCE_HANDED_OVER with evidenceIds not a list', 'LE_EVIDENCE_HANDED_OVER', { evidenceIds: 'ev-1' }],
    ['LE_CONCLUDED with a blank note', 'LE_CONCLUDED', { note: ' ' }],
    ['LE_CONCLUDED without note', 'LE_CONCLUDED', {}, ['note']],
    ['SUBMIT_IMPROVEMENT_REPORT with no measure', 'SUBMIT_IMPROVEMENT_REPORT', { measures: {} }],
    ['SUBMIT_IMPROVEMENT_REPORT with only blank measures', 'SUBMIT_IMPROVEMENT_REPORT', { measures: { technical: ' ', management: '' } }],
    ['SUBMIT_IMPROVEMENT_REPORT without measures', 'SUBMIT_IMPROVEMENT_REPORT', {}, ['measures']],
    ['SUBMIT_IMPROVEMENT_REPORT with a blank root cause', 'SUBMIT_IMPROVEMENT_REPORT', { rootCause: ' ' }],
    ['SUBMIT_IMPROVEMENT_REPORT with a blank schedule', 'SUBMIT_IMPROVEMENT_REPORT', { schedule: '' }],
    ['REOPEN with a blank reason', 'REOPEN', { reason: ' ' }],
    ['REOPEN without reason', 'REOPEN', {}, ['reason']],
  ];
  // Every row has four cells: Jest passes a `done` callback to a test taking more arguments than its row.
  it.each(cases.map(([n, t, p, r]) => [n, t, p, r ?? []] as const))('%s', (_name, type, patch, remove) => {
    const s = fixture(ACCEPTING[type]);
    expectRefused(s, event(type, s, patch, remove));
  });

  it('the review state refuses an invalid review as well', () => {
    const s = fixture('review.awaiting_report (authority reported)');
    expectRefused(s, event('AUTHORITY_REVIEWED', s, { note: '' }));
    expectRefused(s, event('AUTHORITY_REVIEWED', s, { level: 7 }));
  });

  it('SUBMIT_IMPROVEMENT_REPORT with no measure is refused for a major incident too', () => {
    const s = play(['TRIAGE', 'REPORT_TO_AUTHORITY', 'LE_NOT_REQUIRED', 'CONTAINED', 'RECOVERED'], { level: 4 });
    expectRefused(s, event('SUBMIT_IMPROVEMENT_REPORT', s, { measures: {} }));
  });

  describe('an agency without a superior', () => {
    const s = () => play(['TRIAGE'], { hasSuperior: false });
    it.each(['national_platform', 'superior_agency'])('refuses a report on the normal channel %s without externalReference', (channel) => {
      expectRefused(s(), { type: 'REPORT_TO_AUTHORITY', actor: manager, at: at(30), channel } as IncidentEvent);
      expectRefused(s(), { type: 'REPORT_TO_AUTHORITY', actor: manager, at: at(30), channel, externalReference: '  ' } as IncidentEvent);
    });
    it('accepts the normal channel with externalReference, and a fallback channel with a reason and no reference', () => {
      const normal = send(s(), { type: 'REPORT_TO_AUTHORITY', actor: manager, at: at(30), channel: 'national_platform', externalReference: 'NCCST-1' });
      expect(normal.snapshot.context.authority.reports[0]).toMatchObject({ channel: 'national_platform', externalReference: 'NCCST-1', fallbackReason: null });
      const fallback = send(s(), { type: 'REPORT_TO_AUTHORITY', actor: manager, at: at(30), channel: 'phone', fallbackReason: 'platform down' });
      expect(fallback.snapshot.context.authority.reports[0]).toMatchObject({ channel: 'phone', externalReference: null, fallbackReason: 'platform down' });
    });
  });

  it('an agency with a superior may report on the normal channel without externalReference', () => {
    const s = fixture('responding (containing, pending, undecided)');
    expect(applyIncidentEvent(s, { type: 'REPORT_TO_AUTHORITY', actor: manager, at: at(30), channel: 'superior_agency' }).changed).toBe(true);
  });
});

describe('level', () => {
  it.each([
    [1, 1, 1, 1],
    [1, 2, 1, 2],
    [1, 1, 3, 3],
    [4, 1, 2, 4],
    [2, 3, 1, 3],
    [3, 4, 4, 4],
  ] as Array<[Level, Level, Level, Level]>)('C%i I%i A%i is level %i (the highest of the three)', (c, i, a, level) => {
    const impact: Impact = { confidentiality: c, integrity: i, availability: a };
    expect(levelOf(impact)).toBe(level);
    const filed = file({ impact });
    expect(filed.snapshot.context.level).toBe(level);
    const triaged = send(file().snapshot, { type: 'TRIAGE', actor: manager, at: at(10), impact, category: 'web_attack' });
    expect(triaged.snapshot.context.level).toBe(level);
    const reclassified = send(file().snapshot, { type: 'RECLASSIFY', actor: manager, at: at(10), impact, reason: 'new facts' });
    expect(reclassified.snapshot.context.level).toBe(level);
    expect(reclassified.snapshot.context.impact).toEqual(impact);
  });
});

describe('filing', () => {
  it('starts the report clock (with its reminder) and the recovery clock from awareness and pages the first step from filing (level 2)', () => {
    const { snapshot, effects } = file({ level: 2 });
    expect(flattenState(snapshot)).toEqual(flatOf('reported'));
    expect(snapshot.context.clocks).toEqual({
      report: { dueAt: plus(AWARE, 'PT24H'), status: 'pending' },
      report_due_soon: { dueAt: reminderOf(plus(AWARE, 'PT24H')), status: 'pending' },
      recovery: { dueAt: plus(AWARE, 'PT72H'), status: 'pending' },
      acknowledgement: { dueAt: plus(FILED, 'PT15M'), status: 'pending', step: 0 },
    });
    expect(effects).toEqual([
      startDeadline('report', '2026-03-03T01:00:00.000Z'),
      startDeadline('report_due_soon', '2026-03-03T00:40:00.000Z'),
      startDeadline('recovery', '2026-03-05T01:00:00.000Z'),
      startDeadline('acknowledgement', '2026-03-02T01:20:00.000Z', 0),
      notify('incident.filed', role('on_call_manager'), { kind: 'unitType', unitType: 'it' }),
      notify('incident.paged', { kind: 'escalationTarget', target: 'on_call_manager' }),
      timeline('filed', { level: 2, awareAt: AWARE }),
    ]);
    expect(snapshot.context.paging).toEqual({ step: 0, round: 0, acknowledgedBy: null, acknowledgedAt: null, acknowledgedVia: null, exhausted: false });
    expect(snapshot.context.triagedAt).toBeNull();
  });

  it('uses the major clocks and tells the CISO at once for level 3–4', () => {
    const { snapshot, effects } = file({ level: 4 });
    expect(snapshot.context.level).toBe(4);
    expect(ofType(effects, 'startDeadline').map((e) => e.params)).toEqual([
      { kind: 'report', dueAt: '2026-03-02T02:00:00.000Z' },
      { kind: 'report_due_soon', dueAt: '2026-03-02T01:40:00.000Z' },
      { kind: 'recovery', dueAt: '2026-03-03T13:00:00.000Z' },
      { kind: 'acknowledgement', dueAt: '2026-03-02T01:20:00.000Z', step: 0 },
    ]);
    expect(effects).toContainEqual(notify('incident.major', role('ciso')));
  });
});

describe('TRIAGE (reported → responding)', () => {
  it('at the same level: records the triage, tells the responders, leaves the clocks', () => {
    const s = file().snapshot;
    const { snapshot, effects } = send(s, {
      type: 'TRIAGE',
      actor: responder,
      at: at(10),
      impact: impactOf(1, 2),
      category: 'web_attack',
      subcategory: 'defacement',
    });
    expect(flattenState(snapshot)).toEqual(responding('containing', 'pending', 'undecided'));
    expect(snapshot.context).toMatchObject({ level: 2, impact: impactOf(1, 2), category: 'web_attack', subcategory: 'defacement', triagedAt: at(10) });
    expect(snapshot.context.clocks).toEqual(s.context.clocks);
    expect(effects).toEqual([timeline('triaged', { level: 2, category: 'web_attack' }), notify('incident.triaged', role('responder'))]);
  });

  it('changing the level recomputes the report and recovery clocks from awareness (2 → 3)', () => {
    const s = file().snapshot;
    const { snapshot, effects } = send(s, { type: 'TRIAGE', actor: manager, at: at(10), impact: impactOf(1, 3), category: 'intrusion' });
    expect(snapshot.context.level).toBe(3);
    expect(snapshot.context.subcategory).toBeNull();
    expect(snapshot.context.clocks).toEqual({
      report: { dueAt: plus(AWARE, 'PT1H'), status: 'pending' },
      report_due_soon: { dueAt: '2026-03-02T01:40:00.000Z', status: 'pending' },
      recovery: { dueAt: plus(AWARE, 'PT36H'), status: 'pending' },
      acknowledgement: s.context.clocks.acknowledgement,
    });
    expect(effects).toEqual([
      timeline('triaged', { level: 3, category: 'intrusion' }),
      notify('incident.triaged', role('responder'), role('ciso')),
      startDeadline('report', '2026-03-02T02:00:00.000Z'),
      startDeadline('report_due_soon', '2026-03-02T01:40:00.000Z'),
      startDeadline('recovery', '2026-03-03T13:00:00.000Z'),
    ]);
  });

  it('changing the level down (4 → 1) lengthens the clocks', () => {
    const s = file({ level: 4 }).snapshot;
    const { snapshot } = send(s, { type: 'TRIAGE', actor: manager, at: at(10), impact: impactOf(1), category: 'other' });
    expect(snapshot.context.clocks.report).toEqual({ dueAt: plus(AWARE, 'PT24H'), status: 'pending' });
    expect(snapshot.context.clocks.report_due_soon).toEqual({ dueAt: reminderOf(plus(AWARE, 'PT24H')), status: 'pending' });
    expect(snapshot.context.clocks.recovery).toEqual({ dueAt: plus(AWARE, 'PT72H'), status: 'pending' });
  });

  it('does not restart a clock that already breached', () => {
    let s = file().snapshot;
    s = send(s, dp('report', s.context.clocks.report!.dueAt, '2026-03-03T01:00:01.000Z')).snapshot;
    const { snapshot, effects } = send(s, { type: 'TRIAGE', actor: manager, at: '2026-03-03T02:00:00.000Z', impact: impactOf(3), category: 'intrusion' });
    expect(snapshot.context.clocks.report).toEqual({ dueAt: '2026-03-03T01:00:00.000Z', status: 'breached' });
    expect(ofType(effects, 'startDeadline').map((e) => e.params)).toEqual([{ kind: 'recovery', dueAt: plus(AWARE, 'PT36H') }]);
  });
});

describe('DISMISS (reported → dismissed)', () => {
  it('records the dismissal and cancels every deadline', () => {
    const { snapshot, effects } = send(file().snapshot, { type: 'DISMISS', actor: ciso, at: at(10), reason: 'duplicate' });
    expect(flattenState(snapshot)).toEqual(flatOf('dismissed'));
    expect(snapshot.context.dismissal).toEqual({ at: at(10), by: 'c', reason: 'duplicate' });
    expect(Object.values(snapshot.context.clocks).map((c) => c.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    expect(effects).toEqual([
      cancelAll,
      timeline('dismissed', { reason: 'duplicate' }),
      notify('incident.dismissed', role('on_call_manager'), { kind: 'user', userId: 'r' }),
    ]);
  });

  it('keeps an already breached clock as breached', () => {
    let s = file().snapshot;
    s = send(s, dp('acknowledgement', s.context.clocks.acknowledgement!.dueAt, at(16))).snapshot;
    s = send(s, dp('acknowledgement', s.context.clocks.acknowledgement!.dueAt, at(27))).snapshot;
    s = send(s, dp('report', s.context.clocks.report!.dueAt, '2026-03-03T01:00:00.000Z')).snapshot;
    const { snapshot } = send(s, sample('DISMISS', s));
    expect(snapshot.context.clocks.report!.status).toBe('breached');
    expect(snapshot.context.clocks.recovery!.status).toBe('cancelled');
    expect(snapshot.context.clocks.acknowledgement!.status).toBe('cancelled');
  });
});

describe('ACKNOWLEDGE', () => {
  it('records who acknowledged, meets the acknowledgement clock and stays in the same state', () => {
    const s = fixture('responding (containing, pending, undecided)');
    const { snapshot, effects } = send(s, { type: 'ACKNOWLEDGE', actor: responder, at: at(12) });
    expect(flattenState(snapshot)).toEqual(flattenState(s));
    expect(snapshot.context.paging).toEqual({
      step: 0,
      round: 0,
      acknowledgedBy: 'resp',
      acknowledgedAt: at(12),
      acknowledgedVia: 'ACKNOWLEDGE',
      exhausted: false,
    });
    expect(snapshot.context.clocks.acknowledgement).toEqual({ dueAt: s.context.clocks.acknowledgement!.dueAt, status: 'met', step: 0 });
    expect(effects).toEqual([
      meetDeadline('acknowledgement'),
      notify('incident.acknowledged', role('on_call_manager')),
      timeline('acknowledged', { by: 'resp', step: 0 }),
    ]);
  });

  it('is accepted once only', () => {
    const s = send(file().snapshot, { type: 'ACKNOWLEDGE', actor: manager, at: at(1) }).snapshot;
    expectRefused(s, { type: 'ACKNOWLEDGE', actor: ciso, at: at(2) });
  });
});

describe('REPORT_TO_AUTHORITY (authority pending → reported)', () => {
  it('meets the report clock and starts the superior review clock', () => {
    const s = fixture('responding (containing, pending, undecided)');
    const { snapshot, effects } = send(s, { type: 'REPORT_TO_AUTHORITY', actor: manager, at: at(40), channel: 'national_platform' });
    expect(flattenState(snapshot).authority).toBe('reported');
    expect(snapshot.context.authority).toEqual({
      status: 'reported',
      reportedLevel: 2,
      reports: [{ at: at(40), by: 'm', level: 2, channel: 'national_platform', externalReference: null, fallbackReason: null }],
      review: null,
    });
    expect(snapshot.context.clocks.report).toEqual({ dueAt: s.context.clocks.report!.dueAt, status: 'met' });
    expect(snapshot.context.clocks.report_due_soon).toEqual({ dueAt: s.context.clocks.report_due_soon!.dueAt, status: 'cancelled' });
    expect(snapshot.context.clocks.superior_review).toEqual({ dueAt: plus(at(40), 'PT8H'), status: 'pending' });
    expect(effects).toEqual([
      meetDeadline('report'),
      cancelReminder,
      startDeadline('superior_review', plus(at(40), 'PT8H')),
      notify('authority.review_requested', { kind: 'superiorReviewers' }),
      timeline('reported_to_authority', { channel: 'national_platform', level: 2, fallback: null }),
    ]);
  });

  it('records a fallback channel and its reason; a major incident gets the major review clock', () => {
    const s = play(['TRIAGE'], { level: 3 });
    const { snapshot, effects } = send(s, { type: 'REPORT_TO_AUTHORITY', actor: ciso, at: at(40), channel: 'phone', fallbackReason: 'platform down' });
    expect(snapshot.context.authority.reports[0]).toMatchObject({ channel: 'phone', fallbackReason: 'platform down', level: 3 });
    expect(snapshot.context.clocks.superior_review).toEqual({ dueAt: plus(at(40), 'PT2H'), status: 'pending' });
    expect(effects).toContainEqual(timeline('reported_to_authority', { channel: 'phone', level: 3, fallback: 'platform down' }));
  });

  it('without a superior: no review clock and nobody to ask', () => {
    const s = play(['TRIAGE'], { hasSuperior: false });
    const { snapshot, effects } = send(s, sample('REPORT_TO_AUTHORITY', s, manager, at(40)));
    expect(snapshot.context.clocks.superior_review).toBeUndefined();
    expect(effects).toEqual([
      meetDeadline('report'),
      cancelReminder,
      timeline('reported_to_authority', { channel: 'national_platform', level: 2, fallback: null }),
    ]);
  });

  it('after the report clock breached, a late report keeps the breach on record', () => {
    let s = fixture('responding (containing, pending, undecided)');
    s = send(s, dp('report', s.context.clocks.report!.dueAt, '2026-03-03T01:00:30.000Z')).snapshot;
    const { snapshot } = send(s, sample('REPORT_TO_AUTHORITY', s, manager, '2026-03-03T02:00:00.000Z'));
    expect(snapshot.context.clocks.report!.status).toBe('breached');
    expect(snapshot.context.breaches).toHaveLength(1);
  });
});

describe('AUTHORITY_REVIEWED (authority reported → reviewed)', () => {
  it('records the review and meets the superior review clock', () => {
    const s = fixture('responding (recovering, reported, requested)');
    const { snapshot, effects } = send(s, { type: 'AUTHORITY_REVIEWED', actor: superior, at: at(50), level: 2, note: 'agreed' });
    expect(flattenState(snapshot).authority).toBe('reviewed');
    expect(snapshot.context.authority).toMatchObject({ status: 'reviewed', review: { at: at(50), by: 's', level: 2, note: 'agreed' } });
    expect(snapshot.context.clocks.superior_review!.status).toBe('met');
    expect(effects).toEqual([
      meetDeadline('superior_review'),
      timeline('authority_reviewed', { level: 2, reportedLevel: 2, note: 'agreed' }),
      notify('authority.reviewed', role('on_call_manager'), role('ciso')),
    ]);
  });

  it('may arrive during review (the state stays, the authority becomes reviewed) — only once', () => {
    const s = fixture('review.awaiting_report (authority reported)');
    const { snapshot, effects } = send(s, { type: 'AUTHORITY_REVIEWED', actor: superior, at: at(50), level: 2, note: 'late but fine' });
    expect(flattenState(snapshot)).toEqual(flatOf('review', 'awaiting_report'));
    expect(snapshot.context.authority.status).toBe('reviewed');
    expect(snapshot.context.clocks.superior_review!.status).toBe('met');
    expect(effects.map((e) => e.type)).toEqual(['meetDeadline', 'timeline', 'notify']);
    expectRefused(snapshot, sample('AUTHORITY_REVIEWED', snapshot, superior));
  });

  it('after the review clock breached, a late review keeps the breach on record', () => {
    let s = fixture('responding (recovering, reported, requested)');
    s = send(s, dp('superior_review', s.context.clocks.superior_review!.dueAt, '2026-03-03T00:00:00.000Z')).snapshot;
    const { snapshot } = send(s, sample('AUTHORITY_REVIEWED', s));
    expect(snapshot.context.clocks.superior_review!.status).toBe('breached');
  });

  it('a reviewed level other than the reported one becomes the level: clocks follow, the CISO is engaged, no new report is owed (2 → 3)', () => {
    const s = play(['TRIAGE', 'CONTAINED', 'REPORT_TO_AUTHORITY']);
    expect(s.context.level).toBe(2);
    const { snapshot, effects } = send(s, { type: 'AUTHORITY_REVIEWED', actor: superior, at: at(50), level: 3, note: 'data of citizens involved' });
    expect(snapshot.context.level).toBe(3);
    expect(flattenState(snapshot).authority).toBe('reviewed');
    expect(snapshot.context.authority).toMatchObject({ status: 'reviewed', reportedLevel: 3, review: { level: 3, note: 'data of citizens involved' } });
    expect(snapshot.context.clocks.recovery).toEqual({ dueAt: plus(AWARE, 'PT36H'), status: 'pending' });
    expect(effects).toEqual([
      meetDeadline('superior_review'),
      startDeadline('recovery', plus(AWARE, 'PT36H')),
      timeline('authority_reviewed', { level: 3, reportedLevel: 2, note: 'data of citizens involved' }),
      notify('authority.level_changed', role('on_call_manager'), role('ciso')),
      notify('incident.major', role('ciso')),
    ]);
    // Major now: the improvement report goes to the CISO for approval, and the level was reported (by the review itself).
    let next = snapshot;
    for (const t of ['LE_NOT_REQUIRED', 'RECOVERED'] as ClientEventType[]) next = send(next, sample(t, next, undefined, at(60))).snapshot;
    expect(eventsInState(next)).toContain('SUBMIT_IMPROVEMENT_REPORT');
    next = send(next, sample('SUBMIT_IMPROVEMENT_REPORT', next, manager, at(70))).snapshot;
    expect(flattenState(next)).toEqual(flatOf('review', 'awaiting_approval'));
  });

  it('the reviewed level is a floor: a later reclassification may raise it (and reports again), not lower it', () => {
    const s = play(['TRIAGE', 'CONTAINED', 'REPORT_TO_AUTHORITY']);
    const reviewed = send(s, { type: 'AUTHORITY_REVIEWED', actor: superior, at: at(50), level: 3, note: 'citizens’ data' }).snapshot;
    expect(reviewed.context.reviewedLevel).toBe(3);
    // Availability adjusted: the impact alone gives level 2, the superior's 3 stands; nothing to report again.
    const adjusted = send(reviewed, { type: 'RECLASSIFY', actor: manager, at: at(55), impact: impactOf(1, 2, 1), reason: 'integrity, not confidentiality' });
    expect(adjusted.snapshot.context.level).toBe(3);
    expect(adjusted.snapshot.context.impact).toEqual(impactOf(1, 2, 1));
    expect(flattenState(adjusted.snapshot).authority).toBe('reviewed');
    expect(ofType(adjusted.effects, 'notify')).toEqual([]);
    // Raised above it: level 4, reported again.
    const raised = send(adjusted.snapshot, { type: 'RECLASSIFY', actor: manager, at: at(60), impact: impactOf(4), reason: 'worse' }).snapshot;
    expect(raised.context.level).toBe(4);
    expect(flattenState(raised).authority).toBe('pending');
  });

  it('a review lowering the level lengthens the clocks, including a running improvement-report clock (3 → 1)', () => {
    const s = play(['TRIAGE', 'CONTAINED', 'RECOVERED', 'REPORT_TO_AUTHORITY', 'LE_NOT_REQUIRED'], { level: 3 });
    expect(flattenState(s)).toEqual(flatOf('review', 'awaiting_report'));
    const { snapshot, effects } = send(s, { type: 'AUTHORITY_REVIEWED', actor: superior, at: at(50), level: 1, note: 'minor' });
    expect(snapshot.context.level).toBe(1);
    expect(flattenState(snapshot)).toEqual(flatOf('review', 'awaiting_report'));
    expect(ofType(effects, 'notify')).toEqual([notify('authority.level_changed', role('on_call_manager'), role('ciso'))]);
    // Level 1 closes without the CISO.
    const closed = send(snapshot, sample('SUBMIT_IMPROVEMENT_REPORT', snapshot, manager, at(60))).snapshot;
    expect(flattenState(closed).state).toBe('closed');
  });
});

describe('CONTAINED and RECOVERED (response containing → recovering → recovered)', () => {
  it('CONTAINED records the containment', () => {
    const s = fixture('responding (containing, pending, undecided)');
    const { snapshot, effects } = send(s, { type: 'CONTAINED', actor: responder, at: at(60), summary: 'isolated' });
    expect(flattenState(snapshot).response).toBe('recovering');
    expect(snapshot.context.response).toEqual({ containedAt: at(60), containmentSummary: 'isolated', recoveredAt: null, recoverySummary: null });
    expect(effects).toEqual([timeline('contained', { summary: 'isolated' })]);
  });

  it('RECOVERED meets the recovery clock and starts the improvement report clock', () => {
    const s = play(['TRIAGE', 'CONTAINED']);
    const { snapshot, effects } = send(s, { type: 'RECOVERED', actor: manager, at: at(90), summary: 'restored' });
    expect(flattenState(snapshot)).toEqual(responding('recovered', 'pending', 'undecided'));
    expect(snapshot.context.response).toMatchObject({ recoveredAt: at(90), recoverySummary: 'restored' });
    expect(snapshot.context.clocks.recovery!.status).toBe('met');
    expect(snapshot.context.clocks.improvement_report).toEqual({ dueAt: plus(at(90), 'P1M'), status: 'pending' });
    expect(effects).toEqual([
      meetDeadline('recovery'),
      startDeadline('improvement_report', '2026-04-02T02:35:00.000Z'),
      timeline('recovered', { summary: 'restored' }),
      notify('incident.recovered', role('on_call_manager')),
    ]);
  });

  it('after the recovery clock breached, a late recovery keeps the breach on record', () => {
    let s = play(['TRIAGE', 'CONTAINED']);
    s = send(s, dp('recovery', s.context.clocks.recovery!.dueAt, '2026-03-06T00:00:00.000Z')).snapshot;
    const { snapshot } = send(s, sample('RECOVERED', s, responder, '2026-03-06T01:00:00.000Z'));
    expect(snapshot.context.clocks.recovery!.status).toBe('breached');
    expect(snapshot.context.clocks.improvement_report!.status).toBe('pending');
  });
});

describe('law enforcement (undecided → not_required | requested → contacted → evidence_handed_over → concluded)', () => {
  const base = () => fixture('responding (containing, pending, undecided)');

  it('LE_NOT_REQUIRED records the reason', () => {
    const { snapshot, effects } = send(base(), { type: 'LE_NOT_REQUIRED', actor: ethics, at: at(20), reason: 'no crime' });
    expect(flattenState(snapshot).lawEnforcement).toBe('not_required');
    expect(snapshot.context.lawEnforcement).toMatchObject({ status: 'not_required', reason: 'no crime' });
    expect(effects).toEqual([timeline('law_enforcement_not_required', { reason: 'no crime' })]);
  });

  it('LE_REQUEST records the request and tells the ethics unit and the CISO', () => {
    const { snapshot, effects } = send(base(), { type: 'LE_REQUEST', actor: ciso, at: at(20), reason: 'data theft' });
    expect(flattenState(snapshot).lawEnforcement).toBe('requested');
    expect(snapshot.context.lawEnforcement).toMatchObject({ status: 'requested', reason: 'data theft', requestedAt: at(20) });
    expect(effects).toEqual([
      timeline('law_enforcement_requested', { reason: 'data theft' }),
      notify('law_enforcement.requested', role('ethics_officer'), role('ciso')),
    ]);
  });

  it('LE_CONTACTED records agency, officer and case number (optional)', () => {
    const requested = send(base(), sample('LE_REQUEST', base())).snapshot;
    const { snapshot, effects } = send(requested, { type: 'LE_CONTACTED', actor: ethics, at: at(25), lawEnforcementAgency: 'police', officer: 'Sgt. Chen' });
    expect(flattenState(snapshot).lawEnforcement).toBe('contacted');
    expect(snapshot.context.lawEnforcement).toMatchObject({
      status: 'contacted',
      agency: 'police',
      officer: 'Sgt. Chen',
      caseNumber: null,
      contactedAt: at(25),
    });
    expect(effects).toEqual([
      timeline('law_enforcement_contacted', { agency: 'police', officer: 'Sgt. Chen', caseNumber: null }),
      notify('law_enforcement.contacted', role('ciso'), role('ethics_officer')),
    ]);
  });

  it('LE_EVIDENCE_HANDED_OVER records the evidence', () => {
    const contacted = play(['TRIAGE', 'LE_REQUEST', 'LE_CONTACTED']);
    const { snapshot, effects } = send(contacted, { type: 'LE_EVIDENCE_HANDED_OVER', actor: manager, at: at(40), evidenceIds: ['ev-9'] });
    expect(flattenState(snapshot).lawEnforcement).toBe('evidence_handed_over');
    expect(snapshot.context.lawEnforcement).toMatchObject({ status: 'evidence_handed_over', evidenceIds: ['ev-9'], handedOverAt: at(40) });
    expect(effects).toEqual([timeline('evidence_handed_over', { evidenceIds: ['ev-9'] })]);
  });

  it.each([
    ['contacted', ['TRIAGE', 'LE_REQUEST', 'LE_CONTACTED']],
    ['evidence_handed_over', ['TRIAGE', 'LE_REQUEST', 'LE_CONTACTED', 'LE_EVIDENCE_HANDED_OVER']],
  ] as Array<[string, ClientEventType[]]>)('LE_CONCLUDED from %s records the note', (_from, steps) => {
    const { snapshot, effects } = send(play(steps), { type: 'LE_CONCLUDED', actor: ethics, at: at(60), note: 'indictment' });
    expect(flattenState(snapshot).lawEnforcement).toBe('concluded');
    expect(snapshot.context.lawEnforcement).toMatchObject({ status: 'concluded', concludedAt: at(60), note: 'indictment' });
    expect(effects).toEqual([timeline('law_enforcement_concluded', { note: 'indictment' })]);
  });
});

describe('responding → review', () => {
  it.each([
    ['RECOVERED', ['TRIAGE', 'REPORT_TO_AUTHORITY', 'LE_NOT_REQUIRED', 'CONTAINED'], 'RECOVERED'],
    ['REPORT_TO_AUTHORITY', ['TRIAGE', 'LE_NOT_REQUIRED', 'CONTAINED', 'RECOVERED'], 'REPORT_TO_AUTHORITY'],
    ['LE_NOT_REQUIRED', ['TRIAGE', 'REPORT_TO_AUTHORITY', 'CONTAINED', 'RECOVERED'], 'LE_NOT_REQUIRED'],
    ['LE_CONCLUDED', ['TRIAGE', 'REPORT_TO_AUTHORITY', 'CONTAINED', 'RECOVERED', 'LE_REQUEST', 'LE_CONTACTED'], 'LE_CONCLUDED'],
  ] as Array<[string, ClientEventType[], ClientEventType]>)(
    'completes when %s is the last of: recovered, reported, law enforcement decided',
    (_n, steps, last) => {
      const s = play(steps);
      expect(flattenState(s).state).toBe('responding');
      const { snapshot, effects } = send(s, sample(last, s));
      expect(flattenState(snapshot)).toEqual(flatOf('review', 'awaiting_report'));
      expect(effects.at(-1)).toEqual(notify('incident.review_due', role('on_call_manager')));
    },
  );

  it('does not complete while law enforcement is requested, contacted or holding evidence', () => {
    for (const le of [['LE_REQUEST'], ['LE_REQUEST', 'LE_CONTACTED'], ['LE_REQUEST', 'LE_CONTACTED', 'LE_EVIDENCE_HANDED_OVER']] as ClientEventType[][]) {
      expect(flattenState(play(['TRIAGE', 'REPORT_TO_AUTHORITY', 'CONTAINED', 'RECOVERED', ...le])).state).toBe('responding');
    }
  });
});

describe('SUBMIT_IMPROVEMENT_REPORT and APPROVE_CLOSURE (review → closed)', () => {
  it('closes a level 1–2 incident at once, cancelling what is still pending', () => {
    const s = fixture('review.awaiting_report (authority reported)');
    const event = {
      type: 'SUBMIT_IMPROVEMENT_REPORT',
      actor: responder,
      at: at(100),
      rootCause: 'rc',
      measures: { management: 'training' },
      schedule: 'Q3',
    } as const;
    const { snapshot, effects } = send(s, event);
    expect(flattenState(snapshot)).toEqual(flatOf('closed'));
    expect(snapshot.context.improvementReport).toEqual({ at: at(100), by: 'resp', rootCause: 'rc', measures: { management: 'training' }, schedule: 'Q3' });
    expect(snapshot.context.closure).toEqual({ approvedBy: null, closedAt: at(100) });
    expect(snapshot.context.clocks.improvement_report!.status).toBe('met');
    expect(snapshot.context.clocks.superior_review!.status).toBe('cancelled');
    expect(snapshot.context.clocks.acknowledgement!.status).toBe('cancelled');
    expect(effects).toEqual([
      meetDeadline('improvement_report'),
      timeline('improvement_report_submitted', { rootCause: 'rc', measures: { management: 'training' }, schedule: 'Q3' }),
      cancelAll,
      timeline('closed', { approvedBy: null }),
      notify('incident.closed', role('on_call_manager'), { kind: 'user', userId: 'r' }),
    ]);
  });

  it('sends a level 3–4 incident to the CISO for approval', () => {
    const s = play(['TRIAGE', 'REPORT_TO_AUTHORITY', 'LE_NOT_REQUIRED', 'CONTAINED', 'RECOVERED'], { level: 4 });
    const { snapshot, effects } = send(s, sample('SUBMIT_IMPROVEMENT_REPORT', s, manager, at(100)));
    expect(flattenState(snapshot)).toEqual(flatOf('review', 'awaiting_approval'));
    expect(snapshot.context.clocks.improvement_report!.status).toBe('met');
    expect(effects).toEqual([
      meetDeadline('improvement_report'),
      timeline('improvement_report_submitted', { rootCause: 'weak password', measures: { technical: 'MFA for all admins' }, schedule: '2026 Q2' }),
      notify('incident.approval_requested', role('ciso')),
    ]);
  });

  it('APPROVE_CLOSURE by the CISO closes with the approver on record', () => {
    const s = fixture('review.awaiting_approval (level 3)');
    const { snapshot, effects } = send(s, { type: 'APPROVE_CLOSURE', actor: ciso, at: at(120) });
    expect(flattenState(snapshot)).toEqual(flatOf('closed'));
    expect(snapshot.context.closure).toEqual({ approvedBy: 'c', closedAt: at(120) });
    expect(Object.values(snapshot.context.clocks).some((c) => c.status === 'pending')).toBe(false);
    expect(effects).toEqual([
      cancelAll,
      timeline('closed', { approvedBy: 'c' }),
      notify('incident.closed', role('on_call_manager'), { kind: 'user', userId: 'r' }),
    ]);
  });

  it('a level changed during review is reported again first; raised to 3 it needs the CISO; the superior’s reviewed 3 stands against lowering it', () => {
    const raised = send(fixture('review.awaiting_report (authority reviewed)'), {
      type: 'RECLASSIFY',
      actor: manager,
      at: at(90),
      impact: impactOf(3),
      reason: 'worse',
    }).snapshot;
    // The new level is reported again before the improvement report closes anything.
    expectRefused(raised, sample('SUBMIT_IMPROVEMENT_REPORT', raised));
    const rereported = send(raised, { type: 'REPORT_TO_AUTHORITY', actor: manager, at: at(91), channel: 'national_platform' }).snapshot;
    expect(rereported.context.authority.reportedLevel).toBe(3);
    expect(flattenState(send(rereported, sample('SUBMIT_IMPROVEMENT_REPORT', rereported)).snapshot).review).toBe('awaiting_approval');
    const lowered = send(fixture('review.awaiting_approval (level 3)'), {
      type: 'RECLASSIFY',
      actor: manager,
      at: at(90),
      impact: impactOf(2),
      reason: 'less',
    }).snapshot;
    // The superior reviewed it at 3: the agency's own reclassification records the impact, the level stays 3, nothing to report again.
    expect(lowered.context.level).toBe(3);
    expect(lowered.context.impact).toEqual(impactOf(2));
    expect(lowered.context.authority.status).toBe('reviewed');
    expectRefused(lowered, { type: 'APPROVE_CLOSURE', actor: manager, at: at(93) });
    expect(flattenState(send(lowered, { type: 'APPROVE_CLOSURE', actor: ciso, at: at(93) }).snapshot).state).toBe('closed');
  });
});

describe('RECLASSIFY', () => {
  it('at the same level only records the new impact', () => {
    const s = fixture('responding (containing, pending, undecided)');
    const { snapshot, effects } = send(s, {
      type: 'RECLASSIFY',
      actor: manager,
      at: at(20),
      impact: impactOf(1, 1, 2),
      reason: 'availability, not confidentiality',
    });
    expect(snapshot.context.impact).toEqual(impactOf(1, 1, 2));
    expect(snapshot.context.level).toBe(2);
    expect(snapshot.context.clocks).toEqual(s.context.clocks);
    expect(effects).toEqual([timeline('reclassified', { from: 2, to: 2, reason: 'availability, not confidentiality' })]);
  });

  it.each(FIXTURE_NAMES.filter((n) => FIXTURES[n]!.accepts.includes('RECLASSIFY')))('refuses an identical impact in %s: nothing to change', (name) => {
    const s = fixture(name);
    expectRefused(s, { type: 'RECLASSIFY', actor: manager, at: at(20), impact: s.context.impact, reason: 'same again' });
  });

  it.each(['reported', 'responding (containing, pending, undecided)'])('before any report (%s), recomputes the clocks from awareness', (name) => {
    const s = fixture(name);
    const { snapshot, effects } = send(s, { type: 'RECLASSIFY', actor: ciso, at: at(20), impact: impactOf(3), reason: 'worse' });
    expect(flattenState(snapshot)).toEqual(flattenState(s));
    expect(snapshot.context.clocks.report).toEqual({ dueAt: plus(AWARE, 'PT1H'), status: 'pending' });
    expect(snapshot.context.clocks.report_due_soon).toEqual({ dueAt: reminderOf(plus(AWARE, 'PT1H')), status: 'pending' });
    expect(snapshot.context.clocks.recovery).toEqual({ dueAt: plus(AWARE, 'PT36H'), status: 'pending' });
    expect(effects).toEqual([
      timeline('reclassified', { from: 2, to: 3, reason: 'worse' }),
      startDeadline('report', plus(AWARE, 'PT1H')),
      startDeadline('report_due_soon', reminderOf(plus(AWARE, 'PT1H'))),
      startDeadline('recovery', plus(AWARE, 'PT36H')),
      notify('incident.reclassified', role('on_call_manager'), role('ciso')),
    ]);
  });

  it('after reporting, sends the authority back to pending with a new report clock from the reclassification and cancels superior_review', () => {
    const s = fixture('responding (recovering, reported, requested)');
    expect(s.context.clocks.superior_review!.status).toBe('pending');
    const when = at(200);
    const { snapshot, effects } = send(s, { type: 'RECLASSIFY', actor: manager, at: when, impact: impactOf(4), reason: 'data leaked' });
    expect(flattenState(snapshot)).toEqual(responding('recovering', 'pending', 'requested'));
    expect(snapshot.context.level).toBe(4);
    expect(snapshot.context.clocks.report).toEqual({ dueAt: plus(when, 'PT1H'), status: 'pending' });
    expect(snapshot.context.clocks.report_due_soon).toEqual({ dueAt: plus(when, 'PT40M'), status: 'pending' });
    expect(snapshot.context.clocks.superior_review!.status).toBe('cancelled');
    expect(snapshot.context.clocks.recovery).toEqual({ dueAt: plus(AWARE, 'PT36H'), status: 'pending' });
    expect(effects).toEqual([
      timeline('reclassified', { from: 2, to: 4, reason: 'data leaked' }),
      { type: 'cancelDeadlines', params: { kinds: ['superior_review'] } },
      startDeadline('report', plus(when, 'PT1H')),
      startDeadline('report_due_soon', plus(when, 'PT40M')),
      startDeadline('recovery', plus(AWARE, 'PT36H')),
      notify('incident.reclassified', role('on_call_manager'), role('ciso')),
    ]);
    // The new level is reported again, with a new (major) review clock.
    const again = send(snapshot, sample('REPORT_TO_AUTHORITY', snapshot, manager, at(230)));
    expect(flattenState(again.snapshot).authority).toBe('reported');
    expect(again.snapshot.context.authority.reportedLevel).toBe(4);
    expect(again.snapshot.context.authority.reports.map((r) => r.level)).toEqual([2, 4]);
    expect(again.snapshot.context.clocks.superior_review).toEqual({ dueAt: plus(at(230), 'PT2H'), status: 'pending' });
    expect(again.snapshot.context.clocks.report!.status).toBe('met');
  });

  it('after a review, a level change also needs a new report', () => {
    const s = fixture('responding (recovered, reviewed, contacted)');
    const { snapshot } = send(s, sample('RECLASSIFY', s));
    expect(flattenState(snapshot).authority).toBe('pending');
    expect(snapshot.context.clocks.report!.status).toBe('pending');
    expect(snapshot.context.clocks.superior_review!.status).toBe('met');
  });

  it('keeps context.authority.status in step with the authority region when it sends the authority back to pending', () => {
    const s = fixture('responding (recovering, reported, requested)');
    const { snapshot } = send(s, sample('RECLASSIFY', s));
    expect(flattenState(snapshot).authority).toBe('pending');
    expect(snapshot.context.authority.status).toBe('pending');
  });

  it('a reclassification back to the reported level does not reach review with a report still due', () => {
    // Reported at level 2, raised to 3 (report clock restarted, authority pending), lowered back to 2.
    let s = play(['TRIAGE', 'REPORT_TO_AUTHORITY', 'LE_NOT_REQUIRED', 'CONTAINED']);
    s = send(s, { type: 'RECLASSIFY', actor: manager, at: at(60), impact: impactOf(3), reason: 'worse' }).snapshot;
    s = send(s, { type: 'RECLASSIFY', actor: manager, at: at(61), impact: impactOf(2), reason: 'not that bad' }).snapshot;
    expect(flattenState(s).authority).toBe('pending');
    s = send(s, sample('RECOVERED', s, responder, at(62))).snapshot;
    const flat = flattenState(s);
    if (flat.state === 'review') {
      // Acceptable only if nothing is left to report.
      expect(s.context.clocks.report?.status).not.toBe('pending');
    } else {
      expect(flat).toEqual(responding('recovered', 'pending', 'not_required'));
      expect(flattenState(send(s, sample('REPORT_TO_AUTHORITY', s, manager, at(63))).snapshot).state).toBe('review');
    }
  });

  it('a level change during review can be reported (the restarted report clock can be met)', () => {
    const s = fixture('review.awaiting_report (authority reviewed)');
    const { snapshot } = send(s, { type: 'RECLASSIFY', actor: manager, at: at(90), impact: impactOf(3), reason: 'worse' });
    expect(snapshot.context.clocks.report!.status).toBe('pending');
    expect(applyIncidentEvent(snapshot, sample('REPORT_TO_AUTHORITY', snapshot, manager, at(91))).changed).toBe(true);
  });

  it('an incident never closes at a level that was never reported', () => {
    // Reported and reviewed at level 3, lowered to 2 during review, then the improvement report is submitted.
    let s = play(['TRIAGE', 'REPORT_TO_AUTHORITY', 'AUTHORITY_REVIEWED', 'LE_NOT_REQUIRED', 'CONTAINED', 'RECOVERED'], { level: 3 });
    s = send(s, { type: 'RECLASSIFY', actor: manager, at: at(90), impact: impactOf(2), reason: 'less' }).snapshot;
    const submitted = applyIncidentEvent(s, sample('SUBMIT_IMPROVEMENT_REPORT', s, manager, at(91)));
    if (flattenState(submitted.snapshot).state === 'closed') {
      expect(submitted.snapshot.context.authority.reportedLevel).toBe(submitted.snapshot.context.level);
    }
  });
});

describe('REOPEN (closed | dismissed → open.reported)', () => {
  it('from closed starts a new round: clocks and paging from the reopening, the closed round kept as history', () => {
    const s = fixture('closed');
    const when = '2026-03-10T00:00:00.000Z';
    const { snapshot, effects } = send(s, { type: 'REOPEN', actor: ciso, at: when, reason: 'recurred' });
    expect(flattenState(snapshot)).toEqual(flatOf('reported'));
    expect(snapshot.context.reopenings).toEqual([{ at: when, by: 'c', reason: 'recurred' }]);
    expect(snapshot.context.clockBase).toBe(when);
    expect(snapshot.context.clocks.report).toEqual({ dueAt: plus(when, 'PT24H'), status: 'pending' });
    expect(snapshot.context.clocks.report_due_soon).toEqual({ dueAt: reminderOf(plus(when, 'PT24H')), status: 'pending' });
    expect(snapshot.context.clocks.recovery).toEqual({ dueAt: plus(when, 'PT72H'), status: 'pending' });
    expect(snapshot.context.clocks.acknowledgement).toEqual({ dueAt: plus(when, 'PT15M'), status: 'pending', step: 0 });
    expect(snapshot.context.paging).toEqual({ step: 0, round: 0, acknowledgedBy: null, acknowledgedAt: null, acknowledgedVia: null, exhausted: false });
    expect(snapshot.context.authority).toMatchObject({ status: 'pending', reportedLevel: null });
    expect(snapshot.context.response).toEqual({ containedAt: null, containmentSummary: null, recoveredAt: null, recoverySummary: null });
    expect(snapshot.context.lawEnforcement).toEqual(EMPTY_LAW_ENFORCEMENT);
    expect(snapshot.context.improvementReport).toBeNull();
    expect(snapshot.context.closure).toEqual({ approvedBy: null, closedAt: null });
    expect(snapshot.context.earlierRounds).toEqual([
      {
        reopenedAt: when,
        ended: 'closed',
        level: 2,
        response: s.context.response,
        lawEnforcement: s.context.lawEnforcement,
        improvementReport: s.context.improvementReport,
        closure: s.context.closure,
        dismissal: null,
      },
    ]);
    expect(effects).toEqual([
      startDeadline('report', plus(when, 'PT24H')),
      startDeadline('report_due_soon', reminderOf(plus(when, 'PT24H'))),
      startDeadline('recovery', plus(when, 'PT72H')),
      startDeadline('acknowledgement', plus(when, 'PT15M'), 0),
      timeline('reopened', { reason: 'recurred', ended: 'closed', clocksFrom: when }),
      notify('incident.reopened', role('on_call_manager'), role('ciso'), { kind: 'user', userId: 'r' }),
      notify('incident.paged', { kind: 'escalationTarget', target: 'on_call_manager' }),
    ]);
  });

  it('from dismissed the dismissal was wrong: clocks count from the original awareness (a late report is due at once), paging from the reopening', () => {
    const s = fixture('dismissed');
    const when = '2026-03-10T00:00:00.000Z';
    const { snapshot, effects } = send(s, { type: 'REOPEN', actor: manager, at: when, reason: 'not a duplicate after all' });
    expect(snapshot.context.clockBase).toBe(AWARE);
    // The report was due a day after awareness, long before the reopening: its deadline fires (and breaches) at once; no reminder.
    expect(snapshot.context.clocks.report).toEqual({ dueAt: plus(AWARE, 'PT24H'), status: 'pending' });
    expect(snapshot.context.clocks.report_due_soon!.status).toBe('cancelled');
    expect(snapshot.context.clocks.recovery).toEqual({ dueAt: plus(AWARE, 'PT72H'), status: 'pending' });
    expect(snapshot.context.clocks.acknowledgement).toEqual({ dueAt: plus(when, 'PT15M'), status: 'pending', step: 0 });
    expect(snapshot.context.dismissal).toBeNull();
    expect(snapshot.context.earlierRounds).toEqual([
      expect.objectContaining({ ended: 'dismissed', dismissal: s.context.dismissal, closure: s.context.closure }),
    ]);
    expect(effects).toEqual([
      startDeadline('report', plus(AWARE, 'PT24H')),
      startDeadline('recovery', plus(AWARE, 'PT72H')),
      startDeadline('acknowledgement', plus(when, 'PT15M'), 0),
      timeline('reopened', { reason: 'not a duplicate after all', ended: 'dismissed', clocksFrom: AWARE }),
      notify('incident.reopened', role('on_call_manager'), role('ciso'), { kind: 'user', userId: 'r' }),
      notify('incident.paged', { kind: 'escalationTarget', target: 'on_call_manager' }),
    ]);
    const late = send(snapshot, dp('report', plus(AWARE, 'PT24H'), '2026-03-10T00:00:05.000Z')).snapshot;
    expect(late.context.clocks.report!.status).toBe('breached');
    expect(late.context.breaches.at(-1)).toMatchObject({ kind: 'report', dueAt: plus(AWARE, 'PT24H') });
  });

  it('a dismissed incident reopened within its first hour keeps the original report clock and its reminder', () => {
    const dismissed = play(['DISMISS']);
    const when = at(20);
    const { snapshot } = send(dismissed, { type: 'REOPEN', actor: manager, at: when, reason: 'confirmed after all' });
    expect(snapshot.context.clocks.report).toEqual({ dueAt: plus(AWARE, 'PT24H'), status: 'pending' });
    expect(snapshot.context.clocks.report_due_soon).toEqual({ dueAt: reminderOf(plus(AWARE, 'PT24H')), status: 'pending' });
  });

  it('a concluded law-enforcement case stays on record in the earlier round; the new round starts undecided', () => {
    let s = play(['TRIAGE', 'REPORT_TO_AUTHORITY', 'AUTHORITY_REVIEWED', 'LE_REQUEST', 'LE_CONTACTED', 'LE_CONCLUDED', 'CONTAINED', 'RECOVERED']);
    s = send(s, sample('SUBMIT_IMPROVEMENT_REPORT', s, manager, at(30))).snapshot;
    expect(flattenState(s).state).toBe('closed');
    const concluded = s.context.lawEnforcement;
    expect(concluded).toMatchObject({ status: 'concluded', officer: 'Officer Lin', caseNumber: 'MJIB-115-001' });
    const reopened = send(s, sample('REOPEN', s, manager, at(40))).snapshot;
    expect(reopened.context.lawEnforcement).toEqual(EMPTY_LAW_ENFORCEMENT);
    expect(reopened.context.earlierRounds[0]!.lawEnforcement).toEqual(concluded);
  });

  it.each([
    ['TRIAGE', { type: 'TRIAGE', category: 'intrusion' }],
    ['RECLASSIFY', { type: 'RECLASSIFY', reason: 'worse' }],
  ])('after a reopening, a level change by %s recomputes the clocks from the reopening, not from the first awareness', (_n, partial) => {
    const when = '2026-03-10T00:00:00.000Z';
    const reopened = send(fixture('closed'), { type: 'REOPEN', actor: ciso, at: when, reason: 'recurred' }).snapshot;
    expect(reopened.context.clocks.report).toEqual({ dueAt: plus(when, 'PT24H'), status: 'pending' });
    const { snapshot } = send(reopened, { ...partial, actor: manager, at: '2026-03-10T00:10:00.000Z', impact: impactOf(3) } as IncidentEvent);
    expect(snapshot.context.level).toBe(3);
    expect(snapshot.context.clocks.report).toEqual({ dueAt: plus(when, 'PT1H'), status: 'pending' });
    expect(snapshot.context.clocks.recovery).toEqual({ dueAt: plus(when, 'PT36H'), status: 'pending' });
  });

  it('a reopened incident runs the whole workflow again and can close again', () => {
    let s = send(fixture('closed'), sample('REOPEN', fixture('closed'))).snapshot;
    for (const t of ['TRIAGE', 'REPORT_TO_AUTHORITY', 'LE_NOT_REQUIRED', 'CONTAINED', 'RECOVERED', 'SUBMIT_IMPROVEMENT_REPORT'] as ClientEventType[]) {
      s = send(s, sample(t, s, undefined, at(300))).snapshot;
    }
    expect(flattenState(s).state).toBe('closed');
    expect(s.context.authority.reports).toHaveLength(2);
    s = send(s, sample('REOPEN', s, manager, at(400))).snapshot;
    expect(s.context.reopenings).toHaveLength(2);
  });
});

describe('DEADLINE_PASSED: paging', () => {
  it('moves to step 1, then step 2, each with its own acknowledgement deadline; an acknowledgement stops it', () => {
    let s = file().snapshot;
    const due0 = s.context.clocks.acknowledgement!.dueAt;
    expect(due0).toBe(plus(FILED, 'PT15M'));

    const first = send(s, dp('acknowledgement', due0, at(15)));
    s = first.snapshot;
    expect(s.context.paging).toMatchObject({ step: 1, round: 0, exhausted: false });
    expect(s.context.clocks.acknowledgement).toEqual({ dueAt: plus(at(15), 'PT10M'), status: 'pending', step: 1 });
    expect(first.effects).toEqual([
      startDeadline('acknowledgement', plus(at(15), 'PT10M'), 1),
      notify('incident.paged', { kind: 'escalationTarget', target: 'it_unit_head' }),
      timeline('paged', { step: 1, round: 0, target: 'it_unit_head' }),
    ]);
    // The first deadline is stale now.
    expectRefused(s, dp('acknowledgement', due0, at(16)));

    const second = send(s, dp('acknowledgement', s.context.clocks.acknowledgement!.dueAt, at(25)));
    s = second.snapshot;
    expect(s.context.paging).toMatchObject({ step: 2, round: 0 });
    expect(s.context.clocks.acknowledgement).toEqual({ dueAt: plus(at(25), 'PT5M'), status: 'pending', step: 2 });
    expect(second.effects).toContainEqual(notify('incident.paged', { kind: 'escalationTarget', target: 'ciso' }));

    const acked = send(s, { type: 'ACKNOWLEDGE', actor: ciso, at: at(27) });
    s = acked.snapshot;
    expect(s.context.paging).toMatchObject({ step: 2, acknowledgedBy: 'c' });
    expect(acked.effects).toContainEqual(timeline('acknowledged', { by: 'c', step: 2 }));
    expect(s.context.clocks.acknowledgement!.status).toBe('met');
    expectRefused(s, dp('acknowledgement', s.context.clocks.acknowledgement!.dueAt, at(30)));
  });

  it.each([0, 1, 2])('with repeat %i, is exhausted after steps × (repeat + 1) pages and tells the CISO and admins', (repeat) => {
    const p: IncidentPolicy = { ...policy, escalation: { ...policy.escalation, repeat } };
    let s = file({ policy: p }).snapshot;
    const pages = p.escalation.steps.length * (repeat + 1);
    let last: AppliedEvent | undefined;
    for (let i = 1; i <= pages; i++) {
      expect(s.context.paging.exhausted).toBe(false);
      last = send(s, dp('acknowledgement', s.context.clocks.acknowledgement!.dueAt, at(20 * i)));
      s = last.snapshot;
      if (i < pages) expect(s.context.paging).toMatchObject({ step: i % 3, round: Math.floor(i / 3) });
    }
    expect(s.context.paging.exhausted).toBe(true);
    expect(s.context.clocks.acknowledgement!.status).toBe('breached');
    expect(last!.effects).toEqual([notify('incident.paging_exhausted', role('ciso'), role('admin')), timeline('paging_exhausted', { rounds: repeat + 1 })]);
    expectRefused(s, dp('acknowledgement', s.context.clocks.acknowledgement!.dueAt, at(1000)));
  });

  it('an acknowledgement after paging is exhausted keeps the breached clock on record', () => {
    const p: IncidentPolicy = { ...policy, escalation: { ...policy.escalation, repeat: 0 } };
    let s = file({ policy: p }).snapshot;
    for (let i = 1; i <= 3; i++) s = send(s, dp('acknowledgement', s.context.clocks.acknowledgement!.dueAt, at(20 * i))).snapshot;
    expect(s.context.paging.exhausted).toBe(true);
    const { snapshot } = send(s, { type: 'ACKNOWLEDGE', actor: ciso, at: at(100) });
    expect(snapshot.context.paging.acknowledgedBy).toBe('c');
    expect(snapshot.context.clocks.acknowledgement!.status).toBe('breached');
  });

  it('pages in every open state, and never after closing or dismissing', () => {
    for (const name of FIXTURE_NAMES) {
      const s = fixture(name);
      const ack = s.context.clocks.acknowledgement!;
      const event = dp('acknowledgement', ack.dueAt, at(500));
      if (['closed', 'dismissed'].includes(name)) {
        expect(ack.status).toBe('cancelled');
        expectRefused(s, event);
      } else if (s.context.paging.acknowledgedBy) {
        expectRefused(s, event);
      } else {
        const next = send(s, event).snapshot;
        expect(flattenState(next)).toEqual(flattenState(s));
        expect(next.context.paging.step).toBe(1);
      }
    }
  });
});

describe('DEADLINE_PASSED: reporting clocks', () => {
  const breachCases: Array<[DeadlineKind, Step[]]> = [
    ['report', []],
    ['recovery', ['TRIAGE']],
    ['superior_review', ['TRIAGE', 'REPORT_TO_AUTHORITY']],
    ['improvement_report', ['TRIAGE', 'REPORT_TO_AUTHORITY', 'LE_NOT_REQUIRED', 'CONTAINED', 'RECOVERED']],
  ];
  it.each(breachCases)(
    'a breached %s clock records how late and tells the CISO and the deputy head (a late review: also the superior’s reviewers)',
    (kind, steps) => {
      const s = play(steps);
      const dueAt = s.context.clocks[kind]!.dueAt;
      const when = new Date(Date.parse(dueAt) + 90_000).toISOString();
      const { snapshot, effects } = send(s, dp(kind, dueAt, when));
      expect(flattenState(snapshot)).toEqual(flattenState(s));
      expect(snapshot.context.clocks[kind]).toEqual({ dueAt, status: 'breached' });
      expect(snapshot.context.breaches).toEqual([{ kind, dueAt, at: when, lateByMs: 90_000 }]);
      // A late superior review is the superior agency's: its reviewers hear of it too.
      const audience: unknown[] = [role('ciso'), { kind: 'escalationTarget', target: 'deputy_head' }, role('on_call_manager')];
      if (kind === 'superior_review') audience.push({ kind: 'superiorReviewers' });
      // A report clock that ran out takes its reminder with it (had it not gone off).
      const reminder = kind === 'report' ? [cancelReminder] : [];
      expect(effects).toEqual([...reminder, notify('deadline.breached', ...audience), timeline('deadline_breached', { kind, dueAt })]);
      if (kind === 'report') expect(snapshot.context.clocks.report_due_soon!.status).toBe('cancelled');
      // Fires once.
      expectRefused(snapshot, dp(kind, dueAt, when));
    },
  );

  it('breaches accumulate', () => {
    let s = file().snapshot;
    s = send(s, dp('report', s.context.clocks.report!.dueAt, '2026-03-03T01:00:00.000Z')).snapshot;
    s = send(s, dp('recovery', s.context.clocks.recovery!.dueAt, '2026-03-05T01:30:00.000Z')).snapshot;
    expect(s.context.breaches.map((b) => [b.kind, b.lateByMs])).toEqual([
      ['report', 0],
      ['recovery', 1_800_000],
    ]);
  });

  it('refuses a stale dueAt (the clock was recomputed)', () => {
    const s = fixture('responding (containing, pending, undecided)');
    const old = s.context.clocks.report!.dueAt;
    const recomputed = send(s, sample('RECLASSIFY', s)).snapshot;
    expect(recomputed.context.clocks.report!.dueAt).not.toBe(old);
    expectRefused(recomputed, dp('report', old, '2026-03-03T01:00:00.000Z'));
    expect(send(recomputed, dp('report', recomputed.context.clocks.report!.dueAt, '2026-03-03T01:00:00.000Z')).changed).toBe(true);
  });

  it.each([
    ['report', ['TRIAGE', 'REPORT_TO_AUTHORITY']],
    ['recovery', ['TRIAGE', 'CONTAINED', 'RECOVERED']],
    ['superior_review', ['TRIAGE', 'REPORT_TO_AUTHORITY', 'AUTHORITY_REVIEWED']],
    ['improvement_report', ['TRIAGE', 'REPORT_TO_AUTHORITY', 'LE_NOT_REQUIRED', 'CONTAINED', 'RECOVERED', 'SUBMIT_IMPROVEMENT_REPORT', 'REOPEN']],
    ['acknowledgement', ['ACKNOWLEDGE']],
  ] as Array<[DeadlineKind, Step[]]>)('refuses a met %s clock', (kind, steps) => {
    const s = play(steps);
    expect(s.context.clocks[kind]!.status).toBe('met');
    expectRefused(s, dp(kind, s.context.clocks[kind]!.dueAt, '2026-06-01T00:00:00.000Z'));
  });

  it.each(['superior_review', 'improvement_report'] as DeadlineKind[])('refuses a %s clock that was never started', (kind) => {
    const s = file().snapshot;
    expectRefused(s, dp(kind, s.context.clocks.report!.dueAt, '2026-06-01T00:00:00.000Z'));
  });

  it.each([
    ['an on-call manager', manager],
    ['a CISO', ciso],
    ['the superior agency', superior],
    ['an actor with every role', actor('all', ...ALL_ROLES)],
  ] as Array<[string, EventActor]>)('refuses DEADLINE_PASSED from %s', (_n, who) => {
    const s = file().snapshot;
    for (const kind of ['report', 'recovery', 'acknowledgement'] as DeadlineKind[]) {
      expectRefused(s, dp(kind, s.context.clocks[kind]!.dueAt, '2026-06-01T00:00:00.000Z', who));
    }
  });

  it.each(['closed', 'dismissed'])('refuses any deadline in %s (every clock is settled)', (name) => {
    const s = fixture(name);
    for (const [kind, clock] of Object.entries(s.context.clocks)) {
      expect(clock.status).not.toBe('pending');
      expectRefused(s, dp(kind as DeadlineKind, clock.dueAt, '2026-06-01T00:00:00.000Z'));
    }
  });

  it('DISMISS cancels every deadline, so none fires afterwards', () => {
    const s = file().snapshot;
    const dismissed = send(s, sample('DISMISS', s)).snapshot;
    for (const kind of ['report', 'recovery', 'acknowledgement'] as DeadlineKind[]) {
      expect(dismissed.context.clocks[kind]!.status).toBe('cancelled');
      expectRefused(dismissed, dp(kind, s.context.clocks[kind]!.dueAt, '2026-06-01T00:00:00.000Z'));
    }
  });
});

describe('DEADLINE_PASSED: the "report due soon" reminder', () => {
  const reportDue = plus(AWARE, 'PT24H');
  const reminderDue = reminderOf(reportDue);
  const remindAt = new Date(Date.parse(reminderDue) + 30_000).toISOString();
  const remindersTo = [{ kind: 'escalationTarget', target: 'on_call_manager' }, role('ciso')];

  it('while the report is owed: tells the on-call manager and the CISO, records it as fired, no breach, no change of state', () => {
    for (const name of ['reported', 'responding (containing, pending, undecided)', 'responding (containing, pending, not_required)']) {
      const s = fixture(name);
      expect(s.context.clocks.report_due_soon).toEqual({ dueAt: reminderDue, status: 'pending' });
      const { snapshot, effects } = send(s, dp('report_due_soon', reminderDue, remindAt));
      expect(flattenState(snapshot)).toEqual(flattenState(s));
      expect(snapshot.context.clocks.report_due_soon).toEqual({ dueAt: reminderDue, status: 'fired' });
      expect(snapshot.context.clocks.report).toEqual(s.context.clocks.report);
      expect(snapshot.context.breaches).toEqual([]);
      expect(effects).toEqual([notify('deadline.report_due_soon', ...remindersTo), timeline('report_due_soon', { dueAt: reportDue })]);
      // Once only.
      expectRefused(snapshot, dp('report_due_soon', reminderDue, remindAt));
      // The report clock can still breach, and (once triaged) the report still be made; the reminder stays fired.
      const late = send(snapshot, dp('report', reportDue, plus(reportDue, 'PT1M')));
      expect(late.snapshot.context.breaches.map((b) => b.kind)).toEqual(['report']);
      expect(ofType(late.effects, 'cancelDeadlines')).toEqual([]);
      if (name !== 'reported') {
        const reported = send(snapshot, sample('REPORT_TO_AUTHORITY', snapshot, manager, remindAt));
        expect(ofType(reported.effects, 'cancelDeadlines')).toEqual([]);
        expect(reported.snapshot.context.clocks.report_due_soon!.status).toBe('fired');
      }
    }
  });

  it('is refused once the report is made (the reminder was cancelled with it)', () => {
    const s = fixture('responding (recovering, reported, requested)');
    expect(s.context.clocks.report_due_soon).toEqual({ dueAt: reminderDue, status: 'cancelled' });
    expectRefused(s, dp('report_due_soon', reminderDue, remindAt));
  });

  it('is refused when it comes after the report clock ran out, or after the report clock breached', () => {
    const s = file().snapshot;
    expectRefused(s, dp('report_due_soon', reminderDue, reportDue));
    expectRefused(s, dp('report_due_soon', reminderDue, plus(reportDue, 'PT1H')));
    const breached = send(s, dp('report', reportDue, plus(reportDue, 'PT1M'))).snapshot;
    expect(breached.context.clocks.report_due_soon!.status).toBe('cancelled');
    expectRefused(breached, dp('report_due_soon', reminderDue, remindAt));
  });

  it('is refused with a stale dueAt, from anyone but the system, and after closing or dismissing', () => {
    const s = file().snapshot;
    expectRefused(s, dp('report_due_soon', reportDue, remindAt));
    for (const who of [manager, ciso, superior, actor('all', ...ALL_ROLES)]) expectRefused(s, dp('report_due_soon', reminderDue, remindAt, who));
    for (const name of ['closed', 'dismissed']) {
      const settled = fixture(name);
      expect(settled.context.clocks.report_due_soon!.status).toBe('cancelled');
      expectRefused(settled, dp('report_due_soon', reminderDue, remindAt));
    }
  });

  it('follows the report clock: replaced when a level change moves the due time, kept when it does not', () => {
    // 2 → 3 before the report: the report is due an hour after awareness, the reminder 20 minutes before.
    const raised = send(file().snapshot, { type: 'TRIAGE', actor: manager, at: at(1), impact: impactOf(3), category: 'intrusion' }).snapshot;
    expect(raised.context.clocks.report_due_soon).toEqual({ dueAt: reminderOf(plus(AWARE, 'PT1H')), status: 'pending' });
    // 3 → 4: the same (major) report clock, so the same reminder; no new deadline row for it.
    const { snapshot, effects } = send(raised, { type: 'RECLASSIFY', actor: manager, at: at(2), impact: impactOf(4), reason: 'worse' });
    expect(effects).toContainEqual(startDeadline('report', plus(AWARE, 'PT1H')));
    expect(ofType(effects, 'startDeadline').map((e) => (e.params as { kind: string }).kind)).not.toContain('report_due_soon');
    expect(snapshot.context.clocks.report_due_soon).toEqual(raised.context.clocks.report_due_soon);
    // Gone off, it is not re-armed by a recomputation that keeps the due time.
    const reminded = send(snapshot, dp('report_due_soon', reminderOf(plus(AWARE, 'PT1H')), plus(AWARE, 'PT41M'))).snapshot;
    const again = send(reminded, { type: 'RECLASSIFY', actor: manager, at: plus(AWARE, 'PT42M'), impact: impactOf(3), reason: 'less' });
    expect(ofType(again.effects, 'startDeadline').map((e) => (e.params as { kind: string }).kind)).not.toContain('report_due_soon');
    expect(again.snapshot.context.clocks.report_due_soon!.status).toBe('fired');
  });

  it('a reclassification after the report restarts the reminder with the new report clock; reporting again cancels it', () => {
    let s = fixture('responding (recovering, reported, requested)');
    const when = at(200);
    s = send(s, { type: 'RECLASSIFY', actor: manager, at: when, impact: impactOf(3), reason: 'worse' }).snapshot;
    expect(s.context.clocks.report_due_soon).toEqual({ dueAt: plus(when, 'PT40M'), status: 'pending' });
    const reminded = send(s, dp('report_due_soon', plus(when, 'PT40M'), plus(when, 'PT41M')));
    expect(reminded.effects).toContainEqual(notify('deadline.report_due_soon', ...remindersTo));
    const reported = send(s, sample('REPORT_TO_AUTHORITY', s, manager, plus(when, 'PT10M')));
    expect(reported.effects).toContainEqual(cancelReminder);
    expect(reported.snapshot.context.clocks.report_due_soon!.status).toBe('cancelled');
  });

  it('is skipped when the lead is not shorter than the report clock, and a pending one is cancelled when a level change leaves no room', () => {
    const longLead: IncidentPolicy = { ...policy, reportReminderLead: 'PT1H' };
    // Level 3: a one-hour report clock and a one-hour lead: the reminder would go off at awareness.
    const major = file({ level: 3, policy: longLead });
    expect(major.snapshot.context.clocks.report_due_soon).toBeUndefined();
    expect(ofType(major.effects, 'startDeadline').map((e) => (e.params as { kind: string }).kind)).toEqual(['report', 'recovery', 'acknowledgement']);
    expectRefused(major.snapshot, dp('report_due_soon', plus(AWARE, 'PT1M'), plus(AWARE, 'PT2M')));
    // Level 2 (24 hours) has a reminder; triaged to 3 it has none left: cancelled.
    const minor = file({ level: 2, policy: longLead }).snapshot;
    expect(minor.context.clocks.report_due_soon).toEqual({ dueAt: plus(AWARE, 'PT23H'), status: 'pending' });
    const { snapshot, effects } = send(minor, { type: 'TRIAGE', actor: manager, at: at(1), impact: impactOf(3), category: 'intrusion' });
    expect(effects).toContainEqual(cancelReminder);
    expect(snapshot.context.clocks.report_due_soon).toEqual({ dueAt: plus(AWARE, 'PT23H'), status: 'cancelled' });
  });

  it('uses the default lead (15 minutes) when the policy has none, and keeps it in the context', () => {
    const { reportReminderLead: _omitted, ...withoutLead } = policy;
    const { snapshot, effects } = file({ level: 3, policy: withoutLead });
    expect(snapshot.context.policy.reportReminderLead).toBe('PT15M');
    expect(effects).toContainEqual(startDeadline('report_due_soon', plus(AWARE, 'PT45M')));
  });

  it('goes off for an incident filed late, but not once the report is overdue', () => {
    // Filed 50 minutes after awareness at level 3: the reminder (40 minutes after awareness) is already due.
    const late = file({ level: 3, filedAt: plus(AWARE, 'PT50M') }).snapshot;
    const due = late.context.clocks.report_due_soon!.dueAt;
    expect(due).toBe(plus(AWARE, 'PT40M'));
    expect(send(late, dp('report_due_soon', due, plus(AWARE, 'PT50M'))).effects).toContainEqual(notify('deadline.report_due_soon', ...remindersTo));
    expectRefused(late, dp('report_due_soon', due, plus(AWARE, 'PT1H')));
  });
});

describe('calendar arithmetic (Asia/Taipei)', () => {
  it.each([
    // Feb 1 00:30 Taipei + 1 month = Mar 1 00:30 Taipei.
    ['2026-01-31T16:30:00.000Z', '2026-02-28T16:30:00.000Z'],
    // Jan 31 00:30 Taipei + 1 month = Feb 28 00:30 Taipei (end of month); counted in UTC it would be Mar 1 00:30 Taipei.
    ['2026-01-30T16:30:00.000Z', '2026-02-27T16:30:00.000Z'],
    // Mar 31 01:00 Taipei + 1 month = Apr 30 01:00 Taipei.
    ['2026-03-30T17:00:00.000Z', '2026-04-29T17:00:00.000Z'],
    // Dec 15 12:00 Taipei + 1 month = Jan 15 12:00 Taipei (across the year).
    ['2026-12-15T04:00:00.000Z', '2027-01-15T04:00:00.000Z'],
  ])('recovery at %s: the improvement report is due %s (one month later on the Taipei calendar)', (recoveredAt, expected) => {
    const awareAt = new Date(Date.parse(recoveredAt) - 48 * 3_600_000).toISOString();
    let s = file({ awareAt, filedAt: awareAt }).snapshot;
    s = send(s, sample('TRIAGE', s, manager, awareAt)).snapshot;
    s = send(s, sample('CONTAINED', s, responder, awareAt)).snapshot;
    const { snapshot, effects } = send(s, { type: 'RECOVERED', actor: responder, at: recoveredAt, summary: 'ok' });
    const dueAt = snapshot.context.clocks.improvement_report!.dueAt;
    expect(dueAt).toBe(expected);
    expect(effects).toContainEqual(startDeadline('improvement_report', expected));
    // The local-date rule: same local time of day, next month's same day (or its last day).
    const from = DateTime.fromISO(recoveredAt, { zone: 'Asia/Taipei' });
    const due = DateTime.fromISO(dueAt, { zone: 'Asia/Taipei' });
    const nextMonth = from.startOf('month').plus({ months: 1 });
    expect([due.year, due.month]).toEqual([nextMonth.year, nextMonth.month]);
    expect(due.day).toBe(Math.min(from.day, nextMonth.daysInMonth!));
    expect([due.hour, due.minute]).toEqual([from.hour, from.minute]);
    expect(dueAt).toBe(from.plus({ months: 1 }).toUTC().toISO());
  });

  it('counts months in the agency time zone, not in UTC', () => {
    const recoveredAt = '2026-01-30T16:30:00.000Z';
    const utc = DateTime.fromISO(recoveredAt, { zone: 'UTC' }).plus({ months: 1 }).toISO();
    expect(utc).toBe('2026-02-28T16:30:00.000Z');
    let s = play(['TRIAGE', 'CONTAINED']);
    s = send(s, { type: 'RECOVERED', actor: responder, at: recoveredAt, summary: 'ok' }).snapshot;
    expect(s.context.clocks.improvement_report!.dueAt).not.toBe(utc);
  });
});

describe('allowedEvents', () => {
  const types = (s: IncidentSnapshot, who: EventActor) => allowedEvents(s, who).map((e) => e.type);

  it('reported', () => {
    const s = fixture('reported');
    expect(types(s, manager)).toEqual(['TRIAGE', 'DISMISS', 'ACKNOWLEDGE', 'RECLASSIFY']);
    expect(types(s, ciso)).toEqual(['TRIAGE', 'DISMISS', 'ACKNOWLEDGE', 'RECLASSIFY']);
    expect(types(s, responder)).toEqual(['TRIAGE', 'ACKNOWLEDGE']);
    expect(types(s, ethics)).toEqual([]);
    expect(types(s, reporter)).toEqual([]);
    expect(types(s, superior)).toEqual([]);
    expect(allowedEvents(s, responder)).toEqual([
      { type: 'TRIAGE', requires: ['impact', 'category'] },
      { type: 'ACKNOWLEDGE', requires: [] },
    ]);
  });

  it('responding', () => {
    const s = fixture('responding (containing, pending, undecided)');
    expect(types(s, manager)).toEqual(['ACKNOWLEDGE', 'REPORT_TO_AUTHORITY', 'CONTAINED', 'RECLASSIFY', 'LE_NOT_REQUIRED', 'LE_REQUEST']);
    expect(types(s, responder)).toEqual(['ACKNOWLEDGE', 'CONTAINED']);
    expect(types(s, ethics)).toEqual(['LE_NOT_REQUIRED', 'LE_REQUEST']);
    expect(types(s, auditor)).toEqual([]);
    const reported = fixture('responding (recovering, reported, requested)');
    expect(types(reported, superior)).toEqual(['AUTHORITY_REVIEWED']);
    expect(types(reported, ciso)).toEqual(['ACKNOWLEDGE', 'RECLASSIFY', 'LE_CONTACTED']);
    expect(allowedEvents(reported, ethics)).toEqual([{ type: 'LE_CONTACTED', requires: ['lawEnforcementAgency', 'officer'] }]);
  });

  it('review', () => {
    const awaitingReport = fixture('review.awaiting_report (authority reported)');
    expect(types(awaitingReport, manager)).toEqual(['ACKNOWLEDGE', 'RECLASSIFY', 'SUBMIT_IMPROVEMENT_REPORT']);
    expect(types(awaitingReport, superior)).toEqual(['AUTHORITY_REVIEWED']);
    const approval = fixture('review.awaiting_approval (level 3)');
    expect(types(approval, ciso)).toEqual(['ACKNOWLEDGE', 'RECLASSIFY', 'APPROVE_CLOSURE']);
    expect(types(approval, manager)).toEqual(['ACKNOWLEDGE', 'RECLASSIFY']);
    expect(types(approval, responder)).toEqual(['ACKNOWLEDGE']);
  });

  it('closed and dismissed', () => {
    for (const name of ['closed', 'dismissed']) {
      const s = fixture(name);
      expect(allowedEvents(s, manager)).toEqual([{ type: 'REOPEN', requires: ['reason'] }]);
      expect(types(s, ciso)).toEqual(['REOPEN']);
      expect(types(s, responder)).toEqual([]);
      expect(types(s, admin)).toEqual([]);
    }
  });

  const actors: Array<[string, EventActor]> = [
    ['manager', manager],
    ['responder', responder],
    ['ciso', ciso],
    ['ethics', ethics],
    ['reporter', reporter],
    ['superior', superior],
    ['system', system],
  ];
  it.each(FIXTURE_NAMES.flatMap((name) => actors.map(([n, a]) => [name, n, a] as const)))(
    'in %s, for the %s, lists exactly the events that would be accepted from them',
    (name, _n, who) => {
      const s = fixture(name);
      const accepted = CLIENT_EVENT_TYPES.filter((t) => applyIncidentEvent(s, sample(t, s, who)).changed);
      expect(types(s, who)).toEqual(accepted);
    },
  );
});

describe('the first handling event acknowledges (applyIncidentEvent)', () => {
  it('TRIAGE by the on-call manager, unacknowledged, counts as the acknowledgement: recorded as ACKNOWLEDGE via TRIAGE, the pager stops', () => {
    const s = fixture('reported');
    const triage = sample('TRIAGE', s, manager, at(3));
    const { snapshot, effects } = applyIncidentEvent(s, triage);
    expect(snapshot.context.paging).toMatchObject({ acknowledgedBy: 'm', acknowledgedAt: at(3), acknowledgedVia: 'TRIAGE' });
    expect(snapshot.context.clocks.acknowledgement!.status).toBe('met');
    expect(effects.slice(0, 3)).toEqual([
      meetDeadline('acknowledgement'),
      notify('incident.acknowledged', role('on_call_manager')),
      timeline('acknowledged', { by: 'm', step: 0, via: 'TRIAGE' }),
    ]);
    expect(effects.slice(3)).toEqual(applyMachineEvent(s, triage).effects);
    // A later acknowledgement deadline finds nothing pending: no escalation.
    expectRefused(snapshot, dp('acknowledgement', s.context.clocks.acknowledgement!.dueAt, at(20)));
  });

  it.each([
    ['REPORT_TO_AUTHORITY', 'responding (containing, pending, undecided)', manager],
    ['RECLASSIFY', 'reported', ciso],
    ['CONTAINED', 'responding (containing, pending, undecided)', responder],
    ['DISMISS', 'reported', manager],
  ] as Array<[ClientEventType, string, EventActor]>)('%s from someone who may acknowledge acknowledges too (%s)', (type, name, who) => {
    const s = fixture(name);
    const { snapshot } = applyIncidentEvent(s, sample(type, s, who, at(3)));
    expect(snapshot.context.paging).toMatchObject({ acknowledgedBy: who.id, acknowledgedVia: type });
  });

  it('events from people who may not acknowledge (ethics officer, superior reviewer) leave the pager running', () => {
    let s = fixture('responding (containing, pending, undecided)');
    s = applyIncidentEvent(s, sample('LE_REQUEST', s, ethics, at(3))).snapshot;
    s = applyIncidentEvent(s, sample('REPORT_TO_AUTHORITY', s, { ...manager, roles: ['on_call_manager'] }, at(4))).snapshot;
    expect(s.context.paging.acknowledgedVia).toBe('REPORT_TO_AUTHORITY');
    const fresh = fixture('responding (recovering, reported, requested)');
    const reviewed = applyIncidentEvent(fresh, sample('AUTHORITY_REVIEWED', fresh, superior, at(5))).snapshot;
    expect(reviewed.context.paging.acknowledgedBy).toBeNull();
    const ethicsOnly = applyIncidentEvent(fresh, sample('LE_CONTACTED', fresh, ethics, at(5))).snapshot;
    expect(ethicsOnly.context.paging.acknowledgedBy).toBeNull();
  });

  it('once acknowledged, later events add no acknowledgement; a refused event acknowledges nothing', () => {
    const s = fixture('responding, acknowledged');
    const { effects } = applyIncidentEvent(s, sample('CONTAINED', s, responder, at(20)));
    expect(ofType(effects, 'meetDeadline')).toEqual([]);
    expectRefused(fixture('reported'), { type: 'CONTAINED', actor: responder, at: at(3), summary: 'too early' });
  });
});

describe('refusalReasons', () => {
  it('names the impact for a reclassification to the same impact, only where the state and the actor would take one', () => {
    const s = fixture('responding (containing, pending, undecided)');
    const same = { type: 'RECLASSIFY', actor: manager, at: at(20), impact: s.context.impact, reason: 'again' } as const;
    expect(refusalReasons(s, same)).toEqual([{ field: 'impact', rule: 'changed', message: expect.stringContaining('nothing to change') }]);
    expect(refusalReasons(fixture('closed'), { ...same, impact: fixture('closed').context.impact })).toEqual([]);
    expect(refusalReasons(s, { ...same, actor: reporter })).toEqual([]);
    expect(refusalReasons(s, { ...same, impact: impactOf(4) })).toEqual([]);
  });
});

describe('persistence', () => {
  const roundTrip = (s: IncidentSnapshot) =>
    restoreIncident({ machineVersion: INCIDENT_MACHINE_VERSION, snapshot: JSON.parse(JSON.stringify(incidentMachine.getPersistedSnapshot(s))) });

  it.each(FIXTURE_NAMES)('%s restores from JSON to the same state, accepting the same events', (name) => {
    const s = fixture(name);
    const restored = roundTrip(s);
    expect(flattenState(restored)).toEqual(flattenState(s));
    expect(restored.context).toEqual(s.context);
    expect(eventsInState(restored)).toEqual(eventsInState(s));
    for (const type of CLIENT_EVENT_TYPES) {
      const event = sample(type, s);
      const a = applyIncidentEvent(s, event);
      const b = applyIncidentEvent(restored, event);
      expect([type, b.changed]).toEqual([type, a.changed]);
      expect(b.effects).toEqual(a.effects);
      if (a.changed) expect(flattenState(b.snapshot)).toEqual(flattenState(a.snapshot));
    }
    for (const [kind, clock] of Object.entries(s.context.clocks)) {
      const event = dp(kind as DeadlineKind, clock.dueAt, '2026-06-01T00:00:00.000Z');
      expect([kind, applyIncidentEvent(restored, event).changed]).toEqual([kind, applyIncidentEvent(s, event).changed]);
    }
  });

  it.each(FIXTURE_NAMES)('%s restores from a version-0 snapshot (no paging, breaches, reopenings in the context)', (name) => {
    const s = fixture(name);
    const persisted = JSON.parse(JSON.stringify(incidentMachine.getPersistedSnapshot(s)));
    delete persisted.context.paging;
    delete persisted.context.breaches;
    delete persisted.context.reopenings;
    const restored = restoreIncident({ machineVersion: 0, snapshot: persisted });
    expect(flattenState(restored)).toEqual(flattenState(s));
    expect(restored.context.paging).toEqual({ step: 0, round: 0, acknowledgedBy: null, acknowledgedAt: null, acknowledgedVia: null, exhausted: false });
    expect(restored.context.breaches).toEqual([]);
    expect(restored.context.reopenings).toEqual([]);
    // Paging was kept outside the context before version 1: an upgraded open incident counts as unacknowledged.
    const withoutAck = (types: ClientEventType[]) => types.filter((t) => t !== 'ACKNOWLEDGE');
    expect(withoutAck(eventsInState(restored))).toEqual(withoutAck(FIXTURES[name]!.accepts));
    // It works: a deadline and an event on the upgraded snapshot.
    if (s.context.clocks.report?.status === 'pending') {
      const fired = send(restored, dp('report', s.context.clocks.report.dueAt, '2026-06-01T00:00:00.000Z'));
      expect(fired.snapshot.context.breaches).toHaveLength(1);
    }
    const type = FIXTURES[name]!.accepts[0]!;
    expect(applyIncidentEvent(restored, sample(type, restored)).changed).toBe(true);
  });

  it('an upgraded version-0 snapshot pages and accepts an acknowledgement', () => {
    const s = file().snapshot;
    const persisted = JSON.parse(JSON.stringify(incidentMachine.getPersistedSnapshot(s)));
    delete persisted.context.paging;
    delete persisted.context.breaches;
    delete persisted.context.reopenings;
    let restored = restoreIncident({ machineVersion: 0, snapshot: persisted });
    restored = send(restored, dp('acknowledgement', s.context.clocks.acknowledgement!.dueAt, at(15))).snapshot;
    expect(restored.context.paging.step).toBe(1);
    restored = send(restored, { type: 'ACKNOWLEDGE', actor: manager, at: at(16) }).snapshot;
    expect(restored.context.paging.acknowledgedBy).toBe('m');
  });

  it.each(FIXTURE_NAMES)('%s restores from a version-2 snapshot (no reminder lead in the policy, no reminder clock)', (name) => {
    const s = fixture(name);
    const persisted = JSON.parse(JSON.stringify(incidentMachine.getPersistedSnapshot(s)));
    delete persisted.context.policy.reportReminderLead;
    delete persisted.context.clocks.report_due_soon;
    const restored = restoreIncident({ machineVersion: 2, snapshot: persisted });
    expect(flattenState(restored)).toEqual(flattenState(s));
    expect(restored.context.policy.reportReminderLead).toBe('PT15M');
    expect(restored.context.clocks.report_due_soon).toBeUndefined();
    expect(eventsInState(restored)).toEqual(eventsInState(s));
    for (const type of FIXTURES[name]!.accepts) {
      const result = applyIncidentEvent(restored, sample(type, restored));
      expect([type, result.changed]).toEqual([type, true]);
      // Nothing to cancel: an incident filed before the reminder has no reminder row.
      if (type === 'REPORT_TO_AUTHORITY') expect(ofType(result.effects, 'cancelDeadlines')).toEqual([]);
    }
    if (s.context.clocks.report?.status === 'pending') {
      expectRefused(restored, dp('report_due_soon', reminderOf(s.context.clocks.report.dueAt), at(30)));
      const fired = send(restored, dp('report', s.context.clocks.report.dueAt, '2026-06-01T00:00:00.000Z'));
      expect(fired.snapshot.context.breaches).toHaveLength(1);
      expect(ofType(fired.effects, 'cancelDeadlines')).toEqual([]);
    }
  });

  it.each(FIXTURE_NAMES)('%s restores from a version-3 snapshot (no acknowledgedVia, no earlier rounds)', (name) => {
    const s = fixture(name);
    const persisted = JSON.parse(JSON.stringify(incidentMachine.getPersistedSnapshot(s)));
    delete persisted.context.paging.acknowledgedVia;
    delete persisted.context.earlierRounds;
    delete persisted.context.reviewedLevel;
    const restored = restoreIncident({ machineVersion: 3, snapshot: persisted });
    expect(restored.context.reviewedLevel).toBe(s.context.authority.review?.level === s.context.level ? s.context.level : null);
    expect(flattenState(restored)).toEqual(flattenState(s));
    expect(restored.context.earlierRounds).toEqual([]);
    expect(restored.context.paging.acknowledgedVia).toBe(s.context.paging.acknowledgedBy ? 'ACKNOWLEDGE' : null);
    expect(eventsInState(restored)).toEqual(eventsInState(s));
    for (const type of FIXTURES[name]!.accepts) expect([type, applyIncidentEvent(restored, sample(type, restored)).changed]).toEqual([type, true]);
  });

  it('a version-2 snapshot gets its reminder with the next report clock (a reopening, on the default lead)', () => {
    const persisted = JSON.parse(JSON.stringify(incidentMachine.getPersistedSnapshot(fixture('closed'))));
    delete persisted.context.policy.reportReminderLead;
    const restored = restoreIncident({ machineVersion: 2, snapshot: persisted });
    const when = '2026-03-10T00:00:00.000Z';
    const { effects } = send(restored, { type: 'REOPEN', actor: ciso, at: when, reason: 'recurred' });
    expect(effects).toContainEqual(startDeadline('report_due_soon', plus(when, 'PT23H45M')));
  });

  it('refuses a snapshot from a newer machine', () => {
    const persisted = incidentMachine.getPersistedSnapshot(file().snapshot);
    expect(() => restoreIncident({ machineVersion: INCIDENT_MACHINE_VERSION + 1, snapshot: persisted })).toThrow(/newer machine/);
  });

  it('refuses a snapshot of a version it has no upgrade for', () => {
    const persisted = incidentMachine.getPersistedSnapshot(file().snapshot);
    expect(() => restoreIncident({ machineVersion: -1, snapshot: persisted })).toThrow(/no upgrade/);
  });
});
