import { Alert, Anchor, Badge, Button, Group, Modal, Paper, Stack, Tabs, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import type { components } from '../../../../libs/api-types/openapi.d.ts';
import { api, fieldErrors, problemText, type Problem } from '../api/client.ts';
import { useSession } from '../auth/session.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { Actor } from '../incidents/Timeline.tsx';
import { FALLBACK_POLL_MS } from '../live/use-live-updates.ts';
import { followLink, navigate } from '../router.tsx';
import { formatInstant } from '../time/format.ts';

type CorrectiveAction = components['schemas']['CorrectiveAction'];
type Status = CorrectiveAction['status'];
type Tab = 'mine' | 'unit' | 'overdue' | 'all';
const TABS: readonly Tab[] = ['mine', 'unit', 'overdue', 'all'];
const MANAGERS = ['continuity_coordinator', 'ciso'] as const;
const STATUS_COLOR: Record<Status, string> = { open: 'gray', in_progress: 'orange', done: 'blue', verified: 'teal', cancelled: 'gray' };

/** Under one key, so every change here (and a drill event that files actions) refetches the lists. */
export const ACTIONS_KEY = ['corrective-actions'] as const;

async function fetchActions(tab: Tab): Promise<CorrectiveAction[]> {
  const query =
    tab === 'mine' ? { owner: 'me' as const } : tab === 'unit' ? { owner: 'my_units' as const } : tab === 'overdue' ? { overdue: 'true' as const } : {};
  const items: CorrectiveAction[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/corrective-actions', { params: { query: { ...query, limit: 200, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The incident's or drill's reference, for the link back to it (the short id when it cannot be read). */
function useSourceReferences(actions: CorrectiveAction[]) {
  const sources = [...new Map(actions.map((a) => [a.source.id, a.source])).values()];
  const results = useQueries({
    queries: sources.map((s) => ({
      queryKey: [s.type, s.id, 'reference'],
      staleTime: 10 * 60_000,
      retry: false,
      queryFn: async () => {
        const { data } =
          s.type === 'drill'
            ? await api.GET('/api/drills/{id}', { params: { path: { id: s.id } } })
            : await api.GET('/api/incidents/{id}', { params: { path: { id: s.id } } });
        return data?.reference ?? s.id.slice(0, 8);
      },
    })),
  });
  return new Map(sources.map((s, i) => [s.id, results[i]?.data ?? s.id.slice(0, 8)]));
}

/** Corrective actions across incidents and drills: mine, my unit's, overdue (and all for those who oversee them), with their status changes. */
export function ActionsPage({ tab: asked, timeZone }: { tab: string | null; timeZone: string }) {
  const { t } = useI18n();
  const session = useSession();
  const tab: Tab = TABS.includes(asked as Tab) ? (asked as Tab) : 'mine';
  // Corrective actions are not on the live stream (it carries incidents and drills): the page asks again every half minute, and after each change made here.
  const actions = useQuery({ queryKey: [...ACTIONS_KEY, tab], queryFn: () => fetchActions(tab), refetchInterval: FALLBACK_POLL_MS });
  const references = useSourceReferences(actions.data ?? []);
  const [done, setDone] = useState<string | null>(null);
  const me = session.data?.user;
  return (
    <Stack>
      <Title order={1}>{t('ca.title')}</Title>
      <Text>{t('ca.intro')}</Text>
      <Tabs value={tab} onChange={(next) => navigate(`/actions?tab=${next ?? 'mine'}`, { replace: true })} keepMounted={false}>
        <Tabs.List>
          {TABS.map((k) => (
            <Tabs.Tab key={k} value={k} data-tab={k}>
              {t(`ca.tab.${k}`)}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      {done && <Alert color="teal" variant="light" role="status" title={done} />}
      {actions.isPending ? (
        <Text>{t('app.loading')}</Text>
      ) : actions.isError ? (
        <Alert color="red" role="alert" title={t('app.error', { detail: problemText(actions.error) })} />
      ) : actions.data.length === 0 ? (
        <Text data-empty>{t(`ca.empty.${tab}`)}</Text>
      ) : (
        <Stack component="ul" gap="sm" m={0} p={0} style={{ listStyle: 'none' }} aria-label={t(`ca.tab.${tab}`)}>
          {actions.data.map((a) => (
            <ActionCard
              key={a.id}
              action={a}
              reference={references.get(a.source.id) ?? ''}
              timeZone={timeZone}
              me={me ?? null}
              onChanged={(status) => setDone(t('ca.changed', { title: a.title ?? '', status: t(`ca.status.${status}`) }))}
            />
          ))}
        </Stack>
      )}
    </Stack>
  );
}

type Move = { to: Status; label: MessageKey; note: 'none' | 'optional' | 'required' };

/** The status changes the person may make (the API decides in the end). Verification is someone else's than who finished it. */
function movesFor(a: CorrectiveAction, me: { id: string; roles: readonly string[] } | null): Move[] {
  if (!me) return [];
  const manager = me.roles.some((r) => (MANAGERS as readonly string[]).includes(r));
  switch (a.status) {
    case 'open':
      return [
        { to: 'in_progress', label: 'ca.move.start', note: 'none' },
        { to: 'done', label: 'ca.move.done', note: 'optional' },
      ];
    case 'in_progress':
      return [{ to: 'done', label: 'ca.move.done', note: 'optional' }];
    case 'done':
      return manager && a.doneBy !== me.id
        ? [
            { to: 'verified', label: 'ca.move.verify', note: 'optional' },
            { to: 'in_progress', label: 'ca.move.sendBack', note: 'required' },
          ]
        : [];
    default:
      return [];
  }
}

function ActionCard({
  action: a,
  reference,
  timeZone,
  me,
  onChanged,
}: {
  action: CorrectiveAction;
  reference: string;
  timeZone: string;
  me: { id: string; roles: readonly string[] } | null;
  onChanged: (status: Status) => void;
}) {
  const { t } = useI18n();
  const [move, setMove] = useState<Move | null>(null);
  const units = useQuery({
    queryKey: ['units', a.agencyId],
    enabled: a.ownerUnitId !== null,
    staleTime: 10 * 60_000,
    queryFn: async () => {
      const { data } = await api.GET('/api/units', { params: { query: { agencyId: a.agencyId, limit: 200 } } });
      return new Map((data?.items ?? []).map((u) => [u.id, u.name]));
    },
  });
  const title = a.title ?? t('ca.redacted');
  const href = a.source.type === 'drill' ? `/drills/${a.source.id}` : `/incidents/${a.source.id}`;
  return (
    <Paper component="li" withBorder p="sm" data-corrective-action={a.id} data-status={a.status} aria-label={title}>
      <Stack gap={4}>
        <Group gap="xs" wrap="wrap" justify="space-between">
          <Text fw={700} style={{ overflowWrap: 'anywhere' }}>
            {title}
          </Text>
          <Group gap={4}>
            <Badge color={STATUS_COLOR[a.status]} variant="light" data-status-badge>
              {t(`ca.status.${a.status}`)}
            </Badge>
            {a.overdue && (
              <Badge color="red" variant="light">
                {t('ca.overdue')}
              </Badge>
            )}
          </Group>
        </Group>
        <Text size="sm">
          {t(`ca.source.${a.source.type}`)}
          {t('ca.colon')}
          <Anchor href={href} onClick={followLink} data-source-link>
            {reference}
          </Anchor>
        </Text>
        <Text size="sm">
          {t('ca.owner')}
          {t('ca.colon')}
          {a.ownerUserId && <Actor id={a.ownerUserId} />}
          {a.ownerUserId && a.ownerUnitId ? '、' : ''}
          {a.ownerUnitId && (units.data?.get(a.ownerUnitId) ?? t('ca.unit'))}
        </Text>
        <Text size="sm">
          {t('ca.dueAt')}
          {t('ca.colon')}
          <time dateTime={a.dueAt}>{formatInstant(a.dueAt, timeZone)}</time>
        </Text>
        {a.doneAt && (
          <Text size="sm">
            {t('ca.doneAt')}
            {t('ca.colon')}
            <time dateTime={a.doneAt}>{formatInstant(a.doneAt, timeZone)}</time> · <Actor id={a.doneBy} />
          </Text>
        )}
        {a.verifiedAt && (
          <Text size="sm">
            {t('ca.verifiedAt')}
            {t('ca.colon')}
            <time dateTime={a.verifiedAt}>{formatInstant(a.verifiedAt, timeZone)}</time> · <Actor id={a.verifiedBy} />
          </Text>
        )}
        {a.note && (
          <Text size="sm" style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}>
            {t('ca.note')}
            {t('ca.colon')}
            {a.note}
          </Text>
        )}
        {movesFor(a, me).length > 0 && (
          <Group gap="xs" mt={4} wrap="wrap">
            {movesFor(a, me).map((m) => (
              <Button
                key={m.to}
                size="sm"
                variant={m.to === 'in_progress' && a.status === 'done' ? 'outline' : 'filled'}
                onClick={() => setMove(m)}
                data-move={m.to}
              >
                {t(m.label)}
              </Button>
            ))}
          </Group>
        )}
      </Stack>
      {move && (
        <MoveDialog
          action={a}
          move={move}
          onClose={() => setMove(null)}
          onDone={(status) => {
            setMove(null);
            onChanged(status);
          }}
        />
      )}
    </Paper>
  );
}

/** A status change (PATCH with If-Match on the version shown), with a note where the change takes one. */
function MoveDialog({ action, move, onClose, onDone }: { action: CorrectiveAction; move: Move; onClose: () => void; onDone: (status: Status) => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [note, setNote] = useState('');
  const [failure, setFailure] = useState<{ status: number; problem: Partial<Problem> } | null>(null);
  const patch = useMutation({
    mutationFn: async () => {
      const { data, error, response } = await api.PATCH('/api/corrective-actions/{id}', {
        params: { path: { id: action.id }, header: { 'If-Match': `"${action.version}"` } },
        body: { status: move.to, ...(note.trim() ? { note: note.trim() } : {}) },
      });
      if (!data) throw { status: response.status, problem: (error ?? {}) as Partial<Problem> };
      return data;
    },
    onSuccess: (updated) => {
      void client.invalidateQueries({ queryKey: ACTIONS_KEY });
      void client.invalidateQueries({ queryKey: ['drill', updated.source.id] });
      void client.invalidateQueries({ queryKey: ['incident', updated.source.id] });
      onDone(updated.status);
    },
    onError: (thrown) => {
      const f = thrown as unknown as { status: number; problem: Partial<Problem> };
      setFailure(f);
      if (f.status === 409) void client.invalidateQueries({ queryKey: ACTIONS_KEY });
    },
  });
  const errors = failure ? fieldErrors(failure.problem) : {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!patch.isPending) patch.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t(move.label)} closeButtonProps={{ 'aria-label': t('drillPage.dialog.close') }}>
      <form onSubmit={submit} noValidate data-move-dialog={move.to}>
        <Stack>
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {action.title}
          </Text>
          {failure && (
            <Alert
              color="red"
              variant="light"
              role="alert"
              title={t(failure.status === 409 ? 'ca.stale' : 'ca.refused', { detail: problemText(failure.problem) })}
            />
          )}
          {move.note !== 'none' && (
            <Textarea
              label={t(move.note === 'required' ? 'ca.note.required' : 'ca.note.optional')}
              required={move.note === 'required'}
              autosize
              minRows={2}
              maxLength={5000}
              value={note}
              error={errors.note ?? errors.status}
              onChange={(e) => setNote(e.currentTarget.value)}
            />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('drillPage.dialog.cancel')}
            </Button>
            <Button type="submit" loading={patch.isPending}>
              {t(move.label)}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
