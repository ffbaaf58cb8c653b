import {
  ActionIcon,
  Alert,
  Anchor,
  Button,
  Checkbox,
  Fieldset,
  Group,
  List,
  Modal,
  NativeSelect,
  Paper,
  Radio,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, fieldErrors, problemText, type Problem } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { followLink, navigate } from '../router.tsx';
import { formatDuration, fromIso, toIso, type DurationDraft } from './durations.ts';
import { DurationField } from './DurationField.tsx';
import {
  DATA_LEVELS,
  fetchPlan,
  fetchUnits,
  HAZARDS,
  PHASES,
  PLAN_ROLES,
  planKeys,
  TLPS,
  type DataLevel,
  type Hazard,
  type Phase,
  type Plan,
  type PlanDocument,
  type PlanRole,
  type Tlp,
} from './plan-api.ts';
import { fieldLabel } from './plan-labels.ts';

interface ScopeDraft {
  key: string;
  name: string;
  kind: 'service' | 'system';
  core: boolean;
  description: string;
}
interface ImpactDraft {
  key: string;
  service: string;
  hazard: Hazard;
  impact: string;
  mtpd: DurationDraft;
  rto: DurationDraft;
  rpo: DurationDraft;
}
interface ProcedureDraft {
  key: string;
  phase: Phase;
  order: string;
  action: string;
  role: PlanRole | '';
  unit: string;
}
interface ContactDraft {
  key: string;
  name: string;
  function: string;
  phone: string;
  email: string;
  organisation: string;
}
interface Draft {
  title: string;
  summary: string;
  tlp: Tlp;
  dataLevel: DataLevel;
  reviewInterval: string;
  scope: ScopeDraft[];
  impact: ImpactDraft[];
  criteria: Array<{ key: string; text: string }>;
  procedures: ProcedureDraft[];
  contacts: ContactDraft[];
}

const REVIEW_INTERVALS = ['P3M', 'P6M', 'P1Y'] as const;
const key = () => crypto.randomUUID();
const blankScope = (): ScopeDraft => ({ key: key(), name: '', kind: 'service', core: true, description: '' });
const blankImpact = (service = ''): ImpactDraft => ({
  key: key(),
  service,
  hazard: 'earthquake',
  impact: '',
  mtpd: { amount: '', unit: 'hours' },
  rto: { amount: '', unit: 'hours' },
  rpo: { amount: '', unit: 'hours' },
});
const blankProcedure = (phase: Phase = 'emergency', order = 1): ProcedureDraft => ({
  key: key(),
  phase,
  order: String(order),
  action: '',
  role: 'continuity_coordinator',
  unit: '',
});
const blankContact = (): ContactDraft => ({ key: key(), name: '', function: '', phone: '', email: '', organisation: '' });

function emptyDraft(): Draft {
  return {
    title: '',
    summary: '',
    tlp: 'GREEN',
    dataLevel: 'general',
    reviewInterval: 'P1Y',
    scope: [blankScope()],
    impact: [blankImpact()],
    criteria: [{ key: key(), text: '' }],
    procedures: [blankProcedure()],
    contacts: [blankContact()],
  };
}

function draftOf(doc: PlanDocument): Draft {
  return {
    title: doc.title,
    summary: doc.summary ?? '',
    tlp: doc.classification.tlp,
    dataLevel: doc.classification.dataLevel,
    reviewInterval: doc.reviewInterval ?? 'P1Y',
    scope: doc.scope.map((s) => ({ key: key(), name: s.name, kind: s.kind, core: s.core, description: s.description ?? '' })),
    impact: doc.impactAnalysis.map((r) => ({
      key: key(),
      service: r.service,
      hazard: r.hazard,
      impact: r.impact,
      mtpd: fromIso(r.mtpd),
      rto: fromIso(r.rto),
      rpo: fromIso(r.rpo),
    })),
    criteria: doc.activationCriteria.map((text) => ({ key: key(), text })),
    procedures: doc.procedures.map((p) => ({
      key: key(),
      phase: p.phase,
      order: String(p.order),
      action: p.action,
      role: p.responsibleRole ?? '',
      unit: p.responsibleUnitId ?? '',
    })),
    contacts: doc.contacts.map((c) => ({
      key: key(),
      name: c.name,
      function: c.function,
      phone: c.phone ?? '',
      email: c.email ?? '',
      organisation: c.organisation ?? '',
    })),
  };
}

const optional = (value: string) => (value.trim() === '' ? undefined : value);

/** The document the API takes; what the person left out stays out (the API says what is missing, at its field). */
function documentOf(d: Draft): PlanDocument {
  return {
    title: d.title,
    ...(optional(d.summary) ? { summary: d.summary } : {}),
    classification: { tlp: d.tlp, dataLevel: d.dataLevel },
    reviewInterval: d.reviewInterval,
    scope: d.scope.map((s) => ({ name: s.name, kind: s.kind, core: s.core, ...(optional(s.description) ? { description: s.description } : {}) })),
    impactAnalysis: d.impact.map((r) => ({
      service: r.service,
      hazard: r.hazard,
      impact: r.impact,
      mtpd: toIso(r.mtpd),
      rto: toIso(r.rto),
      rpo: toIso(r.rpo),
    })),
    activationCriteria: d.criteria.map((c) => c.text),
    procedures: d.procedures.map((p) => ({
      phase: p.phase,
      order: /^\d{1,9}$/.test(p.order.trim()) ? Number(p.order) : 0,
      action: p.action,
      ...(p.role ? { responsibleRole: p.role } : {}),
      ...(optional(p.unit) ? { responsibleUnitId: p.unit } : {}),
    })),
    contacts: d.contacts.map((c) => ({
      name: c.name,
      function: c.function,
      ...(optional(c.phone) ? { phone: c.phone.trim() } : {}),
      ...(optional(c.email) ? { email: c.email.trim() } : {}),
      ...(optional(c.organisation) ? { organisation: c.organisation } : {}),
    })),
  };
}

interface Failure {
  status: number;
  problem: Partial<Problem>;
}

/** A row of a list section: a bordered box with its title and a remove button. */
function Row({ title, onRemove, removeLabel, children }: { title: string; onRemove?: () => void; removeLabel: string; children: ReactNode }) {
  return (
    <Paper withBorder p="sm" component="fieldset" style={{ minWidth: 0, margin: 0 }}>
      <Text component="legend" fw={700} px={4}>
        {title}
      </Text>
      {children}
      {onRemove && (
        <Group justify="flex-end" mt="xs">
          <Button variant="subtle" color="red" size="compact-sm" leftSection={<IconTrash size={16} aria-hidden />} onClick={onRemove}>
            {removeLabel}
          </Button>
        </Group>
      )}
    </Paper>
  );
}

/** /plans/new and /plans/:id/edit: the plan document as a form; saving an existing plan asks why and makes a new version. */
export function PlanEditorPage({ id }: { id?: string }) {
  const { t } = useI18n();
  const plan = useQuery({ queryKey: planKeys.one(id ?? 'new'), queryFn: () => fetchPlan(id!), enabled: Boolean(id) });
  if (!id) return <PlanForm />;
  if (plan.isPending) return <Text>{t('app.loading')}</Text>;
  if (plan.isError) return <Alert color="red" role="alert" title={t('app.error', { detail: problemText(plan.error) })} />;
  if (!plan.data.document) return <Alert color="yellow" role="alert" title={t('plans.withheld')} />;
  return <PlanForm key={plan.data.version} plan={plan.data} />;
}

function PlanForm({ plan }: { plan?: Plan }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [draft, setDraft] = useState<Draft>(() => (plan?.document ? draftOf(plan.document) : emptyDraft()));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [reasonOpen, setReasonOpen] = useState(false);
  const [reason, setReason] = useState('');
  const idempotencyKey = useRef(crypto.randomUUID());
  const units = useQuery({ queryKey: ['units'], queryFn: fetchUnits, staleTime: 300_000 });
  const unitOptions = (units.data ?? []).filter((u) => !plan || u.agencyId === plan.agencyId);

  const save = useMutation({
    mutationFn: async () => {
      const document = documentOf(draft);
      if (plan) {
        const { data, error, response } = await api.PUT('/api/continuity/plans/{id}', {
          params: { path: { id: plan.id }, header: { 'If-Match': `"${plan.version}"` } },
          body: { ...document, changeReason: reason },
        });
        if (!data) throw { status: response.status, problem: (error ?? {}) as Partial<Problem> } satisfies Failure;
        return data;
      }
      const { data, error, response } = await api.POST('/api/continuity/plans', {
        params: { header: { 'Idempotency-Key': idempotencyKey.current } },
        body: document,
      });
      if (!data) throw { status: response.status, problem: (error ?? {}) as Partial<Problem> } satisfies Failure;
      return data;
    },
    onSuccess: (saved) => {
      client.setQueryData(planKeys.one(saved.id), saved);
      void client.invalidateQueries({ queryKey: planKeys.all });
      navigate(`/plans/${saved.id}?saved=${saved.version}`);
    },
    onError: (thrown) => {
      const failure = thrown as unknown as Failure;
      const byField = fieldErrors(failure.problem);
      // The API's rule, in words with the durations as typed ("4 hours"), where the API's own sentence names ISO values.
      for (const e of failure.problem.errors ?? []) {
        const row = /^impactAnalysis\[(\d+)\]\.rto$/.exec(e.field);
        const impact = row ? draft.impact[Number(row[1])] : undefined;
        if (e.rule === 'rtoBelowMtpd' && impact)
          byField[e.field] = t('plans.rule.rtoBelowMtpd', { rto: formatDuration(toIso(impact.rto), t), mtpd: formatDuration(toIso(impact.mtpd), t) });
      }
      setErrors(byField);
      // The reason's own error stays in its dialog; any other error is at its field in the form.
      if (!byField.changeReason) setReasonOpen(false);
      // A retry after a refusal is another request: a new key, so the first answer is not replayed.
      idempotencyKey.current = crypto.randomUUID();
    },
  });
  const failure = save.error as unknown as Failure | null;

  const set = <K extends keyof Draft>(k: K, value: Draft[K]) => setDraft((d) => ({ ...d, [k]: value }));
  const update = <K extends 'scope' | 'impact' | 'criteria' | 'procedures' | 'contacts'>(k: K, index: number, patch: Partial<Draft[K][number]>) =>
    setDraft((d) => ({ ...d, [k]: (d[k] as Array<Draft[K][number]>).map((row, i) => (i === index ? { ...row, ...patch } : row)) }));
  const remove = (k: 'scope' | 'impact' | 'criteria' | 'procedures' | 'contacts', index: number) =>
    setDraft((d) => ({ ...d, [k]: (d[k] as unknown[]).filter((_, i) => i !== index) }));
  const err = (path: string) => errors[path];

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (save.isPending) return;
    if (plan) setReasonOpen(true);
    else save.mutate();
  };

  const serviceNames = [...new Set(draft.scope.map((s) => s.name.trim()).filter(Boolean))];
  const errorList = Object.entries(errors);

  return (
    <form onSubmit={submit} noValidate>
      <Stack maw={1100}>
        <Anchor href={plan ? `/plans/${plan.id}` : '/plans'} onClick={followLink}>
          {plan ? t('plans.backToPlan', { reference: plan.reference }) : t('plans.backToList')}
        </Anchor>
        <Title order={1}>{plan ? t('plans.edit.title', { reference: plan.reference, version: plan.version }) : t('plans.new.title')}</Title>
        <Text>{t(plan ? 'plans.edit.intro' : 'plans.new.intro')}</Text>
        {failure && (
          <Alert color="red" variant="light" role="alert" title={t('plans.save.failed', { detail: problemText(failure.problem) })}>
            {errorList.length > 0 && (
              <List size="sm" spacing={2}>
                {errorList.map(([path, message]) => (
                  <List.Item key={path}>
                    {fieldLabel(path, t)}：{message}
                  </List.Item>
                ))}
              </List>
            )}
            {failure.status === 409 && <Text size="sm">{t('plans.save.conflict')}</Text>}
          </Alert>
        )}

        <Fieldset legend={t('plans.section.general')}>
          <Stack>
            <TextInput label={t('plans.field.title')} required value={draft.title} error={err('title')} onChange={(e) => set('title', e.currentTarget.value)} />
            <Textarea
              label={t('plans.field.summary')}
              autosize
              minRows={2}
              value={draft.summary}
              error={err('summary')}
              onChange={(e) => set('summary', e.currentTarget.value)}
            />
            <NativeSelect
              label={t('plans.field.reviewInterval')}
              description={t('plans.field.reviewInterval.hint')}
              data={REVIEW_INTERVALS.map((v) => ({ value: v, label: t(`plans.review.${v}`) }))}
              value={draft.reviewInterval}
              error={err('reviewInterval')}
              onChange={(e) => set('reviewInterval', e.currentTarget.value)}
            />
          </Stack>
        </Fieldset>

        <Fieldset legend={t('plans.section.scope')}>
          <Stack>
            <Text size="sm">{t('plans.scope.hint')}</Text>
            {err('scope') && (
              <Text c="red.9" size="sm" role="alert">
                {err('scope')}
              </Text>
            )}
            {draft.scope.map((s, i) => (
              <Row
                key={s.key}
                title={t('plans.scope.row', { n: i + 1 })}
                removeLabel={t('plans.scope.remove', { n: i + 1 })}
                onRemove={draft.scope.length > 1 ? () => remove('scope', i) : undefined}
              >
                <SimpleGrid cols={{ base: 1, sm: 2 }}>
                  <TextInput
                    label={t('plans.field.name')}
                    required
                    value={s.name}
                    error={err(`scope[${i}].name`)}
                    onChange={(e) => update('scope', i, { name: e.currentTarget.value })}
                  />
                  <NativeSelect
                    label={t('plans.field.kind')}
                    data={(['service', 'system'] as const).map((k) => ({ value: k, label: t(`plans.kind.${k}`) }))}
                    value={s.kind}
                    error={err(`scope[${i}].kind`)}
                    onChange={(e) => update('scope', i, { kind: e.currentTarget.value as ScopeDraft['kind'] })}
                  />
                  <Textarea
                    label={t('plans.field.description')}
                    autosize
                    minRows={1}
                    value={s.description}
                    error={err(`scope[${i}].description`)}
                    onChange={(e) => update('scope', i, { description: e.currentTarget.value })}
                  />
                  <Checkbox
                    mt={{ sm: 28 }}
                    label={t('plans.field.core')}
                    description={t('plans.field.core.hint')}
                    checked={s.core}
                    onChange={(e) => update('scope', i, { core: e.currentTarget.checked })}
                  />
                </SimpleGrid>
              </Row>
            ))}
            <Group>
              <Button variant="default" leftSection={<IconPlus size={16} aria-hidden />} onClick={() => set('scope', [...draft.scope, blankScope()])}>
                {t('plans.scope.add')}
              </Button>
            </Group>
          </Stack>
        </Fieldset>

        <Fieldset legend={t('plans.section.impactAnalysis')}>
          <Stack>
            <Text size="sm">{t('plans.impact.hint')}</Text>
            {err('impactAnalysis') && (
              <Text c="red.9" size="sm" role="alert">
                {err('impactAnalysis')}
              </Text>
            )}
            {draft.impact.map((r, i) => {
              const f = `impactAnalysis[${i}]`;
              const services = r.service && !serviceNames.includes(r.service) ? [r.service, ...serviceNames] : serviceNames;
              return (
                <Row
                  key={r.key}
                  title={t('plans.impact.row', { n: i + 1 })}
                  removeLabel={t('plans.impact.remove', { n: i + 1 })}
                  onRemove={draft.impact.length > 1 ? () => remove('impact', i) : undefined}
                >
                  <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} data-impact-row={i}>
                    <NativeSelect
                      label={t('plans.field.service')}
                      required
                      data={[{ value: '', label: t('plans.impact.chooseService') }, ...services.map((name) => ({ value: name, label: name }))]}
                      value={r.service}
                      error={err(`${f}.service`)}
                      onChange={(e) => update('impact', i, { service: e.currentTarget.value })}
                    />
                    <NativeSelect
                      label={t('plans.field.hazard')}
                      data={HAZARDS.map((h) => ({ value: h, label: t(`plans.hazard.${h}`) }))}
                      value={r.hazard}
                      error={err(`${f}.hazard`)}
                      onChange={(e) => update('impact', i, { hazard: e.currentTarget.value as Hazard })}
                    />
                    <Textarea
                      label={t('plans.field.impact')}
                      required
                      autosize
                      minRows={1}
                      value={r.impact}
                      error={err(`${f}.impact`)}
                      onChange={(e) => update('impact', i, { impact: e.currentTarget.value })}
                    />
                    <DurationField
                      label={t('plans.field.mtpd')}
                      required
                      value={r.mtpd}
                      error={err(`${f}.mtpd`)}
                      onChange={(v) => update('impact', i, { mtpd: v })}
                    />
                    <DurationField
                      label={t('plans.field.rto')}
                      required
                      value={r.rto}
                      error={err(`${f}.rto`)}
                      onChange={(v) => update('impact', i, { rto: v })}
                    />
                    <DurationField
                      label={t('plans.field.rpo')}
                      required
                      value={r.rpo}
                      error={err(`${f}.rpo`)}
                      onChange={(v) => update('impact', i, { rpo: v })}
                    />
                  </SimpleGrid>
                </Row>
              );
            })}
            <Group>
              <Button
                variant="default"
                leftSection={<IconPlus size={16} aria-hidden />}
                onClick={() => set('impact', [...draft.impact, blankImpact(serviceNames[0] ?? '')])}
              >
                {t('plans.impact.add')}
              </Button>
            </Group>
          </Stack>
        </Fieldset>

        <Fieldset legend={t('plans.section.activationCriteria')}>
          <Stack>
            <Text size="sm">{t('plans.criteria.hint')}</Text>
            {draft.criteria.map((c, i) => (
              <Group key={c.key} align="flex-start" wrap="nowrap">
                <Textarea
                  style={{ flex: 1, minWidth: 0 }}
                  label={t('plans.criteria.row', { n: i + 1 })}
                  required
                  autosize
                  minRows={1}
                  value={c.text}
                  error={err(`activationCriteria[${i}]`)}
                  onChange={(e) => update('criteria', i, { text: e.currentTarget.value })}
                />
                {draft.criteria.length > 1 && (
                  <ActionIcon
                    mt={28}
                    variant="subtle"
                    color="red"
                    size="lg"
                    aria-label={t('plans.criteria.remove', { n: i + 1 })}
                    onClick={() => remove('criteria', i)}
                  >
                    <IconTrash size={18} aria-hidden />
                  </ActionIcon>
                )}
              </Group>
            ))}
            <Group>
              <Button
                variant="default"
                leftSection={<IconPlus size={16} aria-hidden />}
                onClick={() => set('criteria', [...draft.criteria, { key: key(), text: '' }])}
              >
                {t('plans.criteria.add')}
              </Button>
            </Group>
          </Stack>
        </Fieldset>

        <Fieldset legend={t('plans.section.procedures')}>
          <Stack>
            <Text size="sm">{t('plans.procedures.hint')}</Text>
            {draft.procedures.map((p, i) => {
              const f = `procedures[${i}]`;
              return (
                <Row
                  key={p.key}
                  title={t('plans.procedures.row', { n: i + 1 })}
                  removeLabel={t('plans.procedures.remove', { n: i + 1 })}
                  onRemove={draft.procedures.length > 1 ? () => remove('procedures', i) : undefined}
                >
                  <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }}>
                    <NativeSelect
                      label={t('plans.field.phase')}
                      data={PHASES.map((ph) => ({ value: ph, label: t(`plans.phase.${ph}`) }))}
                      value={p.phase}
                      error={err(`${f}.phase`)}
                      onChange={(e) => update('procedures', i, { phase: e.currentTarget.value as Phase })}
                    />
                    <TextInput
                      label={t('plans.field.order')}
                      required
                      inputMode="numeric"
                      value={p.order}
                      error={err(`${f}.order`)}
                      onChange={(e) => update('procedures', i, { order: e.currentTarget.value })}
                    />
                    <NativeSelect
                      label={t('plans.field.responsibleRole')}
                      data={[
                        { value: '', label: t('plans.procedures.noRole') },
                        ...PLAN_ROLES.map((r) => ({ value: r, label: t(`panels.role.${r}` as MessageKey) })),
                      ]}
                      value={p.role}
                      error={err(`${f}.responsibleRole`) ?? err(f)}
                      onChange={(e) => update('procedures', i, { role: e.currentTarget.value as PlanRole | '' })}
                    />
                    <NativeSelect
                      label={t('plans.field.responsibleUnitId')}
                      data={[
                        { value: '', label: t('plans.procedures.noUnit') },
                        ...(p.unit && !unitOptions.some((u) => u.id === p.unit) ? [{ value: p.unit, label: p.unit }] : []),
                        ...unitOptions.map((u) => ({ value: u.id, label: u.name })),
                      ]}
                      value={p.unit}
                      error={err(`${f}.responsibleUnitId`)}
                      onChange={(e) => update('procedures', i, { unit: e.currentTarget.value })}
                    />
                  </SimpleGrid>
                  <Textarea
                    mt="sm"
                    label={t('plans.field.action')}
                    required
                    autosize
                    minRows={2}
                    value={p.action}
                    error={err(`${f}.action`)}
                    onChange={(e) => update('procedures', i, { action: e.currentTarget.value })}
                  />
                </Row>
              );
            })}
            <Group>
              <Button
                variant="default"
                leftSection={<IconPlus size={16} aria-hidden />}
                onClick={() => {
                  const last = draft.procedures.at(-1);
                  const phase = last?.phase ?? 'emergency';
                  const next = Math.max(0, ...draft.procedures.filter((x) => x.phase === phase).map((x) => Number(x.order) || 0)) + 1;
                  set('procedures', [...draft.procedures, blankProcedure(phase, next)]);
                }}
              >
                {t('plans.procedures.add')}
              </Button>
            </Group>
          </Stack>
        </Fieldset>

        <Fieldset legend={t('plans.section.contacts')}>
          <Stack>
            <Text size="sm">{t('plans.contacts.hint')}</Text>
            {draft.contacts.map((c, i) => {
              const f = `contacts[${i}]`;
              return (
                <Row
                  key={c.key}
                  title={t('plans.contacts.row', { n: i + 1 })}
                  removeLabel={t('plans.contacts.remove', { n: i + 1 })}
                  onRemove={draft.contacts.length > 1 ? () => remove('contacts', i) : undefined}
                >
                  <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
                    <TextInput
                      label={t('plans.field.name')}
                      required
                      value={c.name}
                      error={err(`${f}.name`)}
                      onChange={(e) => update('contacts', i, { name: e.currentTarget.value })}
                    />
                    <TextInput
                      label={t('plans.field.function')}
                      required
                      value={c.function}
                      error={err(`${f}.function`)}
                      onChange={(e) => update('contacts', i, { function: e.currentTarget.value })}
                    />
                    <TextInput
                      label={t('plans.field.organisation')}
                      value={c.organisation}
                      error={err(`${f}.organisation`)}
                      onChange={(e) => update('contacts', i, { organisation: e.currentTarget.value })}
                    />
                    <TextInput
                      label={t('plans.field.phone')}
                      type="tel"
                      value={c.phone}
                      error={err(`${f}.phone`) ?? err(f)}
                      onChange={(e) => update('contacts', i, { phone: e.currentTarget.value })}
                    />
                    <TextInput
                      label={t('plans.field.email')}
                      type="email"
                      value={c.email}
                      error={err(`${f}.email`)}
                      onChange={(e) => update('contacts', i, { email: e.currentTarget.value })}
                    />
                  </SimpleGrid>
                </Row>
              );
            })}
            <Group>
              <Button variant="default" leftSection={<IconPlus size={16} aria-hidden />} onClick={() => set('contacts', [...draft.contacts, blankContact()])}>
                {t('plans.contacts.add')}
              </Button>
            </Group>
          </Stack>
        </Fieldset>

        <Fieldset legend={t('plans.section.classification')}>
          <Stack>
            <Radio.Group label={t('plans.field.tlp')} value={draft.tlp} error={err('classification.tlp')} onChange={(v) => set('tlp', v as Tlp)}>
              <Stack gap={6} mt={4}>
                {TLPS.map((v) => (
                  <Radio key={v} value={v} label={t(`tlp.${v}`)} />
                ))}
              </Stack>
            </Radio.Group>
            <Radio.Group
              label={t('plans.field.dataLevel')}
              value={draft.dataLevel}
              error={err('classification.dataLevel')}
              onChange={(v) => set('dataLevel', v as DataLevel)}
            >
              <Stack gap={6} mt={4}>
                {DATA_LEVELS.map((v) => (
                  <Radio key={v} value={v} label={t(`dataLevel.${v}`)} />
                ))}
              </Stack>
            </Radio.Group>
          </Stack>
        </Fieldset>

        <Group>
          <Button type="submit" size="md" loading={save.isPending && !reasonOpen}>
            {t(plan ? 'plans.save.version' : 'plans.save.create')}
          </Button>
          <Anchor href={plan ? `/plans/${plan.id}` : '/plans'} onClick={followLink}>
            {t('plans.cancel')}
          </Anchor>
        </Group>
      </Stack>

      <Modal opened={reasonOpen} onClose={() => setReasonOpen(false)} title={t('plans.reason.title')} closeButtonProps={{ 'aria-label': t('plans.close') }}>
        <Stack>
          <Text size="sm">{t('plans.reason.intro', { version: (plan?.version ?? 0) + 1 })}</Text>
          <Textarea
            label={t('plans.field.changeReason')}
            required
            autosize
            minRows={3}
            data-autofocus
            value={reason}
            error={err('changeReason')}
            onChange={(e) => setReason(e.currentTarget.value)}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setReasonOpen(false)}>
              {t('plans.cancel')}
            </Button>
            <Button loading={save.isPending} onClick={() => save.mutate()}>
              {t('plans.reason.save')}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </form>
  );
}

export default PlanEditorPage;
