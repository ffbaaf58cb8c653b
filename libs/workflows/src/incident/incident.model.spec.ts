import { describe, expect, it } from '@jest/globals';
import { getShortestPaths, getSimplePaths, type StatePath } from 'xstate/graph';
import { DEADLINE_KINDS, STATUTORY_CLOCKS, type DeadlineKind, type IncidentPolicy } from './clocks.js';
import { CLIENT_EVENT_TYPES, type ClientEventType, type EventActor, type IncidentEvent } from './incident.events.js';
import { INCIDENT_MACHINE_VERSION, incidentMachine, type IncidentInput } from './incident.machine.js';
import { applyIncidentEvent, fileIncident, flattenState, implicitAcknowledgement, restoreIncident, type IncidentSnapshot } from './incident.runtime.js';
import type { Impact, Level } from './levels.js';

/*
 * Model-based tests: xstate/graph walks the incident machine with a finite set of concrete events
 * (valid data, allowed actors; deadlines taken from the snapshot's own clocks) and every path it
 * finds is replayed through the runtime (applyIncidentEvent), checking the invariants on each step.
 *
 * A snapshot's context holds instants, so states are told apart by a key (serializeState) that
 * keeps what the workflow depends on; each model picks the facts it explores.
 *
 * The walk uses the machine as the runtime drives it: an event from someone who may acknowledge,
 * while nobody has, carries its acknowledgement first (implicitAcknowledgement).
 */
const asDriven = Object.create(incidentMachine, {
  transition: {
    value: (...[snapshot, event, scope]: Parameters<typeof incidentMachine.transition>) => {
      const ack = implicitAcknowledgement(snapshot, event);
      return incidentMachine.transition(ack ? incidentMachine.transition(snapshot, ack, scope) : snapshot, event, scope);
    },
  },
}) as typeof incidentMachine;

const policy: IncidentPolicy = {
  clocks: { ...STATUTORY_CLOCKS, report: { minor: 'PT24H', major: 'PT1H' } },
  acknowledgementTimeout: 'PT15M',
  escalation: {
    steps: [
      { target: 'on_call_manager', timeout: 'PT15M' },
      { target: 'ciso', timeout: 'PT15M' },
    ],
    repeat: 0,
  },
  timezone: 'Asia/Taipei',
};

const own = (id: string, role: EventActor['roles'][number]): EventActor => ({ id, roles: [role], relation: 'own' });
const manager = own('m', 'on_call_manager');
const responder = own('resp', 'responder');
const ethics = own('e', 'ethics_officer');
const ciso = own('c', 'ciso');
const superior: EventActor = { id: 's', roles: ['ciso'], relation: 'superior' };
const system: EventActor = { id: 'system', roles: [], relation: 'system' };
/** The roles of every actor the models use, by id (to check who approved a closure). */
const ROLES_BY_ID = new Map([manager, responder, ethics, ciso, superior, system].map((a) => [a.id, a.roles]));

const impact = (level: Level): Impact => ({ confidentiality: level, integrity: 1, availability: 1 });
const input = (hasSuperior: boolean, level: Level): IncidentInput => ({
  agencyId: 'agency-1',
  hasSuperior,
  policy,
  impact: impact(level),
  category: 'intrusion',
  isDrill: false,
  awareAt: '2026-03-02T01:00:00.000Z',
  filedAt: '2026-03-02T01:05:00.000Z',
  filedBy: 'r',
});

const AT = '2026-03-02T03:00:00.000Z';

/** One valid event of each client type (RECLASSIFY and TRIAGE at levels 2 and 3), from an allowed actor. */
function clientEvents(s: IncidentSnapshot, only?: readonly ClientEventType[]): IncidentEvent[] {
  const c = s.context;
  const all: IncidentEvent[] = [
    { type: 'TRIAGE', actor: manager, at: AT, impact: impact(2), category: 'intrusion' },
    { type: 'TRIAGE', actor: responder, at: AT, impact: impact(3), category: 'intrusion' },
    { type: 'DISMISS', actor: manager, at: AT, reason: 'duplicate' },
    { type: 'ACKNOWLEDGE', actor: responder, at: AT },
    { type: 'REPORT_TO_AUTHORITY', actor: manager, at: AT, channel: 'national_platform', externalReference: 'NCCST-1' },
    { type: 'AUTHORITY_REVIEWED', actor: c.hasSuperior ? superior : ciso, at: AT, level: c.level, note: 'confirmed' },
    { type: 'CONTAINED', actor: responder, at: AT, summary: 'isolated' },
    { type: 'RECOVERED', actor: responder, at: AT, summary: 'restored' },
    { type: 'RECLASSIFY', actor: manager, at: AT, impact: impact(2), reason: 'less than feared' },
    { type: 'RECLASSIFY', actor: ciso, at: AT, impact: impact(3), reason: 'worse than feared' },
    { type: 'LE_NOT_REQUIRED', actor: ethics, at: AT, reason: 'no crime' },
    { type: 'LE_REQUEST', actor: ethics, at: AT, reason: 'crime suspected' },
    { type: 'LE_CONTACTED', actor: ethics, at: AT, lawEnforcementAgency: 'police', officer: 'Officer Lin' },
    { type: 'LE_EVIDENCE_HANDED_OVER', actor: ethics, at: AT, evidenceIds: ['ev-1'] },
    { type: 'LE_CONCLUDED', actor: ethics, at: AT, note: 'case closed' },
    { type: 'SUBMIT_IMPROVEMENT_REPORT', actor: manager, at: AT, rootCause: 'weak password', measures: { technical: 'MFA' }, schedule: 'Q2' },
    { type: 'APPROVE_CLOSURE', actor: ciso, at: AT },
    { type: 'REOPEN', actor: manager, at: AT, reason: 'recurred' },
  ];
  return only ? all.filter((e) => only.includes(e.type as ClientEventType)) : all;
}

/** DEADLINE_PASSED for every clock still pending, a minute after it was due (dueAt from the snapshot). */
function deadlineEvents(s: IncidentSnapshot): IncidentEvent[] {
  return Object.entries(s.context.clocks)
    .filter(([, clock]) => clock.status === 'pending')
    .map(([kind, clock]) => ({
      type: 'DEADLINE_PASSED',
      kind: kind as DeadlineKind,
      dueAt: clock.dueAt,
      actor: system,
      at: new Date(Date.parse(clock.dueAt) + 60_000).toISOString(),
    }));
}

type Path = StatePath<IncidentSnapshot, IncidentEvent>;

const pagingOf = (s: IncidentSnapshot) =>
  s.context.paging.acknowledgedBy ? 'acknowledged' : s.context.paging.exhausted ? 'exhausted' : `step ${s.context.paging.step}`;

/** Workflow facts: state, level, what the authority has, law enforcement, reopened or not. */
function workflowKey(s: IncidentSnapshot): string {
  const c = s.context;
  return JSON.stringify([s.value, c.level, c.authority.status, c.authority.reportedLevel, c.lawEnforcement.status, c.reopenings.length > 0]);
}

/** Clock facts: state, level and the status of every reporting clock. */
function clockKey(s: IncidentSnapshot): string {
  const clocks = Object.entries(s.context.clocks)
    .filter(([kind]) => kind !== 'acknowledgement')
    .map(([kind, clock]) => `${kind}:${clock.status}`)
    .sort();
  return JSON.stringify([flattenState(s), s.context.level, clocks]);
}

/** Paging facts: state, level, the paging step and the acknowledgement clock. */
function pagingKey(s: IncidentSnapshot): string {
  return JSON.stringify([flattenState(s), s.context.level, pagingOf(s), s.context.clocks.acknowledgement?.status]);
}

/**
 * The invariants, checked on every snapshot of every path; returns the broken ones.
 * - closed only with law enforcement not_required or concluded;
 * - a level 3–4 incident closes only with closure.approvedBy a CISO;
 * - closed at the level that was reported;
 * - closed and dismissed have no pending clock;
 * - in review the authority has the current level, or (after a reclassification during review) a
 *   new report is owed with its clock running;
 * - while responding, context.authority.status is the authority region's state;
 * - the "report due soon" reminder is never a breach, is pending only while the report is owed with
 *   its clock running, and then goes off before the report is due;
 * - the persisted snapshot, through JSON and restoreIncident, gives the same state and context.
 */
function violations(s: IncidentSnapshot, persisted: unknown): string[] {
  const broken: string[] = [];
  const c = s.context;
  const flat = flattenState(s);
  if (flat.state === 'closed' && !['not_required', 'concluded'].includes(c.lawEnforcement.status)) {
    broken.push(`closed with law enforcement ${c.lawEnforcement.status}`);
  }
  if (flat.state === 'closed' && c.level >= 3) {
    const roles = c.closure.approvedBy ? ROLES_BY_ID.get(c.closure.approvedBy) : undefined;
    if (!roles?.includes('ciso')) broken.push(`level ${c.level} closed without a CISO's approval (approvedBy ${c.closure.approvedBy})`);
  }
  if (flat.state === 'closed' && c.authority.reportedLevel !== c.level) {
    broken.push(`closed at level ${c.level}, but level ${c.authority.reportedLevel} was the one reported`);
  }
  if (flat.state === 'closed' || flat.state === 'dismissed') {
    const pending = Object.entries(c.clocks).filter(([, clock]) => clock.status === 'pending');
    if (pending.length) broken.push(`${flat.state} with pending clocks: ${pending.map(([k]) => k).join(', ')}`);
  }
  if (flat.state === 'review') {
    // Either the authority has the current level, or (after a reclassification during review) a
    // new report is owed and its clock is running; never a stale level with no clock.
    const current = c.authority.status !== 'pending' && c.authority.reportedLevel === c.level && c.clocks.report?.status !== 'pending';
    const owed = c.authority.status === 'pending' && c.clocks.report?.status === 'pending';
    if (!current && !owed)
      broken.push(`review at level ${c.level} with level ${c.authority.reportedLevel} reported (${c.authority.status}) and no report owed`);
  }
  if (flat.state === 'responding' && flat.authority !== c.authority.status) {
    broken.push(`authority region ${flat.authority} but context.authority.status ${c.authority.status}`);
  }
  if (c.breaches.some((b) => b.kind === 'report_due_soon')) broken.push('the report reminder recorded as a breach');
  const reminder = c.clocks.report_due_soon;
  if (reminder?.status === 'pending') {
    if (c.authority.status !== 'pending' || c.clocks.report?.status !== 'pending') {
      broken.push(`a pending report reminder with the authority ${c.authority.status} and the report clock ${c.clocks.report?.status}`);
    } else if (Date.parse(reminder.dueAt) >= Date.parse(c.clocks.report.dueAt)) {
      broken.push(`the report reminder (${reminder.dueAt}) is not before the report is due (${c.clocks.report.dueAt})`);
    }
  }
  const restored = restoreIncident({ machineVersion: INCIDENT_MACHINE_VERSION, snapshot: JSON.parse(JSON.stringify(persisted)) });
  if (JSON.stringify(flattenState(restored)) !== JSON.stringify(flat)) broken.push('the persisted snapshot restores to another state');
  else if (JSON.stringify(restored.context) !== JSON.stringify(c)) broken.push('the persisted snapshot restores to another context');
  return broken;
}

function label(e: IncidentEvent): string {
  if (e.type === 'TRIAGE' || e.type === 'RECLASSIFY') return `${e.type}(L${Math.max(e.impact.confidentiality, e.impact.integrity, e.impact.availability)})`;
  if (e.type === 'DEADLINE_PASSED') return `DEADLINE_PASSED(${e.kind})`;
  return e.type;
}

function describeState(s: IncidentSnapshot): string {
  const f = flattenState(s);
  const where =
    f.state === 'responding' ? `responding(${f.response}, ${f.authority}, ${f.lawEnforcement})` : f.state === 'review' ? `review.${f.review}` : f.state;
  return `${where} L${s.context.level}`;
}

/** The test title: the state reached and how. */
function title(path: Path): string {
  const events = path.steps.slice(1).map((step) => label(step.event));
  return `${describeState(path.state)} ← ${events.length ? events.join(' → ') : '(filed)'}`;
}

/**
 * Paths share their beginnings, so the replay is a tree: each (snapshot, event) is sent through the
 * runtime once, and its snapshot and broken invariants are kept for every path that goes that way.
 */
interface Replayed {
  id: number;
  snapshot: IncidentSnapshot;
  refused: boolean;
  broken: string[];
}
const replayed = new Map<string, Replayed>();
function filed(start: IncidentInput): Replayed {
  const key = JSON.stringify(start);
  let node = replayed.get(key);
  if (!node) {
    const { snapshot, persisted } = fileIncident(start);
    node = { id: replayed.size, snapshot, refused: false, broken: violations(snapshot, persisted) };
    replayed.set(key, node);
  }
  return node;
}
function after(parent: Replayed, event: IncidentEvent): Replayed {
  const key = `${parent.id} ${JSON.stringify(event)}`;
  let node = replayed.get(key);
  if (!node) {
    const result = applyIncidentEvent(parent.snapshot, event);
    node = { id: replayed.size, snapshot: result.snapshot, refused: !result.changed, broken: violations(result.snapshot, result.persisted) };
    replayed.set(key, node);
  }
  return node;
}

/**
 * Replays the path through the runtime from filing: every event is accepted, lands on the state
 * the graph computed (the graph keeps one snapshot per key, so states are compared by key), and
 * every step keeps the invariants.
 */
function checkPath(path: Path, start: IncidentInput, key: (s: IncidentSnapshot) => string) {
  let node = filed(start);
  const broken = node.broken.map((v) => `filed: ${v}`);
  path.steps.slice(1).forEach((step, i) => {
    node = after(node, step.event);
    const where = `step ${i + 1} (${label(step.event)})`;
    if (node.refused) throw new Error(`${where}: refused by the runtime but taken by the machine`);
    expect(key(node.snapshot)).toBe(key(step.state));
    broken.push(...node.broken.map((v) => `${where}: ${v}`));
  });
  expect(broken).toEqual([]);
}

/** Every state node id of the machine. */
function allStateIds(): string[] {
  const ids: string[] = [];
  const walk = (node: typeof incidentMachine.root) => {
    ids.push(node.id);
    Object.values(node.states).forEach(walk);
  };
  walk(incidentMachine.root);
  return ids;
}

function reachedStateIds(paths: Path[]): Set<string> {
  return new Set(paths.flatMap((p) => p.state._nodes.map((n) => n.id)));
}

/** Every path the models walk, for the coverage checks at the end. */
const walked: Path[] = [];

describe('model: the workflow (every client event but ACKNOWLEDGE; levels 2 and 3; with a superior)', () => {
  const start = input(true, 2);
  const paths = getShortestPaths(asDriven, { input: start, events: (s) => clientEvents(s), serializeState: workflowKey });
  walked.push(...paths);

  it('reaches every state node of the machine', () => {
    const reached = reachedStateIds(paths);
    expect(allStateIds().filter((id) => !reached.has(id))).toEqual([]);
  });

  it.each(paths.map((p) => [title(p), p] as const))('%s', (_title, path) => checkPath(path, start, workflowKey));
});

/** The happy path, one event at a time: the next of these that the snapshot accepts. */
const HAPPY_PATH: ClientEventType[] = [
  'TRIAGE',
  'REPORT_TO_AUTHORITY',
  'AUTHORITY_REVIEWED',
  'LE_NOT_REQUIRED',
  'CONTAINED',
  'RECOVERED',
  'SUBMIT_IMPROVEMENT_REPORT',
  'APPROVE_CLOSURE',
];
function nextOnHappyPath(s: IncidentSnapshot, triageLevel: Level): IncidentEvent[] {
  const candidates = clientEvents(s, HAPPY_PATH).filter((e) => e.type !== 'TRIAGE' || e.impact.confidentiality === triageLevel);
  for (const type of HAPPY_PATH) {
    const accepted = candidates.filter((e) => e.type === type && s.can(e));
    if (accepted.length) return accepted;
  }
  return [];
}

describe('model: reporting clocks (each deadline passing at every point of the happy path; level 2 triaged as 3)', () => {
  const start = input(true, 2);
  const paths = getShortestPaths(asDriven, {
    input: start,
    events: (s) => [
      ...nextOnHappyPath(s, 3),
      ...clientEvents(s, ['DISMISS', 'REOPEN']),
      ...deadlineEvents(s).filter((e) => e.type === 'DEADLINE_PASSED' && e.kind !== 'acknowledgement'),
    ],
    serializeState: clockKey,
  });
  walked.push(...paths);

  it('breaches every kind of reporting clock somewhere', () => {
    const breached = new Set(paths.flatMap((p) => p.state.context.breaches.map((b) => b.kind)));
    expect([...breached].sort()).toEqual(['improvement_report', 'recovery', 'report', 'superior_review']);
  });

  it('sends the report reminder somewhere, and cancels it somewhere (report made, clock breached, closed or dismissed)', () => {
    const statuses = new Set(paths.map((p) => p.state.context.clocks.report_due_soon?.status));
    expect(statuses).toEqual(new Set(['pending', 'fired', 'cancelled']));
  });

  it.each(paths.map((p) => [title(p), p] as const))('%s', (_title, path) => checkPath(path, start, clockKey));
});

describe('model: paging (acknowledgement deadlines and ACKNOWLEDGE at every point; level 2)', () => {
  const start = input(true, 2);
  const paths = getShortestPaths(asDriven, {
    input: start,
    events: (s) => [
      ...clientEvents(s, ['ACKNOWLEDGE', 'DISMISS', 'REOPEN']),
      ...nextOnHappyPath(s, 2),
      ...deadlineEvents(s).filter((e) => e.type === 'DEADLINE_PASSED' && e.kind === 'acknowledgement'),
    ],
    serializeState: pagingKey,
  });
  walked.push(...paths);

  it('exhausts paging, and acknowledges before and after escalating', () => {
    expect(paths.some((p) => p.state.context.paging.exhausted)).toBe(true);
    expect(paths.some((p) => p.state.context.paging.acknowledgedBy && p.state.context.paging.step === 0)).toBe(true);
    expect(paths.some((p) => p.state.context.paging.acknowledgedBy && p.state.context.paging.step === 1)).toBe(true);
  });

  it.each(paths.map((p) => [`${title(p)} [${pagingOf(p.state)}]`, p] as const))('%s', (_title, path) => checkPath(path, start, pagingKey));
});

describe('model: every simple path to closed without a superior (level 3; no reclassification, deadline, reopening or evidence)', () => {
  const start = input(false, 3);
  const only: ClientEventType[] = [
    'TRIAGE',
    'REPORT_TO_AUTHORITY',
    'AUTHORITY_REVIEWED',
    'CONTAINED',
    'RECOVERED',
    'LE_NOT_REQUIRED',
    'LE_REQUEST',
    'LE_CONTACTED',
    'LE_CONCLUDED',
    'SUBMIT_IMPROVEMENT_REPORT',
    'APPROVE_CLOSURE',
  ];
  const paths = getSimplePaths(asDriven, {
    input: start,
    events: (s) => clientEvents(s, only).filter((e) => e.type !== 'TRIAGE' || e.impact.confidentiality === 3),
    serializeState: workflowKey,
    toState: (s) => s.value === 'closed',
  });
  walked.push(...paths);

  it('finds them all ending in closed, through both law-enforcement branches', () => {
    expect(paths.length).toBeGreaterThan(100);
    expect(paths.every((p) => p.state.value === 'closed')).toBe(true);
    expect(new Set(paths.map((p) => p.state.context.lawEnforcement.status))).toEqual(new Set(['not_required', 'concluded']));
  });

  it.each(paths.map((p) => [title(p), p] as const))('%s', (_title, path) => checkPath(path, start, workflowKey));
});

describe('model coverage', () => {
  it('the models together take every client event type and every kind of deadline', () => {
    const taken = new Set(
      walked.flatMap((p) => p.steps.slice(1).map((s) => (s.event.type === 'DEADLINE_PASSED' ? `DEADLINE_PASSED:${s.event.kind}` : s.event.type))),
    );
    const expected = [...CLIENT_EVENT_TYPES, ...DEADLINE_KINDS.map((k) => `DEADLINE_PASSED:${k}`)];
    expect(expected.filter((t) => !taken.has(t))).toEqual([]);
  });
});
