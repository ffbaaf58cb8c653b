import { Badge, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import type { Incident } from '../../api/client.ts';
import { useI18n } from '../../i18n/index.tsx';
import { formatInstant } from '../../time/format.ts';

/** The law-enforcement record: its status, and for cleared readers the agency, officer and case number (a redacted incident has the status only). */
export function LawEnforcementPanel({ incident, timeZone }: { incident: Incident; timeZone: string }) {
  const { t } = useI18n();
  const le = incident.lawEnforcement;
  const full = incident.redacted ? null : incident.lawEnforcement;
  const none = t('panels.le.none');
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="panel-le" data-panel="law-enforcement">
      <Title order={2} size="h3" mb="sm" id="panel-le">
        {t('panels.le.title')}
      </Title>
      <Stack gap="xs">
        <Group gap="xs">
          <Text fw={600}>
            {t('panels.le.status')}
            {t('panels.colon')}
          </Text>
          <Badge color="gray" variant="light">
            {t(`panels.le.status.${le.status}`)}
          </Badge>
        </Group>
        {full && (
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs" component="dl" style={{ margin: 0 }}>
            <div>
              <Text component="dt" fw={600} size="sm">
                {t('panels.le.agency')}
              </Text>
              <Text component="dd" m={0} data-le="agency">
                {full.agency ? t(`panels.le.agency.${full.agency}`) : none}
              </Text>
            </div>
            <div>
              <Text component="dt" fw={600} size="sm">
                {t('panels.le.officer')}
              </Text>
              <Text component="dd" m={0} data-le="officer">
                {full.officer ?? none}
              </Text>
            </div>
            <div>
              <Text component="dt" fw={600} size="sm">
                {t('panels.le.caseNumber')}
              </Text>
              <Text component="dd" m={0} data-le="caseNumber">
                {full.caseNumber ?? none}
              </Text>
            </div>
            <div>
              <Text component="dt" fw={600} size="sm">
                {t('panels.le.contactedAt')}
              </Text>
              <Text component="dd" m={0}>
                {full.contactedAt ? <time dateTime={full.contactedAt}>{formatInstant(full.contactedAt, timeZone)}</time> : none}
              </Text>
            </div>
          </SimpleGrid>
        )}
      </Stack>
    </Paper>
  );
}
