import { Alert, Button, Group, NativeSelect, Paper, SimpleGrid, Stack, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { DataTable } from 'mantine-datatable';
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { fetchUnits, UNIT_TYPES, type Unit } from './admin-api.ts';
import { ProblemAlert } from './common.tsx';

/** /admin/units: the agency's units and a new one. */
export function UnitsSection({ agencyId }: { agencyId: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const units = useQuery({ queryKey: ['admin', 'units'], queryFn: fetchUnits });
  const [name, setName] = useState('');
  const [type, setType] = useState<Unit['type']>('it');
  const [email, setEmail] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: async () => {
      const { data, error } = await api.POST('/api/units', { body: { agencyId, name, type, ...(email ? { email } : {}) } });
      if (!data) throw error;
      return data;
    },
    onMutate: () => setErrors({}),
    onSuccess: () => {
      setName('');
      setEmail('');
      void client.invalidateQueries({ queryKey: ['admin', 'units'] });
    },
    onError: (problem) => setErrors(fieldErrors(problem)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!create.isPending) create.mutate();
  };
  const rows = (units.data ?? []).filter((u) => u.agencyId === agencyId);

  return (
    <Stack>
      <Title order={1}>{t('admin.units.title')}</Title>
      {units.isError && <ProblemAlert error={units.error} load />}
      <DataTable<Unit>
        withTableBorder
        striped
        verticalSpacing="sm"
        minHeight={rows.length ? undefined : 120}
        fetching={units.isPending}
        records={rows}
        idAccessor="id"
        noRecordsText={t('admin.units.empty')}
        aria-label={t('admin.units.title')}
        customRowAttributes={(u) => ({ 'data-unit': u.name })}
        columns={[
          { accessor: 'name', title: t('admin.units.column.name') },
          { accessor: 'type', title: t('admin.units.column.type'), render: (u) => t(`admin.units.type.${u.type}`) },
          { accessor: 'email', title: t('admin.units.column.email'), render: (u) => u.email ?? t('admin.none') },
          { accessor: 'memberIds', title: t('admin.units.column.members'), render: (u) => u.memberIds.length },
        ]}
      />
      <Paper withBorder p="md" component="section" aria-labelledby="admin-unit-create">
        <form onSubmit={submit} noValidate>
          <Stack>
            <Title order={2} size="h3" id="admin-unit-create">
              {t('admin.units.create')}
            </Title>
            {create.isError && <ProblemAlert error={create.error} />}
            {create.isSuccess && <Alert color="green" variant="light" role="status" title={t('admin.units.created', { name: create.data.name })} />}
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <TextInput label={t('admin.units.field.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} />
              <NativeSelect
                label={t('admin.units.field.type')}
                value={type}
                data={UNIT_TYPES.map((v) => ({ value: v, label: t(`admin.units.type.${v}`) }))}
                onChange={(e) => setType(e.currentTarget.value as Unit['type'])}
                error={errors.type}
              />
              <TextInput
                label={t('admin.units.field.email')}
                type="email"
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                error={errors.email}
              />
            </SimpleGrid>
            <Group>
              <Button type="submit" loading={create.isPending}>
                {t('admin.units.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}
