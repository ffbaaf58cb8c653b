import { Alert, Anchor, Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, fetchIncidents, problemText, type Incident } from '../api/client.ts';
import { useSession } from '../auth/session.ts';
import { useI18n } from '../i18n/index.tsx';
import { IncidentLabels } from '../incidents/labels.tsx';
import { fetchDirectory } from '../incidents/panels/panel-api.ts';
import { followLink } from '../router.tsx';
import { formatInstant } from '../time/format.ts';

const WEEK_MS = 7 * 86_400_000;

async function fetchNow() {
  const { data, error } = await api.GET('/api/on-call/now', { params: { query: { limit: 200 } } });
  if (!data) throw error;
  return data;
}

async function fetchCalendar(from: Date) {
  const { data, error } = await api.GET('/api/on-call/calendar', {
    params: { query: { limit: 200, from: from.toISOString(), to: new Date(from.getTime() + WEEK_MS).toISOString() } },
  });
  if (!data) throw error;
  return { from: from.getTime(), items: data.items };
}

function IncidentList({ items, empty }: { items: Incident[]; empty: string }) {
  if (!items.length) return <Text>{empty}</Text>;
  return (
    <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {items.map((i) => (
        <li key={i.id} data-oncall-incident={i.id}>
          <Group gap="xs" wrap="wrap">
            <Anchor href={`/incidents/${i.id}`} onClick={followLink} fw={600}>
              {i.reference}
            </Anchor>
            {!i.redacted && <Text span>{i.title}</Text>}
            <IncidentLabels incident={i} />
          </Group>
        </li>
      ))}
    </Stack>
  );
}

/** /oncall: who is on call now in each schedule, the next hand-offs, and the incidents paging (unacknowledged) and those the caller acknowledged. */
export function OnCallPage({ timeZone }: { timeZone: string }) {
  const { t } = useI18n();
  const session = useSession();
  const now = useQuery({ queryKey: ['oncall-now'], queryFn: fetchNow, refetchInterval: 60_000 });
  const calendar = useQuery({ queryKey: ['oncall-calendar'], queryFn: () => fetchCalendar(new Date()), refetchInterval: 300_000 });
  const directory = useQuery({ queryKey: ['directory'], queryFn: fetchDirectory, staleTime: 300_000 });
  const incidents = useQuery({ queryKey: ['incidents', { open: 'true' }, 'oncall'], queryFn: () => fetchIncidents({}), refetchInterval: 15_000 });
  const me = session.data?.user.id;
  const open = (incidents.data ?? []).filter((i) => i.state !== 'closed' && i.state !== 'dismissed');
  const paging = open.filter((i) => !i.paging.acknowledgedAt);
  const mine = open.filter((i) => i.paging.acknowledgedBy === me);
  const nameOf = (id: string) => directory.data?.get(id)?.name ?? id.slice(0, 8);
  const at = now.data ? Date.parse(now.data.at) : 0;

  return (
    <Stack>
      <Title order={1}>{t('oncall.title')}</Title>
      <Paper withBorder p="md" component="section" aria-labelledby="oncall-now">
        <Title order={2} size="h3" mb="sm" id="oncall-now">
          {t('oncall.now')}
        </Title>
        {now.isPending ? (
          <Text>{t('app.loading')}</Text>
        ) : now.isError ? (
          <Alert color="red" role="alert" title={t('app.error', { detail: problemText(now.error) })} />
        ) : now.data.items.length === 0 ? (
          <Text>{t('oncall.noSchedules')}</Text>
        ) : (
          <Stack gap="sm">
            {now.data.items.map((s) => (
              <div key={s.scheduleId} data-schedule={s.scheduleId}>
                <Text fw={600}>{s.name}</Text>
                {s.onCall ? (
                  <Group gap="xs" wrap="wrap" data-on-call={s.onCall.email ?? s.onCall.userId}>
                    <Text>
                      {s.onCall.name ?? nameOf(s.onCall.userId)}
                      {s.onCall.email ? ` <${s.onCall.email}>` : ''}
                    </Text>
                    <Text size="sm">{t('oncall.until', { at: formatInstant(s.onCall.endsAt, timeZone) })}</Text>
                    {s.onCall.source === 'override' && (
                      <Badge color="violet" variant="light">
                        {t('oncall.override')}
                      </Badge>
                    )}
                  </Group>
                ) : (
                  <Text c="red.9">{t('oncall.nobody')}</Text>
                )}
              </div>
            ))}
          </Stack>
        )}
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="oncall-handoffs">
        <Title order={2} size="h3" mb="sm" id="oncall-handoffs">
          {t('oncall.handoffs')}
        </Title>
        {calendar.isPending ? (
          <Text>{t('app.loading')}</Text>
        ) : calendar.isError ? (
          <Alert color="red" role="alert" title={t('app.error', { detail: problemText(calendar.error) })} />
        ) : (
          <Stack gap="sm">
            {calendar.data.items.map((s) => {
              // A hand-off is a shift that starts later (the one running now is clipped to the window's start).
              const next = s.shifts.filter((x) => Date.parse(x.startsAt) > Math.max(at, calendar.data.from)).slice(0, 5);
              return (
                <div key={s.scheduleId}>
                  <Text fw={600}>{s.name}</Text>
                  {next.length === 0 ? (
                    <Text size="sm">{t('oncall.noHandoffs')}</Text>
                  ) : (
                    <Stack component="ul" gap={2} style={{ margin: 0, paddingInlineStart: 20 }}>
                      {next.map((x) => (
                        <li key={`${x.userId}-${x.startsAt}`} data-handoff={x.startsAt}>
                          <Text size="sm">{t('oncall.handoff', { at: formatInstant(x.startsAt, timeZone), name: nameOf(x.userId) })}</Text>
                        </li>
                      ))}
                    </Stack>
                  )}
                </div>
              );
            })}
            {calendar.data.items.length === 0 && <Text>{t('oncall.noSchedules')}</Text>}
          </Stack>
        )}
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="oncall-paging">
        <Title order={2} size="h3" mb="sm" id="oncall-paging">
          {t('oncall.paging')}
        </Title>
        {incidents.isError ? (
          <Alert color="red" role="alert" title={t('app.error', { detail: problemText(incidents.error) })} />
        ) : incidents.isPending ? (
          <Text>{t('app.loading')}</Text>
        ) : (
          <IncidentList items={paging} empty={t('oncall.noPaging')} />
        )}
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="oncall-mine">
        <Title order={2} size="h3" mb="sm" id="oncall-mine">
          {t('oncall.mine')}
        </Title>
        {incidents.isPending ? <Text>{t('app.loading')}</Text> : <IncidentList items={mine} empty={t('oncall.noMine')} />}
      </Paper>
    </Stack>
  );
}
