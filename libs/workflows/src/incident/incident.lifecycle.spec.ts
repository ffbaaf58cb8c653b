import { describe, expect, it } from '@jest/globals';
import { applyIncidentEvent, fileIncident, flattenState, restoreIncident, allowedEvents } from './incident.runtime.js';
import type { EventActor, IncidentEvent } from './incident.events.js';
import { STATUTORY_CLOCKS, type IncidentPolicy } from './clocks.js';
import { INCIDENT_MACHINE_VERSION } from './incident.machine.js';

const policy: IncidentPolicy = {
  clocks: STATUTORY_CLOCKS,
  acknowledgementTimeout: 'PT15M',
  escalation: {
    steps: [
      { target: 'on_call_manager', timeout: 'PT15M' },
      { target: 'it_unit_head', timeout: 'PT15M' },
      { target: 'ciso', timeout: 'PT15M' },
    ],
    repeat: 0,
  },
  timezone: 'Asia/Taipei',
};
const manager: EventActor = { id: 'm', roles: ['on_call_manager', 'reporter'], relation: 'own' };
const ciso: EventActor = { id: 'c', roles: ['ciso'], relation: 'own' };
const ethics: EventActor = { id: 'e', roles: ['ethics_officer'], relation: 'own' };
const superior: EventActor = { id: 's', roles: ['ciso'], relation: 'superior' };
const reporter: EventActor = { id: 'r', roles: ['reporter'], relation: 'own' };
const system: EventActor = { id: 'system', roles: [], relation: 'system' };

function file(level: 1 | 2 | 3 | 4 = 2) {
  return fileIncident({
    agencyId: 'a',
    hasSuperior: true,
    policy,
    impact: { confidentiality: level, integrity: 1, availability: 1 },
    category: 'intrusion',
    isDrill: false,
    awareAt: '2026-03-02T01:00:00.000Z',
    filedAt: '2026-03-02T01:05:00.000Z',
    filedBy: 'r',
  });
}

function run(level: 1 | 2 | 3 | 4, events: Array<Omit<IncidentEvent, 'at'> & { at?: string }>) {
  let { snapshot } = file(level);
  for (const e of events) {
    const result = applyIncidentEvent(snapshot, { at: '2026-03-02T01:30:00.000Z', ...e } as IncidentEvent);
    if (!result.changed) throw new Error(`refused: ${e.type} in ${JSON.stringify(snapshot.value)}`);
    snapshot = result.snapshot;
  }
  return snapshot;
}

describe('incident machine lifecycle', () => {
  it('files with report (and its reminder, the default 15 minutes before), recovery and acknowledgement clocks from awareness and filing', () => {
    const { snapshot, effects } = file(2);
    expect(flattenState(snapshot).state).toBe('reported');
    expect(snapshot.context.policy.reportReminderLead).toBe('PT15M');
    expect(effects.filter((e) => e.type === 'startDeadline').map((e) => e.params)).toEqual([
      { kind: 'report', dueAt: '2026-03-02T02:00:00.000Z' },
      { kind: 'report_due_soon', dueAt: '2026-03-02T01:45:00.000Z' },
      { kind: 'recovery', dueAt: '2026-03-05T01:00:00.000Z' },
      { kind: 'acknowledgement', dueAt: '2026-03-02T01:20:00.000Z', step: 0 },
    ]);
  });

  it('runs a level-2 incident to closed without CISO approval', () => {
    const s = run(2, [
      { type: 'ACKNOWLEDGE', actor: manager },
      { type: 'TRIAGE', actor: manager, impact: { confidentiality: 2, integrity: 1, availability: 1 }, category: 'intrusion' },
      { type: 'REPORT_TO_AUTHORITY', actor: manager, channel: 'national_platform' },
      { type: 'AUTHORITY_REVIEWED', actor: superior, level: 2, note: 'ok' },
      { type: 'LE_NOT_REQUIRED', actor: ethics, reason: 'no crime' },
      { type: 'CONTAINED', actor: manager, summary: 'isolated' },
      { type: 'RECOVERED', actor: manager, summary: 'restored' },
    ] as never);
    expect(flattenState(s)).toMatchObject({ state: 'review', review: 'awaiting_report' });
    const closed = applyIncidentEvent(s, {
      type: 'SUBMIT_IMPROVEMENT_REPORT',
      actor: manager,
      at: '2026-03-03T00:00:00.000Z',
      rootCause: 'weak password',
      measures: { technical: 'MFA' },
      schedule: 'Q2',
    });
    expect(flattenState(closed.snapshot).state).toBe('closed');
  });

  it('needs CISO approval to close a level-4 incident, and refuses a reporter', () => {
    const s = run(4, [
      { type: 'TRIAGE', actor: manager, impact: { confidentiality: 4, integrity: 1, availability: 1 }, category: 'intrusion' },
      { type: 'REPORT_TO_AUTHORITY', actor: manager, channel: 'national_platform' },
      { type: 'LE_REQUEST', actor: ethics, reason: 'crime suspected' },
      { type: 'LE_CONTACTED', actor: ethics, lawEnforcementAgency: 'investigation_bureau', officer: 'Officer Lin' },
      { type: 'LE_CONCLUDED', actor: ethics, note: 'case filed' },
      { type: 'CONTAINED', actor: manager, summary: 'isolated' },
      { type: 'RECOVERED', actor: manager, summary: 'restored' },
      { type: 'SUBMIT_IMPROVEMENT_REPORT', actor: manager, rootCause: 'x', measures: { technical: 'y' }, schedule: 'z' },
    ] as never);
    expect(flattenState(s)).toMatchObject({ state: 'review', review: 'awaiting_approval' });
    expect(applyIncidentEvent(s, { type: 'APPROVE_CLOSURE', actor: manager, at: '2026-03-03T00:00:00.000Z' }).changed).toBe(false);
    expect(applyIncidentEvent(s, { type: 'APPROVE_CLOSURE', actor: reporter, at: '2026-03-03T00:00:00.000Z' }).changed).toBe(false);
    expect(flattenState(applyIncidentEvent(s, { type: 'APPROVE_CLOSURE', actor: ciso, at: '2026-03-03T00:00:00.000Z' }).snapshot).state).toBe('closed');
  });

  it('fires a pending deadline once and records the breach; a met deadline never fires', () => {
    const { snapshot } = file(2);
    const fired = applyIncidentEvent(snapshot, {
      type: 'DEADLINE_PASSED',
      kind: 'report',
      dueAt: '2026-03-02T02:00:00.000Z',
      actor: system,
      at: '2026-03-02T02:00:05.000Z',
    });
    expect(fired.changed).toBe(true);
    expect(fired.snapshot.context.breaches).toEqual([{ kind: 'report', dueAt: '2026-03-02T02:00:00.000Z', at: '2026-03-02T02:00:05.000Z', lateByMs: 5000 }]);
    expect(
      applyIncidentEvent(fired.snapshot, {
        type: 'DEADLINE_PASSED',
        kind: 'report',
        dueAt: '2026-03-02T02:00:00.000Z',
        actor: system,
        at: '2026-03-02T02:01:00.000Z',
      }).changed,
    ).toBe(false);
    const s = run(2, [
      { type: 'TRIAGE', actor: manager, impact: { confidentiality: 2, integrity: 1, availability: 1 }, category: 'intrusion' },
      { type: 'REPORT_TO_AUTHORITY', actor: manager, channel: 'national_platform' },
    ] as never);
    expect(
      applyIncidentEvent(s, { type: 'DEADLINE_PASSED', kind: 'report', dueAt: '2026-03-02T02:00:00.000Z', actor: system, at: '2026-03-02T02:00:05.000Z' })
        .changed,
    ).toBe(false);
  });

  it('lists what the caller may send and restores a persisted snapshot', () => {
    const { persisted } = file(2);
    const restored = restoreIncident({ machineVersion: INCIDENT_MACHINE_VERSION, snapshot: JSON.parse(JSON.stringify(persisted)) });
    expect(allowedEvents(restored, manager).map((e) => e.type)).toEqual(['TRIAGE', 'DISMISS', 'ACKNOWLEDGE', 'RECLASSIFY']);
    expect(allowedEvents(restored, reporter)).toEqual([]);
  });
});
