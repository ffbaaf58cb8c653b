import { Alert, Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { problemText, type Incident } from '../../api/client.ts';
import { useSession } from '../../auth/session.ts';
import { useI18n } from '../../i18n/index.tsx';
import { formatInstant } from '../../time/format.ts';
import { Clock } from '../clocks.tsx';
import { roleName } from './NotificationsPanel.tsx';
import { fetchDirectory, fetchNotifications, fetchTransitions, sendEvent } from './panel-api.ts';

/** Who is being paged (the latest page and its addresses), the escalation step, whether it is acknowledged, and Acknowledge when the caller may. */
export function PagingPanel({ incident, timeZone }: { incident: Incident; timeZone: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const session = useSession();
  const [message, setMessage] = useState<{ kind: 'done' | 'stale' | 'error'; text: string } | null>(null);
  const notifications = useQuery({
    queryKey: ['incident', incident.id, 'notifications'],
    queryFn: () => fetchNotifications(incident.id),
    refetchInterval: 15_000,
  });
  const transitions = useQuery({ queryKey: ['incident', incident.id, 'transitions', incident.version], queryFn: () => fetchTransitions(incident.id) });
  const directory = useQuery({ queryKey: ['directory'], queryFn: fetchDirectory, staleTime: 300_000, enabled: incident.paging.acknowledgedBy !== null });
  const acknowledge = useMutation({
    mutationFn: () => sendEvent(incident, { type: 'ACKNOWLEDGE' }),
    onSuccess: async (result) => {
      if (result.ok) setMessage({ kind: 'done', text: t('panels.paging.acknowledgedNow') });
      else if (result.stale) setMessage({ kind: 'stale', text: t('panels.stale') });
      else setMessage({ kind: 'error', text: problemText(result.error) });
      await client.invalidateQueries({ queryKey: ['incident', incident.id] });
    },
  });

  const paging = incident.paging;
  const pages = (notifications.data ?? []).filter((n) => n.template === 'incident.paged');
  const latest = pages.at(-1);
  const target = latest?.audience.find((a) => a.kind === 'escalationTarget');
  const canAcknowledge = (transitions.data ?? []).some((e) => e.type === 'ACKNOWLEDGE');
  const ackClock = incident.deadlines.filter((d) => d.kind === 'acknowledgement' && d.status !== 'cancelled').at(-1);
  const who =
    paging.acknowledgedBy === session.data?.user.id
      ? t('panels.paging.you')
      : (directory.data?.get(paging.acknowledgedBy ?? '')?.name ?? t('panels.paging.someone', { id: paging.acknowledgedBy?.slice(0, 8) ?? '' }));

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="panel-paging" data-panel="paging">
      <Title order={2} size="h3" mb="sm" id="panel-paging">
        {t('panels.paging.title')}
      </Title>
      <Stack gap="xs">
        <Group gap="xs" wrap="wrap">
          <Badge color={paging.acknowledgedAt ? 'teal' : 'orange'} variant="light" data-paging={paging.acknowledgedAt ? 'acknowledged' : 'unacknowledged'}>
            {t(paging.acknowledgedAt ? 'panels.paging.acknowledgedBadge' : 'panels.paging.unacknowledged')}
          </Badge>
          <Text size="sm">{t('panels.paging.step', { step: paging.step + 1, round: paging.round + 1 })}</Text>
        </Group>
        {paging.acknowledgedAt && <Text>{t('panels.paging.acknowledged', { who, at: formatInstant(paging.acknowledgedAt, timeZone) })}</Text>}
        {target?.kind === 'escalationTarget' ? (
          <Text>{t('panels.paging.paging', { target: roleName(t, target.target) })}</Text>
        ) : (
          <Text>{t('panels.paging.notPaged')}</Text>
        )}
        {latest && latest.deliveries.length > 0 && (
          <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
            {t('panels.paging.pagedAddresses', { addresses: latest.deliveries.map((d) => d.address).join('、') })}
          </Text>
        )}
        {paging.exhausted && !paging.acknowledgedAt && <Alert color="red" variant="light" title={t('panels.paging.exhausted')} />}
        {ackClock && !paging.acknowledgedAt && <Clock deadline={ackClock} timeZone={timeZone} />}
        {message && (
          <Alert
            color={message.kind === 'done' ? 'teal' : message.kind === 'stale' ? 'orange' : 'red'}
            variant="light"
            role={message.kind === 'done' ? 'status' : 'alert'}
            title={message.text}
          />
        )}
        {canAcknowledge && (
          <Group>
            <Button onClick={() => acknowledge.mutate()} loading={acknowledge.isPending}>
              {t('panels.paging.acknowledge')}
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
