import { Alert, Anchor, Button, Group, NativeSelect, Stack, Table, Text, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { problemText } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { followLink } from '../router.tsx';
import { formatInstant } from '../time/format.ts';
import { fetchIncidentPage, incidentCsvHref, type Agency, type IncidentListFilters } from './oversight-api.ts';
import { WideBox } from '../shell/WideBox.tsx';

/** The agency and every agency below it, the agency first, then by code. */
function subtreeOf(agencies: Agency[], rootId: string): Agency[] {
  const below = new Set([rootId]);
  for (let grew = true; grew;) {
    grew = false;
    for (const a of agencies)
      if (a.parentId && below.has(a.parentId) && !below.has(a.id)) {
        below.add(a.id);
        grew = true;
      }
  }
  const root = agencies.filter((a) => a.id === rootId);
  return [...root, ...agencies.filter((a) => a.id !== rootId && below.has(a.id)).sort((x, y) => x.code.localeCompare(y.code))];
}

/** The incidents of an agency and of the subordinates the caller sees, newest first, filtered by agency and state, with the same list as a CSV file. */
export function SubtreeIncidents({ agencyId, own, agencies, timeZone }: { agencyId: string; own: boolean; agencies: Agency[]; timeZone: string }) {
  const { t } = useI18n();
  // The caller's own agency: everything it sees is its subtree. A subordinate: that agency, or one below it.
  const [agency, setAgency] = useState(own ? '' : agencyId);
  const subtree = subtreeOf(agencies, agencyId);
  const [state, setState] = useState<'' | 'true' | 'false'>('');
  const filters: IncidentListFilters = { ...(agency ? { agencyId: agency } : {}), ...(state ? { open: state } : {}) };
  const list = useInfiniteQuery({
    queryKey: ['incidents', 'oversight', agencyId, filters.agencyId ?? null, filters.open ?? null],
    queryFn: ({ pageParam }) => fetchIncidentPage(filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const code = new Map(agencies.map((a) => [a.id, a.code]));
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack gap="xs" component="section" aria-labelledby="subtree-incidents-title">
      <Title order={2} size="h3" id="subtree-incidents-title">
        {t('oversight.incidents.title')}
      </Title>
      <Group align="flex-end" wrap="wrap" gap="sm">
        <NativeSelect
          label={t('oversight.agency')}
          value={agency}
          data={[
            ...(own ? [{ value: '', label: t('oversight.incidents.state.any') }] : []),
            ...subtree.map((a) => ({ value: a.id, label: `${a.name} (${a.code})` })),
          ]}
          onChange={(e) => setAgency(e.currentTarget.value)}
        />
        <NativeSelect
          label={t('oversight.incidents.state')}
          value={state}
          data={[
            { value: '', label: t('oversight.incidents.state.any') },
            { value: 'true', label: t('oversight.incidents.state.open') },
            { value: 'false', label: t('oversight.incidents.state.closed') },
          ]}
          onChange={(e) => setState(e.currentTarget.value as '' | 'true' | 'false')}
        />
        <Button component="a" variant="outline" href={incidentCsvHref(filters)} download>
          {t('oversight.incidents.csv')}
        </Button>
      </Group>
      {list.isError && <Alert color="red" role="alert" title={problemText(list.error)} />}
      {list.data && items.length === 0 && <Text>{t('oversight.incidents.none')}</Text>}
      {items.length > 0 && (
        <WideBox label={t('oversight.incidents.title')}>
          <Table striped withTableBorder miw={760}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('oversight.incidents.reference')}</Table.Th>
                <Table.Th scope="col">{t('oversight.late.agency')}</Table.Th>
                <Table.Th scope="col">{t('oversight.incidents.title.col')}</Table.Th>
                <Table.Th scope="col">{t('oversight.late.level')}</Table.Th>
                <Table.Th scope="col">{t('oversight.incidents.state')}</Table.Th>
                <Table.Th scope="col">{t('oversight.incidents.awareAt')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((incident) => (
                <Table.Tr key={incident.id}>
                  <Table.Td>
                    <Anchor href={`/incidents/${incident.id}`} onClick={followLink} ff="monospace">
                      {incident.reference}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{code.get(incident.agencyId) ?? '—'}</Table.Td>
                  <Table.Td>{incident.redacted ? t('oversight.incidents.withheld') : incident.title}</Table.Td>
                  <Table.Td>{t('incident.level', { level: incident.level })}</Table.Td>
                  <Table.Td>{t(`state.${incident.state}` as MessageKey)}</Table.Td>
                  <Table.Td>
                    <time dateTime={incident.awareAt}>{formatInstant(incident.awareAt, timeZone)}</time>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </WideBox>
      )}
      {list.hasNextPage && (
        <Button variant="outline" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage} w="fit-content">
          {t('oversight.incidents.more')}
        </Button>
      )}
    </Stack>
  );
}
