import { Alert, Button, Code, CopyButton, Group, NativeSelect, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, problemText } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { formatInstant, fromLocalInput } from '../time/format.ts';
import type { AuditRecord, AuditVerification } from '../oversight/oversight-api.ts';
import { WideBox } from '../shell/WideBox.tsx';

const OUTCOMES = ['success', 'refused', 'failed'] as const;

interface AuditFilters {
  action?: string;
  outcome?: (typeof OUTCOMES)[number];
  actorId?: string;
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
}

async function fetchAuditPage(filters: AuditFilters, cursor: string | undefined) {
  const { data, error } = await api.GET('/api/audit', { params: { query: { limit: 100, ...filters, cursor } } });
  if (!data) throw error;
  return data;
}

async function verifyChain(): Promise<AuditVerification & { at: string }> {
  const { data, error } = await api.GET('/api/audit/verify');
  if (!data) throw error;
  return { ...data, at: new Date().toISOString() };
}

async function fetchAccounts() {
  const items: Array<{ id: string; email: string; name: string }> = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/users', { params: { query: { limit: 200, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The chain recomputed from the first event: intact (with the head hash to keep elsewhere), or the first broken link. */
function Verification({ timeZone }: { timeZone: string }) {
  const { t } = useI18n();
  const verify = useQuery({ queryKey: ['audit', 'verify'], queryFn: verifyChain, staleTime: Infinity });
  const result = verify.data;
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="verify-title">
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap">
          <Title order={2} size="h3" id="verify-title">
            {t('audit.verify.title')}
          </Title>
          <Button variant="outline" onClick={() => void verify.refetch()} loading={verify.isFetching}>
            {t('audit.verify.run')}
          </Button>
        </Group>
        {verify.isFetching && !result && <Text>{t('audit.verify.running')}</Text>}
        {verify.isError && <Alert color="red" role="alert" title={problemText(verify.error)} />}
        {result && (
          <>
            <Alert color={result.ok ? 'teal' : 'red'} role={result.ok ? 'status' : 'alert'} data-chain={result.ok ? 'verified' : 'broken'}>
              {result.ok
                ? t('audit.verify.ok', { n: result.checked })
                : t('audit.verify.broken', {
                    seq: result.firstBroken?.seq ?? '?',
                    reason: result.firstBroken ? t(`audit.verify.reason.${result.firstBroken.reason}` as MessageKey) : '',
                  })}
            </Alert>
            <Text size="sm">{t('audit.verify.head')}</Text>
            <Group gap="xs" wrap="nowrap" align="flex-start">
              <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap', flex: 1 }}>
                {result.headHash}
              </Code>
              <CopyButton value={result.headHash}>
                {({ copied, copy }) => (
                  <Button size="xs" variant="outline" onClick={copy}>
                    {copied ? t('audit.copied') : t('audit.copy')}
                  </Button>
                )}
              </CopyButton>
            </Group>
            <Text size="sm">{t('audit.verify.at', { time: formatInstant(result.at, timeZone) })}</Text>
          </>
        )}
      </Stack>
    </Paper>
  );
}

function FilterForm({ timeZone, onApply }: { timeZone: string; onApply: (filters: AuditFilters) => void }) {
  const { t } = useI18n();
  const accounts = useQuery({ queryKey: ['users', 'all'], queryFn: fetchAccounts });
  const [action, setAction] = useState('');
  const [outcome, setOutcome] = useState('');
  const [actorId, setActorId] = useState('');
  const [targetType, setTargetType] = useState('');
  const [targetId, setTargetId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({
      ...(action.trim() ? { action: action.trim() } : {}),
      ...(outcome ? { outcome: outcome as AuditFilters['outcome'] } : {}),
      ...(actorId ? { actorId } : {}),
      ...(targetType.trim() ? { targetType: targetType.trim() } : {}),
      ...(targetId.trim() ? { targetId: targetId.trim() } : {}),
      ...(from ? { from: fromLocalInput(from, timeZone) ?? from } : {}),
      ...(to ? { to: fromLocalInput(to, timeZone) ?? to } : {}),
    });
  };
  const clear = () => {
    for (const set of [setAction, setOutcome, setActorId, setTargetType, setTargetId, setFrom, setTo]) set('');
    onApply({});
  };
  return (
    <form onSubmit={submit} aria-label={t('audit.filters')}>
      <Group align="flex-end" wrap="wrap" gap="sm">
        <TextInput
          label={t('audit.filter.action')}
          description={t('audit.filter.action.hint')}
          value={action}
          onChange={(e) => setAction(e.currentTarget.value)}
        />
        <NativeSelect
          label={t('audit.filter.outcome')}
          value={outcome}
          data={[{ value: '', label: t('audit.filter.any') }, ...OUTCOMES.map((o) => ({ value: o, label: t(`audit.outcome.${o}`) }))]}
          onChange={(e) => setOutcome(e.currentTarget.value)}
        />
        <NativeSelect
          label={t('audit.filter.actor')}
          value={actorId}
          data={[{ value: '', label: t('audit.filter.any') }, ...(accounts.data ?? []).map((a) => ({ value: a.id, label: `${a.name} <${a.email}>` }))]}
          onChange={(e) => setActorId(e.currentTarget.value)}
        />
        <TextInput label={t('audit.filter.targetType')} value={targetType} onChange={(e) => setTargetType(e.currentTarget.value)} />
        <TextInput label={t('audit.filter.targetId')} value={targetId} onChange={(e) => setTargetId(e.currentTarget.value)} />
        <TextInput type="datetime-local" label={t('audit.filter.from')} value={from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput type="datetime-local" label={t('audit.filter.to')} value={to} onChange={(e) => setTo(e.currentTarget.value)} />
        <Button type="submit">{t('audit.filter.apply')}</Button>
        <Button variant="outline" onClick={clear}>
          {t('audit.filter.clear')}
        </Button>
      </Group>
    </form>
  );
}

function Details({ details }: { details: AuditRecord['details'] }) {
  const text = JSON.stringify(details);
  return text === '{}' ? null : (
    <Text size="xs" ff="monospace" style={{ wordBreak: 'break-word' }}>
      {text}
    </Text>
  );
}

/** The audit log for auditors: filtered, newest first, a page at a time, under the chain's verification. */
export function AuditPage({ timeZone }: { timeZone: string }) {
  const { t } = useI18n();
  const [filters, setFilters] = useState<AuditFilters>({});
  const log = useInfiniteQuery({
    queryKey: ['audit', 'events', filters],
    queryFn: ({ pageParam }) => fetchAuditPage(filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const events = log.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack gap="lg">
      <Title order={1}>{t('audit.title')}</Title>
      <Verification timeZone={timeZone} />
      <FilterForm timeZone={timeZone} onApply={setFilters} />
      {log.isError && <Alert color="red" role="alert" title={problemText(log.error)} />}
      {log.data && events.length === 0 && <Text>{t('audit.none')}</Text>}
      {events.length > 0 && (
        <>
          <Text size="sm" role="status">
            {t('audit.count', { n: events.length })}
          </Text>
          <WideBox label={t('audit.title')}>
            <Table striped withTableBorder miw={1200} verticalSpacing="xs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">{t('audit.col.seq')}</Table.Th>
                  <Table.Th scope="col">{t('audit.col.at')}</Table.Th>
                  <Table.Th scope="col">{t('audit.col.actor')}</Table.Th>
                  <Table.Th scope="col">{t('audit.col.action')}</Table.Th>
                  <Table.Th scope="col">{t('audit.col.target')}</Table.Th>
                  <Table.Th scope="col">{t('audit.col.outcome')}</Table.Th>
                  <Table.Th scope="col">{t('audit.col.details')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {events.map((e) => (
                  <Table.Tr key={e.id} data-audit-action={e.action} data-audit-outcome={e.outcome}>
                    <Table.Td ff="monospace">{e.seq}</Table.Td>
                    <Table.Td>
                      <time dateTime={e.occurredAt}>{formatInstant(e.occurredAt, timeZone)}</time>
                    </Table.Td>
                    <Table.Td>{e.actorId === null && e.actorLabel === 'system' ? t('audit.system') : (e.actorLabel ?? '—')}</Table.Td>
                    <Table.Td ff="monospace">{e.action}</Table.Td>
                    <Table.Td style={{ wordBreak: 'break-all' }}>{e.targetType ? `${e.targetType} ${e.targetId ?? ''}` : '—'}</Table.Td>
                    <Table.Td>{t(`audit.outcome.${e.outcome}`)}</Table.Td>
                    <Table.Td maw={520}>
                      <Details details={e.details} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </WideBox>
          {log.hasNextPage && (
            <Button variant="outline" onClick={() => void log.fetchNextPage()} loading={log.isFetchingNextPage} w="fit-content">
              {t('audit.more')}
            </Button>
          )}
        </>
      )}
    </Stack>
  );
}
