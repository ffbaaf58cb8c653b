import { Alert, Button, Fieldset, Group, NativeSelect, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { fetchAgencies, fetchPolicy, TARGETS, type AgencyPolicy, type AgencyPolicyView } from './admin-api.ts';
import { ProblemAlert } from './common.tsx';
import { durationsInWords, formatDuration, parseDuration } from './duration.ts';

const CLOCKS = ['report', 'superiorReview', 'recovery', 'improvementReport'] as const;
const LEVELS = ['minor', 'major'] as const;
type Target = AgencyPolicy['escalation']['steps'][number]['target'];

/** The policy as the form holds it: every duration in words, every number as typed; keyed by the API's field pointers. */
interface PolicyForm {
  durations: Record<string, string>;
  numbers: Record<string, string>;
  steps: Array<{ target: Target; timeout: string }>;
}

const NUMBER_FIELDS = ['escalation.repeat', 'passwords.maxAgeDays', 'passwords.privilegedMaxAgeDays', 'lockout.threshold', 'vendorAccountMaxDays'] as const;

function toForm(policy: AgencyPolicy, language: 'zh-TW' | 'en'): PolicyForm {
  const words = (iso: string) => formatDuration(iso, language);
  const durations: Record<string, string> = {
    acknowledgementTimeout: words(policy.acknowledgementTimeout),
    reportReminderLead: words(policy.reportReminderLead),
    'lockout.duration': words(policy.lockout.duration),
  };
  for (const clock of CLOCKS) for (const level of LEVELS) durations[`clocks.${clock}.${level}`] = words(policy.clocks[clock][level]);
  return {
    durations,
    numbers: {
      'escalation.repeat': String(policy.escalation.repeat),
      'passwords.maxAgeDays': String(policy.passwords.maxAgeDays),
      'passwords.privilegedMaxAgeDays': String(policy.passwords.privilegedMaxAgeDays),
      'lockout.threshold': String(policy.lockout.threshold),
      vendorAccountMaxDays: String(policy.vendorAccountMaxDays),
    },
    steps: policy.escalation.steps.map((s) => ({ target: s.target, timeout: words(s.timeout) })),
  };
}

/** The body PUT takes, or the fields written wrongly (checked here before anything is sent). */
function toPolicy(form: PolicyForm, t: (key: MessageKey) => string): { policy?: AgencyPolicy; errors: Record<string, string> } {
  const errors: Record<string, string> = {};
  const duration = (field: string, text: string) => {
    const iso = parseDuration(text);
    if (!iso) errors[field] = t('admin.policy.duration.invalid');
    return iso ?? '';
  };
  const number = (field: string) => {
    const text = (form.numbers[field] ?? '').trim();
    if (!/^\d{1,6}$/.test(text)) errors[field] = t('admin.policy.number.invalid');
    return Number(text);
  };
  const d = (field: string) => duration(field, form.durations[field] ?? '');
  const clock = (name: (typeof CLOCKS)[number]) => ({ minor: d(`clocks.${name}.minor`), major: d(`clocks.${name}.major`) });
  const policy: AgencyPolicy = {
    clocks: { report: clock('report'), superiorReview: clock('superiorReview'), recovery: clock('recovery'), improvementReport: clock('improvementReport') },
    acknowledgementTimeout: d('acknowledgementTimeout'),
    reportReminderLead: d('reportReminderLead'),
    escalation: {
      steps: form.steps.map((s, i) => ({ target: s.target, timeout: duration(`escalation.steps.${i}.timeout`, s.timeout) })),
      repeat: number('escalation.repeat'),
    },
    passwords: { maxAgeDays: number('passwords.maxAgeDays'), privilegedMaxAgeDays: number('passwords.privilegedMaxAgeDays') },
    lockout: { threshold: number('lockout.threshold'), duration: d('lockout.duration') },
    vendorAccountMaxDays: number('vendorAccountMaxDays'),
  };
  return Object.keys(errors).length ? { errors } : { policy, errors };
}

const NUMBER_LABELS: Record<(typeof NUMBER_FIELDS)[number], MessageKey> = {
  'escalation.repeat': 'admin.policy.repeat',
  'passwords.maxAgeDays': 'admin.policy.maxAgeDays',
  'passwords.privilegedMaxAgeDays': 'admin.policy.privilegedMaxAgeDays',
  'lockout.threshold': 'admin.policy.lockoutThreshold',
  vendorAccountMaxDays: 'admin.policy.vendorAccountMaxDays',
};

function PolicyEditor({ view, onSaved, onReload }: { view: AgencyPolicyView; onSaved: (view: AgencyPolicyView) => void; onReload: () => void }) {
  const { t, language } = useI18n();
  const [form, setForm] = useState(() => toForm(view.policy, language));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [stale, setStale] = useState<number | null>(null);
  const save = useMutation({
    mutationFn: async (policy: AgencyPolicy) => {
      const { data, error, response } = await api.PUT('/api/agencies/{id}/policy', {
        params: { path: { id: view.agencyId }, header: { 'If-Match': `"${view.version}"` } },
        body: policy,
      });
      if (response.status === 409) {
        const current = (error as { currentVersion?: number } | undefined)?.currentVersion;
        setStale(typeof current === 'number' ? current : view.version + 1);
      }
      if (!data) throw error;
      return data;
    },
    onSuccess: onSaved,
    // At its field, a message says what is wrong without the field's path, its durations in words.
    onError: (problem) =>
      setErrors(
        Object.fromEntries(
          Object.entries(fieldErrors(problem)).map(([field, message]) => [
            field,
            durationsInWords(message.startsWith(field) ? message.slice(field.length).replace(/^:?\s*/, '') : message, language),
          ]),
        ),
      ),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (save.isPending) return;
    const checked = toPolicy(form, t);
    setErrors(checked.errors);
    save.reset();
    if (checked.policy) save.mutate(checked.policy);
  };
  const setDuration = (field: string, value: string) => setForm((f) => ({ ...f, durations: { ...f.durations, [field]: value } }));
  const durationInput = (field: string, label: string) => (
    <TextInput
      key={field}
      label={label}
      value={form.durations[field] ?? ''}
      onChange={(e) => setDuration(field, e.currentTarget.value)}
      error={errors[field]}
      data-field={field}
    />
  );
  const hasFieldErrors = Object.keys(errors).length > 0;

  return (
    <form onSubmit={submit} noValidate>
      <Stack>
        {stale !== null ? (
          <Alert color="orange" variant="light" role="alert" title={t('admin.policy.stale', { version: stale })}>
            <Button mt="xs" variant="light" color="orange" onClick={onReload}>
              {t('admin.policy.reload')}
            </Button>
          </Alert>
        ) : hasFieldErrors ? (
          <Alert color="red" variant="light" role="alert" title={t('admin.policy.fixFields')} />
        ) : (
          save.isError && <ProblemAlert error={save.error} />
        )}
        <Fieldset legend={t('admin.policy.section.clocks')}>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {CLOCKS.flatMap((clock) =>
              LEVELS.map((level) => durationInput(`clocks.${clock}.${level}`, t(`admin.policy.clock.${level}`, { clock: t(`admin.policy.clock.${clock}`) }))),
            )}
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend={t('admin.policy.section.paging')}>
          <Stack>
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              {durationInput('acknowledgementTimeout', t('admin.policy.acknowledgementTimeout'))}
              {durationInput('reportReminderLead', t('admin.policy.reportReminderLead'))}
            </SimpleGrid>
            {errors['escalation.steps'] && (
              <Text c="red.8" size="sm" role="alert">
                {errors['escalation.steps']}
              </Text>
            )}
            {form.steps.map((step, i) => {
              const n = i + 1;
              return (
                <Group key={i} align="flex-end" wrap="wrap" gap="sm" data-step={n}>
                  <NativeSelect
                    label={t('admin.policy.step.target', { n })}
                    value={step.target}
                    data={TARGETS.map((v) => ({ value: v, label: t(`admin.policy.target.${v}`) }))}
                    onChange={(e) => {
                      const target = e.currentTarget.value as Target;
                      setForm((f) => ({ ...f, steps: f.steps.map((s, j) => (j === i ? { ...s, target } : s)) }));
                    }}
                    error={errors[`escalation.steps.${i}.target`]}
                    style={{ flex: '1 1 200px' }}
                  />
                  <TextInput
                    label={t('admin.policy.step.timeout', { n })}
                    value={step.timeout}
                    onChange={(e) => {
                      const timeout = e.currentTarget.value;
                      setForm((f) => ({ ...f, steps: f.steps.map((s, j) => (j === i ? { ...s, timeout } : s)) }));
                    }}
                    error={errors[`escalation.steps.${i}.timeout`]}
                    style={{ flex: '1 1 200px' }}
                  />
                  <Button
                    variant="subtle"
                    color="red"
                    disabled={form.steps.length <= 1}
                    onClick={() => setForm((f) => ({ ...f, steps: f.steps.filter((_, j) => j !== i) }))}
                  >
                    {t('admin.policy.step.remove', { n })}
                  </Button>
                </Group>
              );
            })}
            <Group>
              <Button
                variant="light"
                disabled={form.steps.length >= 6}
                onClick={() => setForm((f) => ({ ...f, steps: [...f.steps, { target: 'ciso', timeout: formatDuration('PT15M', language) }] }))}
              >
                {t('admin.policy.step.add')}
              </Button>
            </Group>
            <TextInput
              label={t('admin.policy.repeat')}
              inputMode="numeric"
              value={form.numbers['escalation.repeat'] ?? ''}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setForm((f) => ({ ...f, numbers: { ...f.numbers, 'escalation.repeat': value } }));
              }}
              error={errors['escalation.repeat']}
              maw={240}
            />
          </Stack>
        </Fieldset>
        <Fieldset legend={t('admin.policy.section.accounts')}>
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {NUMBER_FIELDS.filter((f) => f !== 'escalation.repeat').map((field) => (
              <TextInput
                key={field}
                label={t(NUMBER_LABELS[field])}
                inputMode="numeric"
                value={form.numbers[field] ?? ''}
                onChange={(e) => {
                  const value = e.currentTarget.value;
                  setForm((f) => ({ ...f, numbers: { ...f.numbers, [field]: value } }));
                }}
                error={errors[field]}
              />
            ))}
            {durationInput('lockout.duration', t('admin.policy.lockoutDuration'))}
          </SimpleGrid>
        </Fieldset>
        <Group>
          <Button type="submit" loading={save.isPending}>
            {t('admin.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** /admin/policy: an agency's clocks, escalation and account rules, durations in words, saved on the version read (If-Match). */
export function PolicySection({ agencyId: ownAgency }: { agencyId: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [agencyId, setAgencyId] = useState(ownAgency);
  const [saved, setSaved] = useState<number | null>(null);
  const agencies = useQuery({ queryKey: ['admin', 'agencies'], queryFn: fetchAgencies });
  const policy = useQuery({ queryKey: ['admin', 'policy', agencyId], queryFn: () => fetchPolicy(agencyId), refetchOnWindowFocus: false });

  return (
    <Stack>
      <Title order={1}>{t('admin.policy.title')}</Title>
      <Text>{t('admin.policy.intro')}</Text>
      {agencies.isError && <ProblemAlert error={agencies.error} load />}
      <Group align="flex-end" wrap="wrap">
        <NativeSelect
          label={t('admin.policy.agency')}
          value={agencyId}
          data={(agencies.data ?? []).map((a) => ({ value: a.id, label: `${a.name} (${a.code})` }))}
          onChange={(e) => {
            setSaved(null);
            setAgencyId(e.currentTarget.value);
          }}
          style={{ flex: '1 1 260px', maxWidth: 420 }}
        />
        {policy.data && <Text size="sm">{t('admin.policy.version', { version: policy.data.version })}</Text>}
      </Group>
      {saved !== null && <Alert color="green" variant="light" role="status" title={t('admin.policy.saved', { version: saved })} />}
      {policy.isError && <ProblemAlert error={policy.error} load />}
      {policy.isPending ? (
        <Text>{t('app.loading')}</Text>
      ) : (
        policy.data && (
          <Paper withBorder p="md">
            <PolicyEditor
              key={`${policy.data.agencyId}-${policy.data.version}`}
              view={policy.data}
              onSaved={(view) => {
                setSaved(view.version);
                client.setQueryData(['admin', 'policy', agencyId], view);
              }}
              onReload={() => {
                setSaved(null);
                void policy.refetch();
              }}
            />
          </Paper>
        )
      )}
    </Stack>
  );
}
