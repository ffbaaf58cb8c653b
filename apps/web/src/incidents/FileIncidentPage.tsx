import { Alert, Button, Checkbox, Fieldset, Group, NativeSelect, Radio, Stack, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { CATEGORIES, isMajor, levelOf, type Category, type Impact } from '../../../../libs/workflows/src/incident/levels.ts';
import { api, fieldErrors, problemText, type CreateIncident } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { navigate } from '../router.tsx';
import { fromLocalInput, toLocalInput, zoneLabel } from '../time/format.ts';
import { DATA_LEVELS as CLASSIFICATION_DATA_LEVELS, TLP_LABELS } from '../../../../libs/workflows/src/incident/classification.ts';

const TLPS: ReadonlyArray<CreateIncident['classification']['tlp']> = TLP_LABELS;
const DATA_LEVELS: ReadonlyArray<CreateIncident['classification']['dataLevel']> = CLASSIFICATION_DATA_LEVELS;
const RATINGS = ['1', '2', '3', '4'] as const;
type Rating = Impact['confidentiality'];

export function FileIncidentPage({ timeZone }: { timeZone: string }) {
  const { t } = useI18n();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [category, setCategory] = useState<Category>('web_attack');
  const [subcategory, setSubcategory] = useState<string>(CATEGORIES.web_attack[0]);
  const [impact, setImpact] = useState<Impact>({ confidentiality: 1, integrity: 1, availability: 1 });
  const [awareAt, setAwareAt] = useState(() => toLocalInput(new Date(), timeZone));
  const [occurredAt, setOccurredAt] = useState('');
  const [tlp, setTlp] = useState<CreateIncident['classification']['tlp']>('AMBER');
  const [dataLevel, setDataLevel] = useState<CreateIncident['classification']['dataLevel']>('general');
  const [systems, setSystems] = useState('');
  const [isDrill, setIsDrill] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  // One key per filing: a double click or a retry files the same incident once.
  const idempotencyKey = useRef(crypto.randomUUID());

  const level = levelOf(impact);
  const file = useMutation({
    mutationFn: async () => {
      const body: CreateIncident = {
        title,
        description,
        category,
        subcategory,
        awareAt: fromLocalInput(awareAt, timeZone) ?? awareAt,
        ...(occurredAt ? { occurredAt: fromLocalInput(occurredAt, timeZone) ?? occurredAt } : {}),
        impact,
        classification: { tlp, dataLevel },
        affectedSystems: systems
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean),
        isDrill,
      };
      const { data, error } = await api.POST('/api/incidents', { body, params: { header: { 'Idempotency-Key': idempotencyKey.current } } });
      if (!data) throw error;
      return data;
    },
    onSuccess: (incident) => navigate(`/incidents/${incident.id}?filed=1`),
    onError: (problem) => setErrors(fieldErrors(problem)),
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!file.isPending) file.mutate();
  };
  const rating = (key: keyof Impact) => (
    <NativeSelect
      label={t(`file.impact.${key}`)}
      data={RATINGS.map((n) => ({ value: n, label: t('file.impact.value', { n }) }))}
      value={String(impact[key])}
      error={errors[`impact.${key}`]}
      onChange={(e) => setImpact({ ...impact, [key]: Number(e.currentTarget.value) as Rating })}
    />
  );

  return (
    <form onSubmit={submit} noValidate>
      <Stack maw={760}>
        <Title order={1}>{t('file.title')}</Title>
        <Text>{t('file.intro')}</Text>
        {file.isError && <Alert color="red" variant="light" role="alert" title={t('file.failed', { detail: problemText(file.error) })} />}
        <Fieldset legend={t('file.section.what')}>
          <Stack>
            <TextInput
              label={t('file.eventTitle')}
              required
              maxLength={300}
              value={title}
              error={errors.title}
              onChange={(e) => setTitle(e.currentTarget.value)}
            />
            <Textarea
              label={t('file.description')}
              required
              autosize
              minRows={3}
              value={description}
              error={errors.description}
              onChange={(e) => setDescription(e.currentTarget.value)}
            />
            <Group grow wrap="wrap" align="flex-start">
              <NativeSelect
                label={t('file.category')}
                data={Object.keys(CATEGORIES).map((c) => ({ value: c, label: t(`category.${c}` as MessageKey) }))}
                value={category}
                error={errors.category}
                onChange={(e) => {
                  const next = e.currentTarget.value as Category;
                  setCategory(next);
                  setSubcategory(CATEGORIES[next][0]);
                }}
              />
              <NativeSelect
                label={t('file.subcategory')}
                data={CATEGORIES[category].map((s) => ({ value: s, label: t(`subcategory.${s}` as MessageKey) }))}
                value={subcategory}
                error={errors.subcategory}
                onChange={(e) => setSubcategory(e.currentTarget.value)}
              />
            </Group>
            <Textarea
              label={t('file.affectedSystems')}
              description={t('file.affectedSystems.hint')}
              autosize
              minRows={2}
              value={systems}
              error={errors.affectedSystems}
              onChange={(e) => setSystems(e.currentTarget.value)}
            />
          </Stack>
        </Fieldset>
        <Fieldset legend={t('file.section.impact')}>
          <Stack>
            <Group grow wrap="wrap" align="flex-start">
              {rating('confidentiality')}
              {rating('integrity')}
              {rating('availability')}
            </Group>
            <Alert color={isMajor(level) ? 'red' : 'blue'} variant="light" aria-live="polite" title={t('file.level', { level })} data-level={level}>
              {t(isMajor(level) ? 'file.level.major' : 'file.level.minor')}
            </Alert>
          </Stack>
        </Fieldset>
        <Fieldset legend={t('file.section.when')}>
          <Group grow wrap="wrap" align="flex-start">
            <TextInput
              type="datetime-local"
              label={t('file.awareAt')}
              description={t('file.awareAt.hint', { zone: `${timeZone} ${zoneLabel(new Date(), timeZone)}` })}
              required
              value={awareAt}
              error={errors.awareAt}
              onChange={(e) => setAwareAt(e.currentTarget.value)}
            />
            <TextInput
              type="datetime-local"
              label={t('file.occurredAt')}
              value={occurredAt}
              error={errors.occurredAt}
              onChange={(e) => setOccurredAt(e.currentTarget.value)}
            />
          </Group>
        </Fieldset>
        <Fieldset legend={t('file.section.classification')}>
          <Stack>
            <Radio.Group label={t('file.tlp')} value={tlp} error={errors['classification.tlp']} onChange={(v) => setTlp(v as typeof tlp)}>
              <Stack gap={6} mt={4}>
                {TLPS.map((v) => (
                  <Radio key={v} value={v} label={t(`tlp.${v}`)} />
                ))}
              </Stack>
            </Radio.Group>
            <Radio.Group
              label={t('file.dataLevel')}
              value={dataLevel}
              error={errors['classification.dataLevel']}
              onChange={(v) => setDataLevel(v as typeof dataLevel)}
            >
              <Stack gap={6} mt={4}>
                {DATA_LEVELS.map((v) => (
                  <Radio key={v} value={v} label={t(`dataLevel.${v}`)} />
                ))}
              </Stack>
            </Radio.Group>
          </Stack>
        </Fieldset>
        <Checkbox label={t('file.isDrill')} checked={isDrill} onChange={(e) => setIsDrill(e.currentTarget.checked)} />
        <Group>
          <Button type="submit" size="md" loading={file.isPending}>
            {t('file.submit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
