import { describe, expect, it } from '@jest/globals';
import { durationsInWords, formatDuration, parseDuration } from './duration.js';

describe('readable durations', () => {
  it.each([
    ['PT1H', '1 小時', '1 hour'],
    ['PT30M', '30 分鐘', '30 minutes'],
    ['PT1H30M', '1 小時 30 分鐘', '1 hour 30 minutes'],
    ['PT72H', '72 小時', '72 hours'],
    ['P1M', '1 個月', '1 month'],
    ['P14D', '14 天', '14 days'],
    ['P2W', '2 週', '2 weeks'],
    ['PT45S', '45 秒', '45 seconds'],
    ['P1DT2H', '1 天 2 小時', '1 day 2 hours'],
  ])('formats %s as "%s" and "%s", and reads both back', (iso, zh, en) => {
    expect(formatDuration(iso, 'zh-TW')).toBe(zh);
    expect(formatDuration(iso, 'en')).toBe(en);
    expect(parseDuration(zh)).toBe(iso);
    expect(parseDuration(en)).toBe(iso);
  });

  it.each([
    ['1小時', 'PT1H'],
    ['1 個小時', 'PT1H'],
    ['1 小時又 30 分', 'PT1H30M'],
    ['１小時', 'PT1H'],
    ['90 分鐘', 'PT90M'],
    ['2h30m', 'PT2H30M'],
    ['2 hrs, 5 mins', 'PT2H5M'],
    ['1 hour and 15 minutes', 'PT1H15M'],
    ['  3 Days ', 'P3D'],
    ['pt15m', 'PT15M'],
    ['P1M', 'P1M'],
    ['1 week 1 day', 'P8D'],
    ['1 month', 'P1M'],
    ['1 min', 'PT1M'],
  ])('reads "%s" as %s', (text, iso) => {
    expect(parseDuration(text)).toBe(iso);
  });

  it.each(['', '   ', '1', 'hour', '1.5 小時', '1 小時 2 小時', '-1 hour', '0 分鐘', 'PT0S', '1 fortnight', '1 小時 abc', 'P', 'PT'])(
    'refuses "%s"',
    (text) => {
      expect(parseDuration(text)).toBeNull();
    },
  );

  it('leaves what is not an ISO duration as it is when formatting', () => {
    expect(formatDuration('soon', 'en')).toBe('soon');
  });

  it('puts the durations of a message in words', () => {
    expect(durationsInWords('不得大於 PT1H', 'zh-TW')).toBe('不得大於 1 小時');
    expect(durationsInWords('must not exceed PT1H30M (an agency may shorten a clock, never lengthen it)', 'en')).toBe(
      'must not exceed 1 hour 30 minutes (an agency may shorten a clock, never lengthen it)',
    );
    expect(durationsInWords('must be at least PT5M, at most P1D', 'en')).toBe('must be at least 5 minutes, at most 1 day');
    expect(durationsInWords('PHONE and PT are not durations', 'en')).toBe('PHONE and PT are not durations');
  });
});
