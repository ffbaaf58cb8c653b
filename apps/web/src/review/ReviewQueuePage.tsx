import { Alert, Anchor, Button, Group, Modal, NativeSelect, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, problemText, type Incident } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { Clock, nextDue } from '../incidents/clocks.tsx';
import { IncidentLabels } from '../incidents/labels.tsx';
import { useFallbackPolling } from '../live/use-live-updates.ts';
import { sendEvent } from '../incidents/panels/panel-api.ts';
import { followLink } from '../router.tsx';
import { formatInstant } from '../time/format.ts';

/** The direct subordinates' reported incidents awaiting this agency's review (all pages). */
async function fetchQueue() {
  const items: Incident[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/incidents', { params: { query: { limit: 200, awaitingReview: 'true', cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

async function fetchAgencies() {
  const names = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/agencies', { params: { query: { limit: 200, cursor } } });
    if (!data) throw error;
    for (const a of data.items) names.set(a.id, `${a.name} (${a.code})`);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return names;
}

const LEVELS = ['1', '2', '3', '4'] as const;

/** Under the incident lists' key, so the live stream's change of any incident refetches the queue (its versions stay current). */
const REVIEW_QUEUE_KEY = ['incidents', 'awaiting-review'] as const;

/** The review dialog: level confirmed or changed, and a note; a stale version reloads and keeps what was typed. */
function ReviewDialog({ incident, onClose, onDone }: { incident: Incident; onClose: () => void; onDone: (reference: string) => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const reported = incident.authority.reports.at(-1)?.level ?? incident.level;
  const [level, setLevel] = useState(String(reported));
  const [note, setNote] = useState('');
  const [failure, setFailure] = useState<string | null>(null);
  const review = useMutation({
    mutationFn: () => sendEvent(incident, { type: 'AUTHORITY_REVIEWED', level: Number(level), note }),
    onSuccess: async (result) => {
      await client.invalidateQueries({ queryKey: REVIEW_QUEUE_KEY });
      await client.invalidateQueries({ queryKey: ['incident', incident.id] });
      if (result.ok) onDone(incident.reference);
      else setFailure(result.stale ? t('panels.stale') : problemText(result.error));
    },
  });
  return (
    <Modal closeButtonProps={{ 'aria-label': t('panels.close') }} opened onClose={onClose} title={t('review.dialog.title', { reference: incident.reference })}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setFailure(null);
          review.mutate();
        }}
      >
        <Stack gap="sm">
          <NativeSelect
            label={t('review.dialog.level')}
            value={level}
            data={LEVELS.map((l) => ({ value: l, label: t('incident.level', { level: l }) }))}
            onChange={(e) => setLevel(e.currentTarget.value)}
          />
          <Text size="sm" role="status">
            {Number(level) === reported ? t('review.dialog.confirmed', { level: reported }) : t('review.dialog.changed', { from: reported, to: level })}
          </Text>
          <Textarea label={t('review.dialog.note')} required autosize minRows={3} value={note} onChange={(e) => setNote(e.currentTarget.value)} />
          {failure && <Alert color="red" variant="light" role="alert" title={failure} />}
          <Group justify="flex-end">
            <Button variant="outline" onClick={onClose}>
              {t('panels.cancel')}
            </Button>
            <Button type="submit" loading={review.isPending}>
              {t('review.dialog.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** /review: the superior agency's reviewers see their direct subordinates' reports awaiting review, the review clock due soonest first. */
export function ReviewQueuePage({ timeZone }: { timeZone: string }) {
  const { t } = useI18n();
  const queue = useQuery({ queryKey: REVIEW_QUEUE_KEY, queryFn: fetchQueue, refetchInterval: useFallbackPolling() });
  const agencies = useQuery({ queryKey: ['agencies'], queryFn: fetchAgencies, staleTime: 300_000 });
  const [done, setDone] = useState<string | null>(null);
  const items = [...(queue.data ?? [])].sort((a, b) => nextDue(a.deadlines) - nextDue(b.deadlines));
  // The id only: after a stale version (409) the queue reloads and the dialog, with what was typed, sends the new version.
  const [reviewingId, setReviewingId] = useState<string | null>(null);
  const reviewing = items.find((i) => i.id === reviewingId) ?? null;
  return (
    <Stack>
      <Title order={1}>{t('review.title')}</Title>
      <Text>{t('review.intro')}</Text>
      {done && <Alert color="teal" variant="light" role="status" title={t('review.done', { reference: done })} />}
      {queue.isPending ? (
        <Text>{t('app.loading')}</Text>
      ) : queue.isError ? (
        <Alert color="red" role="alert" title={t('app.error', { detail: problemText(queue.error) })} />
      ) : items.length === 0 ? (
        <Text>{t('review.empty')}</Text>
      ) : (
        <>
          <Text size="sm">{t('review.count', { n: items.length })}</Text>
          {items.map((i) => {
            const report = i.authority.reports.at(-1);
            const clock = i.deadlines.filter((d) => d.kind === 'superior_review' && d.status !== 'cancelled').at(-1);
            return (
              <Paper key={i.id} withBorder p="md" data-review={i.id} component="article" aria-labelledby={`review-${i.id}`}>
                <Stack gap="xs">
                  <Group justify="space-between" wrap="wrap">
                    <Title order={2} size="h4" id={`review-${i.id}`}>
                      <Anchor href={`/incidents/${i.id}`} onClick={followLink}>
                        {i.reference}
                      </Anchor>{' '}
                      {i.redacted ? (
                        <Text span c="dimmed">
                          {t('review.withheld')}
                        </Text>
                      ) : (
                        i.title
                      )}
                    </Title>
                    <Button onClick={() => setReviewingId(i.id)} aria-label={`${t('review.open')} ${i.reference}`}>
                      {t('review.open')}
                    </Button>
                  </Group>
                  <IncidentLabels incident={i} />
                  <Text size="sm">
                    {t('review.agency')}
                    {t('panels.colon')}
                    {agencies.data?.get(i.agencyId) ?? i.agencyId}
                  </Text>
                  {report && <Text size="sm">{t('review.reported', { level: report.level, at: formatInstant(report.at, timeZone) })}</Text>}
                  {clock ? <Clock deadline={clock} timeZone={timeZone} /> : null}
                </Stack>
              </Paper>
            );
          })}
        </>
      )}
      {reviewing && (
        <ReviewDialog
          incident={reviewing}
          onClose={() => setReviewingId(null)}
          onDone={(reference) => {
            setReviewingId(null);
            setDone(reference);
          }}
        />
      )}
    </Stack>
  );
}
