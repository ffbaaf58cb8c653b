import { Alert, Button, Group, NativeSelect, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { fetchAgencies, LEVELS, type Agency } from './admin-api.ts';
import { ProblemAlert, Tag } from './common.tsx';

/** The agencies as a tree: those whose superior the caller does not see are roots. */
function Tree({ agencies, parentId, depth }: { agencies: Agency[]; parentId: string | null; depth: number }) {
  const { t } = useI18n();
  const known = new Set(agencies.map((a) => a.id));
  const children = agencies.filter((a) => (parentId === null ? !a.parentId || !known.has(a.parentId) : a.parentId === parentId));
  if (!children.length) return null;
  return (
    <ul className="admin-tree" style={{ margin: 0, paddingInlineStart: depth ? 20 : 0, listStyle: depth ? 'disc' : 'none' }}>
      {children.map((a) => (
        <li key={a.id} data-agency={a.code} style={{ marginBlock: 6 }}>
          <Group gap="xs" wrap="wrap">
            <Text fw={600} span>
              {a.name}
            </Text>
            <Tag color="gray">{a.code}</Tag>
            <Text size="sm" span>
              {t('admin.agencies.level', { level: a.responsibilityLevel })}
            </Text>
          </Group>
          <Tree agencies={agencies} parentId={a.id} depth={depth + 1} />
        </li>
      ))}
    </ul>
  );
}

/** /admin/agencies: the agencies the admin sees, as a tree, and a new subordinate agency. */
export function AgenciesSection({ agencyId }: { agencyId: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const agencies = useQuery({ queryKey: ['admin', 'agencies'], queryFn: fetchAgencies });
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [parentId, setParentId] = useState(agencyId);
  const [level, setLevel] = useState<Agency['responsibilityLevel']>('C');
  const [timezone, setTimezone] = useState('Asia/Taipei');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: async () => {
      const { data, error } = await api.POST('/api/agencies', { body: { name, code, parentId, responsibilityLevel: level, timezone } });
      if (!data) throw error;
      return data;
    },
    onMutate: () => setErrors({}),
    onSuccess: () => {
      setName('');
      setCode('');
      void client.invalidateQueries({ queryKey: ['admin', 'agencies'] });
    },
    onError: (problem) => setErrors(fieldErrors(problem)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!create.isPending) create.mutate();
  };
  const list = agencies.data ?? [];

  return (
    <Stack>
      <Title order={1}>{t('admin.agencies.title')}</Title>
      <Text>{t('admin.agencies.intro')}</Text>
      {agencies.isError && <ProblemAlert error={agencies.error} load />}
      <Paper withBorder p="md">
        {agencies.isPending ? <Text>{t('app.loading')}</Text> : <Tree agencies={list} parentId={null} depth={0} />}
      </Paper>
      <Paper withBorder p="md" component="section" aria-labelledby="admin-agency-create">
        <form onSubmit={submit} noValidate>
          <Stack>
            <Title order={2} size="h3" id="admin-agency-create">
              {t('admin.agencies.create')}
            </Title>
            {create.isError && <ProblemAlert error={create.error} />}
            {create.isSuccess && <Alert color="green" variant="light" role="status" title={t('admin.agencies.created', { name: create.data.name })} />}
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput label={t('admin.agencies.field.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} />
              <TextInput
                label={t('admin.agencies.field.code')}
                description={t('admin.agencies.field.code.hint')}
                required
                value={code}
                onChange={(e) => setCode(e.currentTarget.value.toUpperCase())}
                error={errors.code}
              />
              <NativeSelect
                label={t('admin.agencies.field.parent')}
                value={parentId}
                data={list.map((a) => ({ value: a.id, label: `${a.name} (${a.code})` }))}
                onChange={(e) => setParentId(e.currentTarget.value)}
                error={errors.parentId}
              />
              <NativeSelect
                label={t('admin.agencies.field.level')}
                value={level}
                data={LEVELS.map((l) => ({ value: l, label: l }))}
                onChange={(e) => setLevel(e.currentTarget.value as Agency['responsibilityLevel'])}
                error={errors.responsibilityLevel}
              />
              <TextInput
                label={t('admin.agencies.field.timezone')}
                value={timezone}
                onChange={(e) => setTimezone(e.currentTarget.value)}
                error={errors.timezone}
              />
            </SimpleGrid>
            <Group>
              <Button type="submit" loading={create.isPending}>
                {t('admin.agencies.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
