import { Alert, Badge, Button, Code, Group, Modal, Paper, Stack, Text, TextInput, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useRef, useState, type ChangeEvent } from 'react';
import { api, fieldErrors, problemText, type Incident } from '../../api/client.ts';
import { useSession } from '../../auth/session.ts';
import { useI18n } from '../../i18n/index.tsx';
import { formatInstant, fromLocalInput, toLocalInput, zoneLabel } from '../../time/format.ts';
import { fetchEvidence, newKey, sha256Of, type EvidenceItem } from './panel-api.ts';

const WRAP = { overflowWrap: 'anywhere' } as const;
const HEX64 = /^[0-9a-f]{64}$/;

/** A file input with a visible label; the file is read here only to hash it (WebCrypto), never sent. */
function HashedFile({ label, onHash }: { label: string; onHash: (file: { name: string; size: number; sha256: string } | null) => void }) {
  const id = useId();
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const choose = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.currentTarget.files?.[0];
    if (!file) return onHash(null);
    setBusy(true);
    try {
      onHash({ name: file.name, size: file.size, sha256: await sha256Of(file) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack gap={4}>
      <Text component="label" htmlFor={id} size="sm" fw={500}>
        {label}
      </Text>
      <input id={id} type="file" onChange={(e) => void choose(e)} />
      {busy && <Text size="sm">{t('panels.evidence.hashing')}</Text>}
    </Stack>
  );
}

function RegisterEvidence({ incident, timeZone, onDone }: { incident: Incident; timeZone: string; onDone: () => void }) {
  const { t } = useI18n();
  const session = useSession();
  const client = useQueryClient();
  const [file, setFile] = useState<{ name: string; size: number; sha256: string } | null>(null);
  const [description, setDescription] = useState('');
  const [source, setSource] = useState('');
  const [collectedBy, setCollectedBy] = useState(session.data?.user.name ?? '');
  const [collectedAt, setCollectedAt] = useState(() => toLocalInput(new Date(), timeZone));
  const [storage, setStorage] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const key = useRef(newKey());
  const save = useMutation({
    mutationFn: async () => {
      if (!file) throw new Error(t('panels.evidence.needFile'));
      const { data, error } = await api.POST('/api/incidents/{id}/evidence', {
        params: { path: { id: incident.id }, header: { 'Idempotency-Key': key.current } },
        body: { description, source, collectedBy, collectedAt: fromLocalInput(collectedAt, timeZone) ?? collectedAt, sha256: file.sha256, storage },
      });
      if (!data) throw error;
      return data;
    },
    onSuccess: async () => {
      key.current = newKey();
      await client.invalidateQueries({ queryKey: ['incident', incident.id] });
      onDone();
    },
    onError: (error) => {
      setErrors(fieldErrors(error));
      setFailure(error instanceof Error ? error.message : problemText(error));
    },
  });
  const picked = (f: { name: string; size: number; sha256: string } | null) => {
    setFile(f);
    // Only the name and size (and the hash) go to the API, in the description the user can edit.
    if (f && !description) setDescription(t('panels.evidence.fileSummary', { name: f.name, size: f.size }));
  };
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setFailure(null);
        save.mutate();
      }}
    >
      <Stack gap="sm">
        <HashedFile label={t('panels.evidence.file')} onHash={picked} />
        {file && (
          <Text size="sm" style={WRAP}>
            {t('panels.evidence.sha256')}
            {t('panels.colon')}
            <Code data-sha256={file.sha256}>{file.sha256}</Code>
          </Text>
        )}
        <Textarea
          label={t('panels.evidence.description')}
          required
          autosize
          minRows={2}
          value={description}
          error={errors.description}
          onChange={(e) => setDescription(e.currentTarget.value)}
        />
        <TextInput label={t('panels.evidence.source')} required value={source} error={errors.source} onChange={(e) => setSource(e.currentTarget.value)} />
        <TextInput
          label={t('panels.evidence.collectedBy')}
          required
          value={collectedBy}
          error={errors.collectedBy}
          onChange={(e) => setCollectedBy(e.currentTarget.value)}
        />
        <TextInput
          type="datetime-local"
          label={t('panels.evidence.collectedAt')}
          description={t('panels.evidence.collectedAt.hint', { zone: `${timeZone} ${zoneLabel(new Date(), timeZone)}` })}
          required
          value={collectedAt}
          error={errors.collectedAt}
          onChange={(e) => setCollectedAt(e.currentTarget.value)}
        />
        <TextInput label={t('panels.evidence.storage')} required value={storage} error={errors.storage} onChange={(e) => setStorage(e.currentTarget.value)} />
        {failure && <Alert color="red" variant="light" role="alert" title={failure} />}
        <Group>
          <Button type="submit" loading={save.isPending} disabled={!file}>
            {t('panels.evidence.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The current custodian: who the last accepted transfer went to, else who collected it. */
function custodian(item: EvidenceItem): string {
  return item.transfers.filter((x) => x.outcome === 'accepted').at(-1)?.to ?? item.collectedBy;
}

function TransferEvidence({ incident, item, timeZone, onDone }: { incident: Incident; item: EvidenceItem; timeZone: string; onDone: () => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [from, setFrom] = useState(custodian(item));
  const [to, setTo] = useState('');
  const [purpose, setPurpose] = useState('');
  const [at, setAt] = useState(() => toLocalInput(new Date(), timeZone));
  const [hash, setHash] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const key = useRef(newKey());
  const typed = hash.trim().toLowerCase();
  const checked = HEX64.test(typed) ? (typed === item.sha256 ? 'match' : 'mismatch') : null;
  const save = useMutation({
    mutationFn: async () => {
      const { data, error } = await api.POST('/api/incidents/{id}/evidence/{evidenceId}/transfers', {
        params: { path: { id: incident.id, evidenceId: item.id }, header: { 'Idempotency-Key': key.current } },
        body: { from, to, purpose, at: fromLocalInput(at, timeZone) ?? at, sha256: typed },
      });
      if (!data) throw error;
      return data;
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['incident', incident.id] });
      onDone();
    },
    onError: async (error) => {
      key.current = newKey();
      setErrors(fieldErrors(error));
      setFailure(problemText(error));
      // A refused mismatch is recorded in the chain: show it.
      await client.invalidateQueries({ queryKey: ['incident', incident.id, 'evidence'] });
    },
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        setFailure(null);
        save.mutate();
      }}
    >
      <Stack gap="sm">
        <TextInput label={t('panels.evidence.from')} required value={from} error={errors.from} onChange={(e) => setFrom(e.currentTarget.value)} />
        <TextInput label={t('panels.evidence.to')} required value={to} error={errors.to} onChange={(e) => setTo(e.currentTarget.value)} />
        <Textarea
          label={t('panels.evidence.purpose')}
          required
          autosize
          minRows={2}
          value={purpose}
          error={errors.purpose}
          onChange={(e) => setPurpose(e.currentTarget.value)}
        />
        <TextInput
          type="datetime-local"
          label={t('panels.evidence.at')}
          description={t('panels.evidence.collectedAt.hint', { zone: `${timeZone} ${zoneLabel(new Date(), timeZone)}` })}
          required
          value={at}
          error={errors.at}
          onChange={(e) => setAt(e.currentTarget.value)}
        />
        <Text size="sm" fw={600}>
          {t('panels.evidence.recheck')}
        </Text>
        <HashedFile label={t('panels.evidence.recheckFile')} onHash={(f) => setHash(f?.sha256 ?? '')} />
        <TextInput
          label={t('panels.evidence.recheckHash')}
          required
          value={hash}
          error={errors.sha256}
          onChange={(e) => setHash(e.currentTarget.value)}
          styles={{ input: { fontFamily: 'monospace' } }}
        />
        {checked === 'match' && <Alert color="teal" variant="light" role="status" title={t('panels.evidence.match')} data-hash-check="match" />}
        {checked === 'mismatch' && (
          <Alert
            color="red"
            variant="light"
            role="alert"
            title={t('panels.evidence.mismatch', { expected: item.sha256 })}
            data-hash-check="mismatch"
            styles={{ title: WRAP }}
          />
        )}
        {failure && <Alert color="red" variant="light" role="alert" title={failure} />}
        <Group>
          <Button type="submit" loading={save.isPending}>
            {t('panels.evidence.transferSubmit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The incident's evidence, each with its chain of custody; registering hashes the chosen file in the browser; transfers re-check the hash. */
export function EvidencePanel({ incident, timeZone, canRecord }: { incident: Incident; timeZone: string; canRecord: boolean }) {
  const { t } = useI18n();
  const evidence = useQuery({ queryKey: ['incident', incident.id, 'evidence'], queryFn: () => fetchEvidence(incident.id) });
  const [registering, setRegistering] = useState(false);
  const [transferring, setTransferring] = useState<EvidenceItem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="panel-evidence" data-panel="evidence">
      <Group justify="space-between" wrap="wrap" mb="sm">
        <Title order={2} size="h3" id="panel-evidence">
          {t('panels.evidence.title')}
        </Title>
        {canRecord && (
          <Button variant="outline" onClick={() => setRegistering(true)}>
            {t('panels.evidence.register')}
          </Button>
        )}
      </Group>
      {notice && <Alert color="teal" variant="light" role="status" title={notice} mb="sm" />}
      {evidence.isPending ? (
        <Text>{t('app.loading')}</Text>
      ) : evidence.isError ? (
        <Alert color="red" role="alert" title={t('app.error', { detail: problemText(evidence.error) })} />
      ) : evidence.data.length === 0 ? (
        <Text>{t('panels.evidence.empty')}</Text>
      ) : (
        <Stack gap="sm">
          {evidence.data.map((item) => (
            <Paper key={item.id} withBorder p="sm" data-evidence={item.id}>
              <Stack gap={4}>
                <Group justify="space-between" wrap="wrap">
                  <Text fw={600} style={WRAP}>
                    {item.description}
                  </Text>
                  {canRecord && (
                    <Button size="xs" variant="outline" onClick={() => setTransferring(item)}>
                      {t('panels.evidence.transfer')}
                    </Button>
                  )}
                </Group>
                <Text size="sm" style={WRAP}>
                  {t('panels.evidence.sha256')}
                  {t('panels.colon')}
                  <Code data-sha256={item.sha256}>{item.sha256}</Code>
                </Text>
                <Text size="sm" style={WRAP}>
                  {t('panels.evidence.source')}
                  {t('panels.colon')}
                  {item.source} · {t('panels.evidence.storage')}
                  {t('panels.colon')}
                  {item.storage}
                </Text>
                <Text size="sm">
                  {t('panels.evidence.collectedBy')}
                  {t('panels.colon')}
                  {item.collectedBy} · <time dateTime={item.collectedAt}>{formatInstant(item.collectedAt, timeZone)}</time>
                </Text>
                <Text size="sm" fw={600} mt={4}>
                  {t('panels.evidence.custody')}
                </Text>
                {item.transfers.length === 0 ? (
                  <Text size="sm">{t('panels.evidence.noTransfers')}</Text>
                ) : (
                  <Stack component="ol" gap={4} style={{ margin: 0, paddingInlineStart: 20 }}>
                    {item.transfers.map((x) => (
                      <li key={x.id} data-transfer={x.outcome}>
                        <Group gap="xs" wrap="wrap">
                          <Text size="sm" style={WRAP}>
                            {t('panels.evidence.transferLine', { from: x.from, to: x.to })} · {x.purpose} ·{' '}
                            <time dateTime={x.at}>{formatInstant(x.at, timeZone)}</time>
                          </Text>
                          <Badge color={x.outcome === 'accepted' ? 'teal' : 'red'} variant="light">
                            {t(`panels.evidence.outcome.${x.outcome}`)}
                          </Badge>
                        </Group>
                      </li>
                    ))}
                  </Stack>
                )}
              </Stack>
            </Paper>
          ))}
        </Stack>
      )}
      <Modal
        closeButtonProps={{ 'aria-label': t('panels.close') }}
        opened={registering}
        onClose={() => setRegistering(false)}
        title={t('panels.evidence.register')}
        size="lg"
      >
        {registering && (
          <RegisterEvidence
            incident={incident}
            timeZone={timeZone}
            onDone={() => {
              setRegistering(false);
              setNotice(t('panels.evidence.registered'));
            }}
          />
        )}
      </Modal>
      <Modal
        closeButtonProps={{ 'aria-label': t('panels.close') }}
        opened={transferring !== null}
        onClose={() => setTransferring(null)}
        title={transferring ? t('panels.evidence.transferTitle', { description: transferring.description }) : ''}
        size="lg"
      >
        {transferring && (
          <TransferEvidence
            incident={incident}
            item={transferring}
            timeZone={timeZone}
            onDone={() => {
              setTransferring(null);
              setNotice(t('panels.evidence.transferred'));
            }}
          />
        )}
      </Modal>
    </Paper>
  );
}
