import { ActionIcon, Alert, Button, Checkbox, Fieldset, Group, Modal, NativeSelect, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { CATEGORIES, type Category } from '../../../../../libs/workflows/src/incident/levels.ts';
import { api, fetchIncident, fieldErrors, problemText, type Incident, type Problem } from '../../api/client.ts';
import { useI18n, type MessageKey } from '../../i18n/index.tsx';
import { formatInstant, zoneLabel } from '../../time/format.ts';
import {
  CHANNELS,
  EVENT_FORMS,
  EVENT_INTROS,
  eventLabel,
  fieldPaths,
  IMPACT_KEYS,
  initialValues,
  LE_AGENCIES,
  MEASURE_KEYS,
  newAction,
  RATINGS,
  subcategoriesOf,
  toBody,
  type ActionDraft,
  type EventType,
  type FieldSpec,
  type FormValues,
} from './event-forms.ts';
import { fetchTransitions, transitionsKey } from './transitions.ts';
import { EventRefusal, type EventFailure } from '../../shell/EventRefusal.tsx';

type Failure = EventFailure;

/**
 * One event's dialog: exactly the fields the event asks. Sent with If-Match (the version the
 * person saw when they opened it) and one Idempotency-Key for this opening, so a double click or a
 * retry moves the incident once. A 409 (someone acted first) reloads the incident and its allowed
 * events and keeps what was typed; a 400/422 shows the problem and each error at its field.
 */
export function EventDialog({
  incident,
  type,
  timeZone,
  onClose,
  onSent,
}: {
  incident: Incident;
  type: EventType;
  timeZone: string;
  onClose: () => void;
  onSent: (type: EventType) => void;
}) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [values, setValues] = useState<FormValues>(() => initialValues(incident));
  const [baseVersion, setBaseVersion] = useState(incident.version);
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const [failure, setFailure] = useState<Failure | null>(null);
  const [stale, setStale] = useState<'reloaded' | 'gone' | null>(null);
  const id = incident.id;

  const send = useMutation({
    mutationFn: async () => {
      const { data, error, response } = await api.POST('/api/incidents/{id}/events', {
        params: { path: { id }, header: { 'If-Match': `"${baseVersion}"`, 'Idempotency-Key': idempotencyKey } },
        body: toBody(type, values, timeZone),
      });
      if (!data) throw { status: response.status, problem: (error ?? {}) as Partial<Problem> } satisfies Failure;
      return data;
    },
    onSuccess: (updated) => {
      client.setQueryData(['incident', id], updated);
      void client.invalidateQueries({ queryKey: ['incident', id] });
      void client.invalidateQueries({ queryKey: transitionsKey(id) });
      void client.invalidateQueries({ queryKey: ['incident-timeline', id] });
      onSent(type);
    },
    onError: async (thrown) => {
      const f = thrown as unknown as Failure;
      setFailure(f);
      if (f.status !== 409) {
        setStale(null);
        return;
      }
      // Someone acted first: the incident and its allowed events as they are now; what was typed stays.
      const [fresh, transitions] = await Promise.all([
        client.fetchQuery({ queryKey: ['incident', id], queryFn: () => fetchIncident(id), staleTime: 0 }),
        client.fetchQuery({ queryKey: transitionsKey(id), queryFn: () => fetchTransitions(id), staleTime: 0 }),
      ]);
      void client.invalidateQueries({ queryKey: ['incident-timeline', id] });
      setBaseVersion(fresh.version);
      setStale(transitions.allowedEvents.some((e) => e.type === type) ? 'reloaded' : 'gone');
    },
  });

  const errors = failure && failure.status !== 409 ? fieldErrors(failure.problem) : {};
  const shown = new Set(fieldPaths(type, values));
  const elsewhere = (failure?.problem.errors ?? []).filter((e) => !shown.has(e.field));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!send.isPending && stale !== 'gone') send.mutate();
  };
  const set = (patch: Partial<FormValues>) => setValues((v) => ({ ...v, ...patch }));
  const intro = EVENT_INTROS[type];

  return (
    <Modal
      opened
      onClose={onClose}
      title={t(eventLabel(type))}
      size="lg"
      fullScreen={false}
      centered={false}
      closeButtonProps={{ 'aria-label': t('dialog.cancel') }}
    >
      <form onSubmit={submit} noValidate data-event-dialog={type}>
        <Stack>
          {intro && <Text size="sm">{t(intro)}</Text>}
          <EventRefusal
            failure={failure}
            stale={stale}
            elsewhere={elsewhere}
            texts={{ stale: 'dialog.stale', staleGone: 'dialog.staleGone', refused: 'dialog.refused' }}
          />
          {EVENT_FORMS[type].map((field) => (
            <Field key={field.name} field={field} values={values} set={set} errors={errors} incident={incident} timeZone={timeZone} />
          ))}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('dialog.cancel')}
            </Button>
            <Button type="submit" loading={send.isPending} disabled={stale === 'gone'}>
              {t('dialog.send')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

interface FieldProps {
  field: FieldSpec;
  values: FormValues;
  set: (patch: Partial<FormValues>) => void;
  errors: Record<string, string>;
  incident: Incident;
  timeZone: string;
}

function Field({ field, values, set, errors, incident, timeZone }: FieldProps) {
  const { t } = useI18n();
  const label = t(`field.${field.name}` as MessageKey);
  switch (field.kind) {
    case 'text':
    case 'textarea': {
      const Input = field.kind === 'text' ? TextInput : Textarea;
      return (
        <Input
          label={label}
          required={field.required}
          maxLength={field.maxLength}
          {...(field.kind === 'textarea' ? { autosize: true, minRows: 3 } : {})}
          value={values.text[field.name]}
          error={errors[field.name]}
          onChange={(e) => set({ text: { ...values.text, [field.name]: e.currentTarget.value } })}
        />
      );
    }
    case 'channel':
      return (
        <NativeSelect
          label={label}
          required
          data={CHANNELS.map((c) => ({ value: c, label: t(`channel.${c}`) }))}
          value={values.channel}
          error={errors.channel}
          onChange={(e) => set({ channel: e.currentTarget.value as FormValues['channel'] })}
        />
      );
    case 'lawEnforcementAgency':
      return (
        <NativeSelect
          label={label}
          required
          data={LE_AGENCIES.map((a) => ({ value: a, label: t(`leAgency.${a}`) }))}
          value={values.lawEnforcementAgency}
          error={errors.lawEnforcementAgency}
          onChange={(e) => set({ lawEnforcementAgency: e.currentTarget.value as FormValues['lawEnforcementAgency'] })}
        />
      );
    case 'level':
      return (
        <NativeSelect
          label={label}
          required
          data={RATINGS.map((n) => ({ value: n, label: t('field.level.value', { n }) }))}
          value={values.level}
          error={errors.level}
          onChange={(e) => set({ level: e.currentTarget.value })}
        />
      );
    case 'impact':
      return (
        <Fieldset legend={label} data-field="impact">
          <Stack gap="xs">
            {errors.impact && (
              <Text c="red.9" size="sm" role="alert" data-error="impact">
                {errors.impact}
              </Text>
            )}
            <Group grow wrap="wrap" align="flex-start">
              {IMPACT_KEYS.map((k) => (
                <NativeSelect
                  key={k}
                  label={t(`field.impact.${k}`)}
                  required
                  miw={140}
                  data={RATINGS.map((n) => ({ value: n, label: t('file.impact.value', { n }) }))}
                  value={values.impact[k]}
                  error={errors[`impact.${k}`] ?? (errors.impact ? true : undefined)}
                  onChange={(e) => set({ impact: { ...values.impact, [k]: e.currentTarget.value } })}
                />
              ))}
            </Group>
          </Stack>
        </Fieldset>
      );
    case 'category':
      return (
        <Group grow wrap="wrap" align="flex-start">
          <NativeSelect
            label={label}
            required
            miw={160}
            data={Object.keys(CATEGORIES).map((c) => ({ value: c, label: t(`category.${c}` as MessageKey) }))}
            value={values.category}
            error={errors.category}
            onChange={(e) => set({ category: e.currentTarget.value as Category, subcategory: '' })}
          />
          <NativeSelect
            label={t('field.subcategory')}
            miw={160}
            data={[
              { value: '', label: t('field.subcategory.none') },
              ...subcategoriesOf(values.category).map((s) => ({ value: s, label: t(`subcategory.${s}` as MessageKey) })),
            ]}
            value={values.subcategory}
            error={errors.subcategory}
            onChange={(e) => set({ subcategory: e.currentTarget.value })}
          />
        </Group>
      );
    case 'measures':
      return (
        <Fieldset legend={label} data-field="measures">
          <Stack gap="xs">
            {errors.measures && (
              <Text c="red.9" size="sm" role="alert" data-error="measures">
                {errors.measures}
              </Text>
            )}
            {MEASURE_KEYS.map((k) => (
              <Textarea
                key={k}
                label={t(`field.measures.${k}`)}
                autosize
                minRows={2}
                maxLength={10000}
                value={values.measures[k]}
                error={errors[`measures.${k}`]}
                onChange={(e) => set({ measures: { ...values.measures, [k]: e.currentTarget.value } })}
              />
            ))}
          </Stack>
        </Fieldset>
      );
    case 'evidenceIds':
      return <EvidenceField incident={incident} values={values} set={set} errors={errors} timeZone={timeZone} />;
    case 'correctiveActions':
      return <CorrectiveActionsField incident={incident} values={values} set={set} errors={errors} timeZone={timeZone} />;
  }
}

type SubProps = Omit<FieldProps, 'field'>;

function EvidenceField({ incident, values, set, errors, timeZone }: SubProps) {
  const { t } = useI18n();
  const evidence = useQuery({
    queryKey: ['incident-evidence', incident.id],
    queryFn: async () => {
      const { data, error } = await api.GET('/api/incidents/{id}/evidence', { params: { path: { id: incident.id }, query: { limit: 200 } } });
      if (!data) throw error;
      return data.items;
    },
  });
  const itemErrors = Object.entries(errors).filter(([f]) => f.startsWith('evidenceIds.'));
  const error = errors.evidenceIds ?? itemErrors[0]?.[1];
  if (evidence.isPending) return <Text>{t('app.loading')}</Text>;
  if (evidence.isError) return <Alert color="red" role="alert" title={t('app.error', { detail: problemText(evidence.error) })} />;
  return (
    <Checkbox.Group label={t('field.evidenceIds')} withAsterisk value={values.evidenceIds} error={error} onChange={(ids) => set({ evidenceIds: ids })}>
      <Stack gap={6} mt={4}>
        {evidence.data.length === 0 && <Text size="sm">{t('field.evidenceIds.none')}</Text>}
        {evidence.data.map((e) => (
          <Checkbox
            key={e.id}
            value={e.id}
            label={`${e.description} · ${formatInstant(e.collectedAt, timeZone)}`}
            description={`SHA-256 ${e.sha256.slice(0, 16)}…`}
          />
        ))}
      </Stack>
    </Checkbox.Group>
  );
}

function CorrectiveActionsField({ incident, values, set, errors, timeZone }: SubProps) {
  const { t } = useI18n();
  const owners = useQuery({
    queryKey: ['owners', incident.agencyId],
    queryFn: async () => {
      const [users, units] = await Promise.all([
        api.GET('/api/users', { params: { query: { agencyId: incident.agencyId, limit: 200 } } }),
        api.GET('/api/units', { params: { query: { agencyId: incident.agencyId, limit: 200 } } }),
      ]);
      return [
        ...(users.data?.items ?? []).map((u) => ({ value: `user:${u.id}`, label: `${u.name} <${u.email}>` })),
        ...(units.data?.items ?? []).map((u) => ({ value: `unit:${u.id}`, label: u.name })),
      ];
    },
  });
  const zone = `${timeZone} ${zoneLabel(new Date(), timeZone)}`;
  const update = (i: number, patch: Partial<ActionDraft>) =>
    set({ correctiveActions: values.correctiveActions.map((a, j) => (j === i ? { ...a, ...patch } : a)) });
  return (
    <Fieldset legend={t('field.correctiveActions')} data-field="correctiveActions">
      <Stack gap="sm">
        {errors.correctiveActions && (
          <Text c="red.9" size="sm" role="alert">
            {errors.correctiveActions}
          </Text>
        )}
        {values.correctiveActions.map((a, i) => {
          const at = (f: string) => errors[`correctiveActions.${i}.${f}`];
          return (
            <Fieldset key={a.key} legend={t('field.correctiveActions.item', { n: i + 1 })} variant="filled">
              <Stack gap="xs">
                <TextInput
                  label={t('field.correctiveActions.title')}
                  required
                  maxLength={500}
                  value={a.title}
                  error={at('title')}
                  onChange={(e) => update(i, { title: e.currentTarget.value })}
                />
                <NativeSelect
                  label={t('field.correctiveActions.owner')}
                  required
                  data={[{ value: '', label: t('field.correctiveActions.owner.pick') }, ...(owners.data ?? [])]}
                  value={a.owner}
                  error={at('ownerUserId') ?? at('ownerUnitId')}
                  onChange={(e) => update(i, { owner: e.currentTarget.value })}
                />
                <TextInput
                  type="datetime-local"
                  label={t('field.correctiveActions.dueAt')}
                  description={t('field.correctiveActions.dueAt.hint', { zone })}
                  required
                  value={a.dueAt}
                  error={at('dueAt')}
                  onChange={(e) => update(i, { dueAt: e.currentTarget.value })}
                />
                <Group justify="flex-end">
                  <ActionIcon
                    variant="subtle"
                    color="red.9"
                    aria-label={t('field.correctiveActions.remove', { n: i + 1 })}
                    onClick={() => set({ correctiveActions: values.correctiveActions.filter((_, j) => j !== i) })}
                  >
                    <IconTrash size={18} aria-hidden="true" />
                  </ActionIcon>
                </Group>
              </Stack>
            </Fieldset>
          );
        })}
        <Group>
          <Button variant="default" onClick={() => set({ correctiveActions: [...values.correctiveActions, newAction()] })}>
            {t('field.correctiveActions.add')}
          </Button>
        </Group>
      </Stack>
    </Fieldset>
  );
}
