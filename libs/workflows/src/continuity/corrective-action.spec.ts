import { describe, expect, it } from '@jest/globals';
import { decideStatusChange, type CorrectiveActionRecord } from './corrective-action.js';

const owner = { id: 'owner', roles: ['responder'] as const, unitIds: [] };
const coordinator = { id: 'coord', roles: ['continuity_coordinator'] as const, unitIds: [] };
const stranger = { id: 'x', roles: ['responder'] as const, unitIds: [] };
const unitMember = { id: 'm', roles: ['reporter'] as const, unitIds: ['unit-1'] };
const record = (over: Partial<CorrectiveActionRecord> = {}): CorrectiveActionRecord => ({
  status: 'open',
  ownerUserId: 'owner',
  ownerUnitIds: [],
  doneBy: null,
  ...over,
});

describe('corrective action lifecycle', () => {
  it('lets the owner, a member of the owning unit or a coordinator work on it; nobody else', () => {
    expect(decideStatusChange(record(), 'in_progress', owner, undefined)).toEqual({ ok: true });
    expect(decideStatusChange(record(), 'done', coordinator, undefined)).toEqual({ ok: true });
    expect(decideStatusChange(record({ ownerUserId: null, ownerUnitIds: ['unit-1'] }), 'done', unitMember, undefined)).toEqual({ ok: true });
    expect(decideStatusChange(record(), 'done', stranger, undefined)).toMatchObject({ ok: false, status: 403, rule: 'role' });
  });

  it('is verified by a manager other than the person who marked it done', () => {
    expect(decideStatusChange(record({ status: 'done', doneBy: 'coord' }), 'verified', coordinator, undefined)).toMatchObject({ ok: false, rule: 'fourEyes' });
    expect(decideStatusChange(record({ status: 'done', doneBy: 'owner' }), 'verified', coordinator, undefined)).toEqual({ ok: true });
    expect(decideStatusChange(record({ status: 'done', doneBy: 'x' }), 'verified', owner, undefined)).toMatchObject({ ok: false, status: 403 });
  });

  it('needs a reason to send work back or to cancel', () => {
    expect(decideStatusChange(record({ status: 'done', doneBy: 'owner' }), 'in_progress', coordinator, ' ')).toMatchObject({ ok: false, rule: 'noteRequired' });
    expect(decideStatusChange(record({ status: 'done', doneBy: 'owner' }), 'in_progress', coordinator, 'evidence missing')).toEqual({ ok: true });
    expect(decideStatusChange(record(), 'cancelled', coordinator, undefined)).toMatchObject({ ok: false, rule: 'noteRequired' });
    expect(decideStatusChange(record(), 'cancelled', owner, 'not needed')).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses moves the table does not have, naming what is possible', () => {
    expect(decideStatusChange(record({ status: 'verified' }), 'open', coordinator, 'x')).toMatchObject({ ok: false, status: 422, rule: 'statusTransition' });
    const r = decideStatusChange(record(), 'verified', coordinator, undefined);
    expect(r).toMatchObject({ ok: false, rule: 'statusTransition' });
    expect(r.ok === false && r.message).toEqual({
      'zh-TW': expect.stringContaining('in_progress、done、cancelled'),
      en: expect.stringContaining('in_progress, done, cancelled'),
    });
  });
});
