import { Alert, Anchor, Badge, Button, CopyButton, Group, Paper, Stack, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, problemText } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { followLink } from '../router.tsx';
import { formatInstant, fromLocalInput, toLocalInput } from '../time/format.ts';
import { fetchDrills, planKeys, type Drill } from './plan-api.ts';
import './continuity.css';

const pad = (n: number) => String(n).padStart(2, '0');

/** The month shown: ?month=YYYY-MM, else the current month in the zone. */
function monthFrom(param: string | null, timeZone: string): { year: number; month: number } {
  const m = param ? /^(\d{4})-(\d{2})$/.exec(param) : null;
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return { year: Number(m[1]), month: Number(m[2]) };
  const local = toLocalInput(new Date(), timeZone);
  return { year: Number(local.slice(0, 4)), month: Number(local.slice(5, 7)) };
}

function shift(year: number, month: number, by: number): { year: number; month: number } {
  const index = year * 12 + (month - 1) + by;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

const key = (m: { year: number; month: number }) => `${m.year}-${pad(m.month)}`;

const STATE_COLOR: Record<Drill['state'], string> = {
  scheduled: 'blue',
  overdue: 'red',
  in_progress: 'orange',
  debrief: 'violet',
  improvement: 'violet',
  closed: 'gray',
  cancelled: 'gray',
};

function StateBadge({ state }: { state: Drill['state'] }) {
  const { t } = useI18n();
  return (
    <Badge variant="light" color={STATE_COLOR[state]}>
      {t(`drillsCalendar.state.${state}` as MessageKey)}
    </Badge>
  );
}

/** A month as weeks (Monday first) of day numbers, null outside the month. */
function weeksOf(year: number, month: number): Array<Array<number | null>> {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay(); // 0 = Sunday
  const lead = (first + 6) % 7;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const cells: Array<number | null> = [...Array<null>(lead).fill(null), ...Array.from({ length: days }, (_, i) => i + 1)];
  while (cells.length % 7) cells.push(null);
  return Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
}

function MonthCalendar({ year, month, drills, timeZone }: { year: number; month: number; drills: Drill[]; timeZone: string }) {
  const { t } = useI18n();
  const byDay = new Map<number, Drill[]>();
  for (const d of drills) {
    const local = toLocalInput(new Date(d.scheduledFor), timeZone);
    if (Number(local.slice(0, 4)) !== year || Number(local.slice(5, 7)) !== month) continue;
    const day = Number(local.slice(8, 10));
    byDay.set(day, [...(byDay.get(day) ?? []), d]);
  }
  const weekdays = [1, 2, 3, 4, 5, 6, 0];
  return (
    <table className="drill-calendar" data-calendar={key({ year, month })}>
      <caption>
        <VisuallyHidden>{t('drillsCalendar.caption', { year, month })}</VisuallyHidden>
      </caption>
      <thead>
        <tr>
          {weekdays.map((w) => (
            <th key={w} scope="col">
              <abbr title={t(`drillsCalendar.weekday.${w}` as MessageKey)}>{t(`drillsCalendar.weekday.short.${w}` as MessageKey)}</abbr>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {weeksOf(year, month).map((week, i) => (
          <tr key={i}>
            {week.map((day, j) => (
              <td key={j} data-day={day ?? undefined} className={day ? undefined : 'outside'}>
                {day && (
                  <>
                    <span className="day-number">{day}</span>
                    {(byDay.get(day) ?? []).map((d) => (
                      <Anchor
                        key={d.id}
                        href={`/drills/${d.id}`}
                        onClick={followLink}
                        className={`drill-chip state-${d.state}`}
                        data-calendar-drill={d.id}
                        size="xs"
                      >
                        {toLocalInput(new Date(d.scheduledFor), timeZone).slice(11)}
                        <span className="chip-detail" aria-hidden>
                          {' '}
                          {t(`plans.programme.drillType.${d.drillType}` as MessageKey)}
                        </span>
                        <VisuallyHidden>
                          {' '}
                          {d.reference} {t(`plans.programme.drillType.${d.drillType}` as MessageKey)} {t(`drillsCalendar.state.${d.state}` as MessageKey)}
                        </VisuallyHidden>
                      </Anchor>
                    ))}
                  </>
                )}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DrillList({ drills, timeZone }: { drills: Drill[]; timeZone: string }) {
  const { t } = useI18n();
  if (!drills.length) return <Text>{t('drillsCalendar.list.empty')}</Text>;
  return (
    <Stack component="ul" gap="xs" style={{ listStyle: 'none', padding: 0, margin: 0 }} data-drill-list>
      {drills.map((d) => (
        <Paper component="li" key={d.id} withBorder p="sm" data-drill={d.id}>
          <Group gap="xs" wrap="wrap">
            <Anchor href={`/drills/${d.id}`} onClick={followLink} fw={700}>
              {d.reference}
            </Anchor>
            <StateBadge state={d.state} />
            <Text size="sm">{t(`plans.programme.drillType.${d.drillType}` as MessageKey)}</Text>
          </Group>
          <Text size="sm">{formatInstant(d.scheduledFor, timeZone)}</Text>
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {t('drillsCalendar.list.plan')}{' '}
            <Anchor href={`/plans/${d.plan.id}`} onClick={followLink}>
              {d.plan.title ?? d.plan.reference}
            </Anchor>
          </Text>
        </Paper>
      ))}
    </Stack>
  );
}

/** The personal iCalendar subscription link: created (shown once), copied, revoked. */
function CalendarFeed({ timeZone }: { timeZone: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [feed, setFeed] = useState<{ url: string; rotated: boolean } | null>(null);
  const [revoked, setRevoked] = useState(false);
  const status = useQuery({
    queryKey: ['calendar-feed'],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/drills/calendar-feed');
      if (!data) throw error;
      return data;
    },
  });
  const create = useMutation({
    mutationFn: async () => {
      const { data, error } = await api.POST('/api/drills/calendar-feed');
      if (!data) throw error;
      return data;
    },
    onSuccess: (made) => {
      setFeed(made);
      setRevoked(false);
      void client.invalidateQueries({ queryKey: ['calendar-feed'] });
    },
  });
  const revoke = useMutation({
    mutationFn: async () => {
      const { response, error } = await api.DELETE('/api/drills/calendar-feed');
      if (!response.ok) throw error;
    },
    onSuccess: () => {
      setFeed(null);
      setRevoked(true);
      void client.invalidateQueries({ queryKey: ['calendar-feed'] });
    },
  });
  const active = Boolean(feed) || (status.data?.active ?? false);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="drill-feed">
      <Title order={2} size="h3" mb="sm" id="drill-feed">
        {t('drillsCalendar.feed.title')}
      </Title>
      <Stack>
        <Text size="sm">{t('drillsCalendar.feed.intro')}</Text>
        {status.data?.active && status.data.createdAt && !feed && (
          <Text size="sm" fw={600} data-feed-active>
            {t('drillsCalendar.feed.active', { at: formatInstant(status.data.createdAt, timeZone) })}
          </Text>
        )}
        {create.isError && <Alert color="red" role="alert" title={t('app.error', { detail: problemText(create.error) })} />}
        {revoke.isError && <Alert color="red" role="alert" title={t('app.error', { detail: problemText(revoke.error) })} />}
        {feed && (
          <Stack gap="xs" data-feed-url>
            <Alert color="yellow" variant="light" title={feed.rotated ? t('drillsCalendar.feed.rotated') : t('drillsCalendar.feed.created')}>
              {t('drillsCalendar.feed.once')}
            </Alert>
            <TextInput label={t('drillsCalendar.feed.url')} readOnly value={feed.url} onFocus={(e) => e.currentTarget.select()} />
            <Group>
              <CopyButton value={feed.url} timeout={4000}>
                {({ copied, copy }) => (
                  <Button variant="default" onClick={copy} aria-live="polite">
                    {copied ? t('drillsCalendar.feed.copied') : t('drillsCalendar.feed.copy')}
                  </Button>
                )}
              </CopyButton>
            </Group>
          </Stack>
        )}
        {revoked && (
          <Alert color="green" variant="light" role="status" title={t('drillsCalendar.feed.revoked')}>
            {t('drillsCalendar.feed.revoked.detail')}
          </Alert>
        )}
        <Group>
          <Button onClick={() => create.mutate()} loading={create.isPending}>
            {active ? t('drillsCalendar.feed.rotate') : t('drillsCalendar.feed.create')}
          </Button>
          {active && (
            <Button variant="outline" color="red" onClick={() => revoke.mutate()} loading={revoke.isPending}>
              {t('drillsCalendar.feed.revoke')}
            </Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}

/** /drills: the drills of a month as a calendar and as a list, each linking to its page; the personal calendar link. */
export function DrillsPage({ search, timeZone }: { search: URLSearchParams; timeZone: string }) {
  const { t } = useI18n();
  const shown = monthFrom(search.get('month'), timeZone);
  const next = shift(shown.year, shown.month, 1);
  const prev = shift(shown.year, shown.month, -1);
  const from = fromLocalInput(`${key(shown)}-01T00:00`, timeZone)!;
  const to = fromLocalInput(`${key(next)}-01T00:00`, timeZone)!;
  const drills = useQuery({ queryKey: planKeys.drills(from, to), queryFn: () => fetchDrills(new Date(from).toISOString(), new Date(to).toISOString()) });
  const sorted = [...(drills.data ?? [])].sort((a, b) => Date.parse(a.scheduledFor) - Date.parse(b.scheduledFor));
  return (
    <Stack>
      <Title order={1}>{t('drillsCalendar.title')}</Title>
      <Paper withBorder p="md" component="section" aria-labelledby="drill-month">
        <Group justify="space-between" wrap="nowrap" mb="sm" gap="xs">
          <Button component="a" variant="default" size="compact-md" href={`/drills?month=${key(prev)}`} onClick={followLink}>
            ‹ {t('drillsCalendar.prev')}
          </Button>
          <Title order={2} size="h3" id="drill-month" ta="center">
            {t('drillsCalendar.month', { year: shown.year, month: shown.month })}
          </Title>
          <Button component="a" variant="default" size="compact-md" href={`/drills?month=${key(next)}`} onClick={followLink}>
            {t('drillsCalendar.next')} ›
          </Button>
        </Group>
        {drills.isError ? (
          <Alert color="red" role="alert" title={t('app.error', { detail: problemText(drills.error) })} />
        ) : (
          <MonthCalendar year={shown.year} month={shown.month} drills={sorted} timeZone={timeZone} />
        )}
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="drill-list">
        <Title order={2} size="h3" mb="sm" id="drill-list">
          {t('drillsCalendar.list.title', { year: shown.year, month: shown.month })}
        </Title>
        {drills.isPending ? <Text>{t('app.loading')}</Text> : <DrillList drills={sorted} timeZone={timeZone} />}
      </Paper>
      <CalendarFeed timeZone={timeZone} />
    </Stack>
  );
}

export default DrillsPage;
