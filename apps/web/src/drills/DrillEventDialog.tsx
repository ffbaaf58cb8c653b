import { Button, Group, Modal, NumberInput, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { fromLocalInput, zoneLabel } from '../time/format.ts';
import { drillKey, fetchDrill, fetchDrillTransitions, sendDrillEvent, type Drill, type DrillEvent, type DrillEventType, type Failure } from './drill-api.ts';
import { EventRefusal } from '../shell/EventRefusal.tsx';

/** The events with a small form (SUBMIT_AFTER_ACTION has its own: AfterActionDialog). */
export type SimpleEventType = Exclude<DrillEventType, 'SUBMIT_AFTER_ACTION'>;

type FieldName = 'name' | 'role' | 'organisation' | 'text' | 'capability' | 'summary' | 'date' | 'reason' | 'planVersion';
interface FieldSpec {
  name: FieldName;
  kind: 'text' | 'textarea' | 'datetime' | 'int';
  required: boolean;
  maxLength?: number;
}

/** Each event's fields, in the order a person fills them in (lengths as in the document); none: a confirmation. */
const FORMS: { readonly [T in SimpleEventType]: readonly FieldSpec[] } = {
  START: [],
  RECORD_PARTICIPANT: [
    { name: 'name', kind: 'text', required: true, maxLength: 200 },
    { name: 'role', kind: 'text', required: true, maxLength: 200 },
    { name: 'organisation', kind: 'text', required: false, maxLength: 200 },
  ],
  RECORD_OBSERVATION: [
    { name: 'text', kind: 'textarea', required: true, maxLength: 5000 },
    { name: 'capability', kind: 'text', required: false, maxLength: 200 },
  ],
  COMPLETE: [{ name: 'summary', kind: 'textarea', required: false, maxLength: 5000 }],
  PLAN_UPDATED: [{ name: 'planVersion', kind: 'int', required: true }],
  CLOSE: [],
  CANCEL: [{ name: 'reason', kind: 'textarea', required: true, maxLength: 2000 }],
  RESCHEDULE: [
    { name: 'date', kind: 'datetime', required: true },
    { name: 'reason', kind: 'textarea', required: true, maxLength: 2000 },
  ],
};

type Values = Record<FieldName, string>;
const EMPTY: Values = { name: '', role: '', organisation: '', text: '', capability: '', summary: '', date: '', reason: '', planVersion: '' };

function toBody(type: SimpleEventType, v: Values, timeZone: string): DrillEvent {
  const opt = (s: string) => (s.trim() ? s.trim() : undefined);
  switch (type) {
    case 'START':
    case 'CLOSE':
      return { type };
    case 'RECORD_PARTICIPANT': {
      const organisation = opt(v.organisation);
      return { type, name: v.name.trim(), role: v.role.trim(), ...(organisation ? { organisation } : {}) };
    }
    case 'RECORD_OBSERVATION': {
      const capability = opt(v.capability);
      return { type, text: v.text.trim(), ...(capability ? { capability } : {}) };
    }
    case 'COMPLETE': {
      const summary = opt(v.summary);
      return { type, ...(summary ? { summary } : {}) };
    }
    case 'PLAN_UPDATED':
      return { type, planVersion: Number(v.planVersion) };
    case 'CANCEL':
      return { type, reason: v.reason.trim() };
    case 'RESCHEDULE':
      return { type, date: fromLocalInput(v.date, timeZone) ?? v.date, reason: v.reason.trim() };
  }
}

export const eventLabel = (type: DrillEventType): MessageKey => `drillPage.event.${type}`;

/**
 * One drill event's dialog, sent with If-Match (the version shown when it opened). A 409 (someone
 * acted first) reloads the drill and keeps what was typed; a refusal shows each error at its field.
 */
export function DrillEventDialog({
  drill,
  type,
  timeZone,
  onClose,
  onSent,
}: {
  drill: Drill;
  type: SimpleEventType;
  timeZone: string;
  onClose: () => void;
  onSent: (type: DrillEventType) => void;
}) {
  const { t } = useI18n();
  const [values, setValues] = useState<Values>(EMPTY);
  const plan = useQuery({
    queryKey: ['plan', drill.plan.id],
    enabled: type === 'PLAN_UPDATED',
    queryFn: async () => {
      const { data, error } = await api.GET('/api/continuity/plans/{id}', { params: { path: { id: drill.plan.id } } });
      if (!data) throw error;
      return data;
    },
  });
  const planVersion = values.planVersion || (plan.data ? String(plan.data.version) : '');
  const shown = { ...values, planVersion };
  const send = useDrillSend(drill, type, onSent);
  const errors = send.failure && send.failure.status !== 409 ? fieldErrors(send.failure.problem) : {};
  const fields = FORMS[type];
  const names = new Set<string>(fields.map((f) => f.name));
  const elsewhere = (send.failure?.problem.errors ?? []).filter((e) => !names.has(e.field));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    send.send(toBody(type, shown, timeZone));
  };
  const zone = `${timeZone} ${zoneLabel(new Date(), timeZone)}`;
  return (
    <Modal opened onClose={onClose} title={t(eventLabel(type))} size="lg" closeButtonProps={{ 'aria-label': t('drillPage.dialog.close') }}>
      <form onSubmit={submit} noValidate data-drill-dialog={type}>
        <Stack>
          {fields.length === 0 && <Text size="sm">{t(`drillPage.confirm.${type as 'START' | 'CLOSE'}`)}</Text>}
          <Refusal failure={send.failure} stale={send.stale} elsewhere={elsewhere} />
          {fields.map((f) => {
            const label = t(`drillPage.field.${f.name}`);
            const set = (value: string) => setValues((v) => ({ ...v, [f.name]: value }));
            if (f.kind === 'int')
              return (
                <NumberInput
                  key={f.name}
                  label={label}
                  description={t('drillPage.field.planVersion.hint')}
                  required
                  min={1}
                  allowDecimal={false}
                  value={shown.planVersion}
                  error={errors[f.name]}
                  onChange={(n) => set(String(n))}
                />
              );
            const Input = f.kind === 'textarea' ? Textarea : TextInput;
            return (
              <Input
                key={f.name}
                label={label}
                required={f.required}
                maxLength={f.maxLength}
                {...(f.kind === 'datetime' ? { type: 'datetime-local', description: t('drillPage.field.date.hint', { zone }) } : {})}
                {...(f.kind === 'textarea' ? { autosize: true, minRows: 3 } : {})}
                value={shown[f.name]}
                error={errors[f.name]}
                onChange={(e) => set(e.currentTarget.value)}
              />
            );
          })}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('drillPage.dialog.cancel')}
            </Button>
            <Button type="submit" loading={send.pending} disabled={send.stale === 'gone'}>
              {t('drillPage.dialog.send')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The problem of a refused drill event, in the drill's words. */
export function Refusal(props: { failure: Failure | null; stale: 'reloaded' | 'gone' | null; elsewhere: Array<{ field: string; message: string }> }) {
  return <EventRefusal {...props} texts={{ stale: 'drillPage.dialog.stale', staleGone: 'drillPage.dialog.staleGone', refused: 'drillPage.dialog.refused' }} />;
}

/** Sending an event of a dialog: the version it is based on moves on after a 409 (the drill reloaded), what was typed stays. */
export function useDrillSend(drill: Drill, type: DrillEventType, onSent: (type: DrillEventType) => void) {
  const client = useQueryClient();
  const [baseVersion, setBaseVersion] = useState(drill.version);
  const [failure, setFailure] = useState<Failure | null>(null);
  const [stale, setStale] = useState<'reloaded' | 'gone' | null>(null);
  const mutation = useMutation({
    mutationFn: (body: DrillEvent) => sendDrillEvent(drill.id, baseVersion, body),
    onSuccess: (updated) => {
      client.setQueryData(drillKey(drill.id), updated);
      void client.invalidateQueries({ queryKey: drillKey(drill.id) });
      void client.invalidateQueries({ queryKey: ['corrective-actions'] });
      onSent(type);
    },
    onError: async (thrown) => {
      const f = thrown as unknown as Failure;
      setFailure(f);
      if (f.status !== 409) {
        setStale(null);
        return;
      }
      const [fresh, allowed] = await Promise.all([fetchDrill(drill.id), fetchDrillTransitions(drill.id)]);
      client.setQueryData(drillKey(drill.id), fresh);
      setBaseVersion(fresh.version);
      setStale(allowed.some((e) => e.type === type) ? 'reloaded' : 'gone');
    },
  });
  return {
    failure,
    stale,
    pending: mutation.isPending,
    send: (body: DrillEvent) => {
      if (!mutation.isPending && stale !== 'gone') mutation.mutate(body);
    },
  };
}
