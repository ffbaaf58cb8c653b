import { describe, expect, it } from '@jest/globals';
import type { EventActor, RoleName } from '../incident/incident.events.js';
import {
  DRILL_CLIENT_EVENT_TYPES,
  DRILL_EVENT_ROLES,
  drillActorMaySend,
  type AfterActionReport,
  type DrillClientEvent,
  type DrillClientEventType,
  type DrillDeadlineKind,
  type DrillEvent,
} from './drill.events.js';
import { DRILL_MACHINE_VERSION, drillMachine, nextDrillReminder, type DrillEffect, type DrillInput } from './drill.machine.js';
import {
  allowedDrillEvents,
  applyDrillEvent,
  DRILL_EVENT_REQUIRES,
  drillEventsInState,
  drillInputProblems,
  drillStateName,
  restoreDrill,
  scheduleDrill,
  type AppliedDrillEvent,
  type DrillSnapshot,
  type DrillStateName,
} from './drill.runtime.js';

/*
 * Unit tests of the drill statechart: every state, every event, accepted and refused.
 * The drill is scheduled on 2026-04-01 for 2026-06-15 01:00 UTC with reminders 30, 7 and 1 day(s)
 * before, so every reminder is ahead at first.
 */

const NOW = '2026-04-01T00:00:00.000Z';
const DATE = '2026-06-15T01:00:00.000Z';
const R30 = '2026-05-16T01:00:00.000Z';
const R7 = '2026-06-08T01:00:00.000Z';
const R1 = '2026-06-14T01:00:00.000Z';
/** An instant `days` after scheduling. */
const day = (days: number) => new Date(Date.parse(NOW) + days * 86_400_000).toISOString();
const plusMs = (iso: string, n: number) => new Date(Date.parse(iso) + n).toISOString();

const actor = (id: string, ...roles: RoleName[]): EventActor => ({ id, roles, relation: 'own' });
const coordinator = actor('coord', 'continuity_coordinator');
const ciso = actor('c', 'ciso');
const responder = actor('resp', 'responder');
const manager = actor('m', 'on_call_manager');
const reporter = actor('r', 'reporter');
const auditor = actor('aud', 'auditor');
const admin = actor('adm', 'admin');
const system: EventActor = { id: 'system', roles: [], relation: 'system' };
const superior: EventActor = { id: 's', roles: ['continuity_coordinator', 'ciso'], relation: 'superior' };
const ALL_ROLES: RoleName[] = ['reporter', 'responder', 'on_call_manager', 'ethics_officer', 'ciso', 'continuity_coordinator', 'auditor', 'admin', 'vendor'];
const ALL_KINDS: DrillDeadlineKind[] = ['reminder', 'start', 'after_action'];

function input(o: Partial<DrillInput> = {}): DrillInput {
  return {
    drillId: 'drill-1',
    planId: 'plan-1',
    agencyId: 'agency-1',
    drillType: 'tabletop',
    scheduledFor: DATE,
    reminders: ['P30D', 'P7D', 'P1D'],
    afterActionWindow: 'P30D',
    now: NOW,
    scheduledBy: { id: 'system', roles: [], relation: 'system' },
    ...o,
  };
}
const schedule = (o: Partial<DrillInput> = {}) => scheduleDrill(input(o));

function report(o: Partial<AfterActionReport> = {}): AfterActionReport {
  return {
    objectives: ['Restore the case-management system from backup within the RTO'],
    scenario: 'Ransomware encrypts the primary data centre',
    participants: [
      { name: 'Chen', role: 'IT lead', organisation: 'IT unit' },
      { name: 'Lin', role: 'Coordinator' },
    ],
    capabilities: [
      { capability: 'Backup restore', rating: 'S', notes: 'slow tape' },
      { capability: 'Communications', rating: 'P' },
    ],
    strengths: ['Clear roles'],
    areasForImprovement: ['Offline contact list'],
    correctiveActions: [{ title: 'Print contact list', ownerUnitId: 'unit-1', dueAt: '2026-09-01T00:00:00.000Z' }],
    planChangeRequired: true,
    ...o,
  };
}

/** Who normally sends an event type. */
function defaultActor(type: DrillClientEventType): EventActor {
  return ['START', 'COMPLETE', 'RECORD_PARTICIPANT', 'RECORD_OBSERVATION'].includes(type) ? responder : coordinator;
}

/** A valid event of each type (data that passes every guard). */
function sample(type: DrillClientEventType, who?: EventActor, when = day(70)): DrillClientEvent {
  const base = { actor: who ?? defaultActor(type), at: when };
  switch (type) {
    case 'START':
      return { ...base, type };
    case 'RECORD_PARTICIPANT':
      return { ...base, type, name: 'Wang', role: 'Network engineer', organisation: 'Vendor X' };
    case 'RECORD_OBSERVATION':
      return { ...base, type, text: 'The backup catalogue was out of date', capability: 'Backup restore' };
    case 'COMPLETE':
      return { ...base, type, summary: 'All injects played' };
    case 'SUBMIT_AFTER_ACTION':
      return { ...base, type, report: report() };
    case 'PLAN_UPDATED':
      return { ...base, type, planVersion: 3 };
    case 'CLOSE':
      return { ...base, type, openCorrectiveActions: 0 };
    case 'CANCEL':
      return { ...base, type, reason: 'The data centre move takes the week' };
    case 'RESCHEDULE':
      return { ...base, type, date: '2026-07-01T01:00:00.000Z', reason: 'Clashes with the audit' };
  }
}

function dp(kind: DrillDeadlineKind, dueAt: string, when: string, o: { step?: number; who?: EventActor } = {}): DrillEvent {
  return { type: 'DEADLINE_PASSED', kind, dueAt, actor: o.who ?? system, at: when, ...(o.step === undefined ? {} : { step: o.step }) };
}
/** The pending deadline of a kind, passing a minute late. */
function due(s: DrillSnapshot, kind: DrillDeadlineKind, who: EventActor = system): DrillEvent {
  const clock = s.context.clocks[kind]!;
  return dp(kind, clock.dueAt, plusMs(clock.dueAt, 60_000), { step: clock.step, who });
}

function send(s: DrillSnapshot, event: DrillEvent): AppliedDrillEvent {
  const result = applyDrillEvent(s, event);
  if (!result.changed) throw new Error(`refused: ${event.type} in ${JSON.stringify(s.value)}`);
  return result;
}

/** Sends an event that must be refused: nothing changes, nothing is to be done. */
function expectRefused(s: DrillSnapshot, event: DrillEvent) {
  const before = JSON.stringify(drillMachine.getPersistedSnapshot(s));
  const result = applyDrillEvent(s, event);
  expect(result.changed).toBe(false);
  expect(result.effects).toEqual([]);
  expect(result.snapshot).toBe(s);
  expect(JSON.stringify(result.persisted)).toBe(before);
  expect(JSON.stringify(drillMachine.getPersistedSnapshot(s))).toBe(before);
}

type Step = DrillClientEventType | DrillEvent | ((s: DrillSnapshot) => DrillEvent);
/** Schedules a drill and sends the steps (a type means its sample event from its usual actor), one hour apart from day 70. */
function play(steps: Step[], o: Partial<DrillInput> = {}): DrillSnapshot {
  let s = schedule(o).snapshot;
  steps.forEach((step, i) => {
    const event = typeof step === 'string' ? sample(step, undefined, plusMs(day(70), i * 3_600_000)) : typeof step === 'function' ? step(s) : step;
    s = send(s, event).snapshot;
  });
  return s;
}

const role = (r: string) => ({ kind: 'role', role: r });
const OWNERS = [role('continuity_coordinator'), role('ciso')];
const notify = (template: string, audience: unknown[] = OWNERS) => ({ type: 'notify', params: { template, audience } });
const timeline = (entry: string, data: Record<string, unknown> = {}) => ({ type: 'timeline', params: { entry, data } });
const startDeadline = (kind: DrillDeadlineKind, dueAt: string, step?: number) => ({
  type: 'startDeadline',
  params: step === undefined ? { kind, dueAt } : { kind, dueAt, step },
});
const meetDeadline = (kind: DrillDeadlineKind) => ({ type: 'meetDeadline', params: { kind } });
const cancelDeadlines = (...kinds: DrillDeadlineKind[]) => ({ type: 'cancelDeadlines', params: { kinds } });
const ofType = (effects: DrillEffect[], type: DrillEffect['type']) => effects.filter((e) => e.type === type);

const submitEvent = (r: AfterActionReport, who: EventActor = coordinator, when = day(72)): DrillEvent => ({
  type: 'SUBMIT_AFTER_ACTION',
  actor: who,
  at: when,
  report: r,
});
const submit = (planChangeRequired: boolean, o: Partial<AfterActionReport> = {}): Step => submitEvent(report({ planChangeRequired, ...o }));
const closeEvent = (openCorrectiveActions: number, who: EventActor = coordinator, when = day(70)): DrillEvent => ({
  type: 'CLOSE',
  actor: who,
  at: when,
  openCorrectiveActions,
});
const rescheduleEvent = (date: string, who: EventActor = coordinator, when = day(70), reason = 'Clashes with the audit'): DrillEvent => ({
  type: 'RESCHEDULE',
  actor: who,
  at: when,
  date,
  reason,
});

/*
 * Fixtures: one snapshot in every state, with the client events each accepts.
 */
interface Fixture {
  steps: Step[];
  state: DrillStateName;
  accepts: DrillClientEventType[];
}
const FIXTURES: Record<string, Fixture> = {
  'scheduled (upcoming)': { steps: [], state: 'scheduled', accepts: ['START', 'CANCEL', 'RESCHEDULE'] },
  'scheduled (upcoming, a reminder sent)': { steps: [(s) => due(s, 'reminder')], state: 'scheduled', accepts: ['START', 'CANCEL', 'RESCHEDULE'] },
  overdue: { steps: [(s) => due(s, 'start')], state: 'overdue', accepts: ['START', 'CANCEL', 'RESCHEDULE'] },
  in_progress: { steps: ['START'], state: 'in_progress', accepts: ['RECORD_PARTICIPANT', 'RECORD_OBSERVATION', 'COMPLETE', 'CANCEL'] },
  debrief: { steps: ['START', 'COMPLETE'], state: 'debrief', accepts: ['RECORD_PARTICIPANT', 'RECORD_OBSERVATION', 'SUBMIT_AFTER_ACTION'] },
  'debrief (after-action overdue)': {
    steps: ['START', 'COMPLETE', (s) => due(s, 'after_action')],
    state: 'debrief',
    accepts: ['RECORD_PARTICIPANT', 'RECORD_OBSERVATION', 'SUBMIT_AFTER_ACTION'],
  },
  'improvement (plan change owed)': { steps: ['START', 'COMPLETE', submit(true)], state: 'improvement', accepts: ['PLAN_UPDATED'] },
  'improvement (plan updated)': { steps: ['START', 'COMPLETE', submit(true), 'PLAN_UPDATED'], state: 'improvement', accepts: ['CLOSE'] },
  'improvement (no plan change)': { steps: ['START', 'COMPLETE', submit(false)], state: 'improvement', accepts: ['CLOSE'] },
  closed: { steps: ['START', 'COMPLETE', submit(false), 'CLOSE'], state: 'closed', accepts: [] },
  'cancelled (before the start)': { steps: ['CANCEL'], state: 'cancelled', accepts: [] },
  'cancelled (in progress)': { steps: ['START', 'CANCEL'], state: 'cancelled', accepts: [] },
};
const FIXTURE_NAMES = Object.keys(FIXTURES);
const built = new Map<string, DrillSnapshot>();
const fixture = (name: string) => {
  if (!built.has(name)) built.set(name, play(FIXTURES[name]!.steps));
  return built.get(name)!;
};
const ACCEPTING: Record<DrillClientEventType, string> = Object.fromEntries(
  DRILL_CLIENT_EVENT_TYPES.map((t) => [t, FIXTURE_NAMES.find((n) => FIXTURES[n]!.accepts.includes(t))!]),
) as Record<DrillClientEventType, string>;

function allStateIds(): string[] {
  const ids: string[] = [];
  const walk = (node: typeof drillMachine.root) => {
    ids.push(node.id);
    Object.values(node.states).forEach(walk);
  };
  walk(drillMachine.root);
  return ids;
}

describe('fixtures', () => {
  it.each(FIXTURE_NAMES)('%s is in the state it names', (name) => {
    expect(drillStateName(fixture(name))).toBe(FIXTURES[name]!.state);
  });

  it('cover every state node of the machine', () => {
    const reached = new Set(FIXTURE_NAMES.flatMap((n) => fixture(n)._nodes.map((node) => node.id)));
    expect(allStateIds().filter((id) => !reached.has(id))).toEqual([]);
    expect(allStateIds()).toHaveLength(9);
  });

  it('every client event type is accepted in some fixture', () => {
    expect(DRILL_CLIENT_EVENT_TYPES.filter((t) => !ACCEPTING[t])).toEqual([]);
  });
});

describe('which state accepts which event', () => {
  const cases = FIXTURE_NAMES.flatMap((name) => DRILL_CLIENT_EVENT_TYPES.map((type) => [name, type, FIXTURES[name]!.accepts.includes(type)] as const));
  it.each(cases)('%s × %s → accepted: %s', (name, type, accepted) => {
    const s = fixture(name);
    const event = sample(type);
    if (accepted) expect(applyDrillEvent(s, event).changed).toBe(true);
    else expectRefused(s, event);
  });

  it.each(FIXTURE_NAMES)('drillEventsInState(%s) lists exactly the accepted types', (name) => {
    expect(drillEventsInState(fixture(name))).toEqual(DRILL_CLIENT_EVENT_TYPES.filter((t) => FIXTURES[name]!.accepts.includes(t)));
  });

  it.each(['closed', 'cancelled (before the start)', 'cancelled (in progress)'])('%s is final: nothing is accepted, not even a deadline', (name) => {
    const s = fixture(name);
    expect(s.status).toBe('done');
    for (const kind of ALL_KINDS) expectRefused(s, dp(kind, DATE, day(200)));
    for (const [kind, clock] of Object.entries(s.context.clocks)) {
      expect([kind, clock.status]).not.toEqual([kind, 'pending']);
      expectRefused(s, dp(kind as DrillDeadlineKind, clock.dueAt, day(200), { step: clock.step }));
    }
  });
});

describe('who may send what', () => {
  it('the role table', () => {
    const running = ['continuity_coordinator', 'ciso', 'responder', 'on_call_manager'];
    const owning = ['continuity_coordinator', 'ciso'];
    expect(DRILL_EVENT_ROLES).toEqual({
      START: running,
      RECORD_PARTICIPANT: running,
      RECORD_OBSERVATION: running,
      COMPLETE: running,
      SUBMIT_AFTER_ACTION: owning,
      PLAN_UPDATED: owning,
      CLOSE: owning,
      CANCEL: owning,
      RESCHEDULE: owning,
    });
  });

  const allowedCases = DRILL_CLIENT_EVENT_TYPES.flatMap((type) => DRILL_EVENT_ROLES[type].map((r) => [type, r] as const));
  it.each(allowedCases)('%s is accepted from a %s', (type, r) => {
    const s = fixture(ACCEPTING[type]);
    expect(drillActorMaySend(type, actor('x', r))).toBe(true);
    expect(applyDrillEvent(s, sample(type, actor('x', r))).changed).toBe(true);
  });

  const refusedCases = DRILL_CLIENT_EVENT_TYPES.flatMap((type) => ALL_ROLES.filter((r) => !DRILL_EVENT_ROLES[type].includes(r)).map((r) => [type, r] as const));
  it.each(refusedCases)('%s is refused from a %s', (type, r) => {
    const s = fixture(ACCEPTING[type]);
    expect(drillActorMaySend(type, actor('x', r))).toBe(false);
    expectRefused(s, sample(type, actor('x', r)));
  });

  it.each(DRILL_CLIENT_EVENT_TYPES)('%s is refused from an actor without roles and from the superior agency', (type) => {
    const s = fixture(ACCEPTING[type]);
    expectRefused(s, sample(type, actor('x')));
    expectRefused(s, sample(type, superior));
  });

  it.each(DRILL_CLIENT_EVENT_TYPES.filter((t) => t !== 'PLAN_UPDATED'))('%s is refused from the system, whatever its roles', (type) => {
    const s = fixture(ACCEPTING[type]);
    expectRefused(s, sample(type, { id: 'system', roles: [...ALL_ROLES], relation: 'system' }));
  });

  it('PLAN_UPDATED is accepted from the system (a new plan version references the drill)', () => {
    const s = fixture('improvement (plan change owed)');
    const { snapshot } = send(s, sample('PLAN_UPDATED', system));
    expect(snapshot.context.planUpdate).toEqual({ planVersion: 3, at: day(70), by: 'system' });
  });

  it.each([
    ['a continuity coordinator', coordinator],
    ['a CISO', ciso],
    ['an actor with every role', actor('all', ...ALL_ROLES)],
    ['the superior agency', superior],
  ] as Array<[string, EventActor]>)('DEADLINE_PASSED is refused from %s', (_n, who) => {
    for (const name of ['scheduled (upcoming)', 'debrief']) {
      const s = fixture(name);
      for (const [kind, clock] of Object.entries(s.context.clocks)) {
        if (clock.status !== 'pending') continue;
        expect(drillActorMaySend('DEADLINE_PASSED', who)).toBe(false);
        expectRefused(s, dp(kind as DrillDeadlineKind, clock.dueAt, day(200), { step: clock.step, who }));
        expect(applyDrillEvent(s, dp(kind as DrillDeadlineKind, clock.dueAt, day(200), { step: clock.step })).changed).toBe(true);
      }
    }
  });
});

describe('missing or invalid data is refused (and never throws)', () => {
  const bad = (e: Record<string, unknown>) => e as unknown as DrillEvent;
  const event = (type: DrillClientEventType, patch: Record<string, unknown>, remove: string[] = []) => {
    const e: Record<string, unknown> = { ...sample(type), ...patch };
    for (const k of remove) delete e[k];
    return bad(e);
  };
  const withReport = (patch: Record<string, unknown>, remove: string[] = []) => {
    const r: Record<string, unknown> = { ...report(), ...patch };
    for (const k of remove) delete r[k];
    return event('SUBMIT_AFTER_ACTION', { report: r });
  };
  const cases: Array<[string, DrillEvent]> = [
    ['START without actor', event('START', {}, ['actor'])],
    ['START with an actor without roles list', event('START', { actor: { id: 'x', relation: 'own' } })],
    ['START without at', event('START', {}, ['at'])],
    ['START at a date without time', event('START', { at: '2026-06-15' })],
    ['START at a local time without offset', event('START', { at: '2026-06-15T09:00:00' })],
    ['START at an impossible date', event('START', { at: '2026-02-30T09:00:00Z' })],
    ['START at a number', event('START', { at: 1_780_000_000_000 })],
    ['RECORD_PARTICIPANT with a blank name', event('RECORD_PARTICIPANT', { name: '  ' })],
    ['RECORD_PARTICIPANT without role', event('RECORD_PARTICIPANT', {}, ['role'])],
    ['RECORD_PARTICIPANT with a 201-character name', event('RECORD_PARTICIPANT', { name: 'x'.repeat(201) })],
    ['RECORD_PARTICIPANT with a blank organisation', event('RECORD_PARTICIPANT', { organisation: '' })],
    ['RECORD_OBSERVATION with a blank text', event('RECORD_OBSERVATION', { text: '\t' })],
    ['RECORD_OBSERVATION without text', event('RECORD_OBSERVATION', {}, ['text'])],
    ['RECORD_OBSERVATION with 5001 characters', event('RECORD_OBSERVATION', { text: 'x'.repeat(5001) })],
    ['RECORD_OBSERVATION with a capability as a number', event('RECORD_OBSERVATION', { capability: 3 })],
    ['COMPLETE with a blank summary', event('COMPLETE', { summary: ' ' })],
    ['COMPLETE with a summary of a million characters', event('COMPLETE', { summary: 'x'.repeat(1_000_000) })],
    ['SUBMIT_AFTER_ACTION without report', event('SUBMIT_AFTER_ACTION', {}, ['report'])],
    ['SUBMIT_AFTER_ACTION with a report as a string', event('SUBMIT_AFTER_ACTION', { report: 'see attachment' })],
    ['SUBMIT_AFTER_ACTION without objectives', withReport({ objectives: [] })],
    ['SUBMIT_AFTER_ACTION with a blank objective', withReport({ objectives: ['ok', ' '] })],
    ['SUBMIT_AFTER_ACTION with a blank scenario', withReport({ scenario: '' })],
    ['SUBMIT_AFTER_ACTION without capabilities', withReport({ capabilities: [] })],
    ['SUBMIT_AFTER_ACTION with a rating X', withReport({ capabilities: [{ capability: 'Restore', rating: 'X' }] })],
    ['SUBMIT_AFTER_ACTION with a capability without name', withReport({ capabilities: [{ rating: 'P' }] })],
    ['SUBMIT_AFTER_ACTION with a participant without name', withReport({ participants: [{ role: 'IT' }] })],
    ['SUBMIT_AFTER_ACTION with strengths as a string', withReport({ strengths: 'many' })],
    ['SUBMIT_AFTER_ACTION without areasForImprovement', withReport({}, ['areasForImprovement'])],
    ['SUBMIT_AFTER_ACTION with a corrective action without dueAt', withReport({ correctiveActions: [{ title: 'Fix' }] })],
    ['SUBMIT_AFTER_ACTION with a corrective action due "soon"', withReport({ correctiveActions: [{ title: 'Fix', dueAt: 'soon' }] })],
    ['SUBMIT_AFTER_ACTION with a blank corrective action title', withReport({ correctiveActions: [{ title: ' ', dueAt: DATE }] })],
    ['SUBMIT_AFTER_ACTION with planChangeRequired "yes"', withReport({ planChangeRequired: 'yes' })],
    ['SUBMIT_AFTER_ACTION without planChangeRequired', withReport({}, ['planChangeRequired'])],
    ['SUBMIT_AFTER_ACTION with 501 strengths', withReport({ strengths: Array.from({ length: 501 }, () => 'ok') })],
    ['PLAN_UPDATED with version 0', event('PLAN_UPDATED', { planVersion: 0 })],
    ['PLAN_UPDATED with version 2.5', event('PLAN_UPDATED', { planVersion: 2.5 })],
    ['PLAN_UPDATED with version "4"', event('PLAN_UPDATED', { planVersion: '4' })],
    ['PLAN_UPDATED without version', event('PLAN_UPDATED', {}, ['planVersion'])],
    ['CLOSE without openCorrectiveActions', event('CLOSE', {}, ['openCorrectiveActions'])],
    ['CLOSE with openCorrectiveActions "0"', event('CLOSE', { openCorrectiveActions: '0' })],
    ['CLOSE with openCorrectiveActions -1', event('CLOSE', { openCorrectiveActions: -1 })],
    ['CLOSE with openCorrectiveActions NaN', event('CLOSE', { openCorrectiveActions: NaN })],
    ['CANCEL with a blank reason', event('CANCEL', { reason: '   ' })],
    ['CANCEL without reason', event('CANCEL', {}, ['reason'])],
    ['CANCEL with a 2001-character reason', event('CANCEL', { reason: 'x'.repeat(2001) })],
    ['RESCHEDULE without date', event('RESCHEDULE', {}, ['date'])],
    ['RESCHEDULE to a date without time', event('RESCHEDULE', { date: '2026-07-01' })],
    ['RESCHEDULE to the instant of the event', event('RESCHEDULE', { date: day(70) })],
    ['RESCHEDULE to the past', event('RESCHEDULE', { date: day(69) })],
    ['RESCHEDULE without reason', event('RESCHEDULE', {}, ['reason'])],
    ['RESCHEDULE with a 2001-character reason', event('RESCHEDULE', { reason: 'x'.repeat(2001) })],
  ];
  it.each(cases)('%s', (_name, e) => {
    const s = fixture(ACCEPTING[e.type as DrillClientEventType]);
    expect(() => applyDrillEvent(s, e)).not.toThrow();
    expectRefused(s, e);
  });

  it('a 2000-character reason is accepted', () => {
    expect(applyDrillEvent(fixture('in_progress'), event('CANCEL', { reason: 'x'.repeat(2000) })).changed).toBe(true);
  });

  it.each(FIXTURE_NAMES)('bare or unknown events are refused in %s', (name) => {
    const s = fixture(name);
    for (const type of [...DRILL_CLIENT_EVENT_TYPES, 'DEADLINE_PASSED', 'NOPE']) expectRefused(s, bad({ type }));
    expectRefused(s, bad({ type: 'DEADLINE_PASSED', actor: system, at: day(70) }));
    expectRefused(s, bad({ type: 'DEADLINE_PASSED', kind: 'paging', dueAt: DATE, actor: system, at: day(70) }));
    expectRefused(s, null as unknown as DrillEvent);
  });
});

describe('scheduling', () => {
  it('starts in scheduled.upcoming with the start deadline at the date and the earliest reminder armed', () => {
    const { snapshot, effects, persisted } = schedule();
    expect(snapshot.value).toEqual({ scheduled: 'upcoming' });
    expect(drillStateName(snapshot)).toBe('scheduled');
    expect(effects).toEqual([
      startDeadline('start', DATE),
      startDeadline('reminder', R30, 0),
      timeline('scheduled', { drillType: 'tabletop', scheduledFor: DATE, by: 'system' }),
    ]);
    expect(snapshot.context).toMatchObject({
      drillId: 'drill-1',
      planId: 'plan-1',
      agencyId: 'agency-1',
      drillType: 'tabletop',
      scheduledFor: DATE,
      originalScheduledFor: DATE,
      reminders: ['P30D', 'P7D', 'P1D'],
      afterActionWindow: 'P30D',
      scheduledAt: NOW,
      clocks: { start: { dueAt: DATE, status: 'pending' }, reminder: { dueAt: R30, status: 'pending', step: 0 } },
      remindersSent: [],
      participants: [],
      observations: [],
      breaches: [],
      reschedules: [],
      afterAction: null,
      planUpdate: null,
      cancellation: null,
      closedAt: null,
    });
    expect(JSON.parse(JSON.stringify(persisted)).context).toEqual(JSON.parse(JSON.stringify(snapshot.context)));
  });

  it('skips reminders already past: scheduled 20 days ahead, the 7-day reminder is the first', () => {
    const { snapshot, effects } = schedule({ now: '2026-05-26T01:00:00.000Z' });
    expect(ofType(effects, 'startDeadline')).toEqual([startDeadline('start', DATE), startDeadline('reminder', R7, 1)]);
    expect(snapshot.context.clocks.reminder).toEqual({ dueAt: R7, status: 'pending', step: 1 });
  });

  it('a reminder due exactly now is past', () => {
    const { effects } = schedule({ now: R7 });
    expect(ofType(effects, 'startDeadline')).toEqual([startDeadline('start', DATE), startDeadline('reminder', R1, 2)]);
  });

  it('arms no reminder when all are past, and none without reminders', () => {
    for (const o of [{ now: '2026-06-14T12:00:00.000Z' }, { reminders: [] }]) {
      const { snapshot, effects } = schedule(o);
      expect(ofType(effects, 'startDeadline')).toEqual([startDeadline('start', DATE)]);
      expect(snapshot.context.clocks.reminder).toBeUndefined();
    }
  });

  it('orders reminders by time whatever their order in the list (step = index in the list)', () => {
    let s = schedule({ reminders: ['P1D', 'P30D', 'P7D'] }).snapshot;
    expect(s.context.clocks.reminder).toEqual({ dueAt: R30, status: 'pending', step: 1 });
    s = send(s, due(s, 'reminder')).snapshot;
    expect(s.context.clocks.reminder).toEqual({ dueAt: R7, status: 'pending', step: 2 });
    s = send(s, due(s, 'reminder')).snapshot;
    expect(s.context.clocks.reminder).toEqual({ dueAt: R1, status: 'pending', step: 0 });
  });

  it('counts months on the calendar and keeps only reminders before the date', () => {
    // 2026-03-31 minus one month is 2026-02-28 (the end of February), not 2026-03-03.
    expect(nextDrillReminder('2026-03-31T09:00:00.000Z', ['P1M'], '2026-01-01T00:00:00.000Z')).toEqual({ step: 0, dueAt: '2026-02-28T09:00:00.000Z' });
    expect(nextDrillReminder(DATE, ['PT0S'], NOW)).toBeNull();
  });

  it('normalises an instant with an offset to UTC', () => {
    const { snapshot, effects } = schedule({ scheduledFor: '2026-06-15T09:00:00+08:00' });
    expect(snapshot.context.scheduledFor).toBe(DATE);
    expect(effects[0]).toEqual(startDeadline('start', DATE));
  });

  it.each([
    ['a blank drillId', { drillId: ' ' }, /drillId/],
    ['an unknown drill type', { drillType: 'live_fire' as never }, /drillType/],
    ['a date without time', { scheduledFor: '2026-06-15' }, /scheduledFor/],
    ['a local now', { now: '2026-04-01T00:00:00' }, /now/],
    ['a reminder that is not a duration', { reminders: ['7 days'] }, /reminders/],
    ['a negative reminder', { reminders: ['-P1D'] }, /reminders/],
    ['a zero after-action window', { afterActionWindow: 'P0D' }, /afterActionWindow/],
    ['a scheduler from a superior agency', { scheduledBy: { id: 's', roles: [], relation: 'superior' as never } }, /scheduledBy/],
    ['an isDrill flag', { isDrill: true as never }, /isDrill/],
  ] as Array<[string, Partial<DrillInput>, RegExp]>)('refuses %s', (_n, o, message) => {
    expect(drillInputProblems(input(o)).join('; ')).toMatch(message);
    expect(() => schedule(o)).toThrow(message);
  });

  it('accepts a valid input without problems', () => {
    expect(drillInputProblems(input())).toEqual([]);
  });
});

describe('DEADLINE_PASSED reminder (scheduled.upcoming)', () => {
  it('tells the coordinator and the CISO, and arms the next reminder, one at a time', () => {
    let s = schedule().snapshot;
    const sent: unknown[] = [];
    for (const [dueAt, step, next] of [
      [R30, 0, startDeadline('reminder', R7, 1)],
      [R7, 1, startDeadline('reminder', R1, 2)],
      [R1, 2, null],
    ] as const) {
      const when = plusMs(dueAt, 30_000);
      const { snapshot, effects } = send(s, dp('reminder', dueAt, when, { step }));
      expect(drillStateName(snapshot)).toBe('scheduled');
      expect(effects).toEqual([notify('drill.reminder'), ...(next ? [next] : []), timeline('reminder_sent', { step, dueAt, scheduledFor: DATE })]);
      sent.push({ step, dueAt, at: when });
      expect(snapshot.context.remindersSent).toEqual(sent);
      // Fires once.
      expectRefused(snapshot, dp('reminder', dueAt, when, { step }));
      s = snapshot;
    }
    expect(s.context.clocks.reminder).toEqual({ dueAt: R1, status: 'met', step: 2 });
    expect(s.context.clocks.start).toEqual({ dueAt: DATE, status: 'pending' });
  });

  it('a late reminder skips the reminders that passed meanwhile', () => {
    const s = schedule().snapshot;
    const { snapshot, effects } = send(s, dp('reminder', R30, '2026-06-10T00:00:00.000Z'));
    expect(ofType(effects, 'startDeadline')).toEqual([startDeadline('reminder', R1, 2)]);
    expect(snapshot.context.clocks.reminder).toEqual({ dueAt: R1, status: 'pending', step: 2 });
  });

  it('two reminders at the same instant remind once', () => {
    let s = schedule({ reminders: ['P7D', 'P1W', 'P1D'] }).snapshot;
    expect(s.context.clocks.reminder).toEqual({ dueAt: R7, status: 'pending', step: 0 });
    s = send(s, due(s, 'reminder')).snapshot;
    expect(s.context.clocks.reminder).toEqual({ dueAt: R1, status: 'pending', step: 2 });
  });

  it('refuses a stale reminder: another dueAt, another step, one never armed', () => {
    const s = schedule().snapshot;
    expectRefused(s, dp('reminder', R7, plusMs(R7, 1000), { step: 1 }));
    expectRefused(s, dp('reminder', R30, plusMs(R30, 1000), { step: 2 }));
    expectRefused(s, dp('reminder', 'soon', plusMs(R30, 1000)));
    expectRefused(schedule({ reminders: [] }).snapshot, dp('reminder', R30, plusMs(R30, 1000), { step: 0 }));
    // The dueAt is compared as an instant, not as text.
    expect(applyDrillEvent(s, dp('reminder', '2026-05-16T09:00:00+08:00', plusMs(R30, 1000))).changed).toBe(true);
  });

  it('refuses a reminder once overdue, started or cancelled', () => {
    const s = schedule().snapshot;
    for (const next of [send(s, due(s, 'start')).snapshot, send(s, sample('START')).snapshot, send(s, sample('CANCEL')).snapshot]) {
      expect(next.context.clocks.reminder!.status).toBe('cancelled');
      expectRefused(next, dp('reminder', R30, plusMs(R30, 1000), { step: 0 }));
    }
  });
});

describe('DEADLINE_PASSED start (scheduled.upcoming → scheduled.overdue)', () => {
  it('records the breach, cancels the pending reminder and escalates to the coordinator and the CISO, once', () => {
    const s = schedule().snapshot;
    const when = plusMs(DATE, 90_000);
    const { snapshot, effects } = send(s, dp('start', DATE, when));
    expect(snapshot.value).toEqual({ scheduled: 'overdue' });
    expect(drillStateName(snapshot)).toBe('overdue');
    expect(effects).toEqual([cancelDeadlines('reminder'), notify('drill.overdue'), timeline('overdue', { scheduledFor: DATE, dueAt: DATE })]);
    expect(snapshot.context.breaches).toEqual([{ kind: 'start', dueAt: DATE, at: when, lateByMs: 90_000 }]);
    expect(snapshot.context.clocks).toEqual({ start: { dueAt: DATE, status: 'breached' }, reminder: { dueAt: R30, status: 'cancelled', step: 0 } });
    expect(snapshot.can(dp('start', DATE, when))).toBe(false);
    expectRefused(snapshot, dp('start', DATE, when));
    expectRefused(snapshot, dp('start', DATE, day(100)));
  });

  it('without a pending reminder, nothing is cancelled', () => {
    const s = schedule({ reminders: [] }).snapshot;
    const { effects } = send(s, dp('start', DATE, DATE));
    expect(ofType(effects, 'cancelDeadlines')).toEqual([]);
  });

  it('refuses a stale start deadline (another date)', () => {
    expectRefused(schedule().snapshot, dp('start', R1, DATE));
  });
});

describe('START (scheduled.* → in_progress)', () => {
  it('meets the start deadline, cancels the reminder and records who started when', () => {
    const s = schedule().snapshot;
    const { snapshot, effects } = send(s, sample('START', manager, day(75)));
    expect(snapshot.value).toBe('in_progress');
    expect(effects).toEqual([meetDeadline('start'), cancelDeadlines('reminder'), timeline('started', { scheduledFor: DATE, late: false })]);
    expect(snapshot.context).toMatchObject({ startedAt: day(75), startedBy: 'm' });
    expect(snapshot.context.clocks).toEqual({ start: { dueAt: DATE, status: 'met' }, reminder: { dueAt: R30, status: 'cancelled', step: 0 } });
    // The start deadline is met: it never fires.
    expectRefused(snapshot, dp('start', DATE, plusMs(DATE, 1000)));
  });

  it('from overdue: the breached start deadline is not met again', () => {
    const s = fixture('overdue');
    const { snapshot, effects } = send(s, sample('START', coordinator, plusMs(DATE, 86_400_000)));
    expect(snapshot.value).toBe('in_progress');
    expect(effects).toEqual([cancelDeadlines('reminder'), timeline('started', { scheduledFor: DATE, late: true })]);
    expect(snapshot.context.clocks.start!.status).toBe('breached');
    expect(snapshot.context.breaches).toHaveLength(1);
  });
});

describe('RECORD_PARTICIPANT and RECORD_OBSERVATION (in_progress, debrief)', () => {
  it.each(['in_progress', 'debrief'])('in %s: appended with who and when, in the timeline, without a change of state', (name) => {
    let s = fixture(name);
    const first = send(s, sample('RECORD_PARTICIPANT', responder, day(71)));
    expect(first.effects).toEqual([timeline('participant_recorded', { name: 'Wang', role: 'Network engineer', organisation: 'Vendor X' })]);
    s = first.snapshot;
    s = send(s, { type: 'RECORD_PARTICIPANT', actor: ciso, at: day(72), name: 'Lee', role: 'Legal' }).snapshot;
    const obs = send(s, sample('RECORD_OBSERVATION', manager, day(73)));
    expect(obs.effects).toEqual([timeline('observation_recorded', { capability: 'Backup restore', index: 0 })]);
    s = send(obs.snapshot, { type: 'RECORD_OBSERVATION', actor: coordinator, at: day(74), text: 'Phones worked' }).snapshot;
    expect(drillStateName(s)).toBe(name);
    expect(s.context.participants).toEqual([
      { name: 'Wang', role: 'Network engineer', organisation: 'Vendor X', at: day(71), by: 'resp' },
      { name: 'Lee', role: 'Legal', organisation: null, at: day(72), by: 'c' },
    ]);
    expect(s.context.observations).toEqual([
      { text: 'The backup catalogue was out of date', capability: 'Backup restore', at: day(73), by: 'm' },
      { text: 'Phones worked', capability: null, at: day(74), by: 'coord' },
    ]);
  });
});

describe('COMPLETE (in_progress → debrief)', () => {
  it('starts the after-action deadline (default 30 days) and tells the coordinator', () => {
    const s = fixture('in_progress');
    const { snapshot, effects } = send(s, sample('COMPLETE', responder, '2026-06-15T05:00:00.000Z'));
    const dueAt = '2026-07-15T05:00:00.000Z';
    expect(snapshot.value).toBe('debrief');
    expect(effects).toEqual([
      startDeadline('after_action', dueAt),
      timeline('completed', { summary: 'All injects played', afterActionDueAt: dueAt }),
      notify('drill.after_action_due', [role('continuity_coordinator')]),
    ]);
    expect(snapshot.context).toMatchObject({
      completedAt: '2026-06-15T05:00:00.000Z',
      completedBy: 'resp',
      completionSummary: 'All injects played',
      afterActionDueAt: dueAt,
      afterActionOverdue: false,
    });
    expect(snapshot.context.clocks.after_action).toEqual({ dueAt, status: 'pending' });
  });

  it('without a summary', () => {
    const { snapshot } = send(fixture('in_progress'), { type: 'COMPLETE', actor: responder, at: day(75) });
    expect(snapshot.context.completionSummary).toBeNull();
  });

  it.each([
    // One month after Jan 31 is Feb 28 (the calendar), not Mar 3 (30 days).
    ['P1M', '2026-01-31T10:00:00.000Z', '2026-02-28T10:00:00.000Z'],
    ['P30D', '2026-01-31T10:00:00.000Z', '2026-03-02T10:00:00.000Z'],
    ['P2W', '2026-12-25T23:30:00.000Z', '2027-01-08T23:30:00.000Z'],
    ['PT36H', '2026-06-15T12:00:00.000Z', '2026-06-17T00:00:00.000Z'],
  ])('with a window of %s, completed at %s, the report is due at %s (UTC calendar)', (window, completedAt, dueAt) => {
    let s = schedule({ afterActionWindow: window, now: '2025-12-01T00:00:00.000Z', scheduledFor: '2026-01-15T00:00:00.000Z' }).snapshot;
    s = send(s, sample('START', responder, '2026-01-15T00:00:00.000Z')).snapshot;
    const { snapshot, effects } = send(s, sample('COMPLETE', responder, completedAt));
    expect(snapshot.context.afterActionDueAt).toBe(dueAt);
    expect(effects).toContainEqual(startDeadline('after_action', dueAt));
  });
});

describe('DEADLINE_PASSED after_action (debrief)', () => {
  it('records the breach, escalates once, stays in debrief', () => {
    const s = fixture('debrief');
    const dueAt = s.context.afterActionDueAt!;
    const when = plusMs(dueAt, 5_000);
    const { snapshot, effects } = send(s, dp('after_action', dueAt, when));
    expect(snapshot.value).toBe('debrief');
    expect(effects).toEqual([notify('drill.after_action_overdue'), timeline('after_action_overdue', { dueAt })]);
    expect(snapshot.context.afterActionOverdue).toBe(true);
    expect(snapshot.context.clocks.after_action).toEqual({ dueAt, status: 'breached' });
    expect(snapshot.context.breaches).toEqual([{ kind: 'after_action', dueAt, at: when, lateByMs: 5_000 }]);
    expectRefused(snapshot, dp('after_action', dueAt, when));
    expectRefused(snapshot, dp('after_action', dueAt, day(300)));
  });

  it('refuses a stale after-action deadline and one for a report already submitted', () => {
    const s = fixture('debrief');
    expectRefused(s, dp('after_action', DATE, day(300)));
    const improvement = fixture('improvement (no plan change)');
    expectRefused(improvement, dp('after_action', improvement.context.afterActionDueAt!, day(300)));
  });

  it('is refused before debrief (no after-action clock yet)', () => {
    expectRefused(fixture('in_progress'), dp('after_action', DATE, day(300)));
  });
});

describe('SUBMIT_AFTER_ACTION (debrief → improvement)', () => {
  it('in time: meets the deadline, keeps the summary, tells the coordinator and the CISO', () => {
    const s = fixture('debrief');
    const { snapshot, effects } = send(s, submitEvent(report(), ciso, day(80)));
    expect(snapshot.value).toBe('improvement');
    expect(effects).toEqual([
      meetDeadline('after_action'),
      timeline('after_action_submitted', { late: false, planChangeRequired: true, correctiveActions: 1 }),
      notify('drill.after_action_submitted'),
    ]);
    expect(snapshot.context.afterAction).toEqual({
      submittedAt: day(80),
      submittedBy: 'c',
      dueAt: s.context.afterActionDueAt,
      objectives: 1,
      capabilities: [
        { capability: 'Backup restore', rating: 'S' },
        { capability: 'Communications', rating: 'P' },
      ],
      correctiveActions: 1,
      planChangeRequired: true,
    });
    expect(snapshot.context).toMatchObject({ planChangeRequired: true, afterActionLate: false, planUpdate: null });
    expect(snapshot.context.clocks.after_action!.status).toBe('met');
  });

  it('late but before the deadline fired: met, and marked late', () => {
    const s = fixture('debrief');
    const { snapshot, effects } = send(s, sample('SUBMIT_AFTER_ACTION', coordinator, plusMs(s.context.afterActionDueAt!, 1)));
    expect(snapshot.context.afterActionLate).toBe(true);
    expect(effects).toContainEqual(meetDeadline('after_action'));
  });

  it('exactly at the due instant is in time', () => {
    const s = fixture('debrief');
    expect(send(s, sample('SUBMIT_AFTER_ACTION', coordinator, s.context.afterActionDueAt!)).snapshot.context.afterActionLate).toBe(false);
  });

  it('after the overdue escalation: late, and the breached deadline is not met', () => {
    const s = fixture('debrief (after-action overdue)');
    const { snapshot, effects } = send(s, sample('SUBMIT_AFTER_ACTION', coordinator, day(400)));
    expect(snapshot.context.afterActionLate).toBe(true);
    expect(snapshot.context.afterActionOverdue).toBe(true);
    expect(ofType(effects, 'meetDeadline')).toEqual([]);
    expect(snapshot.context.clocks.after_action!.status).toBe('breached');
  });

  it('a minimal report: no participants, strengths, areas or corrective actions', () => {
    const r = report({ participants: [], strengths: [], areasForImprovement: [], correctiveActions: [], planChangeRequired: false });
    const { snapshot } = send(fixture('debrief'), { type: 'SUBMIT_AFTER_ACTION', actor: coordinator, at: day(80), report: r });
    expect(snapshot.context.afterAction!.correctiveActions).toBe(0);
    expect(snapshot.context.planChangeRequired).toBe(false);
  });
});

describe('PLAN_UPDATED (improvement, while a plan change is owed)', () => {
  it('records the plan version, once', () => {
    const s = fixture('improvement (plan change owed)');
    const { snapshot, effects } = send(s, sample('PLAN_UPDATED', coordinator, day(90)));
    expect(snapshot.value).toBe('improvement');
    expect(effects).toEqual([timeline('plan_updated', { planVersion: 3 })]);
    expect(snapshot.context.planUpdate).toEqual({ planVersion: 3, at: day(90), by: 'coord' });
    expectRefused(snapshot, sample('PLAN_UPDATED', coordinator, day(91)));
    expectRefused(snapshot, sample('PLAN_UPDATED', system, day(91)));
  });

  it('is refused when the report asked for no plan change', () => {
    expectRefused(fixture('improvement (no plan change)'), sample('PLAN_UPDATED', system));
  });

  it.each(['scheduled (upcoming)', 'overdue', 'in_progress', 'debrief', 'closed', 'cancelled (in progress)'])('is refused in %s', (name) => {
    expectRefused(fixture(name), sample('PLAN_UPDATED', system));
  });
});

describe('CLOSE (improvement → closed)', () => {
  it('closes with no open corrective action and no plan change required, and tells the coordinator and the CISO', () => {
    const s = fixture('improvement (no plan change)');
    const { snapshot, effects } = send(s, sample('CLOSE', ciso, day(120)));
    expect(snapshot.value).toBe('closed');
    expect(snapshot.status).toBe('done');
    expect(effects).toEqual([timeline('closed', { planVersion: null }), notify('drill.closed')]);
    expect(snapshot.context).toMatchObject({ closedAt: day(120), closedBy: 'c' });
  });

  it('is blocked while a required plan change is not made, until PLAN_UPDATED', () => {
    let s = fixture('improvement (plan change owed)');
    expect(s.can(sample('CLOSE'))).toBe(false);
    expectRefused(s, sample('CLOSE'));
    s = send(s, sample('PLAN_UPDATED', system, day(100))).snapshot;
    const { snapshot, effects } = send(s, sample('CLOSE', coordinator, day(120)));
    expect(snapshot.value).toBe('closed');
    expect(effects).toEqual([timeline('closed', { planVersion: 3 }), notify('drill.closed')]);
  });

  it.each(['improvement (no plan change)', 'improvement (plan updated)'])('is blocked in %s while corrective actions are open', (name) => {
    const s = fixture(name);
    for (const open of [1, 2, 40]) expectRefused(s, closeEvent(open));
    expect(applyDrillEvent(s, closeEvent(0)).changed).toBe(true);
  });
});

describe('CANCEL (scheduled.* | in_progress → cancelled)', () => {
  it.each(['scheduled (upcoming)', 'overdue', 'in_progress'])('from %s: every deadline cancelled, the coordinator and the CISO told', (name) => {
    const s = fixture(name);
    const { snapshot, effects } = send(s, sample('CANCEL', coordinator, day(72)));
    expect(snapshot.value).toBe('cancelled');
    expect(snapshot.status).toBe('done');
    expect(effects).toEqual([
      cancelDeadlines('reminder', 'start', 'after_action'),
      timeline('cancelled', { reason: 'The data centre move takes the week' }),
      notify('drill.cancelled'),
    ]);
    expect(snapshot.context.cancellation).toEqual({ at: day(72), by: 'coord', reason: 'The data centre move takes the week' });
    expect(Object.values(snapshot.context.clocks).filter((c) => c.status === 'pending')).toEqual([]);
    // Nothing fires afterwards.
    for (const [kind, clock] of Object.entries(s.context.clocks))
      expectRefused(snapshot, dp(kind as DrillDeadlineKind, clock.dueAt, day(200), { step: clock.step }));
  });

  it.each(['debrief', 'improvement (no plan change)', 'closed'])('is refused in %s', (name) => {
    expectRefused(fixture(name), sample('CANCEL'));
  });
});

describe('RESCHEDULE (scheduled.* → scheduled.upcoming)', () => {
  it('moves the start deadline and plans the reminders again from now (those already past are skipped)', () => {
    const s = fixture('scheduled (upcoming)');
    const at = '2026-06-10T00:00:00.000Z';
    const to = '2026-07-01T01:00:00.000Z';
    const { snapshot, effects } = send(s, { type: 'RESCHEDULE', actor: ciso, at, date: to, reason: 'Clashes with the audit' });
    expect(snapshot.value).toEqual({ scheduled: 'upcoming' });
    // 30 days before July 1 is June 1: already past on June 10. The 7-day reminder (June 24) is next.
    expect(effects).toEqual([
      startDeadline('start', to),
      startDeadline('reminder', '2026-06-24T01:00:00.000Z', 1),
      timeline('rescheduled', { from: DATE, to, reason: 'Clashes with the audit' }),
      notify('drill.rescheduled'),
    ]);
    expect(snapshot.context).toMatchObject({
      scheduledFor: to,
      originalScheduledFor: DATE,
      reschedules: [{ from: DATE, to, reason: 'Clashes with the audit', at, by: 'c' }],
    });
    expect(snapshot.context.clocks).toEqual({
      start: { dueAt: to, status: 'pending' },
      reminder: { dueAt: '2026-06-24T01:00:00.000Z', status: 'pending', step: 1 },
    });
    // The old deadlines are stale now.
    expectRefused(snapshot, dp('start', DATE, plusMs(DATE, 1000)));
    expectRefused(snapshot, dp('reminder', R30, plusMs(R30, 1000), { step: 0 }));
    expect(send(snapshot, dp('start', to, plusMs(to, 1000))).snapshot.value).toEqual({ scheduled: 'overdue' });
  });

  it('cancels the pending reminder when no reminder of the new date is ahead', () => {
    const s = fixture('scheduled (upcoming)');
    const at = '2026-06-14T00:00:00.000Z';
    const to = '2026-06-14T06:00:00.000Z';
    const { snapshot, effects } = send(s, { type: 'RESCHEDULE', actor: coordinator, at, date: to, reason: 'Earlier' });
    expect(ofType(effects, 'startDeadline')).toEqual([startDeadline('start', to)]);
    expect(ofType(effects, 'cancelDeadlines')).toEqual([cancelDeadlines('reminder')]);
    expect(snapshot.context.clocks.reminder!.status).toBe('cancelled');
  });

  it('from overdue: back to upcoming, and the new date escalates again if it is missed too', () => {
    let s = fixture('overdue');
    const at = plusMs(DATE, 86_400_000);
    const to = '2026-09-01T01:00:00.000Z';
    const moved = send(s, { type: 'RESCHEDULE', actor: coordinator, at, date: to, reason: 'Staff were on a course' });
    expect(moved.snapshot.value).toEqual({ scheduled: 'upcoming' });
    expect(drillStateName(moved.snapshot)).toBe('scheduled');
    expect(ofType(moved.effects, 'startDeadline')).toEqual([startDeadline('start', to), startDeadline('reminder', '2026-08-02T01:00:00.000Z', 0)]);
    expect(ofType(moved.effects, 'cancelDeadlines')).toEqual([]);
    s = send(moved.snapshot, due(moved.snapshot, 'start')).snapshot;
    expect(drillStateName(s)).toBe('overdue');
    expect(s.context.breaches.map((b) => b.dueAt)).toEqual([DATE, to]);
  });

  it('normalises the new date to UTC', () => {
    const { snapshot, effects } = send(fixture('scheduled (upcoming)'), rescheduleEvent('2026-07-01T09:00:00+08:00'));
    expect(snapshot.context.scheduledFor).toBe('2026-07-01T01:00:00.000Z');
    expect(effects[0]).toEqual(startDeadline('start', '2026-07-01T01:00:00.000Z'));
  });

  it('keeps every reschedule', () => {
    let s = fixture('scheduled (upcoming)');
    s = send(s, rescheduleEvent('2026-07-01T01:00:00.000Z', coordinator, day(10))).snapshot;
    s = send(s, rescheduleEvent('2026-08-01T01:00:00.000Z', ciso, day(11), 'Again')).snapshot;
    expect(s.context.reschedules.map((r) => [r.from, r.to, r.by])).toEqual([
      [DATE, '2026-07-01T01:00:00.000Z', 'coord'],
      ['2026-07-01T01:00:00.000Z', '2026-08-01T01:00:00.000Z', 'c'],
    ]);
    expect(s.context.originalScheduledFor).toBe(DATE);
  });

  it.each(['in_progress', 'debrief', 'improvement (no plan change)', 'closed', 'cancelled (before the start)'])('is refused in %s', (name) => {
    expectRefused(fixture(name), sample('RESCHEDULE'));
  });
});

describe('drillStateName', () => {
  it('names every state', () => {
    expect(new Set(FIXTURE_NAMES.map((n) => drillStateName(fixture(n))))).toEqual(
      new Set(['scheduled', 'overdue', 'in_progress', 'debrief', 'improvement', 'closed', 'cancelled']),
    );
  });
});

describe('allowedDrillEvents', () => {
  const types = (s: DrillSnapshot, who: EventActor) => allowedDrillEvents(s, who).map((e) => e.type);

  it('lists the events with their required fields', () => {
    const s = fixture('scheduled (upcoming)');
    expect(allowedDrillEvents(s, coordinator)).toEqual([
      { type: 'START', requires: [] },
      { type: 'CANCEL', requires: ['reason'] },
      { type: 'RESCHEDULE', requires: ['date', 'reason'] },
    ]);
    expect(types(s, responder)).toEqual(['START']);
    expect(types(s, reporter)).toEqual([]);
    expect(types(s, system)).toEqual([]);
    expect(allowedDrillEvents(fixture('improvement (plan change owed)'), system)).toEqual([{ type: 'PLAN_UPDATED', requires: ['planVersion'] }]);
    expect(DRILL_EVENT_REQUIRES.CLOSE).toEqual([]);
  });

  const actors: Array<[string, EventActor]> = [
    ['coordinator', coordinator],
    ['ciso', ciso],
    ['responder', responder],
    ['manager', manager],
    ['reporter', reporter],
    ['auditor', auditor],
    ['admin', admin],
    ['superior', superior],
    ['system', system],
  ];
  it.each(FIXTURE_NAMES.flatMap((name) => actors.map(([n, a]) => [name, n, a] as const)))(
    'in %s, for the %s, lists exactly the events that would be accepted from them',
    (name, _n, who) => {
      const s = fixture(name);
      const accepted = DRILL_CLIENT_EVENT_TYPES.filter((t) => applyDrillEvent(s, sample(t, who)).changed);
      expect(types(s, who)).toEqual(accepted);
    },
  );
});

describe('persistence', () => {
  const roundTrip = (s: DrillSnapshot) =>
    restoreDrill({ machineVersion: DRILL_MACHINE_VERSION, snapshot: JSON.parse(JSON.stringify(drillMachine.getPersistedSnapshot(s))) });

  it.each(FIXTURE_NAMES)('%s restores from JSON to the same state, accepting the same events', (name) => {
    const s = fixture(name);
    const restored = roundTrip(s);
    expect(restored.value).toEqual(s.value);
    expect(restored.status).toBe(s.status);
    expect(restored.context).toEqual(s.context);
    expect(drillEventsInState(restored)).toEqual(drillEventsInState(s));
    for (const type of DRILL_CLIENT_EVENT_TYPES) {
      const event = sample(type);
      const a = applyDrillEvent(s, event);
      const b = applyDrillEvent(restored, event);
      expect([type, b.changed]).toEqual([type, a.changed]);
      expect(b.effects).toEqual(a.effects);
      if (a.changed) expect(b.persisted).toEqual(a.persisted);
    }
    for (const [kind, clock] of Object.entries(s.context.clocks)) {
      const event = dp(kind as DrillDeadlineKind, clock.dueAt, day(300), { step: clock.step });
      expect([kind, applyDrillEvent(restored, event).changed]).toEqual([kind, applyDrillEvent(s, event).changed]);
    }
  });

  it('a drill restored from JSON after every step runs to closed', () => {
    const steps: Step[] = [
      (s) => due(s, 'reminder'),
      (s) => due(s, 'reminder'),
      'RESCHEDULE',
      (s) => due(s, 'start'),
      sample('START', coordinator, day(100)),
      sample('RECORD_PARTICIPANT', responder, day(100)),
      sample('COMPLETE', responder, day(101)),
      (s) => due(s, 'after_action'),
      sample('SUBMIT_AFTER_ACTION', coordinator, day(140)),
      sample('PLAN_UPDATED', system, day(150)),
      sample('CLOSE', coordinator, day(160)),
    ];
    let s = schedule().snapshot;
    for (const step of steps) {
      const event = typeof step === 'string' ? sample(step, undefined, day(60)) : typeof step === 'function' ? step(s) : step;
      s = roundTrip(send(roundTrip(s), event).snapshot);
    }
    expect(drillStateName(s)).toBe('closed');
    expect(s.context.breaches.map((b) => b.kind)).toEqual(['start', 'after_action']);
    expect(s.context.remindersSent.map((r) => r.step)).toEqual([0, 1]);
    expect(s.context).toMatchObject({ afterActionLate: true, afterActionOverdue: true, planUpdate: { planVersion: 3, at: day(150), by: 'system' } });
  });

  it('refuses a snapshot from a newer machine, of a version it has no upgrade for, or that is not an object', () => {
    const persisted = drillMachine.getPersistedSnapshot(schedule().snapshot);
    expect(() => restoreDrill({ machineVersion: DRILL_MACHINE_VERSION + 1, snapshot: persisted })).toThrow(/newer machine/);
    expect(() => restoreDrill({ machineVersion: 0, snapshot: persisted })).toThrow(/no upgrade/);
    expect(() => restoreDrill({ machineVersion: DRILL_MACHINE_VERSION, snapshot: null })).toThrow(/not an object/);
  });
});

describe("calendar arithmetic in the agency's zone", () => {
  // Berlin moves to summer time on 2026-03-29: "7 days before 09:00" must still be 09:00 local.
  const berlin = input({ timezone: 'Europe/Berlin', scheduledFor: '2026-04-01T07:00:00.000Z', reminders: ['P7D'], now: '2026-03-01T00:00:00.000Z' });

  it('arms a reminder at the same local time, across a daylight-saving change', () => {
    const zoned = scheduleDrill(berlin);
    const inUtc = scheduleDrill({ ...berlin, timezone: undefined });
    const reminderOf = (effects: DrillEffect[]) => effects.find((e) => e.type === 'startDeadline' && e.params.kind === 'reminder');
    expect(reminderOf(zoned.effects)).toMatchObject({ params: { dueAt: '2026-03-25T08:00:00.000Z' } }); // 09:00 CET
    expect(reminderOf(inUtc.effects)).toMatchObject({ params: { dueAt: '2026-03-25T07:00:00.000Z' } }); // drills stored before the zone was kept
    expect(nextDrillReminder('2026-04-01T07:00:00.000Z', ['P7D'], '2026-03-01T00:00:00.000Z', 'Europe/Berlin')).toEqual({
      step: 0,
      dueAt: '2026-03-25T08:00:00.000Z',
    });
  });

  it('counts the after-action window on the local calendar', () => {
    let snapshot = scheduleDrill({ ...berlin, scheduledFor: '2026-03-20T09:00:00.000Z', reminders: [] }).snapshot;
    snapshot = applyDrillEvent(snapshot, { type: 'START', actor: coordinator, at: '2026-03-20T09:00:00.000Z' }).snapshot;
    const completed = applyDrillEvent(snapshot, { type: 'COMPLETE', actor: coordinator, at: '2026-03-20T09:00:00.000Z' }); // 10:00 CET
    expect(completed.snapshot.context.afterActionDueAt).toBe('2026-04-19T08:00:00.000Z'); // 10:00 CEST, 30 days later
  });

  it('refuses a zone that does not exist', () => {
    expect(drillInputProblems({ ...berlin, timezone: 'Mars/Olympus' })).toContain('timezone is not an IANA time zone');
  });
});
