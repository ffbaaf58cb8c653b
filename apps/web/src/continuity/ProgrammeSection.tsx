import { Alert, Anchor, Button, Checkbox, Fieldset, Group, List, NativeSelect, Paper, Radio, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { api, fieldErrors, problemText, type Problem } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { followLink } from '../router.tsx';
import { formatInstant, fromLocalInput, zoneLabel } from '../time/format.ts';
import { formatDuration } from './durations.ts';
import { DRILL_TYPES, fetchProgramme, planKeys, type DrillType, type Plan } from './plan-api.ts';
import { buildRrule, draftOf, nextOccurrences, type Frequency, type ProgrammeDraft } from './programme-rule.ts';

const REMINDER_CHOICES = ['P30D', 'P14D', 'P7D', 'P3D', 'P1D', 'PT2H'] as const;
const MONTHS = Array.from({ length: 12 }, (_, i) => i + 1);
const DAYS = Array.from({ length: 31 }, (_, i) => i + 1);

interface Failure {
  status: number;
  problem: Partial<Problem>;
}

/** The month (YYYY-MM) of an instant in the zone, for the calendar's link. */
function monthOf(iso: string, timeZone: string): string {
  return formatInstant(iso, timeZone).slice(0, 7);
}

/**
 * The plan's drill programme: what it is and its next drills; for the plan's editors, a form that
 * builds the RRULE (yearly or monthly on a date, at a time, drill type, reminders) with the next
 * five drills previewed in the agency's zone before it is saved, and a drill scheduled by hand.
 */
export function ProgrammeSection({ plan, editable, timeZone: viewerZone }: { plan: Plan; editable: boolean; timeZone: string }) {
  const { t } = useI18n();
  const view = useQuery({ queryKey: planKeys.programme(plan.id), queryFn: () => fetchProgramme(plan.id) });
  // The programme runs in the plan's agency's zone: the stored programme says which; a plan of the viewer's own agency is in the viewer's.
  const timeZone = view.data?.programme?.timezone ?? viewerZone;
  const programme = view.data?.programme ?? null;
  const current = programme ? draftOf(programme, { frequency: 'yearly', month: 1, day: 1, time: '09:00', drillType: 'tabletop', reminders: [] }) : null;

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="plan-programme" id="programme">
      <Title order={2} size="h3" mb="sm" id="plan-programme">
        {t('plans.programme.title')}
      </Title>
      {view.isPending ? (
        <Text>{t('app.loading')}</Text>
      ) : view.isError ? (
        <Alert color="red" role="alert" title={t('app.error', { detail: problemText(view.error) })} />
      ) : (
        <Stack>
          {programme && current ? (
            <Stack gap={4} data-programme-summary>
              <Text fw={600}>{describe(current, t)}</Text>
              <Text size="sm">
                {t('plans.programme.reminders.summary', {
                  list: programme.reminders.length
                    ? programme.reminders.map((r) => formatDuration(r, t)).join(t('plans.separator'))
                    : t('plans.programme.reminders.none'),
                })}
              </Text>
              <Text size="sm">{t('plans.programme.afterAction', { window: formatDuration(programme.afterActionWindow, t) })}</Text>
              {view.data?.nextDrill && (
                <Text size="sm">
                  {t('plans.programme.nextDrill')}{' '}
                  <Anchor href={`/drills/${view.data.nextDrill.id}`} onClick={followLink} data-next-drill={view.data.nextDrill.id}>
                    {view.data.nextDrill.reference}
                  </Anchor>{' '}
                  {formatInstant(view.data.nextDrill.scheduledFor, timeZone)}{' '}
                  <Anchor href={`/drills?month=${monthOf(view.data.nextDrill.scheduledFor, timeZone)}`} onClick={followLink}>
                    {t('plans.programme.onCalendar')}
                  </Anchor>
                </Text>
              )}
            </Stack>
          ) : (
            <Text>{t('plans.programme.none')}</Text>
          )}
          {editable && <ProgrammeForm plan={plan} current={current} version={view.data?.programmeVersion ?? null} timeZone={timeZone} />}
          {editable && <ExtraDrillForm plan={plan} timeZone={timeZone} />}
        </Stack>
      )}
    </Paper>
  );
}

function describe(d: ProgrammeDraft, t: ReturnType<typeof useI18n>['t']): string {
  const type = t(`plans.programme.drillType.${d.drillType}`);
  return d.frequency === 'yearly'
    ? t('plans.programme.describe.yearly', { month: d.month, day: d.day, time: d.time, type })
    : t('plans.programme.describe.monthly', { day: d.day, time: d.time, type });
}

function ProgrammeForm({ plan, current, version, timeZone }: { plan: Plan; current: ProgrammeDraft | null; version: number | null; timeZone: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [draft, setDraft] = useState<ProgrammeDraft>(
    () => current ?? { frequency: 'yearly', month: 3, day: 15, time: '09:00', drillType: 'tabletop', reminders: ['P30D', 'P7D', 'P1D'] },
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = <K extends keyof ProgrammeDraft>(k: K, v: ProgrammeDraft[K]) => setDraft((d) => ({ ...d, [k]: v }));
  // The preview counts from the moment the form is shown (it does not tick: it is a preview).
  const [now] = useState(() => new Date());
  const preview = useMemo(() => nextOccurrences(draft, timeZone, now, 5), [draft, timeZone, now]);

  const save = useMutation({
    mutationFn: async () => {
      const { data, error, response } = await api.PUT('/api/continuity/plans/{id}/programme', {
        params: { path: { id: plan.id }, ...(version !== null ? { header: { 'If-Match': `"${version}"` } } : {}) },
        body: { rrule: buildRrule(draft, timeZone, new Date()), drillType: draft.drillType, reminders: draft.reminders },
      });
      if (!data) throw { status: response.status, problem: (error ?? {}) as Partial<Problem> } satisfies Failure;
      return data;
    },
    onSuccess: (saved) => {
      setErrors({});
      client.setQueryData(planKeys.programme(plan.id), saved);
      void client.invalidateQueries({ queryKey: planKeys.one(plan.id) });
      void client.invalidateQueries({ queryKey: ['drills'] });
    },
    onError: (thrown) => setErrors(fieldErrors((thrown as unknown as Failure).problem)),
  });
  const failure = save.error as unknown as Failure | null;
  const ruleError = errors.rrule ?? errors.body;

  return (
    <Fieldset legend={t(current ? 'plans.programme.form.change' : 'plans.programme.form.set')}>
      <Stack>
        <Radio.Group label={t('plans.programme.frequency')} value={draft.frequency} onChange={(v) => set('frequency', v as Frequency)} error={ruleError}>
          <Group gap="lg" mt={4}>
            <Radio value="yearly" label={t('plans.programme.frequency.yearly')} />
            <Radio value="monthly" label={t('plans.programme.frequency.monthly')} />
          </Group>
        </Radio.Group>
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          {draft.frequency === 'yearly' && (
            <NativeSelect
              label={t('plans.programme.month')}
              data={MONTHS.map((m) => ({ value: String(m), label: t('plans.programme.month.n', { n: m }) }))}
              value={String(draft.month)}
              onChange={(e) => set('month', Number(e.currentTarget.value))}
            />
          )}
          <NativeSelect
            label={t('plans.programme.day')}
            data={DAYS.map((d) => ({ value: String(d), label: t('plans.programme.day.n', { n: d }) }))}
            value={String(draft.day)}
            onChange={(e) => set('day', Number(e.currentTarget.value))}
          />
          <TextInput
            type="time"
            label={t('plans.programme.time')}
            description={`${timeZone} ${zoneLabel(new Date(), timeZone)}`}
            value={draft.time}
            onChange={(e) => set('time', e.currentTarget.value)}
          />
          <NativeSelect
            label={t('plans.programme.drillType')}
            data={DRILL_TYPES.map((d) => ({ value: d, label: t(`plans.programme.drillType.${d}`) }))}
            value={draft.drillType}
            error={errors.drillType}
            onChange={(e) => set('drillType', e.currentTarget.value as DrillType)}
          />
        </SimpleGrid>
        <Checkbox.Group
          label={t('plans.programme.reminders')}
          description={t('plans.programme.reminders.hint')}
          value={draft.reminders}
          onChange={(v) =>
            set(
              'reminders',
              REMINDER_CHOICES.filter((r) => v.includes(r)),
            )
          }
          error={errors.reminders ?? Object.entries(errors).find(([k]) => k.startsWith('reminders['))?.[1]}
        >
          <Group gap="md" mt={6}>
            {REMINDER_CHOICES.map((r) => (
              <Checkbox key={r} value={r} label={t('plans.programme.reminder.before', { duration: formatDuration(r, t) })} />
            ))}
          </Group>
        </Checkbox.Group>
        <div aria-live="polite" data-programme-preview>
          <Text fw={600}>{t('plans.programme.preview', { zone: timeZone })}</Text>
          {preview.length ? (
            <List type="ordered" spacing={2}>
              {preview.map((at) => (
                <List.Item key={at} data-occurrence={at}>
                  {formatInstant(at, timeZone)}
                </List.Item>
              ))}
            </List>
          ) : (
            <Text size="sm">{t('plans.programme.preview.none')}</Text>
          )}
        </div>
        {failure && <Alert color="red" variant="light" role="alert" title={t('plans.programme.save.failed', { detail: problemText(failure.problem) })} />}
        {save.isSuccess && !failure && (
          <Alert color="green" variant="light" role="status" title={t('plans.programme.saved')}>
            {save.data.nextDrill && t('plans.programme.saved.next', { at: formatInstant(save.data.nextDrill.scheduledFor, timeZone) })}
          </Alert>
        )}
        <Group>
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            {t('plans.programme.save')}
          </Button>
        </Group>
      </Stack>
    </Fieldset>
  );
}

/** A drill outside the programme, scheduled by hand. */
function ExtraDrillForm({ plan, timeZone }: { plan: Plan; timeZone: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [at, setAt] = useState('');
  const [drillType, setDrillType] = useState<DrillType>('tabletop');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const key = useRef(crypto.randomUUID());
  const schedule = useMutation({
    mutationFn: async () => {
      const { data, error, response } = await api.POST('/api/continuity/plans/{id}/drills', {
        params: { path: { id: plan.id }, header: { 'Idempotency-Key': key.current } },
        body: { scheduledFor: fromLocalInput(at, timeZone) ?? at, drillType },
      });
      if (!data) throw { status: response.status, problem: (error ?? {}) as Partial<Problem> } satisfies Failure;
      return data;
    },
    onSuccess: () => {
      setErrors({});
      key.current = crypto.randomUUID();
      void client.invalidateQueries({ queryKey: ['drills'] });
      void client.invalidateQueries({ queryKey: planKeys.one(plan.id) });
    },
    onError: (thrown) => {
      setErrors(fieldErrors((thrown as unknown as Failure).problem));
      key.current = crypto.randomUUID();
    },
  });
  const failure = schedule.error as unknown as Failure | null;
  return (
    <Fieldset legend={t('plans.programme.extra.title')}>
      <Stack>
        <Text size="sm">{t('plans.programme.extra.intro')}</Text>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            type="datetime-local"
            label={t('plans.programme.extra.at')}
            description={`${timeZone} ${zoneLabel(new Date(), timeZone)}`}
            required
            value={at}
            error={errors.scheduledFor}
            onChange={(e) => setAt(e.currentTarget.value)}
          />
          <NativeSelect
            label={t('plans.programme.drillType')}
            data={DRILL_TYPES.map((d) => ({ value: d, label: t(`plans.programme.drillType.${d}`) }))}
            value={drillType}
            error={errors.drillType}
            onChange={(e) => setDrillType(e.currentTarget.value as DrillType)}
          />
        </SimpleGrid>
        {failure && <Alert color="red" variant="light" role="alert" title={t('plans.programme.extra.failed', { detail: problemText(failure.problem) })} />}
        {schedule.data && !failure && (
          <Alert color="green" variant="light" role="status" title={t('plans.programme.extra.done', { reference: schedule.data.reference })}>
            <Anchor href={`/drills/${schedule.data.id}`} onClick={followLink}>
              {t('plans.programme.extra.open', { reference: schedule.data.reference })}
            </Anchor>
          </Alert>
        )}
        <Group>
          <Button variant="default" onClick={() => schedule.mutate()} loading={schedule.isPending}>
            {t('plans.programme.extra.schedule')}
          </Button>
        </Group>
      </Stack>
    </Fieldset>
  );
}
