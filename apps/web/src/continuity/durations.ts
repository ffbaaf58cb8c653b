import type { Translate } from '../i18n/index.tsx';

/**
 * Durations as people enter and read them ("4 小時", "3 days") and as the API takes them (ISO 8601:
 * PT4H, P3D). Only the conversion lives here; whether a value is allowed (RTO below the MTPD, …) is
 * the API's rule, shown at the field from its answer.
 */

export const DURATION_UNITS = ['minutes', 'hours', 'days', 'weeks', 'months'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];

/** A duration as the form holds it: the amount as typed (may be empty or wrong: the API says so). */
export interface DurationDraft {
  amount: string;
  unit: DurationUnit;
}

const ISO = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

interface Parts {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

function partsOf(iso: string): Parts | null {
  const m = ISO.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) return null;
  const [years, months, weeks, days, hours, minutes, seconds] = m.slice(1).map((v) => (v ? Number(v) : 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { years, months, weeks, days, hours, minutes, seconds };
}

/** The ISO duration of what was typed: `PT4H`; the text as typed when it is no whole number (the API refuses it at the field). */
export function toIso(draft: DurationDraft): string {
  const amount = draft.amount.trim();
  if (!/^\d{1,6}$/.test(amount)) return amount;
  const n = Number(amount);
  switch (draft.unit) {
    case 'minutes':
      return `PT${n}M`;
    case 'hours':
      return `PT${n}H`;
    case 'days':
      return `P${n}D`;
    case 'weeks':
      return `P${n}W`;
    case 'months':
      return `P${n}M`;
  }
}

/** The form's reading of an ISO duration: one unit when it has one part, else hours (or minutes) in total. */
export function fromIso(iso: string | undefined, fallback: DurationUnit = 'hours'): DurationDraft {
  if (!iso) return { amount: '', unit: fallback };
  const p = partsOf(iso);
  if (!p) return { amount: iso, unit: fallback };
  const nonZero = (Object.keys(p) as Array<keyof Parts>).filter((k) => p[k] > 0);
  if (nonZero.length === 1) {
    const k = nonZero[0]!;
    if (k === 'years') return { amount: String(p.years * 12), unit: 'months' };
    if (k === 'seconds') return p.seconds % 60 === 0 ? { amount: String(p.seconds / 60), unit: 'minutes' } : { amount: iso, unit: fallback };
    return { amount: String(p[k]), unit: k };
  }
  if (p.years || p.months || p.seconds % 60) return { amount: iso, unit: fallback };
  const minutes = ((p.weeks * 7 + p.days) * 24 + p.hours) * 60 + p.minutes + p.seconds / 60;
  return minutes % 60 === 0 ? { amount: String(minutes / 60), unit: 'hours' } : { amount: String(minutes), unit: 'minutes' };
}

/** "4 小時", "1 day 12 hours": every part of the ISO duration in words; the text itself when it is not one. */
export function formatDuration(iso: string | undefined | null, t: Translate): string {
  if (!iso) return '—';
  const p = partsOf(iso);
  if (!p) return iso;
  const words: string[] = [];
  if (p.years) words.push(t('plans.duration.years', { n: p.years }));
  if (p.months) words.push(t('plans.duration.months', { n: p.months }));
  if (p.weeks) words.push(t('plans.duration.weeks', { n: p.weeks }));
  if (p.days) words.push(t('plans.duration.days', { n: p.days }));
  if (p.hours) words.push(t('plans.duration.hours', { n: p.hours }));
  if (p.minutes) words.push(t('plans.duration.minutes', { n: p.minutes }));
  if (p.seconds) words.push(t('plans.duration.seconds', { n: p.seconds }));
  return words.join(' ') || iso;
}
