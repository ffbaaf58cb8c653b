import { Alert, Button, Group, Modal, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { DataTable } from 'mantine-datatable';
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatInstant } from '../time/format.ts';
import { fetchWebhooks, type Webhook } from './admin-api.ts';
import { ProblemAlert, ShownOnce, Tag } from './common.tsx';

function DeleteModal({ webhook, onClose, onDeleted }: { webhook: Webhook; onClose: () => void; onDeleted: (w: Webhook) => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: async () => {
      const { error, response } = await api.DELETE('/api/webhooks/{id}', { params: { path: { id: webhook.id } } });
      if (!response.ok) throw error ?? new Error(String(response.status));
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['admin', 'webhooks'] });
      onDeleted(webhook);
    },
  });
  return (
    <Modal opened onClose={onClose} title={t('admin.webhooks.delete.title')} closeButtonProps={{ 'aria-label': t('admin.cancel') }}>
      <Stack>
        <Text style={{ overflowWrap: 'anywhere' }}>{t('admin.webhooks.delete.body', { description: webhook.description, url: webhook.url })}</Text>
        {remove.isError && <ProblemAlert error={remove.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('admin.cancel')}
          </Button>
          <Button color="red.9" loading={remove.isPending} onClick={() => remove.mutate()}>
            {t('admin.webhooks.delete.confirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** /admin/webhooks: the agency's webhooks, a new one (its secret shown once), disabling, enabling and deleting. */
export function WebhooksSection({ agencyId, timeZone }: { agencyId: string; timeZone: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const webhooks = useQuery({ queryKey: ['admin', 'webhooks'], queryFn: fetchWebhooks });
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [deleted, setDeleted] = useState<Webhook | null>(null);
  const create = useMutation({
    mutationFn: async () => {
      const { data, error } = await api.POST('/api/webhooks', { body: { agencyId, url, description } });
      if (!data) throw error;
      return data;
    },
    onMutate: () => {
      setErrors({});
      setDeleted(null);
    },
    onSuccess: () => {
      setUrl('');
      setDescription('');
      void client.invalidateQueries({ queryKey: ['admin', 'webhooks'] });
    },
    onError: (problem) => setErrors(fieldErrors(problem)),
  });
  const toggle = useMutation({
    mutationFn: async (w: Webhook) => {
      const { data, error } = await api.PATCH('/api/webhooks/{id}', { params: { path: { id: w.id } }, body: { enabled: !w.enabled } });
      if (!data) throw error;
      return data;
    },
    onSuccess: () => void client.invalidateQueries({ queryKey: ['admin', 'webhooks'] }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!create.isPending) create.mutate();
  };
  const rows = webhooks.data ?? [];

  return (
    <Stack>
      <Title order={1}>{t('admin.webhooks.title')}</Title>
      <Text>{t('admin.webhooks.intro')}</Text>
      {webhooks.isError && <ProblemAlert error={webhooks.error} load />}
      {toggle.isError && <ProblemAlert error={toggle.error} />}
      {deleted && <Alert color="green" variant="light" role="status" title={t('admin.webhooks.deleted', { description: deleted.description })} />}
      <DataTable<Webhook>
        withTableBorder
        striped
        verticalSpacing="sm"
        minHeight={rows.length ? undefined : 120}
        fetching={webhooks.isPending}
        records={rows}
        idAccessor="id"
        noRecordsText={t('admin.webhooks.empty')}
        aria-label={t('admin.webhooks.title')}
        customRowAttributes={(w) => ({ 'data-webhook': w.description })}
        columns={[
          {
            accessor: 'description',
            title: t('admin.webhooks.column.description'),
            render: (w) => (
              <Stack gap={2}>
                <Text fw={600} size="sm">
                  {w.description}
                </Text>
                <Text size="xs" style={{ overflowWrap: 'anywhere' }}>
                  {w.url}
                </Text>
                <Text size="xs">{formatInstant(w.createdAt, timeZone)}</Text>
              </Stack>
            ),
          },
          {
            accessor: 'enabled',
            title: t('admin.webhooks.column.status'),
            render: (w) => <Tag color={w.enabled ? 'green' : 'red'}>{t(w.enabled ? 'admin.webhooks.status.enabled' : 'admin.webhooks.status.disabled')}</Tag>,
          },
          {
            accessor: 'actions',
            title: t('admin.actions'),
            render: (w) => (
              <Group gap={4} wrap="wrap">
                <Button
                  size="compact-sm"
                  variant="light"
                  loading={toggle.isPending && toggle.variables?.id === w.id}
                  onClick={() => toggle.mutate(w)}
                  aria-label={t(w.enabled ? 'admin.webhooks.disableOf' : 'admin.webhooks.enableOf', { description: w.description })}
                >
                  {t(w.enabled ? 'admin.webhooks.disable' : 'admin.webhooks.enable')}
                </Button>
                <Button
                  size="compact-sm"
                  variant="light"
                  color="red"
                  onClick={() => setDeleting(w)}
                  aria-label={t('admin.webhooks.deleteOf', { description: w.description })}
                >
                  {t('admin.webhooks.delete')}
                </Button>
              </Group>
            ),
          },
        ]}
      />
      <Paper withBorder p="md" component="section" aria-labelledby="admin-webhook-create">
        <form onSubmit={submit} noValidate>
          <Stack>
            <Title order={2} size="h3" id="admin-webhook-create">
              {t('admin.webhooks.create')}
            </Title>
            {create.isError && <ProblemAlert error={create.error} />}
            {create.data && (
              <Stack gap="xs">
                <Alert color="green" variant="light" role="status" title={t('admin.webhooks.created', { description: create.data.description })} />
                <ShownOnce id="admin-webhook-secret" title={t('admin.webhooks.secret')} label={t('admin.webhooks.secret.label')} value={create.data.secret} />
              </Stack>
            )}
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput
                label={t('admin.webhooks.field.url')}
                type="url"
                required
                value={url}
                onChange={(e) => setUrl(e.currentTarget.value)}
                error={errors.url}
              />
              <TextInput
                label={t('admin.webhooks.field.description')}
                required
                value={description}
                onChange={(e) => setDescription(e.currentTarget.value)}
                error={errors.description}
              />
            </SimpleGrid>
            <Group>
              <Button type="submit" loading={create.isPending}>
                {t('admin.webhooks.submit')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
      {deleting && (
        <DeleteModal
          webhook={deleting}
          onClose={() => setDeleting(null)}
          onDeleted={(w) => {
            setDeleting(null);
            setDeleted(w);
          }}
        />
      )}
    </Stack>
  );
}
