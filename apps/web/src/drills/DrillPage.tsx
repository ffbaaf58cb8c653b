import { Alert, Anchor, Badge, Button, Group, List, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { IconPrinter } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, problemText } from '../api/client.ts';
import { useI18n, type MessageKey, type Translate } from '../i18n/index.tsx';
import { zhTW } from '../i18n/zh-TW.ts';
import { Actor } from '../incidents/Timeline.tsx';
import { TLP_TEXT } from '../incidents/labels.tsx';
import { NotificationsPanel } from '../incidents/panels/NotificationsPanel.tsx';
import { useFallbackPolling } from '../live/use-live-updates.ts';
import { followLink } from '../router.tsx';
import { formatInstant } from '../time/format.ts';
import { AfterActionDialog } from './AfterActionDialog.tsx';
import {
  drillKey,
  drillTimelineKey,
  drillTransitionsKey,
  fetchDrill,
  fetchDrillTimeline,
  fetchDrillTransitions,
  type Drill,
  type DrillEventType,
  type DrillTimelineEntry,
} from './drill-api.ts';
import { DrillEventDialog, eventLabel, type SimpleEventType } from './DrillEventDialog.tsx';

export const stateLabel = (state: Drill['state']): MessageKey => `drillPage.state.${state}`;
export const typeLabel = (type: Drill['drillType']): MessageKey => `drillPage.type.${type}`;
const STATE_COLOR: Record<Drill['state'], string> = {
  scheduled: 'blue',
  overdue: 'red',
  in_progress: 'orange',
  debrief: 'violet',
  improvement: 'grape',
  closed: 'teal',
  cancelled: 'gray',
};

/** A drill: what, when (agency zone) and where it stands; the caller's allowed events; the report; the timeline and notifications. */
export function DrillPage({ id, timeZone }: { id: string; timeZone: string }) {
  const { t } = useI18n();
  const drill = useQuery({ queryKey: drillKey(id), queryFn: () => fetchDrill(id), refetchInterval: useFallbackPolling() });
  if (drill.isPending) return <Text>{t('app.loading')}</Text>;
  if (drill.isError) return <Alert color="red" role="alert" title={t('app.error', { detail: problemText(drill.error) })} />;
  const d = drill.data;
  return (
    <Stack>
      <DrillHeader drill={d} timeZone={timeZone} />
      <DrillActions drill={d} timeZone={timeZone} />
      <DrillFacts drill={d} timeZone={timeZone} />
      {d.afterAction && <AfterActionView drill={d} />}
      <DrillCorrectiveActions drill={d} timeZone={timeZone} />
      <DrillTimeline drill={d} timeZone={timeZone} />
      <NotificationsPanel drillId={d.id} timeZone={timeZone} />
    </Stack>
  );
}

function DrillHeader({ drill, timeZone }: { drill: Drill; timeZone: string }) {
  const { t } = useI18n();
  return (
    <Stack gap={4} component="header">
      <Text size="sm" c="dimmed">
        {t('drillPage.reference')}
      </Text>
      <Title order={1} data-reference>
        {drill.reference}
      </Title>
      <Text size="lg" fw={600} style={{ overflowWrap: 'anywhere' }}>
        {t('drillPage.planLine', { plan: drill.plan.title ?? drill.plan.reference, reference: drill.plan.reference })}
      </Text>
      <Group gap="xs" wrap="wrap">
        <Badge color={STATE_COLOR[drill.state]} variant="light" data-drill-state={drill.state}>
          {t(stateLabel(drill.state))}
        </Badge>
        <Badge color="dark.5" variant="outline">
          {t(typeLabel(drill.drillType))}
        </Badge>
        <Badge color="#000000" variant="filled" style={{ color: TLP_TEXT[drill.plan.classification.label] ?? '#FFFFFF' }}>
          TLP:{drill.plan.classification.label}
        </Badge>
      </Group>
      <Text>
        <strong>
          {t('drillPage.scheduledFor')}
          {t('ca.colon')}
        </strong>
        <time dateTime={drill.scheduledFor}>{formatInstant(drill.scheduledFor, timeZone)}</time>
      </Text>
      <Group gap="md" wrap="wrap">
        <Anchor href={`/drills/${drill.id}/report`} onClick={followLink} data-report-link>
          <Group gap={4} component="span">
            <IconPrinter size={16} aria-hidden />
            {t('drillPage.reportLink')}
          </Group>
        </Anchor>
        <Anchor href="/actions" onClick={followLink}>
          {t('drillPage.actionsLink')}
        </Anchor>
      </Group>
    </Stack>
  );
}

/** The caller's allowed events (GET …/transitions), each a button opening its dialog. */
function DrillActions({ drill, timeZone }: { drill: Drill; timeZone: string }) {
  const { t } = useI18n();
  const transitions = useQuery({ queryKey: drillTransitionsKey(drill.id, drill.version), queryFn: () => fetchDrillTransitions(drill.id) });
  const [open, setOpen] = useState<{ type: DrillEventType; opening: string } | null>(null);
  const [sent, setSent] = useState<DrillEventType | null>(null);
  const onSent = (type: DrillEventType) => {
    setOpen(null);
    setSent(type);
  };
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="drill-actions-title">
      <Title order={2} size="h3" mb="sm" id="drill-actions-title">
        {t('drillPage.actions')}
      </Title>
      {sent && <Alert color="teal" variant="light" role="status" mb="sm" title={t('drillPage.dialog.sent', { event: t(eventLabel(sent)) })} />}
      {transitions.isPending ? (
        <Text>{t('app.loading')}</Text>
      ) : transitions.isError ? (
        <Alert color="red" variant="light" role="alert" title={t('app.error', { detail: problemText(transitions.error) })} />
      ) : transitions.data.length === 0 ? (
        <Text>{t('drillPage.actions.none')}</Text>
      ) : (
        <Group gap="sm" wrap="wrap">
          {transitions.data.map((e) => (
            <Button
              key={e.type}
              variant={e.type === 'CANCEL' ? 'outline' : 'filled'}
              color={e.type === 'CANCEL' ? 'red.9' : undefined}
              data-event={e.type}
              onClick={() => {
                setSent(null);
                setOpen({ type: e.type, opening: crypto.randomUUID() });
              }}
            >
              {t(eventLabel(e.type))}
            </Button>
          ))}
        </Group>
      )}
      {open?.type === 'SUBMIT_AFTER_ACTION' && (
        <AfterActionDialog key={open.opening} drill={drill} timeZone={timeZone} onClose={() => setOpen(null)} onSent={onSent} />
      )}
      {open && open.type !== 'SUBMIT_AFTER_ACTION' && (
        <DrillEventDialog
          key={open.opening}
          drill={drill}
          type={open.type as SimpleEventType}
          timeZone={timeZone}
          onClose={() => setOpen(null)}
          onSent={onSent}
        />
      )}
    </Paper>
  );
}

function At({ at, timeZone }: { at: string | null; timeZone: string }) {
  const { t } = useI18n();
  return at ? <time dateTime={at}>{formatInstant(at, timeZone)}</time> : <>{t('drillPage.none')}</>;
}

/** When it started, ended, when the report is due; who took part and what was seen; reschedules and a cancellation. */
function DrillFacts({ drill, timeZone }: { drill: Drill; timeZone: string }) {
  const { t } = useI18n();
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="drill-facts-title">
      <Title order={2} size="h3" mb="sm" id="drill-facts-title">
        {t('drillPage.facts')}
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
        <Text>
          <strong>
            {t('drillPage.startedAt')}
            {t('ca.colon')}
          </strong>
          <At at={drill.startedAt} timeZone={timeZone} />
        </Text>
        <Text>
          <strong>
            {t('drillPage.completedAt')}
            {t('ca.colon')}
          </strong>
          <At at={drill.completedAt} timeZone={timeZone} />
        </Text>
        <Text>
          <strong>
            {t('drillPage.afterActionDueAt')}
            {t('ca.colon')}
          </strong>
          <At at={drill.afterActionDueAt} timeZone={timeZone} />
          {drill.afterActionOverdue ? ` · ${t('drillPage.overdue')}` : ''}
        </Text>
        <Text>
          <strong>
            {t('drillPage.planUpdate')}
            {t('ca.colon')}
          </strong>
          {drill.planUpdate ? t('drillPage.planUpdate.version', { n: drill.planUpdate.planVersion }) : t('drillPage.none')}
          {drill.planChangeRequired && !drill.planUpdate ? ` · ${t('drillPage.planChangeRequired')}` : ''}
        </Text>
      </SimpleGrid>
      {drill.redacted && <Alert mt="sm" color="gray" variant="light" title={t('drillPage.redacted')} />}
      {drill.cancellation && (
        <Text mt="sm" style={{ whiteSpace: 'pre-wrap' }}>
          <strong>
            {t('drillPage.cancelled')}
            {t('ca.colon')}
          </strong>
          {drill.cancellation.reason}
        </Text>
      )}
      {drill.reschedules.length > 0 && (
        <>
          <Title order={3} size="h4" mt="md">
            {t('drillPage.reschedules')}
          </Title>
          <List size="sm">
            {drill.reschedules.map((r) => (
              <List.Item key={r.at}>
                {t('drillPage.rescheduleLine', { from: formatInstant(r.from, timeZone), to: formatInstant(r.to, timeZone), reason: r.reason })}
              </List.Item>
            ))}
          </List>
        </>
      )}
      {drill.participants && drill.participants.length > 0 && (
        <>
          <Title order={3} size="h4" mt="md">
            {t('drillPage.participants')}
          </Title>
          <List size="sm" data-participants>
            {drill.participants.map((p) => (
              <List.Item key={`${p.at}-${p.name}`}>
                {p.name} · {p.role}
                {p.organisation ? ` · ${p.organisation}` : ''}
              </List.Item>
            ))}
          </List>
        </>
      )}
      {drill.observations && drill.observations.length > 0 && (
        <>
          <Title order={3} size="h4" mt="md">
            {t('drillPage.observations')}
          </Title>
          <List size="sm" data-observations>
            {drill.observations.map((o) => (
              <List.Item key={`${o.at}-${o.text.slice(0, 20)}`} style={{ whiteSpace: 'pre-wrap' }}>
                {o.capability ? `[${o.capability}] ` : ''}
                {o.text}
              </List.Item>
            ))}
          </List>
        </>
      )}
    </Paper>
  );
}

/** The after-action report as submitted. */
function AfterActionView({ drill }: { drill: Drill }) {
  const { t } = useI18n();
  const r = drill.afterAction!;
  const list = (items: string[]) =>
    items.length ? (
      <List size="sm">
        {items.map((s, i) => (
          <List.Item key={i} style={{ whiteSpace: 'pre-wrap' }}>
            {s}
          </List.Item>
        ))}
      </List>
    ) : (
      <Text size="sm">{t('drillPage.none')}</Text>
    );
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="drill-aar-title" data-after-action>
      <Title order={2} size="h3" mb="sm" id="drill-aar-title">
        {t('drillPage.aar.title')}
      </Title>
      <Stack gap="xs">
        <Title order={3} size="h4">
          {t('drillPage.aar.objectives')}
        </Title>
        {list(r.objectives)}
        <Title order={3} size="h4">
          {t('drillPage.aar.scenario')}
        </Title>
        <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
          {r.scenario}
        </Text>
        <Title order={3} size="h4">
          {t('drillPage.aar.capabilities')}
        </Title>
        <Table.ScrollContainer minWidth={320}>
          <Table withTableBorder>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('drillPage.aar.capability.name')}</Table.Th>
                <Table.Th>{t('drillPage.aar.capability.rating')}</Table.Th>
                <Table.Th>{t('doc.drill.notes')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {r.capabilities.map((c, i) => (
                <Table.Tr key={i}>
                  <Table.Td>{c.capability}</Table.Td>
                  <Table.Td data-rating={c.rating}>{t(`drillPage.rating.${c.rating}`)}</Table.Td>
                  <Table.Td>{c.notes ?? ''}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Title order={3} size="h4">
          {t('drillPage.aar.strengths')}
        </Title>
        {list(r.strengths)}
        <Title order={3} size="h4">
          {t('drillPage.aar.areasForImprovement')}
        </Title>
        {list(r.areasForImprovement)}
      </Stack>
    </Paper>
  );
}

/** The corrective actions the report called for: status and due date, each on the corrective actions page. */
function DrillCorrectiveActions({ drill, timeZone }: { drill: Drill; timeZone: string }) {
  const { t } = useI18n();
  const actions = useQuery({
    queryKey: ['corrective-actions', 'source', drill.id, drill.version],
    enabled: drill.correctiveActions.length > 0,
    queryFn: async () => {
      const { data, error } = await api.GET('/api/corrective-actions', { params: { query: { sourceId: drill.id, limit: 200 } } });
      if (!data) throw error;
      return data.items;
    },
  });
  if (drill.correctiveActions.length === 0) return null;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="drill-ca-title">
      <Title order={2} size="h3" mb="sm" id="drill-ca-title">
        {t('drillPage.aar.correctiveActions')}
      </Title>
      {actions.isPending ? (
        <Text>{t('app.loading')}</Text>
      ) : actions.isError ? (
        <Alert color="red" variant="light" role="alert" title={t('app.error', { detail: problemText(actions.error) })} />
      ) : (
        <Stack component="ul" gap="xs" m={0} p={0} style={{ listStyle: 'none' }}>
          {actions.data.map((a) => (
            <li key={a.id} data-corrective-action={a.id} data-status={a.status}>
              <Group gap="xs" wrap="wrap">
                <Badge variant="light" color={a.status === 'verified' ? 'teal' : a.status === 'done' ? 'blue' : 'gray'}>
                  {t(`ca.status.${a.status}`)}
                </Badge>
                <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                  {a.title ?? t('drillPage.redacted')}
                </Text>
                <Text size="sm" c="dimmed">
                  {t('ca.dueAt')}
                  {t('ca.colon')}
                  <time dateTime={a.dueAt}>{formatInstant(a.dueAt, timeZone)}</time>
                </Text>
              </Group>
            </li>
          ))}
        </Stack>
      )}
    </Paper>
  );
}

const str = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');

/** The line of a timeline entry (an entry the console does not know shows its name). */
export function entryLine(t: Translate, e: DrillTimelineEntry, timeZone: string): string {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const key = `drillPage.timeline.${e.entry}`;
  const values = {
    name: str(d.name),
    role: str(d.role),
    capability: str(d.capability),
    n: str(d.correctiveActions ?? d.planVersion),
    from: d.from ? formatInstant(String(d.from), timeZone) : '',
    to: d.to ? formatInstant(String(d.to), timeZone) : '',
    reason: str(d.reason),
    summary: str(d.summary),
  };
  return Object.hasOwn(zhTW, key) ? t(key as MessageKey, values) : e.entry;
}

function DrillTimeline({ drill, timeZone }: { drill: Drill; timeZone: string }) {
  const { t } = useI18n();
  const timeline = useQuery({ queryKey: drillTimelineKey(drill.id, drill.version), queryFn: () => fetchDrillTimeline(drill.id) });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="drill-timeline-title">
      <Title order={2} size="h3" mb="sm" id="drill-timeline-title">
        {t('drillPage.timeline')}
      </Title>
      {timeline.isPending ? (
        <Text>{t('app.loading')}</Text>
      ) : timeline.isError ? (
        <Alert color="red" variant="light" role="alert" title={t('app.error', { detail: problemText(timeline.error) })} />
      ) : (
        <Stack component="ol" gap="sm" m={0} p={0} style={{ listStyle: 'none' }}>
          {timeline.data.map((e) => (
            <Stack key={e.seq} component="li" gap={2} pl="sm" style={{ borderLeft: '3px solid var(--mantine-color-gray-5)' }} data-timeline-entry={e.entry}>
              <Text size="sm" fw={700} style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}>
                {entryLine(t, e, timeZone)}
              </Text>
              <Text size="sm" c="dimmed">
                <time dateTime={e.at}>{formatInstant(e.at, timeZone)}</time> · <Actor id={e.actorId} />
              </Text>
            </Stack>
          ))}
        </Stack>
      )}
    </Paper>
  );
}
