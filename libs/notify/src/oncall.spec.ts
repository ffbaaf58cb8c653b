import { describe, expect, it } from '@jest/globals';
import { layerShift, onCallAt, shiftsBetween, type Schedule } from './oncall.js';

// Taipei is UTC+8: a 09:00 local hand-off is 01:00Z.
const daily: Schedule = {
  timezone: 'Asia/Taipei',
  layers: [{ rotation: 'daily', handoffTime: '09:00', startsAt: '2026-03-02T01:00:00Z', participants: ['amy', 'bo', 'chen'] }],
  overrides: [],
};

describe('on-call resolution', () => {
  it('hands off a daily rotation at the local time', () => {
    expect(onCallAt(daily, '2026-03-02T01:00:00Z')?.userId).toBe('amy');
    expect(onCallAt(daily, '2026-03-03T00:59:59Z')?.userId).toBe('amy'); // 08:59:59 Taipei, still Monday's shift
    expect(onCallAt(daily, '2026-03-03T01:00:00Z')?.userId).toBe('bo'); // 09:00 Tuesday
    expect(onCallAt(daily, '2026-03-04T12:00:00Z')?.userId).toBe('chen');
    expect(onCallAt(daily, '2026-03-05T01:00:00Z')?.userId).toBe('amy'); // wraps around
    expect(onCallAt(daily, '2026-03-01T12:00:00Z')).toBeUndefined(); // before the rotation starts
  });

  it('gives the shift boundaries of the current shift', () => {
    expect(layerShift(daily.layers[0]!, '2026-03-03T05:00:00Z', 'Asia/Taipei')).toEqual({
      userId: 'bo',
      startsAt: '2026-03-03T01:00:00.000Z',
      endsAt: '2026-03-04T01:00:00.000Z',
    });
  });

  it('hands off a weekly rotation on its weekday', () => {
    const weekly: Schedule = {
      timezone: 'Asia/Taipei',
      layers: [{ rotation: 'weekly', handoffTime: '18:00', handoffWeekday: 5, startsAt: '2026-03-06T10:00:00Z', participants: ['amy', 'bo'] }],
      overrides: [],
    };
    expect(onCallAt(weekly, '2026-03-13T09:59:00Z')?.userId).toBe('amy'); // Fri 17:59 Taipei
    expect(onCallAt(weekly, '2026-03-13T10:00:00Z')?.userId).toBe('bo'); // Fri 18:00 Taipei
    expect(onCallAt(weekly, '2026-03-20T10:00:00Z')?.userId).toBe('amy');
  });

  it('lets an override win while it lasts, and a later layer sit on top of an earlier one', () => {
    const schedule: Schedule = {
      ...daily,
      layers: [
        ...daily.layers,
        { rotation: 'daily', handoffTime: '09:00', startsAt: '2026-03-07T01:00:00Z', endsAt: '2026-03-09T01:00:00Z', participants: ['weekend'] },
      ],
      overrides: [{ userId: 'dana', startsAt: '2026-03-03T04:00:00Z', endsAt: '2026-03-03T06:00:00Z' }],
    };
    expect(onCallAt(schedule, '2026-03-03T03:59:00Z')?.userId).toBe('bo');
    expect(onCallAt(schedule, '2026-03-03T04:00:00Z')).toMatchObject({ userId: 'dana', source: 'override' });
    expect(onCallAt(schedule, '2026-03-03T06:00:00Z')?.userId).toBe('bo');
    expect(onCallAt(schedule, '2026-03-08T01:00:00Z')).toMatchObject({ userId: 'weekend', layer: 1 });
    expect(onCallAt(schedule, '2026-03-09T01:00:00Z')?.userId).not.toBe('weekend');
  });

  it('lists the shifts of a period with overrides cut in', () => {
    const schedule: Schedule = { ...daily, overrides: [{ userId: 'dana', startsAt: '2026-03-03T04:00:00Z', endsAt: '2026-03-03T06:00:00Z' }] };
    expect(shiftsBetween(schedule, '2026-03-02T01:00:00Z', '2026-03-04T01:00:00Z').map((s) => [s.userId, s.startsAt, s.endsAt])).toEqual([
      ['amy', '2026-03-02T01:00:00.000Z', '2026-03-03T01:00:00.000Z'],
      ['bo', '2026-03-03T01:00:00.000Z', '2026-03-03T04:00:00.000Z'],
      ['dana', '2026-03-03T04:00:00.000Z', '2026-03-03T06:00:00.000Z'],
      ['bo', '2026-03-03T06:00:00.000Z', '2026-03-04T01:00:00.000Z'],
    ]);
  });
});
