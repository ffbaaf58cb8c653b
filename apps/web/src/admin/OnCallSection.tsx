import { Alert, Button, Checkbox, Fieldset, Group, Modal, NativeSelect, Paper, SimpleGrid, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatInstant, fromLocalInput, toLocalInput, zoneLabel } from '../time/format.ts';
import { fetchSchedules, fetchUnits, fetchUsers, type CreateSchedule, type Schedule, type User } from './admin-api.ts';
import { ProblemAlert } from './common.tsx';

type Layer = CreateSchedule['layers'][number];
interface LayerForm {
  rotation: Layer['rotation'];
  handoffTime: string;
  handoffWeekday: string;
  startsAt: string;
  participants: string[];
}

const WEEKDAYS = ['1', '2', '3', '4', '5', '6', '7'] as const;

function newLayer(timeZone: string): LayerForm {
  return { rotation: 'weekly', handoffTime: '09:00', handoffWeekday: '1', startsAt: toLocalInput(new Date(), timeZone), participants: [] };
}

/** A thrown problem of the console's own (a field the browser could not read), shaped like the API's. */
function localProblem(field: string, message: string) {
  return { detail: message, errors: [{ field, rule: 'isDate', message }] };
}

function CreateScheduleForm({ agencyId, people, timeZone }: { agencyId: string; people: User[]; timeZone: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const units = useQuery({ queryKey: ['admin', 'units'], queryFn: fetchUnits });
  const [name, setName] = useState('');
  const [unitId, setUnitId] = useState('');
  const [layers, setLayers] = useState<LayerForm[]>(() => [newLayer(timeZone)]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: async () => {
      const body: CreateSchedule = {
        agencyId,
        name,
        ...(unitId ? { unitId } : {}),
        layers: layers.map((l, i) => {
          const startsAt = fromLocalInput(l.startsAt, timeZone);
          if (!startsAt) throw localProblem(`layers.${i}.startsAt`, t('admin.oncall.time.invalid'));
          return {
            rotation: l.rotation,
            handoffTime: l.handoffTime,
            ...(l.rotation === 'weekly' ? { handoffWeekday: Number(l.handoffWeekday) } : {}),
            startsAt,
            participants: l.participants,
          };
        }),
      };
      const { data, error } = await api.POST('/api/on-call/schedules', { body });
      if (!data) throw error;
      return data;
    },
    onMutate: () => setErrors({}),
    onSuccess: () => {
      setName('');
      setLayers([newLayer(timeZone)]);
      void client.invalidateQueries({ queryKey: ['admin', 'schedules'] });
      void client.invalidateQueries({ queryKey: ['oncall-now'] });
      void client.invalidateQueries({ queryKey: ['oncall-calendar'] });
    },
    onError: (problem) => setErrors(fieldErrors(problem)),
  });
  const set = (i: number, patch: Partial<LayerForm>) => setLayers((ls) => ls.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  const zone = zoneLabel(new Date(), timeZone);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!create.isPending) create.mutate();
  };
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="admin-schedule-create">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Title order={2} size="h3" id="admin-schedule-create">
            {t('admin.oncall.create')}
          </Title>
          {create.isError && <ProblemAlert error={create.error} />}
          {create.isSuccess && <Alert color="green" variant="light" role="status" title={t('admin.oncall.created', { name: create.data.name })} />}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label={t('admin.oncall.field.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} />
            <NativeSelect
              label={t('admin.oncall.field.unit')}
              value={unitId}
              data={[
                { value: '', label: t('admin.none') },
                ...(units.data ?? []).filter((u) => u.agencyId === agencyId).map((u) => ({ value: u.id, label: u.name })),
              ]}
              onChange={(e) => setUnitId(e.currentTarget.value)}
              error={errors.unitId}
            />
          </SimpleGrid>
          {errors.layers && (
            <Text c="red.8" size="sm" role="alert">
              {errors.layers}
            </Text>
          )}
          {layers.map((layer, i) => {
            const n = i + 1;
            const e = (field: string) => errors[`layers.${i}.${field}`];
            return (
              <Fieldset key={i} legend={t('admin.oncall.layerTitle', { n })} data-layer={n}>
                <Stack>
                  <SimpleGrid cols={{ base: 1, sm: 2 }}>
                    <NativeSelect
                      label={t('admin.oncall.field.rotation', { n })}
                      value={layer.rotation}
                      data={(['daily', 'weekly'] as const).map((r) => ({ value: r, label: t(`admin.oncall.rotation.${r}`) }))}
                      onChange={(ev) => set(i, { rotation: ev.currentTarget.value as Layer['rotation'] })}
                      error={e('rotation')}
                    />
                    <TextInput
                      type="time"
                      label={t('admin.oncall.field.handoffTime', { n })}
                      value={layer.handoffTime}
                      onChange={(ev) => set(i, { handoffTime: ev.currentTarget.value })}
                      error={e('handoffTime')}
                    />
                    {layer.rotation === 'weekly' && (
                      <NativeSelect
                        label={t('admin.oncall.field.handoffWeekday', { n })}
                        value={layer.handoffWeekday}
                        data={WEEKDAYS.map((d) => ({ value: d, label: t(`admin.oncall.weekday.${d}`) }))}
                        onChange={(ev) => set(i, { handoffWeekday: ev.currentTarget.value })}
                        error={e('handoffWeekday')}
                      />
                    )}
                    <TextInput
                      type="datetime-local"
                      label={t('admin.oncall.field.startsAt', { n, zone })}
                      value={layer.startsAt}
                      onChange={(ev) => set(i, { startsAt: ev.currentTarget.value })}
                      error={e('startsAt')}
                    />
                  </SimpleGrid>
                  <Checkbox.Group
                    label={t('admin.oncall.field.participants', { n })}
                    value={layer.participants}
                    onChange={(participants) => set(i, { participants })}
                    error={e('participants')}
                  >
                    <SimpleGrid cols={{ base: 1, sm: 3 }} spacing={6} mt={6}>
                      {people.map((p) => (
                        <Checkbox key={p.id} value={p.id} label={p.name} />
                      ))}
                    </SimpleGrid>
                  </Checkbox.Group>
                  {layers.length > 1 && (
                    <Group>
                      <Button variant="subtle" color="red" onClick={() => setLayers((ls) => ls.filter((_, j) => j !== i))}>
                        {t('admin.oncall.layer.remove', { n })}
                      </Button>
                    </Group>
                  )}
                </Stack>
              </Fieldset>
            );
          })}
          <Group>
            <Button variant="light" disabled={layers.length >= 10} onClick={() => setLayers((ls) => [...ls, newLayer(timeZone)])}>
              {t('admin.oncall.layer.add')}
            </Button>
            <Button type="submit" loading={create.isPending}>
              {t('admin.oncall.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function OverrideModal({ schedule, people, timeZone, onClose }: { schedule: Schedule; people: User[]; timeZone: string; onClose: () => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [userId, setUserId] = useState(people[0]?.id ?? '');
  const [from, setFrom] = useState(() => toLocalInput(new Date(), timeZone));
  const [to, setTo] = useState(() => toLocalInput(new Date(Date.now() + 8 * 3_600_000), timeZone));
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const add = useMutation({
    mutationFn: async () => {
      const startsAt = fromLocalInput(from, timeZone);
      if (!startsAt) throw localProblem('startsAt', t('admin.oncall.time.invalid'));
      const endsAt = fromLocalInput(to, timeZone);
      if (!endsAt) throw localProblem('endsAt', t('admin.oncall.time.invalid'));
      const { data, error } = await api.POST('/api/on-call/schedules/{id}/overrides', {
        params: { path: { id: schedule.id } },
        body: { userId, startsAt, endsAt, reason },
      });
      if (!data) throw error;
      return data;
    },
    onMutate: () => setErrors({}),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['admin', 'schedules'] });
      void client.invalidateQueries({ queryKey: ['oncall-now'] });
      void client.invalidateQueries({ queryKey: ['oncall-calendar'] });
      onClose();
    },
    onError: (problem) => setErrors(fieldErrors(problem)),
  });
  const zone = zoneLabel(new Date(), timeZone);
  return (
    <Modal opened onClose={onClose} title={t('admin.oncall.addOverrideTo', { name: schedule.name })} closeButtonProps={{ 'aria-label': t('admin.cancel') }}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!add.isPending) add.mutate();
        }}
        noValidate
      >
        <Stack>
          {add.isError && <ProblemAlert error={add.error} />}
          <NativeSelect
            label={t('admin.oncall.field.user')}
            value={userId}
            data={people.map((p) => ({ value: p.id, label: `${p.name} <${p.email}>` }))}
            onChange={(e) => setUserId(e.currentTarget.value)}
            error={errors.userId}
          />
          <TextInput
            type="datetime-local"
            label={t('admin.oncall.field.from', { zone })}
            value={from}
            onChange={(e) => setFrom(e.currentTarget.value)}
            error={errors.startsAt}
          />
          <TextInput
            type="datetime-local"
            label={t('admin.oncall.field.to', { zone })}
            value={to}
            onChange={(e) => setTo(e.currentTarget.value)}
            error={errors.endsAt}
          />
          <Textarea label={t('admin.oncall.field.reason')} required value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={errors.reason} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('admin.cancel')}
            </Button>
            <Button type="submit" loading={add.isPending}>
              {t('admin.oncall.overrideSubmit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** /admin/oncall: the agency's schedules with their layers and overrides, a new schedule, and overrides. */
export function OnCallSection({ agencyId, timeZone }: { agencyId: string; timeZone: string }) {
  const { t } = useI18n();
  const schedules = useQuery({ queryKey: ['admin', 'schedules'], queryFn: fetchSchedules });
  const users = useQuery({ queryKey: ['admin', 'users'], queryFn: fetchUsers });
  const [overriding, setOverriding] = useState<Schedule | null>(null);
  const people = (users.data ?? []).filter((u) => u.agencyId === agencyId && !u.disabled);
  const nameOf = (id: string) => users.data?.find((u) => u.id === id)?.name ?? id.slice(0, 8);

  return (
    <Stack>
      <Title order={1}>{t('admin.oncall.title')}</Title>
      {schedules.isError && <ProblemAlert error={schedules.error} load />}
      {users.isError && <ProblemAlert error={users.error} load />}
      {schedules.isPending ? <Text>{t('app.loading')}</Text> : (schedules.data ?? []).length === 0 && <Text>{t('admin.oncall.empty')}</Text>}
      {(schedules.data ?? []).map((s) => (
        <Paper key={s.id} withBorder p="md" component="section" aria-labelledby={`schedule-${s.id}`} data-schedule={s.name}>
          <Stack gap="xs">
            <Group justify="space-between" wrap="wrap">
              <Title order={2} size="h3" id={`schedule-${s.id}`}>
                {s.name}
              </Title>
              <Button variant="light" size="compact-sm" onClick={() => setOverriding(s)} aria-label={t('admin.oncall.addOverrideTo', { name: s.name })}>
                {t('admin.oncall.addOverride')}
              </Button>
            </Group>
            <Stack component="ul" gap={4} style={{ margin: 0, paddingInlineStart: 20 }}>
              {s.layers.map((l, i) => (
                <li key={i}>
                  <Text size="sm">
                    {l.rotation === 'weekly' && l.handoffWeekday
                      ? t('admin.oncall.layer.weekday', {
                          n: i + 1,
                          rotation: t(`admin.oncall.rotation.${l.rotation}`),
                          weekday: t(`admin.oncall.weekday.${String(l.handoffWeekday) as (typeof WEEKDAYS)[number]}`),
                          time: l.handoffTime,
                        })
                      : t('admin.oncall.layer', { n: i + 1, rotation: t(`admin.oncall.rotation.${l.rotation}`), time: l.handoffTime })}
                  </Text>
                  <Text size="sm">{t('admin.oncall.participants', { names: l.participants.map(nameOf).join('、') })}</Text>
                </li>
              ))}
            </Stack>
            <Title order={3} size="h5">
              {t('admin.oncall.overrides')}
            </Title>
            {s.overrides.length === 0 ? (
              <Text size="sm">{t('admin.oncall.noOverrides')}</Text>
            ) : (
              <Stack component="ul" gap={2} style={{ margin: 0, paddingInlineStart: 20 }}>
                {s.overrides.map((o) => (
                  <li key={`${o.userId}-${o.startsAt}`} data-override={nameOf(o.userId)}>
                    <Text size="sm">
                      {t('admin.oncall.overrideEntry', {
                        name: nameOf(o.userId),
                        from: formatInstant(o.startsAt, timeZone),
                        to: formatInstant(o.endsAt, timeZone),
                      })}
                    </Text>
                  </li>
                ))}
              </Stack>
            )}
          </Stack>
        </Paper>
      ))}
      <CreateScheduleForm agencyId={agencyId} people={people} timeZone={timeZone} />
      {overriding && <OverrideModal schedule={overriding} people={people} timeZone={timeZone} onClose={() => setOverriding(null)} />}
    </Stack>
  );
}
