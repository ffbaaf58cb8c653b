import { describe, expect, it } from '@jest/globals';
import { createTestModel, getShortestPaths, getSimplePaths, type StatePath, type TestParam, type TestPath } from 'xstate/graph';
import type { EventActor } from '../incident/incident.events.js';
import { DRILL_CLIENT_EVENT_TYPES, DRILL_DEADLINE_KINDS, type AfterActionReport, type DrillDeadlineKind, type DrillEvent } from './drill.events.js';
import { DRILL_MACHINE_VERSION, drillMachine, type DrillEffect, type DrillInput } from './drill.machine.js';
import { applyDrillEvent, drillStateName, restoreDrill, scheduleDrill, type DrillSnapshot } from './drill.runtime.js';

/*
 * Model-based tests: xstate/graph walks the drill machine with a finite set of concrete events
 * (valid data from allowed actors, every pending deadline passing, and some that must be refused:
 * stale deadlines, a client posing as the clock, a role that may not) and every path it finds is
 * replayed through the runtime (scheduleDrill, applyDrillEvent) by the test model's events map.
 * The replay folds the effects into the deadlines the application would hold and checks the
 * invariants after every step, per state.
 *
 * Time only moves forward along a path: a client event happens an hour after the latest instant
 * the drill has recorded, a deadline passes a minute after it is due (or after that latest instant).
 * States are told apart by a key (serializeState) that keeps what the workflow depends on, not the
 * instants, so the graph is finite; RESCHEDULE is offered twice at most. The events map sends each
 * step's event with the replayed drill's own instants (`concrete`), and the replay must land on the
 * model's key at every step.
 */

const coordinator: EventActor = { id: 'coord', roles: ['continuity_coordinator'], relation: 'own' };
const ciso: EventActor = { id: 'c', roles: ['ciso'], relation: 'own' };
const responder: EventActor = { id: 'resp', roles: ['responder'], relation: 'own' };
const manager: EventActor = { id: 'm', roles: ['on_call_manager'], relation: 'own' };
const reporter: EventActor = { id: 'r', roles: ['reporter'], relation: 'own' };
const system: EventActor = { id: 'system', roles: [], relation: 'system' };

const input = (o: Partial<DrillInput> = {}): DrillInput => ({
  drillId: 'drill-1',
  planId: 'plan-1',
  agencyId: 'agency-1',
  drillType: 'functional',
  scheduledFor: '2026-06-15T01:00:00.000Z',
  reminders: ['P30D', 'P7D', 'P1D'],
  afterActionWindow: 'P30D',
  now: '2026-04-01T00:00:00.000Z',
  scheduledBy: { id: 'coord', roles: ['continuity_coordinator'], relation: 'own' },
  ...o,
});

const report = (planChangeRequired: boolean): AfterActionReport => ({
  objectives: ['Fail over the payroll service'],
  scenario: 'Loss of the primary data centre',
  participants: [{ name: 'Chen', role: 'IT lead' }],
  capabilities: [{ capability: 'Fail-over', rating: 'M', notes: 'DNS change was manual' }],
  strengths: ['Roles were clear'],
  areasForImprovement: ['Automate DNS'],
  correctiveActions: [{ title: 'Automate DNS fail-over', ownerUnitId: 'it', dueAt: '2026-12-01T00:00:00.000Z' }],
  planChangeRequired,
});

const iso = (t: number) => new Date(t).toISOString();
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The latest instant the drill has recorded: the clock of the path. */
function latest(s: DrillSnapshot): number {
  const c = s.context;
  const instants = [
    c.scheduledAt,
    c.startedAt,
    c.completedAt,
    c.afterAction?.submittedAt,
    c.planUpdate?.at,
    c.cancellation?.at,
    c.closedAt,
    ...c.remindersSent.map((r) => r.at),
    ...c.breaches.map((b) => b.at),
    ...c.reschedules.map((r) => r.at),
    ...c.participants.map((p) => p.at),
    ...c.observations.map((o) => o.at),
  ];
  return Math.max(...instants.filter((t): t is string => !!t).map((t) => Date.parse(t)));
}

/** One valid event of each client type (two variants of SUBMIT_AFTER_ACTION and CLOSE), an hour after the latest instant. */
function clientEvents(s: DrillSnapshot): DrillEvent[] {
  const at = iso(latest(s) + HOUR);
  const events: DrillEvent[] = [
    { type: 'START', actor: responder, at },
    { type: 'RECORD_PARTICIPANT', actor: manager, at, name: 'Wang', role: 'Network engineer' },
    { type: 'RECORD_OBSERVATION', actor: ciso, at, text: 'Runbook step 4 is out of date', capability: 'Fail-over' },
    { type: 'COMPLETE', actor: responder, at, summary: 'Done' },
    { type: 'SUBMIT_AFTER_ACTION', actor: coordinator, at, report: report(true) },
    { type: 'SUBMIT_AFTER_ACTION', actor: coordinator, at, report: report(false) },
    { type: 'PLAN_UPDATED', actor: system, at, planVersion: 2 },
    { type: 'CLOSE', actor: coordinator, at, openCorrectiveActions: 0 },
    { type: 'CLOSE', actor: ciso, at, openCorrectiveActions: 2 },
    { type: 'CANCEL', actor: ciso, at, reason: 'The plan is withdrawn' },
  ];
  if (s.context.reschedules.length < 2) {
    events.push({ type: 'RESCHEDULE', actor: coordinator, at, date: iso(latest(s) + 20 * DAY), reason: 'Clashes with the audit' });
  }
  return events;
}

/** Every pending deadline passing a minute after it is due (or after the latest instant, whichever is later). */
function deadlineEvents(s: DrillSnapshot): DrillEvent[] {
  return Object.entries(s.context.clocks)
    .filter(([, clock]) => clock.status === 'pending')
    .map(([kind, clock]) => ({
      type: 'DEADLINE_PASSED' as const,
      kind: kind as DrillDeadlineKind,
      dueAt: clock.dueAt,
      ...(clock.step === undefined ? {} : { step: clock.step }),
      actor: system,
      at: iso(Math.max(Date.parse(clock.dueAt), latest(s)) + MINUTE),
    }));
}

/** Events that must always be refused: settled deadlines passing, a client posing as the clock, a reporter starting the drill. */
function refusedEvents(s: DrillSnapshot): DrillEvent[] {
  const at = iso(latest(s) + HOUR);
  const settled = Object.entries(s.context.clocks)
    .filter(([, clock]) => clock.status !== 'pending')
    .map(([kind, clock]) => ({ type: 'DEADLINE_PASSED' as const, kind: kind as DrillDeadlineKind, dueAt: clock.dueAt, step: clock.step, actor: system, at }));
  const posing = deadlineEvents(s).map((e) => ({ ...e, actor: { ...coordinator, roles: [...coordinator.roles, 'ciso' as const] } }));
  return [...settled, ...posing, { type: 'START', actor: reporter, at }, { type: 'CLOSE', actor: responder, at, openCorrectiveActions: 0 }];
}

const allEvents = (s: DrillSnapshot) => [...clientEvents(s), ...deadlineEvents(s), ...refusedEvents(s)];

/** What the workflow depends on: the state, every clock's status (and reminder step), the flags and counts that guards read. */
function workflowKey(s: DrillSnapshot): string {
  const c = s.context;
  const clocks = DRILL_DEADLINE_KINDS.map((k) =>
    c.clocks[k] ? `${k}:${c.clocks[k].status}${c.clocks[k].step === undefined ? '' : `#${c.clocks[k].step}`}` : `${k}:-`,
  );
  return JSON.stringify([
    s.value,
    clocks,
    c.afterActionOverdue,
    c.afterActionLate,
    c.afterAction ? c.planChangeRequired : null,
    c.planUpdate !== null,
    c.participants.length > 0,
    c.observations.length > 0,
    c.reschedules.length,
  ]);
}

/*
 * The system under test: the runtime, driven by the events map, holding what the application would
 * hold (the snapshot, the deadlines folded from the effects) and checking the invariants.
 */
interface HeldDeadline {
  dueAt: string;
  step?: number;
}
class Replay {
  snapshot!: DrillSnapshot;
  persisted: unknown;
  /** The deadlines the application holds as pending, by kind (startDeadline supersedes the pending one of its kind). */
  pending = new Map<DrillDeadlineKind, HeldDeadline>();
  /** Every deadline ever started, to check that none but the pending one fires. */
  started: Array<{ kind: DrillDeadlineKind } & HeldDeadline> = [];
  notices: string[] = [];
  /** drill.overdue notices since the start deadline was last (re)started. */
  overdueForThisDate = 0;
  cancelled = false;
  closeEvents: number[] = [];
  broken: string[] = [];

  schedule(start: DrillInput) {
    const result = scheduleDrill(start);
    this.snapshot = result.snapshot;
    this.persisted = result.persisted;
    this.fold(result.effects, 'scheduled');
  }

  send(event: DrillEvent) {
    const result = applyDrillEvent(this.snapshot, event);
    if (!result.changed) throw new Error(`${event.type} refused by the runtime but taken by the machine in ${JSON.stringify(this.snapshot.value)}`);
    if (event.type === 'CLOSE') this.closeEvents.push(event.openCorrectiveActions);
    // The deadline that passed is the one the application held pending: it has fired, it is no longer pending.
    if (event.type === 'DEADLINE_PASSED') {
      const held = this.pending.get(event.kind);
      if (held?.dueAt !== event.dueAt || held.step !== event.step) this.broken.push(`${event.kind} due ${event.dueAt} taken but not held as pending`);
      this.pending.delete(event.kind);
    }
    this.snapshot = result.snapshot;
    this.persisted = result.persisted;
    this.fold(result.effects, event.type);
  }

  private fold(effects: DrillEffect[], cause: string) {
    const startedNow = new Set<DrillDeadlineKind>();
    for (const effect of effects) {
      switch (effect.type) {
        case 'startDeadline': {
          const { kind, dueAt, step } = effect.params;
          if (this.cancelled) this.broken.push(`${cause}: started a ${kind} deadline after the drill was cancelled`);
          if (startedNow.has(kind)) this.broken.push(`${cause}: started two ${kind} deadlines in one transition`);
          startedNow.add(kind);
          const held = step === undefined ? { dueAt } : { dueAt, step };
          this.pending.set(kind, held);
          this.started.push({ kind, ...held });
          if (kind === 'start') this.overdueForThisDate = 0;
          break;
        }
        case 'meetDeadline':
          if (!this.pending.has(effect.params.kind)) this.broken.push(`${cause}: met a ${effect.params.kind} deadline that was not pending`);
          this.pending.delete(effect.params.kind);
          break;
        case 'cancelDeadlines':
          for (const kind of effect.params.kinds) this.pending.delete(kind);
          break;
        case 'notify':
          this.notices.push(effect.params.template);
          if (effect.params.template === 'drill.overdue') this.overdueForThisDate++;
          break;
        case 'timeline':
          break;
      }
    }
    if (drillStateName(this.snapshot) === 'cancelled') this.cancelled = true;
  }

  /** Invariants of every state; `key` is the model's key for the state the path reaches here. */
  check(key: string) {
    const s = this.snapshot;
    const c = s.context;
    const broken: string[] = [];
    if (workflowKey(s) !== key) broken.push(`replayed to ${workflowKey(s)}, the model is in ${key}`);
    // Exactly the machine's pending clocks are held as pending deadlines: one per kind.
    const fromClocks = Object.entries(c.clocks)
      .filter(([, clock]) => clock.status === 'pending')
      .map(([kind, clock]) => [kind, clock.dueAt, clock.step])
      .sort();
    const held = [...this.pending.entries()].map(([kind, d]) => [kind, d.dueAt, d.step]).sort();
    if (JSON.stringify(held) !== JSON.stringify(fromClocks))
      broken.push(`deadlines held ${JSON.stringify(held)}, clocks pending ${JSON.stringify(fromClocks)}`);
    // Only the pending deadline of a kind ever fires: every other one started is refused.
    for (const d of this.started) {
      const current = this.pending.get(d.kind);
      if (current && current.dueAt === d.dueAt && current.step === d.step) continue;
      const event: DrillEvent = { type: 'DEADLINE_PASSED', kind: d.kind, dueAt: d.dueAt, step: d.step, actor: system, at: iso(latest(s) + MINUTE) };
      if (s.can(event)) broken.push(`a settled ${d.kind} deadline due ${d.dueAt} would still fire`);
    }
    if (this.overdueForThisDate > 1) broken.push(`drill.overdue notified ${this.overdueForThisDate} times for one date`);
    const count = (t: string) => this.notices.filter((n) => n === t).length;
    if (count('drill.overdue') > 1 + c.reschedules.length) broken.push(`drill.overdue notified ${count('drill.overdue')} times`);
    if (count('drill.after_action_overdue') > 1) broken.push(`drill.after_action_overdue notified ${count('drill.after_action_overdue')} times`);
    if (count('drill.reminder') !== c.remindersSent.length) broken.push('a reminder notice without a reminder recorded, or the reverse');
    if (count('drill.overdue') !== c.breaches.filter((b) => b.kind === 'start').length) broken.push('drill.overdue notices and start breaches differ');
    // The persisted snapshot, through JSON and restoreDrill, is the same drill.
    const restored = restoreDrill({ machineVersion: DRILL_MACHINE_VERSION, snapshot: JSON.parse(JSON.stringify(this.persisted)) });
    if (JSON.stringify(restored.value) !== JSON.stringify(s.value)) broken.push('the persisted snapshot restores to another state');
    else if (JSON.stringify(restored.context) !== JSON.stringify(c)) broken.push('the persisted snapshot restores to another context');
    this.broken.push(...broken);
  }
}

const noPending = (r: Replay, where: string) => (r.pending.size ? [`${where} with pending deadlines: ${[...r.pending.keys()].join(', ')}`] : []);

/** The invariants of each state, on the replayed snapshot. */
const STATE_INVARIANTS: Record<string, (r: Replay) => string[]> = {
  'scheduled.upcoming': (r) => {
    const c = r.snapshot.context;
    const broken: string[] = [];
    if (c.clocks.start?.status !== 'pending' || c.clocks.start.dueAt !== c.scheduledFor) broken.push('upcoming without the start deadline at the date');
    const reminder = c.clocks.reminder;
    if (reminder?.status === 'pending' && Date.parse(reminder.dueAt) >= Date.parse(c.scheduledFor)) broken.push('a reminder pending after the date');
    if (c.startedAt) broken.push('upcoming but started');
    return broken;
  },
  'scheduled.overdue': (r) => {
    const c = r.snapshot.context;
    const last = c.breaches[c.breaches.length - 1];
    return [
      ...noPending(r, 'overdue'),
      ...(c.clocks.start?.status !== 'breached' ? ['overdue without a breached start deadline'] : []),
      ...(last?.kind !== 'start' || last.dueAt !== c.scheduledFor ? ['overdue without a breach of this date'] : []),
    ];
  },
  in_progress: (r) => [...noPending(r, 'in_progress'), ...(r.snapshot.context.startedAt ? [] : ['in progress without startedAt'])],
  debrief: (r) => {
    const c = r.snapshot.context;
    const clock = c.clocks.after_action;
    const broken: string[] = [];
    if (!c.completedAt || !c.afterActionDueAt) broken.push('debrief without completion or due date');
    if (clock?.status !== (c.afterActionOverdue ? 'breached' : 'pending'))
      broken.push(`debrief with the after-action clock ${clock?.status}, overdue ${c.afterActionOverdue}`);
    if (r.pending.size !== (c.afterActionOverdue ? 0 : 1)) broken.push('debrief holding deadlines other than the after-action one');
    return broken;
  },
  improvement: (r) => {
    const c = r.snapshot.context;
    return [
      ...noPending(r, 'improvement'),
      ...(c.afterAction && c.afterAction.planChangeRequired === c.planChangeRequired ? [] : ['improvement without the report summary']),
      ...(c.planUpdate && !c.planChangeRequired ? ['a plan update nobody asked for'] : []),
    ];
  },
  closed: (r) => {
    const c = r.snapshot.context;
    return [
      ...noPending(r, 'closed'),
      ...(c.afterAction ? [] : ['closed without an after-action report']),
      ...(c.planChangeRequired && !c.planUpdate ? ['closed without the plan update the report required'] : []),
      ...(r.closeEvents.length === 1 && r.closeEvents[0] === 0 ? [] : [`closed with open corrective actions ${JSON.stringify(r.closeEvents)}`]),
      ...(c.closedAt ? [] : ['closed without closedAt']),
    ];
  },
  cancelled: (r) => {
    const c = r.snapshot.context;
    return [
      ...noPending(r, 'cancelled'),
      ...(c.cancellation ? [] : ['cancelled without the cancellation']),
      ...(c.completedAt || c.afterAction ? ['cancelled after completion'] : []),
    ];
  },
};

type Path = TestPath<DrillSnapshot, DrillEvent>;

function label(e: DrillEvent): string {
  if (e.type === 'DEADLINE_PASSED') return `DEADLINE_PASSED(${e.kind}${e.step === undefined ? '' : ` #${e.step}`})`;
  if (e.type === 'SUBMIT_AFTER_ACTION') return `SUBMIT_AFTER_ACTION(${e.report.planChangeRequired ? 'plan change' : 'no plan change'})`;
  if (e.type === 'CLOSE') return `CLOSE(${e.openCorrectiveActions} open)`;
  return e.type;
}

/**
 * The test title: `path.description` ("Reaches state "…"(context): event (fields) → …") without the
 * JSON it embeds (the whole context and every event's fields, kilobytes), each event by its label.
 */
function title(path: Path): string {
  const reaches = path.description.slice(0, path.description.indexOf('('));
  const events = path.steps.slice(1).map((step) => label(step.event));
  return `${reaches}: ${events.length ? events.join(' → ') : '(scheduled)'}`;
}

/**
 * The model's event as the system under test sends it: the same type, actor and variant (deadline
 * kind, report, open corrective actions), with the instants of the replayed drill. The graph keeps one
 * snapshot per key, so the instants in a path's events may come from another path to the same key.
 */
function concrete(s: DrillSnapshot, modelEvent: DrillEvent): DrillEvent {
  const event = [...clientEvents(s), ...deadlineEvents(s)].find((e) => label(e) === label(modelEvent) && e.actor.id === modelEvent.actor.id);
  if (!event) throw new Error(`no ${label(modelEvent)} to send in ${JSON.stringify(s.value)}`);
  return event;
}

/**
 * Runs the path through the runtime with the model's events map (every event type, and the
 * initial step, do the same: send the path's event) and checks the invariants of each state reached.
 */
async function replay(path: Path, start: DrillInput) {
  const sut = new Replay();
  const send = (step: { event: DrillEvent }) => sut.send(concrete(sut.snapshot, step.event));
  const events = Object.fromEntries([...DRILL_CLIENT_EVENT_TYPES, 'DEADLINE_PASSED'].map((type) => [type, send]));
  const params = {
    events: { ...events, 'xstate.init': () => sut.schedule(start) },
    states: Object.fromEntries(
      Object.entries(STATE_INVARIANTS).map(([state, invariants]) => [
        state,
        (model: DrillSnapshot) => {
          sut.check(workflowKey(model));
          sut.broken.push(...invariants(sut).map((v) => `${state}: ${v}`));
          if (sut.broken.length) throw new Error(sut.broken.join('\n'));
        },
      ]),
    ),
  } as unknown as TestParam<DrillSnapshot, DrillEvent>;
  await path.test(params);
  expect(sut.broken).toEqual([]);
}

/** Every path the models walk, for the coverage checks at the end. */
const walked: Array<StatePath<DrillSnapshot, DrillEvent>> = [];
const taken = (paths: Array<StatePath<DrillSnapshot, DrillEvent>>) =>
  new Set(paths.flatMap((p) => p.steps.slice(1).map((s) => (s.event.type === 'DEADLINE_PASSED' ? `DEADLINE_PASSED:${s.event.kind}` : s.event.type))));

function allStateIds(): string[] {
  const ids: string[] = [];
  const walk = (node: typeof drillMachine.root) => {
    ids.push(node.id);
    Object.values(node.states).forEach(walk);
  };
  walk(drillMachine.root);
  return ids;
}

describe('model: the whole workflow (every event, every deadline, two reschedules; all reminders ahead)', () => {
  const start = input();
  const model = createTestModel(drillMachine, { input: start, events: allEvents, serializeState: workflowKey });
  const paths = model.getShortestPaths();
  walked.push(...paths);

  it('reaches every state node and takes every event type and deadline kind', () => {
    const reached = new Set(paths.flatMap((p) => p.steps.flatMap((step) => step.state._nodes.map((n) => n.id))));
    expect(allStateIds().filter((id) => !reached.has(id))).toEqual([]);
    const expected = [...DRILL_CLIENT_EVENT_TYPES, ...DRILL_DEADLINE_KINDS.map((k) => `DEADLINE_PASSED:${k}`)];
    expect(expected.filter((t) => !taken(paths).has(t))).toEqual([]);
  });

  it('agrees with getShortestPaths on the states it reaches', () => {
    const plain = getShortestPaths(drillMachine, { input: start, events: allEvents, serializeState: workflowKey });
    const keys = (ps: Array<StatePath<DrillSnapshot, DrillEvent>>) => new Set(ps.map((p) => workflowKey(p.state)));
    // The test model drops paths that are the beginning of another; every state is still the end or a step of one.
    const visited = new Set(paths.flatMap((p) => p.steps.map((s) => workflowKey(s.state))));
    expect([...keys(plain)].filter((k) => !visited.has(k))).toEqual([]);
  });

  it.each(paths.map((p) => [title(p), p] as const))('%s', (_title, path) => replay(path, start));
});

describe('model: reminders partly past at scheduling (deadlines and reschedules only)', () => {
  // Scheduled 20 days ahead: the 30-day reminder is already past, the 7-day one is armed first.
  const start = input({ now: '2026-05-26T01:00:00.000Z' });
  const model = createTestModel(drillMachine, {
    input: start,
    events: (s) => [...deadlineEvents(s), ...clientEvents(s).filter((e) => ['RESCHEDULE', 'START', 'CANCEL'].includes(e.type)), ...refusedEvents(s)],
    serializeState: workflowKey,
  });
  const paths = model.getShortestPaths();
  walked.push(...paths);

  it('never arms the reminder that was past', () => {
    const steps = paths.flatMap((p) => p.steps.map((s) => s.state.context.clocks.reminder));
    expect(steps.some((r) => r?.step === 0 && r.status === 'pending' && r.dueAt === '2026-05-16T01:00:00.000Z')).toBe(false);
    expect(paths.some((p) => p.state.context.remindersSent.some((r) => r.step === 2))).toBe(true);
  });

  it.each(paths.map((p) => [title(p), p] as const))('%s', (_title, path) => replay(path, start));
});

describe('model: every simple path to closed (no deadline, no reschedule)', () => {
  const start = input();
  const only = ['START', 'RECORD_PARTICIPANT', 'RECORD_OBSERVATION', 'COMPLETE', 'SUBMIT_AFTER_ACTION', 'PLAN_UPDATED', 'CLOSE'];
  const model = createTestModel(drillMachine, {
    input: start,
    events: (s) => [...clientEvents(s).filter((e) => only.includes(e.type)), ...refusedEvents(s)],
    serializeState: workflowKey,
  });
  const paths = model.getSimplePaths({ toState: (s) => s.value === 'closed' });
  walked.push(...paths);

  it('finds them all ending in closed, with and without a plan change', () => {
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.every((p) => p.state.value === 'closed')).toBe(true);
    expect(new Set(paths.map((p) => p.state.context.planChangeRequired))).toEqual(new Set([true, false]));
  });

  it.each(paths.map((p) => [title(p), p] as const))('%s', (_title, path) => replay(path, start));
});

describe('model: every simple path to cancelled (deadlines and one reschedule, no records)', () => {
  const start = input();
  const options = {
    input: start,
    events: (s: DrillSnapshot) => [
      ...deadlineEvents(s),
      ...clientEvents(s).filter((e) => ['START', 'CANCEL'].includes(e.type) || (e.type === 'RESCHEDULE' && s.context.reschedules.length < 1)),
    ],
    serializeState: workflowKey,
    toState: (s: DrillSnapshot) => s.value === 'cancelled',
  };
  const paths = createTestModel(drillMachine, options).getSimplePaths();
  walked.push(...paths);

  it('finds them all ending in cancelled, before and after the start, overdue or not', () => {
    expect(paths).toHaveLength(getSimplePaths(drillMachine, options).length);
    expect(paths.every((p) => p.state.value === 'cancelled')).toBe(true);
    expect(new Set(paths.map((p) => p.state.context.startedAt !== null))).toEqual(new Set([true, false]));
    expect(paths.some((p) => p.state.context.breaches.length > 0)).toBe(true);
  });

  it.each(paths.map((p) => [title(p), p] as const))('%s', (_title, path) => replay(path, start));
});

describe('model coverage', () => {
  it('the models together take every client event type and every kind of deadline', () => {
    const expected = [...DRILL_CLIENT_EVENT_TYPES, ...DRILL_DEADLINE_KINDS.map((k) => `DEADLINE_PASSED:${k}`)];
    expect(expected.filter((t) => !taken(walked).has(t))).toEqual([]);
  });
});
