import { Alert, Anchor, Badge, Button, Group, List, NativeSelect, Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { problemText } from '../api/client.ts';
import { useSession } from '../auth/session.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { followLink } from '../router.tsx';
import { formatInstant } from '../time/format.ts';
import { formatDuration } from './durations.ts';
import { fetchDiff, fetchPlan, fetchUnits, fetchVersions, planKeys, type Plan, type PlanDiff, type PlanDocument } from './plan-api.ts';
import { fieldLabel, valueText } from './plan-labels.ts';
import { canEditPlan, ClassificationBadge, ReviewClock } from './PlanBits.tsx';
import { ProgrammeSection } from './ProgrammeSection.tsx';

/** The reason of a version; the API's own words for a first version without one are said in the reader's language. */
function reasonText(version: number, reason: string, t: ReturnType<typeof useI18n>['t']): string {
  return version === 1 && reason === 'initial version' ? t('plans.versions.initial') : reason;
}

function Section({ id, title, children }: { id: string; title: string; children: React.ReactNode }) {
  return (
    <Paper withBorder p="md" component="section" aria-labelledby={id}>
      <Title order={2} size="h3" mb="sm" id={id}>
        {title}
      </Title>
      {children}
    </Paper>
  );
}

/** The current document, read-only. */
function PlanDocumentView({ doc, unitName }: { doc: PlanDocument; unitName: (id: string) => string }) {
  const { t } = useI18n();
  return (
    <Stack gap="lg">
      {doc.summary && <Text style={{ whiteSpace: 'pre-wrap' }}>{doc.summary}</Text>}
      <div>
        <Title order={3} size="h4" mb={4}>
          {t('plans.section.scope')}
        </Title>
        <List spacing={4}>
          {doc.scope.map((s) => (
            <List.Item key={s.name}>
              <Text span fw={600}>
                {s.name}
              </Text>{' '}
              <Text span size="sm">
                {t('plans.scope.kindLine', { kind: [t(`plans.kind.${s.kind}`), s.core ? t('plans.field.core') : null].filter(Boolean).join(' · ') })}
              </Text>
              {s.description && <Text size="sm">{s.description}</Text>}
            </List.Item>
          ))}
        </List>
      </div>
      <div>
        <Title order={3} size="h4" mb={4}>
          {t('plans.section.impactAnalysis')}
        </Title>
        <Table.ScrollContainer minWidth={0}>
          <Table striped withTableBorder data-impact-table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">{t('plans.field.service')}</Table.Th>
                <Table.Th scope="col">{t('plans.field.hazard')}</Table.Th>
                <Table.Th scope="col">{t('plans.field.mtpd.short')}</Table.Th>
                <Table.Th scope="col">{t('plans.field.rto.short')}</Table.Th>
                <Table.Th scope="col">{t('plans.field.rpo.short')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {doc.impactAnalysis.map((r) => (
                <Table.Tr key={`${r.service}-${r.hazard}`}>
                  <Table.Td>
                    <Text size="sm" fw={600}>
                      {r.service}
                    </Text>
                    <Text size="xs">{r.impact}</Text>
                  </Table.Td>
                  <Table.Td>{t(`plans.hazard.${r.hazard}`)}</Table.Td>
                  <Table.Td>{formatDuration(r.mtpd, t)}</Table.Td>
                  <Table.Td>{formatDuration(r.rto, t)}</Table.Td>
                  <Table.Td>{formatDuration(r.rpo, t)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </div>
      <div>
        <Title order={3} size="h4" mb={4}>
          {t('plans.section.activationCriteria')}
        </Title>
        <List spacing={4}>
          {doc.activationCriteria.map((c, i) => (
            <List.Item key={i}>{c}</List.Item>
          ))}
        </List>
      </div>
      <div>
        <Title order={3} size="h4" mb={4}>
          {t('plans.section.procedures')}
        </Title>
        <Stack gap="sm">
          {(['emergency', 'recovery', 'resumption'] as const).map((phase) => {
            const steps = doc.procedures.filter((p) => p.phase === phase).sort((a, b) => a.order - b.order);
            if (!steps.length) return null;
            return (
              <div key={phase}>
                <Text fw={700}>{t(`plans.phase.${phase}`)}</Text>
                <List type="ordered" spacing={4}>
                  {steps.map((p) => (
                    <List.Item key={p.order}>
                      {p.action}
                      <Text size="sm">
                        {t('plans.procedures.responsible', {
                          who: [
                            p.responsibleRole ? t(`panels.role.${p.responsibleRole}` as MessageKey) : null,
                            p.responsibleUnitId ? unitName(p.responsibleUnitId) : null,
                          ]
                            .filter(Boolean)
                            .join(t('plans.separator')),
                        })}
                      </Text>
                    </List.Item>
                  ))}
                </List>
              </div>
            );
          })}
        </Stack>
      </div>
      <div>
        <Title order={3} size="h4" mb={4}>
          {t('plans.section.contacts')}
        </Title>
        <List spacing={4}>
          {doc.contacts.map((c, i) => (
            <List.Item key={i}>
              <Text span fw={600}>
                {c.name}
              </Text>{' '}
              <Text span size="sm">
                {[c.function, c.organisation, c.phone, c.email].filter(Boolean).join('・')}
              </Text>
            </List.Item>
          ))}
        </List>
      </div>
    </Stack>
  );
}

/** The diff of two versions: each changed field with its old value beside its new one. */
function DiffView({ diff, unitName }: { diff: PlanDiff; unitName: (id: string) => string }) {
  const { t } = useI18n();
  if (!diff.changes.length) return <Text>{t('plans.diff.none')}</Text>;
  return (
    <Stack gap="sm" data-diff>
      <Text size="sm">{t('plans.diff.count', { n: diff.changes.length })}</Text>
      {diff.changes.map((c, i) => (
        <Paper key={`${c.path}-${i}`} withBorder p="sm" data-diff-path={c.path}>
          <Group gap="xs" mb={6} wrap="wrap">
            <Text fw={700}>{fieldLabel(c.path, t)}</Text>
            <Badge variant="light" color={c.op === 'add' ? 'green' : c.op === 'remove' ? 'red' : 'blue'}>
              {t(`plans.diff.op.${c.op}`)}
            </Badge>
          </Group>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
            <div data-diff-old>
              <Text size="xs" fw={700}>
                {t('plans.diff.old', { version: diff.from })}
              </Text>
              <Text style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} td={c.op === 'add' ? undefined : 'line-through'} className="diff-old">
                {c.op === 'add' ? '—' : valueText(c.path, c.from, t, unitName)}
              </Text>
            </div>
            <div data-diff-new>
              <Text size="xs" fw={700}>
                {t('plans.diff.new', { version: diff.to })}
              </Text>
              <Text style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }} fw={600} className="diff-new">
                {c.op === 'remove' ? '—' : valueText(c.path, c.value, t, unitName)}
              </Text>
            </div>
          </SimpleGrid>
        </Paper>
      ))}
    </Stack>
  );
}

function VersionsSection({ plan, timeZone, unitName }: { plan: Plan; timeZone: string; unitName: (id: string) => string }) {
  const { t } = useI18n();
  const versions = useQuery({ queryKey: [...planKeys.versions(plan.id), plan.version], queryFn: () => fetchVersions(plan.id) });
  const [from, setFrom] = useState(Math.max(1, plan.version - 1));
  const [to, setTo] = useState(plan.version);
  const [shown, setShown] = useState<{ from: number; to: number } | null>(null);
  const diff = useQuery({
    queryKey: planKeys.diff(plan.id, shown?.from ?? 0, shown?.to ?? 0),
    queryFn: () => fetchDiff(plan.id, shown!.from, shown!.to),
    enabled: shown !== null && !plan.redacted,
  });
  const options = (versions.data ?? []).map((v) => ({ value: String(v.version), label: t('plans.versions.option', { version: v.version }) }));
  return (
    <Section id="plan-versions" title={t('plans.versions.title')}>
      {versions.isPending ? (
        <Text>{t('app.loading')}</Text>
      ) : versions.isError ? (
        <Alert color="red" role="alert" title={t('app.error', { detail: problemText(versions.error) })} />
      ) : (
        <Stack>
          <Stack component="ol" gap="xs" style={{ listStyle: 'none', padding: 0, margin: 0 }} data-versions>
            {versions.data.map((v) => (
              <li key={v.version} data-version={v.version}>
                <Group gap="xs" wrap="wrap">
                  <Badge variant="light" color={v.version === plan.version ? 'blue' : 'gray'}>
                    {t('plans.versions.option', { version: v.version })}
                  </Badge>
                  <Text size="sm">{formatInstant(v.createdAt, timeZone)}</Text>
                </Group>
                {v.changeReason && <Text size="sm">{t('plans.versions.reason', { reason: reasonText(v.version, v.changeReason, t) })}</Text>}
              </li>
            ))}
          </Stack>
          {versions.data.length > 1 && !plan.redacted && (
            <Stack gap="sm">
              <Title order={3} size="h4">
                {t('plans.diff.title')}
              </Title>
              <Group align="flex-end" wrap="wrap">
                <NativeSelect label={t('plans.diff.from')} data={options} value={String(from)} onChange={(e) => setFrom(Number(e.currentTarget.value))} />
                <NativeSelect label={t('plans.diff.to')} data={options} value={String(to)} onChange={(e) => setTo(Number(e.currentTarget.value))} />
                <Button variant="default" onClick={() => setShown({ from, to })}>
                  {t('plans.diff.show')}
                </Button>
              </Group>
              <div aria-live="polite">
                {diff.isFetching && <Text>{t('app.loading')}</Text>}
                {diff.isError && <Alert color="red" role="alert" title={t('app.error', { detail: problemText(diff.error) })} />}
                {diff.data && shown && <DiffView diff={diff.data} unitName={unitName} />}
              </div>
            </Stack>
          )}
        </Stack>
      )}
    </Section>
  );
}

/** /plans/:id: the plan as it stands, its review clock and programme, its versions and what changed between two. */
export function PlanPage({ id, saved, timeZone }: { id: string; saved: string | null; timeZone: string }) {
  const { t } = useI18n();
  const session = useSession();
  const plan = useQuery({ queryKey: planKeys.one(id), queryFn: () => fetchPlan(id) });
  const units = useQuery({ queryKey: ['units'], queryFn: fetchUnits, staleTime: 300_000 });
  const unitName = (unitId: string) => units.data?.find((u) => u.id === unitId)?.name ?? unitId;
  if (plan.isPending) return <Text>{t('app.loading')}</Text>;
  if (plan.isError) return <Alert color="red" role="alert" title={t('app.error', { detail: problemText(plan.error) })} />;
  const p = plan.data;
  const editable = session.data ? canEditPlan(session.data, p) : false;
  return (
    <Stack>
      <Anchor href="/plans" onClick={followLink}>
        {t('plans.backToList')}
      </Anchor>
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <div style={{ minWidth: 0 }}>
          <Text size="sm" fw={600}>
            {p.reference}
          </Text>
          <Title order={1} style={{ overflowWrap: 'anywhere' }}>
            {p.title ?? p.reference}
          </Title>
        </div>
        {editable && !p.redacted && (
          <Button component="a" href={`/plans/${p.id}/edit`} onClick={followLink}>
            {t('plans.edit.action')}
          </Button>
        )}
      </Group>
      {saved && (
        <Alert color="green" variant="light" role="status" title={t('plans.saved', { version: saved })}>
          {p.changeReason && t('plans.versions.reason', { reason: reasonText(p.version, p.changeReason, t) })}
        </Alert>
      )}
      <Group gap="xs" wrap="wrap">
        <Badge variant="light" color="gray">
          {t('plans.version', { version: p.version })}
        </Badge>
        <ClassificationBadge plan={p} />
      </Group>
      <ReviewClock plan={p} timeZone={timeZone} />
      {p.redacted && <Alert color="yellow" variant="light" title={t('plans.withheld')} />}
      {p.document && (
        <Section id="plan-document" title={t('plans.document.title')}>
          <PlanDocumentView doc={p.document} unitName={unitName} />
        </Section>
      )}
      <ProgrammeSection plan={p} editable={editable} timeZone={timeZone} />
      <VersionsSection plan={p} timeZone={timeZone} unitName={unitName} />
    </Stack>
  );
}

export default PlanPage;
