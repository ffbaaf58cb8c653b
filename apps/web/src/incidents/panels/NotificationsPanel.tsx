import { Alert, Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { problemText } from '../../api/client.ts';
import { useI18n, type MessageKey, type Translate } from '../../i18n/index.tsx';
import { zhTW } from '../../i18n/zh-TW.ts';
import { formatInstant } from '../../time/format.ts';
import { fetchDrillNotifications } from '../../drills/drill-api.ts';
import { fetchNotifications, type NotificationItem } from './panel-api.ts';

const DELIVERY_COLOR: Record<string, string> = { queued: 'gray', sending: 'blue', sent: 'teal', failed: 'orange', dead: 'red' };
const WRAP = { overflowWrap: 'anywhere' } as const;

/** A catalog text when the catalog has the key, else the fallback (an identifier the catalog does not know yet). */
export function known(t: Translate, key: string, fallback: string): string {
  return Object.hasOwn(zhTW, key) ? t(key as MessageKey) : fallback;
}

export function roleName(t: Translate, role: string): string {
  return known(t, `panels.role.${role}`, role);
}

function audienceText(t: Translate, entry: NotificationItem['audience'][number]): string {
  switch (entry.kind) {
    case 'role':
      return t('panels.audience.role', { role: roleName(t, entry.role) });
    case 'unitType':
      return t('panels.audience.unitType', { unitType: known(t, `panels.unitType.${entry.unitType}`, entry.unitType) });
    case 'superiorReviewers':
      return t('panels.audience.superiorReviewers');
    case 'superiorRole':
      return t('panels.audience.superiorRole', { role: roleName(t, entry.role) });
    case 'escalationTarget':
      return t('panels.audience.escalationTarget', { target: roleName(t, entry.target) });
    case 'user':
      return t('panels.audience.user');
    case 'unit':
      return t('panels.audience.unit');
  }
}

/** Each notification: what it was, for whom, and each delivery's status with the receiving server's answer. Only what the API gives is shown. */
export function NotificationsPanel({ incidentId, drillId, timeZone }: { incidentId?: string; drillId?: string; timeZone: string }) {
  const { t } = useI18n();
  const notifications = useQuery({
    // A drill's notifications have the same shape (the drill page shows them here too).
    queryKey: drillId ? ['drill', drillId, 'notifications'] : ['incident', incidentId, 'notifications'],
    queryFn: () => (drillId ? fetchDrillNotifications(drillId) : fetchNotifications(incidentId!)),
    refetchInterval: 15_000,
  });
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="panel-notifications">
      <Title order={2} size="h3" mb="sm" id="panel-notifications">
        {t('panels.notifications.title')}
      </Title>
      {notifications.isPending ? (
        <Text>{t('app.loading')}</Text>
      ) : notifications.isError ? (
        <Alert color="red" role="alert" title={t('app.error', { detail: problemText(notifications.error) })} />
      ) : notifications.data.length === 0 ? (
        <Text>{t('panels.notifications.empty')}</Text>
      ) : (
        <Stack gap="sm">
          {notifications.data.map((n) => (
            <Paper key={n.id} withBorder p="sm" data-notification={n.template}>
              <Group gap="xs" wrap="wrap" justify="space-between">
                <Text fw={600}>{known(t, `panels.template.${n.template}`, n.template)}</Text>
                <Badge color={n.status === 'sent' ? 'teal' : n.status === 'dead' || n.status === 'failed' ? 'red' : 'gray'} variant="light">
                  {t(`panels.intent.status.${n.status}`)}
                </Badge>
              </Group>
              <Text size="sm">
                {t('panels.notifications.audience')}
                {t('panels.colon')}
                {n.audience.map((a) => audienceText(t, a)).join('、')}
              </Text>
              <Text size="sm">
                {t('panels.notifications.createdAt')}
                {t('panels.colon')}
                <time dateTime={n.createdAt}>{formatInstant(n.createdAt, timeZone)}</time>
              </Text>
              {n.failureReason === 'no_recipients' && (
                <Text size="sm" c="red.9">
                  {t('panels.notifications.noRecipients')}
                </Text>
              )}
              {n.deliveries.length === 0 && !n.failureReason ? <Text size="sm">{t('panels.notifications.noDeliveries')}</Text> : null}
              <Stack gap={6} mt={6} component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
                {n.deliveries.map((d) => (
                  <li key={`${d.channel}-${d.address}`} data-delivery={d.address} data-status={d.status}>
                    <Group gap="xs" wrap="wrap">
                      <Badge color={DELIVERY_COLOR[d.status] ?? 'gray'} variant="light">
                        {t(`panels.delivery.status.${d.status}`)}
                      </Badge>
                      <Text size="sm" style={WRAP}>
                        {t(`panels.delivery.channel.${d.channel}`)} · {d.address} · {t('panels.delivery.attempts', { n: d.attempts })}
                      </Text>
                    </Group>
                    {d.sentAt && (
                      <Text size="sm">
                        {t('panels.delivery.sentAt')}
                        {t('panels.colon')}
                        <time dateTime={d.sentAt}>{formatInstant(d.sentAt, timeZone)}</time>
                      </Text>
                    )}
                    {d.response && (
                      <Text size="sm" style={WRAP} data-smtp-response>
                        {t('panels.delivery.response')}
                        {t('panels.colon')}
                        <code>{d.response}</code>
                      </Text>
                    )}
                    {d.error && (
                      <Text size="sm" c="red.9" style={WRAP}>
                        {t('panels.delivery.error')}
                        {t('panels.colon')}
                        {d.error}
                      </Text>
                    )}
                  </li>
                ))}
              </Stack>
            </Paper>
          ))}
        </Stack>
      )}
    </Paper>
  );
}
