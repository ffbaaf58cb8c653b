import { Badge, Group, Stack, Text } from '@mantine/core';
import { IconAlarm, IconAlertTriangle, IconCircleCheck, IconClock } from '@tabler/icons-react';
import type { IncidentDeadline } from '../api/client.ts';
import { useI18n, type MessageKey, type Translate } from '../i18n/index.tsx';
import { formatInstant } from '../time/format.ts';
import { memo } from 'react';
import { useNow, useNowDerived } from '../time/use-now.ts';

/** The clocks a person acts on (the report reminder is the system's own). */
const SHOWN: ReadonlyArray<IncidentDeadline['kind']> = ['report', 'acknowledgement', 'superior_review', 'recovery', 'improvement_report'];
/** A pending clock with less than this left is "due soon". */
export const DUE_SOON_MS = 30 * 60_000;

export type ClockStatus = 'onTime' | 'dueSoon' | 'overdue' | 'met' | 'metLate';

/** Whether the work the clock asks for is done: in time (met), or late (breached, with the time it came). */
export const isDone = (deadline: IncidentDeadline): boolean => deadline.status === 'met' || (deadline.status === 'breached' && deadline.metAt !== undefined);

export function clockStatus(deadline: IncidentDeadline, now: number): ClockStatus {
  if (deadline.status === 'met') return 'met';
  if (isDone(deadline)) return 'metLate';
  const left = Date.parse(deadline.dueAt) - now;
  if (deadline.status === 'breached' || deadline.status === 'fired' || left <= 0) return 'overdue';
  return left <= DUE_SOON_MS ? 'dueSoon' : 'onTime';
}

/** The clocks to show, running ones first by due time, then the done ones. */
export function visibleClocks(deadlines: readonly IncidentDeadline[]): IncidentDeadline[] {
  return deadlines
    .filter((d) => SHOWN.includes(d.kind) && d.status !== 'cancelled')
    .sort((a, b) => Number(isDone(a)) - Number(isDone(b)) || Date.parse(a.dueAt) - Date.parse(b.dueAt));
}

/** The running clock due soonest (for sorting the board). */
export function nextDue(deadlines: readonly IncidentDeadline[]): number {
  const running = visibleClocks(deadlines).filter((d) => !isDone(d));
  return running.length ? Math.min(...running.map((d) => Date.parse(d.dueAt))) : Number.POSITIVE_INFINITY;
}

/** A span of time in its two largest units: `1 h 35 min`, `2 d 4 h`, `12 min 5 s`. */
export function spanText(ms: number, t: Translate): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const parts = days
    ? [t('countdown.day', { n: days }), t('countdown.hour', { n: hours })]
    : hours
      ? [t('countdown.hour', { n: hours }), t('countdown.minute', { n: minutes })]
      : [t('countdown.minute', { n: minutes }), t('countdown.second', { n: seconds })];
  return parts.join(' ');
}

export function countdown(ms: number, t: Translate): string {
  return t(ms >= 0 ? 'countdown.left' : 'countdown.late', { time: spanText(ms, t) });
}

const BADGE: Record<ClockStatus, { color: string; icon: typeof IconClock; key: MessageKey }> = {
  onTime: { color: 'teal.9', icon: IconClock, key: 'badge.onTime' },
  // Orange 9 with white is 4.3:1; this darker orange is 5.6:1.
  dueSoon: { color: '#b34700', icon: IconAlarm, key: 'badge.dueSoon' },
  overdue: { color: 'red.9', icon: IconAlertTriangle, key: 'badge.overdue' },
  met: { color: 'gray.7', icon: IconCircleCheck, key: 'badge.met' },
  metLate: { color: 'gray.7', icon: IconAlertTriangle, key: 'badge.metLate' },
};

export function ClockBadge({ status }: { status: ClockStatus }) {
  const { t } = useI18n();
  const { color, icon: Icon, key } = BADGE[status];
  return (
    <Badge color={color} variant="filled" leftSection={<Icon size={14} aria-hidden="true" />} data-clock-status={status}>
      {t(key)}
    </Badge>
  );
}

/** The live countdown: the only part of a clock that changes every second (plain markup, so a board of hundreds of clocks stays cheap). */
function Countdown({ dueAt, overdue }: { dueAt: string; overdue: boolean }) {
  const { t } = useI18n();
  const now = useNow();
  return <span className={overdue ? 'clock-countdown clock-countdown-overdue' : 'clock-countdown'}>{countdown(Date.parse(dueAt) - now, t)}</span>;
}

/**
 * One clock three ways: due time in the agency's zone, live countdown, and a badge with text and
 * icon. Only the countdown re-renders every second; the rest only when the status changes.
 */
export const Clock = memo(function Clock({ deadline, timeZone }: { deadline: IncidentDeadline; timeZone: string }) {
  const { t } = useI18n();
  const status = useNowDerived((now) => clockStatus(deadline, now));
  return (
    <Stack gap={2} data-clock={deadline.kind}>
      <Group gap="xs" wrap="wrap">
        <Text fw={600} size="sm">
          {t(`deadline.${deadline.kind}` as MessageKey)}
        </Text>
        <ClockBadge status={status} />
      </Group>
      <Text size="sm">
        <time dateTime={deadline.dueAt}>{formatInstant(deadline.dueAt, timeZone)}</time>
        {(status === 'onTime' || status === 'dueSoon' || status === 'overdue') && <Countdown dueAt={deadline.dueAt} overdue={status === 'overdue'} />}
        {status === 'metLate' && deadline.metAt && (
          <span className="clock-countdown clock-countdown-overdue">{countdown(Date.parse(deadline.dueAt) - Date.parse(deadline.metAt), t)}</span>
        )}
      </Text>
    </Stack>
  );
});
