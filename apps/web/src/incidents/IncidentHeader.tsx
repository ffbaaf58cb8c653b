import { Paper, Stack, Text, Title } from '@mantine/core';
import type { Incident } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { IncidentLabels } from './labels.tsx';
import { RegionStates } from './RegionStates.tsx';

/** Reference, title, level, TLP label, state, and where each region of the workflow stands. */
export function IncidentHeader({ incident, timeZone }: { incident: Incident; timeZone: string }) {
  const { t } = useI18n();
  return (
    <Stack gap="sm" component="header">
      <Stack gap={4}>
        <Text size="sm" c="dimmed">
          {t('incident.reference')}
        </Text>
        <Title order={1} data-reference>
          {incident.reference}
        </Title>
        {!incident.redacted && (
          <Text size="lg" fw={600} style={{ overflowWrap: 'anywhere' }}>
            {incident.title}
          </Text>
        )}
        <IncidentLabels incident={incident} />
      </Stack>
      <Paper withBorder p="sm">
        <Title order={2} size="h4" mb="xs">
          {t('regions.title')}
        </Title>
        <RegionStates incident={incident} timeZone={timeZone} />
      </Paper>
    </Stack>
  );
}
