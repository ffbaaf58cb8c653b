import { Alert, Anchor, Button, Checkbox, Group, NativeSelect, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { DataTable } from 'mantine-datatable';
import { fetchIncidents, problemText, type Incident } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { useFallbackPolling } from '../live/use-live-updates.ts';
import { followLink, navigate } from '../router.tsx';
import { Clock, isDone, nextDue, visibleClocks } from './clocks.tsx';
import { IncidentLabels } from './labels.tsx';

/** Rows per page: the most urgent fifty first (sorted by the clock due soonest); hundreds of live clocks on one page make it slow. */
export const BOARD_PAGE_SIZE = 50;

const OPEN_STATES = ['reported', 'responding', 'review'] as const;
type OpenState = (typeof OPEN_STATES)[number];

/** The filters, kept in the URL so a link or a reload shows the same board. */
export interface BoardFilters {
  state?: OpenState;
  level?: '1' | '2' | '3' | '4';
  drill?: 'only' | 'none';
  overdue?: boolean;
  /** Only incidents assigned to the caller. */
  mine?: boolean;
}

export function filtersOf(search: URLSearchParams): BoardFilters {
  const state = search.get('state');
  const level = search.get('level');
  const drill = search.get('drill');
  return {
    state: OPEN_STATES.includes(state as OpenState) ? (state as OpenState) : undefined,
    level: level && /^[1-4]$/.test(level) ? (level as BoardFilters['level']) : undefined,
    drill: drill === 'only' || drill === 'none' ? drill : undefined,
    overdue: search.get('overdue') === 'true' || undefined,
    mine: search.get('mine') === 'true' || undefined,
  };
}

function hrefOf(filters: BoardFilters): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) if (value !== undefined) search.set(key, String(value));
  const query = search.toString();
  return query ? `/board?${query}` : '/board';
}

/** The board as a route: its filters read from the address (the page's own module, loaded when first shown). */
export default function BoardRoute({ search, timeZone }: { search: URLSearchParams; timeZone: string }) {
  return <BoardPage filters={filtersOf(search)} timeZone={timeZone} />;
}

export function BoardPage({ filters, timeZone }: { filters: BoardFilters; timeZone: string }) {
  const { t } = useI18n();
  const incidents = useQuery({
    queryKey: ['incidents', 'board', filters.state, filters.level, filters.overdue, filters.mine],
    queryFn: () =>
      fetchIncidents({ state: filters.state, level: filters.level, overdue: filters.overdue ? 'true' : undefined, mine: filters.mine ? 'true' : undefined }),
    refetchInterval: useFallbackPolling(),
  });
  const set = (change: Partial<BoardFilters>) => navigate(hrefOf({ ...filters, ...change }), { replace: true });
  const rows: Incident[] = (incidents.data ?? [])
    .filter((i) => (OPEN_STATES as readonly string[]).includes(i.state))
    .filter((i) => (filters.drill === 'only' ? i.isDrill : filters.drill === 'none' ? !i.isDrill : true))
    .sort((a, b) => nextDue(a.deadlines) - nextDue(b.deadlines));
  const [page, setPage] = useState(1);
  const current = Math.min(page, Math.max(1, Math.ceil(rows.length / BOARD_PAGE_SIZE)));
  const shown = rows.slice((current - 1) * BOARD_PAGE_SIZE, current * BOARD_PAGE_SIZE);

  return (
    <Stack>
      <Title order={1}>{t('board.title')}</Title>
      <Text>{t('board.intro')}</Text>
      <Group component="section" aria-label={t('board.filters')} align="flex-end" wrap="wrap" gap="sm">
        <NativeSelect
          label={t('board.filter.state')}
          value={filters.state ?? ''}
          data={[{ value: '', label: t('board.filter.any') }, ...OPEN_STATES.map((s) => ({ value: s, label: t(`state.${s}`) }))]}
          onChange={(e) => set({ state: (e.currentTarget.value || undefined) as OpenState | undefined })}
        />
        <NativeSelect
          label={t('board.filter.level')}
          value={filters.level ?? ''}
          data={[{ value: '', label: t('board.filter.any') }, ...['1', '2', '3', '4'].map((l) => ({ value: l, label: t('incident.level', { level: l }) }))]}
          onChange={(e) => set({ level: (e.currentTarget.value || undefined) as BoardFilters['level'] })}
        />
        <NativeSelect
          label={t('board.filter.drill')}
          value={filters.drill ?? ''}
          data={[
            { value: '', label: t('board.filter.any') },
            { value: 'only', label: t('board.filter.drill.only') },
            { value: 'none', label: t('board.filter.drill.none') },
          ]}
          onChange={(e) => set({ drill: (e.currentTarget.value || undefined) as BoardFilters['drill'] })}
        />
        <Checkbox
          label={t('board.filter.overdue')}
          checked={filters.overdue ?? false}
          onChange={(e) => set({ overdue: e.currentTarget.checked || undefined })}
          mb={8}
        />
        <Checkbox label={t('board.filter.mine')} checked={filters.mine ?? false} onChange={(e) => set({ mine: e.currentTarget.checked || undefined })} mb={8} />
        <Button variant="subtle" onClick={() => navigate('/board', { replace: true })}>
          {t('board.filter.clear')}
        </Button>
      </Group>
      {incidents.isError && <Alert color="red" role="alert" title={t('app.error', { detail: problemText(incidents.error) })} />}
      <Text size="sm" aria-live="polite" data-board-count={rows.length}>
        {t('board.count', { n: rows.length })}
      </Text>
      <DataTable<Incident>
        withTableBorder
        striped
        verticalSpacing="sm"
        minHeight={rows.length ? undefined : 120}
        fetching={incidents.isPending}
        records={shown}
        page={current}
        onPageChange={setPage}
        totalRecords={rows.length}
        recordsPerPage={BOARD_PAGE_SIZE}
        paginationText={({ from, to, totalRecords }) => t('board.pagination', { from, to, total: totalRecords })}
        getPaginationControlProps={(control) => ({ 'aria-label': t(`board.page.${control}`) })}
        getPaginationItemProps={(n) => ({ 'aria-label': t('board.page.number', { n }) })}
        paginationWrapBreakpoint="sm"
        idAccessor="id"
        noRecordsText={t('board.empty')}
        aria-label={t('board.title')}
        columns={[
          {
            accessor: 'reference',
            title: t('board.column.incident'),
            render: (i) => (
              <Stack gap={4}>
                <Anchor href={`/incidents/${i.id}`} onClick={followLink} fw={700}>
                  {i.reference}
                </Anchor>
                {!i.redacted && <Text size="sm">{i.title}</Text>}
                <IncidentLabels incident={i} />
              </Stack>
            ),
          },
          {
            accessor: 'deadlines',
            title: t('board.column.clock'),
            render: (i) => (
              <Stack gap="xs">
                {visibleClocks(i.deadlines)
                  .filter((d) => !isDone(d))
                  .map((d) => (
                    <Clock key={`${d.kind}-${d.step ?? 0}`} deadline={d} timeZone={timeZone} />
                  ))}
              </Stack>
            ),
          },
        ]}
      />
    </Stack>
  );
}
