import type { MessageKey, Translate } from '../i18n/index.tsx';
import { formatDuration } from './durations.ts';

/**
 * Words for the parts of a plan document, for people: "營運衝擊分析 第 1 列 › RTO" instead of
 * `impactAnalysis[0].rto` (an API field error) or `/impactAnalysis/0/rto` (a diff's JSON pointer),
 * and "4 小時" instead of `PT4H`.
 */

const SECTIONS = new Set([
  'title',
  'summary',
  'classification',
  'scope',
  'impactAnalysis',
  'activationCriteria',
  'procedures',
  'contacts',
  'reviewInterval',
  'changeReason',
]);
const FIELDS = new Set([
  'name',
  'kind',
  'core',
  'description',
  'service',
  'hazard',
  'impact',
  'mtpd',
  'rto',
  'rpo',
  'phase',
  'order',
  'action',
  'responsibleRole',
  'responsibleUnitId',
  'function',
  'phone',
  'email',
  'organisation',
  'tlp',
  'dataLevel',
]);
const DURATIONS = new Set(['mtpd', 'rto', 'rpo', 'reviewInterval']);

/** The segments of a dotted field path (`a[0].b`) or a JSON pointer (`/a/0/b`). */
export function segments(path: string): string[] {
  if (path.startsWith('/'))
    return path
      .slice(1)
      .split('/')
      .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  return path.split(/[.[\]]+/).filter(Boolean);
}

function segmentLabel(segment: string, t: Translate): string {
  if (/^\d+$/.test(segment)) return t('plans.item', { n: Number(segment) + 1 });
  if (SECTIONS.has(segment)) return t(`plans.section.${segment}` as MessageKey);
  if (FIELDS.has(segment)) return t(`plans.field.${segment}` as MessageKey);
  return segment;
}

/** A readable name of the place in the plan. */
export function fieldLabel(path: string, t: Translate): string {
  const parts = segments(path);
  if (parts.length === 0 || parts[0] === 'plan' || parts[0] === 'body') return t('plans.field.document');
  return parts.map((s) => segmentLabel(s, t)).join(' › ');
}

/** A value of the plan as people read it; objects (a whole row) as "label: value" lines. */
export function valueText(path: string, value: unknown, t: Translate, unitName: (id: string) => string = (id) => id): string {
  if (value === undefined || value === null || value === '') return '—';
  const key =
    segments(path)
      .filter((s) => !/^\d+$/.test(s))
      .at(-1) ?? '';
  if (Array.isArray(value)) return value.map((v, i) => valueText(`${path}/${i}`, v, t, unitName)).join('\n');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${segmentLabel(k, t)}: ${valueText(`${path}/${k}`, v, t, unitName)}`)
      .join('\n');
  }
  if (typeof value === 'boolean') return t(value ? 'plans.yes' : 'plans.no');
  const text = String(value);
  if (DURATIONS.has(key)) return formatDuration(text, t);
  if (key === 'hazard') return t(`plans.hazard.${text}` as MessageKey);
  if (key === 'kind') return t(`plans.kind.${text}` as MessageKey);
  if (key === 'phase') return t(`plans.phase.${text}` as MessageKey);
  if (key === 'responsibleRole') return t(`panels.role.${text}` as MessageKey);
  if (key === 'responsibleUnitId') return unitName(text);
  if (key === 'tlp') return `TLP:${text}`;
  if (key === 'dataLevel') return t(`plans.dataLevel.${text}` as MessageKey);
  return text;
}
