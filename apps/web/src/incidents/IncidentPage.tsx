import { Alert, Badge, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { fetchIncident, problemText } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { useFallbackPolling } from '../live/use-live-updates.ts';
import { formatInstant } from '../time/format.ts';
import { Clock, visibleClocks } from './clocks.tsx';
import { IncidentActions } from './actions/IncidentActions.tsx';
import { IncidentHeader } from './IncidentHeader.tsx';
import { IncidentPanels } from './panels/IncidentPanels.tsx';
import { Timeline } from './Timeline.tsx';
import { ReportLink } from '../documents/ReportLink.tsx';

export function IncidentPage({ id, filed, timeZone }: { id: string; filed: boolean; timeZone: string }) {
  const { t } = useI18n();
  const incident = useQuery({
    queryKey: ['incident', id],
    queryFn: () => fetchIncident(id),
    refetchInterval: useFallbackPolling(),
  });
  if (incident.isPending) return <Text>{t('app.loading')}</Text>;
  if (incident.isError) return <Alert color="red" role="alert" title={t('app.error', { detail: problemText(incident.error) })} />;
  const i = incident.data;
  const clocks = visibleClocks(i.deadlines);
  return (
    <Stack>
      {filed && <Alert color="teal" variant="light" role="status" title={t('incident.filed', { reference: i.reference })} />}
      <IncidentHeader incident={i} timeZone={timeZone} />
      {!i.redacted && <ReportLink id={i.id} />}
      <IncidentActions incident={i} timeZone={timeZone} />
      <Paper withBorder p="md">
        <Title order={2} size="h3" mb="sm">
          {t('incident.clocks')}
        </Title>
        {clocks.length ? (
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {clocks.map((d) => (
              <Clock key={`${d.kind}-${d.step ?? 0}-${d.dueAt}`} deadline={d} timeZone={timeZone} />
            ))}
          </SimpleGrid>
        ) : (
          <Text>{t('incident.noClocks')}</Text>
        )}
      </Paper>
      {i.redacted ? (
        <Alert color="gray" variant="light" title={t('incident.redacted')} />
      ) : (
        <Paper withBorder p="md">
          <Stack gap="xs">
            <Text>
              <strong>{t('incident.awareAt')}：</strong>
              <time dateTime={i.awareAt}>{formatInstant(i.awareAt, timeZone)}</time>
            </Text>
            <Text>
              <strong>{t('incident.category')}：</strong>
              {t(`category.${i.category}` as MessageKey)}
              {i.subcategory ? ` / ${t(`subcategory.${i.subcategory}` as MessageKey)}` : ''}
            </Text>
            {i.affectedSystems.length > 0 && (
              <Group gap="xs">
                <strong>{t('incident.affectedSystems')}：</strong>
                {i.affectedSystems.map((s) => (
                  <Badge key={s} variant="outline" color="gray.8">
                    {s}
                  </Badge>
                ))}
              </Group>
            )}
            <Text fw={700}>{t('incident.description')}</Text>
            <Text style={{ whiteSpace: 'pre-wrap' }}>{i.description}</Text>
          </Stack>
        </Paper>
      )}
      <Timeline id={i.id} version={i.version} timeZone={timeZone} />
      <IncidentPanels incident={i} timeZone={timeZone} />
    </Stack>
  );
}
