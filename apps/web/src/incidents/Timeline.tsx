import { Alert, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { components } from '../../../../libs/api-types/openapi.d.ts';
import { api, problemText } from '../api/client.ts';
import { useSession } from '../auth/session.ts';
import { useI18n, type MessageKey, type Translate } from '../i18n/index.tsx';
import { formatInstant } from '../time/format.ts';

type Entry = components['schemas']['IncidentTimelineEntry'];

/** The whole timeline, oldest first (the API pages it by seq). */
async function fetchTimeline(id: string): Promise<Entry[]> {
  const items: Entry[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/incidents/{id}/timeline', { params: { path: { id }, query: { limit: 200, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The incident's timeline: when (agency zone), who, what, and the words people wrote, always as text. */
export function Timeline({ id, version, timeZone }: { id: string; version: number; timeZone: string }) {
  const { t } = useI18n();
  const timeline = useQuery({ queryKey: ['incident-timeline', id, version], queryFn: () => fetchTimeline(id) });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="incident-timeline-title">
      <Title order={2} size="h3" mb="sm" id="incident-timeline-title">
        {t('timeline.title')}
      </Title>
      {timeline.isPending ? (
        <Text>{t('app.loading')}</Text>
      ) : timeline.isError ? (
        <Alert color="red" variant="light" role="alert" title={t('app.error', { detail: problemText(timeline.error) })} />
      ) : timeline.data.length === 0 ? (
        <Text>{t('timeline.empty')}</Text>
      ) : (
        <Stack component="ol" gap="sm" m={0} p={0} style={{ listStyle: 'none' }}>
          {timeline.data.map((e) => (
            <TimelineItem key={e.seq} entry={e} timeZone={timeZone} />
          ))}
        </Stack>
      )}
    </Paper>
  );
}

function TimelineItem({ entry, timeZone }: { entry: Entry; timeZone: string }) {
  const { t } = useI18n();
  const data = entry.data;
  return (
    <Stack component="li" gap={2} pl="sm" style={{ borderLeft: '3px solid var(--mantine-color-gray-5)' }} data-timeline-entry={entry.entry}>
      <Group gap="xs" wrap="wrap">
        <Text size="sm" fw={700}>
          {headline(entry, t)}
        </Text>
        <Text size="sm" c="dimmed">
          <time dateTime={entry.at}>{formatInstant(entry.at, timeZone)}</time> · <Actor id={entry.actorId} />
        </Text>
      </Group>
      {data ? (
        details(data, t, timeZone)
      ) : (
        <Text size="xs" c="dimmed">
          {t('timeline.withheld')}
        </Text>
      )}
    </Stack>
  );
}

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);
const num = (value: unknown): string => (typeof value === 'number' || typeof value === 'string' ? String(value) : '?');

function has(t: Translate, key: string): key is MessageKey {
  return t(key as MessageKey) !== undefined;
}

/** The entry's one line from the catalog (an entry the console does not know yet shows its name). */
export function headline(entry: Entry, t: Translate): string {
  const key = `timeline.entry.${entry.entry}`;
  if (!has(t, key)) return entry.entry;
  const d = entry.data ?? {};
  return t(key, {
    level: num(d.level),
    step: num(d.step),
    from: num(d.from),
    to: num(d.to),
    n: Array.isArray(d.evidenceIds) ? d.evidenceIds.length : '?',
  });
}

/** What people wrote, each under its label, as plain text (never markup), and the entry's facts. */
function details(d: Record<string, unknown>, t: Translate, timeZone: string): ReactNode {
  const lines: Array<{ key: string; label?: string; text: string }> = [];
  const say = (key: string, label: MessageKey | undefined, value: unknown) => {
    const text = str(value);
    if (text) lines.push({ key, label: label ? t(label) : undefined, text });
  };
  say('summary', 'field.summary', d.summary);
  say('reason', 'field.reason', d.reason);
  say('fallback', 'field.fallbackReason', d.fallback);
  say('note', 'field.note', d.note);
  say('rootCause', 'field.rootCause', d.rootCause);
  if (d.measures && typeof d.measures === 'object') {
    for (const k of ['management', 'technical', 'staffing', 'resources'] as const)
      say(`measures.${k}`, `field.measures.${k}`, (d.measures as Record<string, unknown>)[k]);
  }
  say('schedule', 'field.schedule', d.schedule);
  if (str(d.channel)) lines.push({ key: 'channel', text: t('timeline.detail.channel', { value: t(`channel.${d.channel as 'phone'}`) ?? String(d.channel) }) });
  if (str(d.officer)) {
    const agency = str(d.agency);
    lines.push({
      key: 'officer',
      text: t('timeline.detail.officer', { agency: agency ? t(`leAgency.${agency as 'police'}`) : '', officer: String(d.officer) }),
    });
  }
  if (str(d.caseNumber)) lines.push({ key: 'caseNumber', text: t('timeline.detail.caseNumber', { value: String(d.caseNumber) }) });
  if (str(d.kind) && str(d.dueAt))
    lines.push({
      key: 'deadline',
      text: t('timeline.detail.deadline', { kind: t(`deadline.${d.kind}` as MessageKey) ?? String(d.kind), time: formatInstant(String(d.dueAt), timeZone) }),
    });
  if (str(d.from) && str(d.to)) lines.push({ key: 'transfer', text: t('timeline.detail.transfer', { from: String(d.from), to: String(d.to) }) });
  if (!lines.length) return null;
  return (
    <Stack gap={2}>
      {lines.map((l) => (
        <Text key={l.key} size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} data-detail={l.key}>
          {l.label ? <strong>{l.label}：</strong> : null}
          {l.text}
        </Text>
      ))}
    </Stack>
  );
}

/** Who: the system, the reader themselves, or the person's name from the directory (their id if not visible). */
export function Actor({ id }: { id: string | null }) {
  const { t } = useI18n();
  const session = useSession();
  const user = useQuery({
    queryKey: ['user', id],
    enabled: id !== null && id !== session.data?.user.id,
    staleTime: 10 * 60_000,
    retry: false,
    queryFn: async () => {
      const { data, error } = await api.GET('/api/users/{id}', { params: { path: { id: id! } } });
      if (!data) throw error;
      return data;
    },
  });
  if (id === null) return <>{t('timeline.system')}</>;
  if (id === session.data?.user.id) return <>{t('timeline.you')}</>;
  return <>{user.data?.name ?? t('timeline.someone', { id: id.slice(0, 8) })}</>;
}
