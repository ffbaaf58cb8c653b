import { Alert, Anchor, Badge, Button, Group, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useSession } from '../auth/session.ts';
import { problemText } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { spanText } from '../incidents/clocks.tsx';
import { followLink, navigate } from '../router.tsx';
import { formatInstant } from '../time/format.ts';
import { fetchCompliance, fetchVisibleAgencies, type ComplianceFigures, type ComplianceReport, type LateClock } from './oversight-api.ts';
import { ResponseTimes } from './ResponseTimes.tsx';
import { SubtreeIncidents } from './SubtreeIncidents.tsx';
import { WideBox } from '../shell/WideBox.tsx';

/** The page's address: which agency and year, so a drill-down is a link and the back button works. */
function hrefOf(agencyId: string | undefined, year: string | undefined): string {
  const search = new URLSearchParams();
  if (agencyId) search.set('agency', agencyId);
  if (year) search.set('year', year);
  const query = search.toString();
  return query ? `/oversight?${query}` : '/oversight';
}

function Figure({ label, value, detail }: { label: string; value: string; detail: string }) {
  return (
    <Paper withBorder p="sm" component="section" aria-label={label}>
      <Text size="sm" fw={600}>
        {label}
      </Text>
      <Text fz={28} fw={700} lh={1.2}>
        {value}
      </Text>
      <Text size="sm">{detail}</Text>
    </Paper>
  );
}

function SummaryCards({ figures, agencyName }: { figures: ComplianceFigures; agencyName: string }) {
  const { t } = useI18n();
  const report = figures.clocks.report;
  const drills = Object.values(figures.continuity.drills.byType);
  const required = drills.reduce((n, d) => n + d.required, 0);
  const held = drills.reduce((n, d) => n + d.held, 0);
  const reportDone = report.onTime + report.late;
  return (
    <Stack gap="xs">
      <Title order={2} size="h3">
        {t('oversight.summary', { agency: agencyName })}
      </Title>
      <SimpleGrid cols={{ base: 2, md: 4 }} spacing="xs">
        <Figure
          label={t('oversight.card.incidents')}
          value={String(figures.incidents.total)}
          detail={t('oversight.card.incidents.detail', {
            open: figures.incidents.open,
            closed: figures.incidents.closed,
            dismissed: figures.incidents.dismissed,
          })}
        />
        <Figure
          label={t('oversight.card.report')}
          value={`${report.onTime} / ${reportDone + report.breachedOpen}`}
          detail={t('oversight.card.report.detail', { late: report.late, open: report.breachedOpen })}
        />
        <Figure label={t('oversight.card.drills')} value={`${held} / ${required}`} detail={t('oversight.card.drills.detail', { required, held })} />
        <Figure
          label={t('oversight.card.actions')}
          value={String(figures.continuity.correctiveActions.overdue)}
          detail={t('oversight.card.actions.detail', { open: figures.continuity.correctiveActions.open })}
        />
      </SimpleGrid>
    </Stack>
  );
}

function AgencyRow({ name, figures, open }: { name: string; figures: ComplianceFigures; open?: { href: string; label: string } }) {
  const { clocks, continuity } = figures;
  const drills = Object.values(continuity.drills.byType);
  const flagged = (n: number) =>
    n > 0 ? (
      <Text span fw={700} c="red.9">
        {n}
      </Text>
    ) : (
      n
    );
  return (
    <Table.Tr>
      <Table.Th scope="row">
        {open ? (
          <Anchor href={open.href} onClick={followLink} aria-label={open.label}>
            {name}
          </Anchor>
        ) : (
          name
        )}
      </Table.Th>
      <Table.Td>{figures.incidents.total}</Table.Td>
      <Table.Td>
        {clocks.report.onTime} / {flagged(clocks.report.late)} / {flagged(clocks.report.breachedOpen)}
      </Table.Td>
      <Table.Td>{flagged(clocks.superiorReview.late + clocks.superiorReview.breachedOpen)}</Table.Td>
      <Table.Td>{flagged(clocks.recovery.late + clocks.recovery.breachedOpen)}</Table.Td>
      <Table.Td>{flagged(clocks.improvementReport.late + clocks.improvementReport.breachedOpen)}</Table.Td>
      <Table.Td>
        {drills.reduce((n, d) => n + d.held, 0)} / {drills.reduce((n, d) => n + d.required, 0)}
      </Table.Td>
      <Table.Td>{flagged(continuity.afterActionReports.overdue)}</Table.Td>
      <Table.Td>{flagged(continuity.correctiveActions.overdue)}</Table.Td>
    </Table.Tr>
  );
}

function ByAgency({ report, year }: { report: ComplianceReport; year: string }) {
  const { t } = useI18n();
  const { agency, children, ...rest } = report;
  const own: ComplianceFigures = {
    agencies: 1,
    incidents: rest.incidents,
    clocks: rest.clocks,
    incidentDrills: rest.incidentDrills,
    continuity: rest.continuity,
  };
  return (
    <Stack gap="xs">
      <Title order={2} size="h3">
        {t('oversight.byAgency')}
      </Title>
      <WideBox label={t('oversight.byAgency')}>
        <Table striped withTableBorder miw={900} captionSide="top">
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">{t('oversight.col.agency')}</Table.Th>
              <Table.Th scope="col">{t('oversight.col.incidents')}</Table.Th>
              <Table.Th scope="col">{t('oversight.col.report')}</Table.Th>
              <Table.Th scope="col">{t('oversight.col.review')}</Table.Th>
              <Table.Th scope="col">{t('oversight.col.recovery')}</Table.Th>
              <Table.Th scope="col">{t('oversight.col.improvement')}</Table.Th>
              <Table.Th scope="col">{t('oversight.col.drills')}</Table.Th>
              <Table.Th scope="col">{t('oversight.col.aar')}</Table.Th>
              <Table.Th scope="col">{t('oversight.col.actions')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            <AgencyRow name={t('oversight.own', { agency: `${agency.name} (${agency.code})` })} figures={own} />
            {children.map((child) => {
              const name = `${child.agency.name} (${child.agency.code})`;
              return (
                <AgencyRow
                  key={child.agency.id}
                  name={name}
                  figures={child}
                  open={{ href: hrefOf(child.agency.id, year), label: t('oversight.open', { agency: name }) }}
                />
              );
            })}
          </Table.Tbody>
        </Table>
      </WideBox>
    </Stack>
  );
}

function LateItems({ late, timeZone }: { late: ComplianceReport['late']; timeZone: string }) {
  const { t } = useI18n();
  return (
    <Stack gap="xs" component="section" aria-labelledby="late-title">
      <Title order={2} size="h3" id="late-title">
        {t('oversight.late.title', { n: late.total })}
      </Title>
      {late.items.length === 0 ? (
        <Text>{t('oversight.late.none')}</Text>
      ) : (
        <WideBox label={t('oversight.late.title', { n: late.total })}>
          <Table striped withTableBorder miw={760}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('oversight.late.reference')}</Table.Th>
                <Table.Th scope="col">{t('oversight.late.agency')}</Table.Th>
                <Table.Th scope="col">{t('oversight.late.level')}</Table.Th>
                <Table.Th scope="col">{t('oversight.late.clock')}</Table.Th>
                <Table.Th scope="col">{t('oversight.late.dueAt')}</Table.Th>
                <Table.Th scope="col">{t('oversight.late.doneAt')}</Table.Th>
                <Table.Th scope="col">{t('oversight.late.by')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {late.items.map((item: LateClock) => (
                <Table.Tr key={`${item.incidentId} ${item.clock} ${item.dueAt}`} data-late-item={item.reference}>
                  <Table.Td>
                    <Anchor href={`/incidents/${item.incidentId}`} onClick={followLink} ff="monospace">
                      {item.reference}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{item.agency.code}</Table.Td>
                  <Table.Td>{t('incident.level', { level: item.level })}</Table.Td>
                  <Table.Td>{t(`oversight.clock.${item.clock}` as MessageKey)}</Table.Td>
                  <Table.Td>
                    <time dateTime={item.dueAt}>{formatInstant(item.dueAt, timeZone)}</time>
                  </Table.Td>
                  <Table.Td>
                    {item.doneAt ? (
                      <time dateTime={item.doneAt}>{formatInstant(item.doneAt, timeZone)}</time>
                    ) : (
                      <Badge color="red" variant="light">
                        {t('oversight.late.notDone')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{spanText(item.lateByMs, t)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </WideBox>
      )}
      {late.truncated && <Text size="sm">{t('oversight.late.truncated', { n: late.items.length })}</Text>}
    </Stack>
  );
}

/** Compliance of an agency and its subordinates for a year, their response times and incidents; each subordinate opens as its own page. */
export function CompliancePage({ search, timeZone }: { search: URLSearchParams; timeZone: string }) {
  const { t } = useI18n();
  const session = useSession();
  const agencyId = search.get('agency') ?? undefined;
  const year = search.get('year') ?? undefined;
  const report = useQuery({ queryKey: ['reports', 'compliance', agencyId ?? null, year ?? null], queryFn: () => fetchCompliance(agencyId, year) });
  const agencies = useQuery({ queryKey: ['agencies', 'visible'], queryFn: fetchVisibleAgencies });
  const own = session.data?.user.agencyId;
  const shownYear = report.data ? String(report.data.year) : year;
  const thisYear = new Date().getFullYear();
  const years = Array.from({ length: 6 }, (_, i) => String(thisYear - i));
  const parent = report.data && agencies.data?.find((a) => a.id === report.data.agency.id)?.parentId;
  const parentAgency = parent ? agencies.data?.find((a) => a.id === parent) : undefined;

  return (
    <Stack gap="lg">
      <Title order={1}>{t('oversight.title')}</Title>
      <Group align="flex-end" wrap="wrap" gap="sm" component="section" aria-label={t('audit.filters')}>
        <NativeSelect
          label={t('oversight.agency')}
          value={agencyId ?? report.data?.agency.id ?? own ?? ''}
          data={(agencies.data ?? []).map((a) => ({ value: a.id, label: `${a.name} (${a.code})` }))}
          onChange={(e) => navigate(hrefOf(e.currentTarget.value === own ? undefined : e.currentTarget.value, year))}
        />
        <NativeSelect
          label={t('oversight.year')}
          value={shownYear ?? String(thisYear)}
          data={years.includes(shownYear ?? '') || !shownYear ? years : [shownYear, ...years]}
          onChange={(e) => navigate(hrefOf(agencyId, e.currentTarget.value))}
        />
        {parentAgency && agencyId && (
          <Button component="a" variant="outline" href={hrefOf(parentAgency.id === own ? undefined : parentAgency.id, year)} onClick={followLink}>
            {t('oversight.back', { agency: `${parentAgency.name} (${parentAgency.code})` })}
          </Button>
        )}
      </Group>
      {report.isPending && <Text>{t('app.loading')}</Text>}
      {report.isError && <Alert color="red" role="alert" title={problemText(report.error)} />}
      {report.data && (
        <>
          <Text size="sm">
            {report.data.scope === 'subtree' ? t('oversight.scope.subtree', { n: report.data.total.agencies }) : t('oversight.scope.agency')}
            {' · '}
            {t('oversight.generatedAt', { time: formatInstant(report.data.generatedAt, timeZone) })}
          </Text>
          <SummaryCards figures={report.data.total} agencyName={`${report.data.agency.name} (${report.data.agency.code})`} />
          <ByAgency report={report.data} year={String(report.data.year)} />
          <LateItems late={report.data.late} timeZone={timeZone} />
          <ResponseTimes agencyId={report.data.agency.id} year={report.data.year} agencyZone={report.data.agency.timezone} timeZone={timeZone} />
          <SubtreeIncidents
            key={report.data.agency.id}
            agencyId={report.data.agency.id}
            own={report.data.agency.id === own}
            agencies={agencies.data ?? []}
            timeZone={timeZone}
          />
        </>
      )}
    </Stack>
  );
}
