import '@mantine/charts/styles.css';
import { LineChart } from '@mantine/charts';
import { Alert, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { problemText } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { spanText } from '../incidents/clocks.tsx';
import { fetchResponseTimes } from './oversight-api.ts';
import { WideBox } from '../shell/WideBox.tsx';

const MEASURES = ['acknowledge', 'report', 'contain', 'recover'] as const;
type Measure = (typeof MEASURES)[number];
const COLOURS: Record<Measure, string> = { acknowledge: 'grape.8', report: 'blue.9', contain: 'orange.9', recover: 'teal.9' };

const hours = (seconds: number | null) => (seconds === null ? null : Math.round((seconds / 3600) * 100) / 100);

/** The year's response times by month: a chart of the medians, and every median and p90 as a table (the chart's words for screen readers and print). */
export function ResponseTimes({ agencyId, year, agencyZone, timeZone }: { agencyId: string; year: number; agencyZone: string; timeZone: string }) {
  const { t } = useI18n();
  // Calendar dates are midnight in the agency's zone (the API's rule): the report's year.
  const from = `${year}-01-01`;
  const to = `${year + 1}-01-01`;
  const times = useQuery({ queryKey: ['reports', 'response-times', agencyId, from, to], queryFn: () => fetchResponseTimes(agencyId, from, to) });
  const months = times.data?.incidents.byMonth ?? [];
  const data = months.map((m) => ({ month: m.month, ...Object.fromEntries(MEASURES.map((k) => [k, hours(m[k].medianSeconds)])) }));
  const span = (seconds: number | null) => (seconds === null ? t('oversight.times.empty') : spanText(seconds * 1000, t));
  return (
    <Stack gap="xs" component="section" aria-labelledby="times-title">
      <Title order={2} size="h3" id="times-title">
        {t('oversight.times.title')}
      </Title>
      <Text size="sm">
        {t('oversight.times.period', { from, to: `${year}-12-31` })} ({agencyZone === timeZone ? timeZone : agencyZone})
      </Text>
      {times.isError && <Alert color="red" role="alert" title={problemText(times.error)} />}
      {times.data && months.length === 0 && <Text>{t('oversight.times.none')}</Text>}
      {months.length > 0 && (
        <>
          <Text size="sm" fw={600}>
            {t('oversight.times.chart')}
          </Text>
          <div role="img" aria-label={t('oversight.times.chart')}>
            <LineChart
              h={260}
              data={data}
              dataKey="month"
              withLegend
              connectNulls
              lineProps={{ isAnimationActive: false }}
              valueFormatter={(v) => t('oversight.times.hours', { n: v })}
              series={MEASURES.map((k) => ({ name: k, label: t(`oversight.times.${k}` as MessageKey), color: COLOURS[k] }))}
            />
          </div>
          <WideBox label={t('oversight.times.table')}>
            <Table striped withTableBorder miw={720} captionSide="top">
              <Table.Caption>{t('oversight.times.table')}</Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('oversight.times.month')}</Table.Th>
                  <Table.Th scope="col">{t('oversight.times.incidents')}</Table.Th>
                  {MEASURES.map((k) => (
                    <Table.Th scope="col" key={k}>
                      {t(`oversight.times.${k}` as MessageKey)}
                    </Table.Th>
                  ))}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {months.map((m) => (
                  <Table.Tr key={m.month}>
                    <Table.Th scope="row">{m.month}</Table.Th>
                    <Table.Td>{m.incidents}</Table.Td>
                    {MEASURES.map((k) => (
                      <Table.Td key={k}>
                        {m[k].medianSeconds === null
                          ? t('oversight.times.empty')
                          : t('oversight.times.measure', { median: span(m[k].medianSeconds), p90: span(m[k].p90Seconds) })}
                      </Table.Td>
                    ))}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </WideBox>
        </>
      )}
    </Stack>
  );
}
