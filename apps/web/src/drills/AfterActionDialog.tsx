import { ActionIcon, Button, Checkbox, Fieldset, Group, Modal, NativeSelect, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { IconTrash } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { fieldErrors } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { fromLocalInput, zoneLabel } from '../time/format.ts';
import { fetchOwners, type AfterActionReport, type Drill, type DrillEventType } from './drill-api.ts';
import { eventLabel, Refusal, useDrillSend } from './DrillEventDialog.tsx';

export const RATINGS = ['P', 'S', 'M', 'U'] as const;
type Rating = (typeof RATINGS)[number];

interface Row {
  key: string;
}
interface Participant extends Row {
  name: string;
  role: string;
  organisation: string;
}
interface Capability extends Row {
  capability: string;
  rating: Rating;
  notes: string;
}
interface Action extends Row {
  title: string;
  owner: string;
  dueAt: string;
}
interface Values {
  objectives: string;
  scenario: string;
  participants: Participant[];
  capabilities: Capability[];
  strengths: string;
  areasForImprovement: string;
  correctiveActions: Action[];
  planChangeRequired: boolean;
}

const key = () => crypto.randomUUID();
const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** What the drill already knows: the participants recorded, the capabilities observed. */
function initial(drill: Drill): Values {
  const observed = [...new Set((drill.observations ?? []).flatMap((o) => (o.capability ? [o.capability] : [])))];
  const participants = (drill.participants ?? []).map((p) => ({ key: key(), name: p.name, role: p.role, organisation: p.organisation ?? '' }));
  return {
    objectives: '',
    scenario: '',
    participants: participants.length ? participants : [{ key: key(), name: '', role: '', organisation: '' }],
    capabilities: (observed.length ? observed : ['']).map((capability) => ({ key: key(), capability, rating: 'P' as Rating, notes: '' })),
    strengths: '',
    areasForImprovement: '',
    correctiveActions: [],
    planChangeRequired: false,
  };
}

function toReport(v: Values, timeZone: string): AfterActionReport {
  return {
    objectives: lines(v.objectives),
    scenario: v.scenario.trim(),
    participants: v.participants.map((p) => ({
      name: p.name.trim(),
      role: p.role.trim(),
      ...(p.organisation.trim() ? { organisation: p.organisation.trim() } : {}),
    })),
    capabilities: v.capabilities.map((c) => ({ capability: c.capability.trim(), rating: c.rating, ...(c.notes.trim() ? { notes: c.notes.trim() } : {}) })),
    strengths: lines(v.strengths),
    areasForImprovement: lines(v.areasForImprovement),
    correctiveActions: v.correctiveActions.map((a) => {
      const [kind, id] = a.owner.split(':');
      return {
        title: a.title.trim(),
        ...(kind === 'user' && id ? { ownerUserId: id } : {}),
        ...(kind === 'unit' && id ? { ownerUnitId: id } : {}),
        dueAt: fromLocalInput(a.dueAt, timeZone) ?? a.dueAt,
      };
    }),
    planChangeRequired: v.planChangeRequired,
  };
}

/**
 * The after-action report (SUBMIT_AFTER_ACTION): objectives, scenario, participants, a P/S/M/U
 * rating per capability, strengths, areas for improvement and the corrective actions with their
 * owners and due dates. Each error of a refusal is shown at its field (`report.participants[0].name`…).
 */
export function AfterActionDialog({
  drill,
  timeZone,
  onClose,
  onSent,
}: {
  drill: Drill;
  timeZone: string;
  onClose: () => void;
  onSent: (type: DrillEventType) => void;
}) {
  const { t } = useI18n();
  const phone = useMediaQuery('(max-width: 600px)');
  const [v, setValues] = useState<Values>(() => initial(drill));
  const set = (patch: Partial<Values>) => setValues((old) => ({ ...old, ...patch }));
  const owners = useQuery({ queryKey: ['owners', drill.agencyId], queryFn: () => fetchOwners(drill.agencyId) });
  const send = useDrillSend(drill, 'SUBMIT_AFTER_ACTION', onSent);
  const errors = send.failure && send.failure.status !== 409 ? fieldErrors(send.failure.problem) : {};
  const shown = new Set<string>();
  /** The error at a field (or, for a list typed one per line, at any of its items). */
  const at = (field: string, items = false) => {
    const hits = Object.entries(errors).filter(([f]) => f === field || (items && f.startsWith(`${field}[`)));
    for (const [f] of hits) shown.add(f);
    return hits[0]?.[1];
  };
  const zone = `${timeZone} ${zoneLabel(new Date(), timeZone)}`;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    send.send({ type: 'SUBMIT_AFTER_ACTION', report: toReport(v, timeZone) });
  };
  const update = <K extends 'participants' | 'capabilities' | 'correctiveActions'>(list: K, i: number, patch: Partial<Values[K][number]>) =>
    set({ [list]: (v[list] as Row[]).map((r, j) => (j === i ? { ...r, ...patch } : r)) } as Partial<Values>);
  const remove = (list: 'participants' | 'capabilities' | 'correctiveActions', i: number) =>
    set({ [list]: (v[list] as Row[]).filter((_, j) => j !== i) } as Partial<Values>);

  const body = (
    <Stack>
      <Textarea
        label={t('drillPage.aar.objectives')}
        description={t('drillPage.aar.onePerLine')}
        required
        autosize
        minRows={2}
        value={v.objectives}
        error={at('report.objectives', true)}
        onChange={(e) => set({ objectives: e.currentTarget.value })}
      />
      <Textarea
        label={t('drillPage.aar.scenario')}
        required
        autosize
        minRows={3}
        maxLength={10000}
        value={v.scenario}
        error={at('report.scenario')}
        onChange={(e) => set({ scenario: e.currentTarget.value })}
      />
      <Fieldset legend={t('drillPage.aar.participants')} data-field="participants">
        <Stack gap="sm">
          {at('report.participants') && (
            <Text c="red.9" size="sm" role="alert">
              {at('report.participants')}
            </Text>
          )}
          {v.participants.map((p, i) => {
            const path = `report.participants[${i}]`;
            return (
              <Group key={p.key} align="flex-end" wrap="wrap" gap="xs">
                <TextInput
                  label={t('drillPage.aar.participant.name', { n: i + 1 })}
                  required
                  maxLength={200}
                  miw={140}
                  style={{ flex: 1 }}
                  value={p.name}
                  error={at(`${path}.name`)}
                  onChange={(e) => update('participants', i, { name: e.currentTarget.value })}
                />
                <TextInput
                  label={t('drillPage.aar.participant.role', { n: i + 1 })}
                  required
                  maxLength={200}
                  miw={140}
                  style={{ flex: 1 }}
                  value={p.role}
                  error={at(`${path}.role`)}
                  onChange={(e) => update('participants', i, { role: e.currentTarget.value })}
                />
                <TextInput
                  label={t('drillPage.aar.participant.organisation', { n: i + 1 })}
                  maxLength={200}
                  miw={140}
                  style={{ flex: 1 }}
                  value={p.organisation}
                  error={at(`${path}.organisation`)}
                  onChange={(e) => update('participants', i, { organisation: e.currentTarget.value })}
                />
                <ActionIcon
                  variant="subtle"
                  color="red"
                  size="lg"
                  aria-label={t('drillPage.aar.participant.remove', { n: i + 1 })}
                  onClick={() => remove('participants', i)}
                >
                  <IconTrash size={18} aria-hidden />
                </ActionIcon>
              </Group>
            );
          })}
          <Button variant="light" onClick={() => set({ participants: [...v.participants, { key: key(), name: '', role: '', organisation: '' }] })}>
            {t('drillPage.aar.participant.add')}
          </Button>
        </Stack>
      </Fieldset>
      <Fieldset legend={t('drillPage.aar.capabilities')} data-field="capabilities">
        <Stack gap="sm">
          <Text size="sm">{t('drillPage.aar.ratings')}</Text>
          {at('report.capabilities') && (
            <Text c="red.9" size="sm" role="alert">
              {at('report.capabilities')}
            </Text>
          )}
          {v.capabilities.map((c, i) => {
            const path = `report.capabilities[${i}]`;
            return (
              <Fieldset key={c.key} legend={t('drillPage.aar.capability.item', { n: i + 1 })} variant="filled">
                <Stack gap="xs">
                  <Group align="flex-end" wrap="wrap" gap="xs">
                    <TextInput
                      label={t('drillPage.aar.capability.name')}
                      required
                      maxLength={200}
                      miw={160}
                      style={{ flex: 2 }}
                      value={c.capability}
                      error={at(`${path}.capability`)}
                      onChange={(e) => update('capabilities', i, { capability: e.currentTarget.value })}
                    />
                    <NativeSelect
                      label={t('drillPage.aar.capability.rating')}
                      required
                      miw={160}
                      style={{ flex: 1 }}
                      data={RATINGS.map((r) => ({ value: r, label: t(`drillPage.rating.${r}`) }))}
                      value={c.rating}
                      error={at(`${path}.rating`)}
                      onChange={(e) => update('capabilities', i, { rating: e.currentTarget.value as Rating })}
                    />
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      size="lg"
                      aria-label={t('drillPage.aar.capability.remove', { n: i + 1 })}
                      onClick={() => remove('capabilities', i)}
                    >
                      <IconTrash size={18} aria-hidden />
                    </ActionIcon>
                  </Group>
                  <Textarea
                    label={t('drillPage.aar.capability.notes')}
                    autosize
                    minRows={1}
                    maxLength={5000}
                    value={c.notes}
                    error={at(`${path}.notes`)}
                    onChange={(e) => update('capabilities', i, { notes: e.currentTarget.value })}
                  />
                </Stack>
              </Fieldset>
            );
          })}
          <Button variant="light" onClick={() => set({ capabilities: [...v.capabilities, { key: key(), capability: '', rating: 'P', notes: '' }] })}>
            {t('drillPage.aar.capability.add')}
          </Button>
        </Stack>
      </Fieldset>
      <Textarea
        label={t('drillPage.aar.strengths')}
        description={t('drillPage.aar.onePerLine')}
        autosize
        minRows={2}
        value={v.strengths}
        error={at('report.strengths', true)}
        onChange={(e) => set({ strengths: e.currentTarget.value })}
      />
      <Textarea
        label={t('drillPage.aar.areasForImprovement')}
        description={t('drillPage.aar.onePerLine')}
        autosize
        minRows={2}
        value={v.areasForImprovement}
        error={at('report.areasForImprovement', true)}
        onChange={(e) => set({ areasForImprovement: e.currentTarget.value })}
      />
      <Fieldset legend={t('drillPage.aar.correctiveActions')} data-field="correctiveActions">
        <Stack gap="sm">
          {at('report.correctiveActions') && (
            <Text c="red.9" size="sm" role="alert">
              {at('report.correctiveActions')}
            </Text>
          )}
          {v.correctiveActions.length === 0 && <Text size="sm">{t('drillPage.aar.action.none')}</Text>}
          {v.correctiveActions.map((a, i) => {
            const path = `report.correctiveActions[${i}]`;
            return (
              <Fieldset key={a.key} legend={t('drillPage.aar.action.item', { n: i + 1 })} variant="filled" data-action-row={i}>
                <Stack gap="xs">
                  <TextInput
                    label={t('drillPage.aar.action.title')}
                    required
                    maxLength={500}
                    value={a.title}
                    error={at(`${path}.title`)}
                    onChange={(e) => update('correctiveActions', i, { title: e.currentTarget.value })}
                  />
                  <NativeSelect
                    label={t('drillPage.aar.action.owner')}
                    required
                    data={[{ value: '', label: t('drillPage.aar.action.owner.pick') }, ...(owners.data ?? [])]}
                    value={a.owner}
                    error={at(`${path}.ownerUserId`) ?? at(`${path}.ownerUnitId`)}
                    onChange={(e) => update('correctiveActions', i, { owner: e.currentTarget.value })}
                  />
                  <TextInput
                    type="datetime-local"
                    label={t('drillPage.aar.action.dueAt')}
                    description={t('drillPage.field.date.hint', { zone })}
                    required
                    value={a.dueAt}
                    error={at(`${path}.dueAt`)}
                    onChange={(e) => update('correctiveActions', i, { dueAt: e.currentTarget.value })}
                  />
                  <Group justify="flex-end">
                    <Button variant="subtle" color="red" leftSection={<IconTrash size={16} aria-hidden />} onClick={() => remove('correctiveActions', i)}>
                      {t('drillPage.aar.action.remove', { n: i + 1 })}
                    </Button>
                  </Group>
                </Stack>
              </Fieldset>
            );
          })}
          <Button variant="light" onClick={() => set({ correctiveActions: [...v.correctiveActions, { key: key(), title: '', owner: '', dueAt: '' }] })}>
            {t('drillPage.aar.action.add')}
          </Button>
        </Stack>
      </Fieldset>
      <Checkbox
        label={t('drillPage.aar.planChangeRequired')}
        checked={v.planChangeRequired}
        error={at('report.planChangeRequired')}
        onChange={(e) => set({ planChangeRequired: e.currentTarget.checked })}
      />
    </Stack>
  );
  const elsewhere = (send.failure?.problem.errors ?? []).filter((e) => !shown.has(e.field));
  return (
    <Modal
      opened
      onClose={onClose}
      title={t(eventLabel('SUBMIT_AFTER_ACTION'))}
      size="xl"
      fullScreen={phone}
      closeButtonProps={{ 'aria-label': t('drillPage.dialog.close') }}
    >
      <form onSubmit={submit} noValidate data-drill-dialog="SUBMIT_AFTER_ACTION">
        <Stack>
          <Text size="sm">{t('drillPage.aar.intro')}</Text>
          <Refusal failure={send.failure} stale={send.stale} elsewhere={elsewhere} />
          {body}
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
