import { SimpleGrid, Stack, Text } from '@mantine/core';
import type { Incident } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { formatInstant } from '../time/format.ts';

/** The incident state machine's regions (parallel while responding, then the review), in reading order. */
const REGIONS = ['response', 'authority', 'lawEnforcement', 'review'] as const satisfies ReadonlyArray<keyof Incident['regions']>;

/**
 * Where each region of the workflow stands, as text: "—" for a region the incident is not in now.
 * A closed or dismissed incident is in none: it says how it ended, and when; one just filed says
 * it waits for the on-call manager's triage.
 */
export function RegionStates({ incident, timeZone }: { incident: Incident; timeZone: string }) {
  const { t } = useI18n();
  const ended =
    incident.state === 'closed' && incident.closure.closedAt
      ? t('regions.closed', { at: formatInstant(incident.closure.closedAt, timeZone) })
      : incident.state === 'dismissed' && incident.dismissal
        ? t('regions.dismissed', { at: formatInstant(incident.dismissal.at, timeZone) })
        : incident.state === 'reported'
          ? t('regions.awaitingTriage')
          : null;
  if (ended)
    return (
      <Text fw={600} data-region-ended={incident.state}>
        {ended}
      </Text>
    );
  return (
    <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm" component="dl" m={0} aria-label={t('regions.title')}>
      {REGIONS.map((region) => {
        const state = regionState(incident, region);
        return (
          <Stack key={region} gap={0} data-region={region} data-region-state={state ?? ''}>
            <Text component="dt" size="sm" c="dimmed">
              {t(`region.${region}`)}
            </Text>
            <Text component="dd" m={0} fw={600}>
              {state ? t(regionStateKey(region, state)) : t('region.notNow')}
            </Text>
          </Stack>
        );
      })}
    </SimpleGrid>
  );
}

/**
 * A region's state: the machine's while it runs; in the review the parallel regions are over, and
 * each shows where it ended (recovered, the authority's review, the law-enforcement outcome).
 */
function regionState(incident: Incident, region: (typeof REGIONS)[number]): string | null {
  const running = incident.regions[region];
  if (running || incident.state !== 'review') return running;
  switch (region) {
    case 'response':
      return 'recovered';
    case 'authority':
      return incident.authority.status;
    case 'lawEnforcement':
      return incident.lawEnforcement.status;
    case 'review':
      return null;
  }
}

/** The catalog key of a region's state (a state the console does not know yet shows its name). */
function regionStateKey(region: (typeof REGIONS)[number], state: string): MessageKey {
  return `region.${region}.${state}` as MessageKey;
}
