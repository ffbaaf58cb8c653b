import { Alert, Box, Button, Checkbox, Group, Modal, NativeSelect, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { DataTable } from 'mantine-datatable';
import { useState, type FormEvent } from 'react';
import { api, fieldErrors } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatInstant, fromLocalInput, toLocalInput, zoneLabel } from '../time/format.ts';
import { fetchUnits, fetchUsers, ROLES, type CreateUser, type Role, type Unit, type UpdateUser, type User } from './admin-api.ts';
import { ProblemAlert, ShownOnce, Tag, usePaginationProps } from './common.tsx';

const PAGE_SIZE = 20;
type Locale = User['locale'];

/** The account fields a form edits, as typed (the expiry as the local date-time input shows it). */
interface AccountFields {
  roles: Role[];
  unitIds: string[];
  expiresAt: string;
  locale: Locale;
}

function AccountFieldset({
  value,
  onChange,
  units,
  errors,
  timeZone,
  idPrefix,
}: {
  value: AccountFields;
  onChange: (next: AccountFields) => void;
  units: Unit[];
  errors: Record<string, string>;
  timeZone: string;
  idPrefix: string;
}) {
  const { t } = useI18n();
  return (
    <>
      <Checkbox.Group
        label={t('admin.users.field.roles')}
        description={t('admin.users.field.roles.hint')}
        value={value.roles}
        onChange={(roles) => onChange({ ...value, roles: roles as Role[] })}
        error={errors.roles}
      >
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing={6} mt={6}>
          {ROLES.map((role) => (
            <Checkbox key={role} value={role} label={t(`admin.role.${role}`)} />
          ))}
        </SimpleGrid>
      </Checkbox.Group>
      <Checkbox.Group label={t('admin.users.field.units')} value={value.unitIds} onChange={(unitIds) => onChange({ ...value, unitIds })} error={errors.unitIds}>
        {units.length === 0 ? (
          <Text size="sm">{t('admin.users.field.noUnits')}</Text>
        ) : (
          <SimpleGrid cols={{ base: 1, sm: 3 }} spacing={6} mt={6}>
            {units.map((unit) => (
              <Checkbox key={unit.id} value={unit.id} label={unit.name} />
            ))}
          </SimpleGrid>
        )}
      </Checkbox.Group>
      <TextInput
        id={`${idPrefix}-expires`}
        type="datetime-local"
        label={t('admin.users.field.expiresAt', { zone: zoneLabel(new Date(), timeZone) })}
        description={t('admin.users.field.expiresAt.hint')}
        value={value.expiresAt}
        onChange={(e) => onChange({ ...value, expiresAt: e.currentTarget.value })}
        error={errors.expiresAt}
      />
      <NativeSelect
        label={t('admin.users.field.locale')}
        value={value.locale}
        data={(['zh-TW', 'en'] as const).map((l) => ({ value: l, label: t(`admin.locale.${l}`) }))}
        onChange={(e) => onChange({ ...value, locale: e.currentTarget.value as Locale })}
        error={errors.locale}
      />
    </>
  );
}

/** The expiry as the API takes it: undefined when left empty, an ISO instant, or the error at the field. */
function expiryOf(local: string, timeZone: string): { value?: string; invalid?: boolean } {
  if (!local) return {};
  const value = fromLocalInput(local, timeZone);
  return value ? { value } : { invalid: true };
}

function RoleTags({ roles }: { roles: Role[] }) {
  const { t } = useI18n();
  return (
    <Group gap={4}>
      {roles.map((r) => (
        <Tag key={r} color={r === 'vendor' ? 'orange' : 'gray'} size="sm">
          {t(`admin.role.${r}`)}
        </Tag>
      ))}
    </Group>
  );
}

function StatusBadge({ user, timeZone }: { user: User; timeZone: string }) {
  const { t } = useI18n();
  if (user.disabled) return <Tag color="red">{t('admin.users.status.disabled')}</Tag>;
  return (
    <Stack gap={2}>
      <Tag color="green">{t('admin.users.status.active')}</Tag>
      {user.expiresAt && <Text size="xs">{t('admin.users.status.expires', { at: formatInstant(user.expiresAt, timeZone) })}</Text>}
    </Stack>
  );
}

function CreateUserForm({ agencyId, units, timeZone }: { agencyId: string; units: Unit[]; timeZone: string }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [fields, setFields] = useState<AccountFields>({ roles: [], unitIds: [], expiresAt: '', locale: 'zh-TW' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: async () => {
      const expiry = expiryOf(fields.expiresAt, timeZone);
      if (expiry.invalid)
        throw { detail: t('admin.users.expiresAt.invalid'), errors: [{ field: 'expiresAt', rule: 'isDate', message: t('admin.users.expiresAt.invalid') }] };
      const body: CreateUser = {
        agencyId,
        name,
        email,
        roles: fields.roles,
        locale: fields.locale,
        ...(fields.unitIds.length ? { unitIds: fields.unitIds } : {}),
        ...(expiry.value ? { expiresAt: expiry.value } : {}),
      };
      const { data, error } = await api.POST('/api/users', { body });
      if (!data) throw error;
      return data;
    },
    onMutate: () => setErrors({}),
    onSuccess: () => {
      setName('');
      setEmail('');
      setFields({ roles: [], unitIds: [], expiresAt: '', locale: 'zh-TW' });
      void client.invalidateQueries({ queryKey: ['admin', 'users'] });
    },
    onError: (problem) => setErrors(fieldErrors(problem)),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!create.isPending) create.mutate();
  };
  return (
    <Paper withBorder p="md" component="section" aria-labelledby="admin-user-create">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Title order={2} size="h3" id="admin-user-create">
            {t('admin.users.create')}
          </Title>
          {create.isError && <ProblemAlert error={create.error} />}
          {create.data && (
            <Stack gap="xs" data-created-user={create.data.email}>
              <Alert color="green" variant="light" role="status" title={t('admin.users.created', { email: create.data.email })} />
              {create.data.temporaryPassword && (
                <ShownOnce
                  id="admin-temp-password"
                  title={t('admin.users.tempPassword')}
                  label={t('admin.users.tempPassword.label')}
                  value={create.data.temporaryPassword}
                />
              )}
            </Stack>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label={t('admin.users.field.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} />
            <TextInput
              label={t('admin.users.field.email')}
              type="email"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={errors.email}
            />
          </SimpleGrid>
          <AccountFieldset value={fields} onChange={setFields} units={units} errors={errors} timeZone={timeZone} idPrefix="create" />
          <Group>
            <Button type="submit" loading={create.isPending}>
              {t('admin.users.submit')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function EditUserModal({ user, units, timeZone, onClose }: { user: User; units: Unit[]; timeZone: string; onClose: () => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [name, setName] = useState(user.name);
  const [fields, setFields] = useState<AccountFields>({
    roles: user.roles,
    unitIds: user.unitIds,
    expiresAt: user.expiresAt ? toLocalInput(new Date(user.expiresAt), timeZone) : '',
    locale: user.locale,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation({
    mutationFn: async () => {
      const expiry = expiryOf(fields.expiresAt, timeZone);
      if (expiry.invalid)
        throw { detail: t('admin.users.expiresAt.invalid'), errors: [{ field: 'expiresAt', rule: 'isDate', message: t('admin.users.expiresAt.invalid') }] };
      const body: UpdateUser = { name, roles: fields.roles, unitIds: fields.unitIds, locale: fields.locale, expiresAt: expiry.value ?? null };
      const { data, error } = await api.PATCH('/api/users/{id}', { params: { path: { id: user.id } }, body });
      if (!data) throw error;
      return data;
    },
    onMutate: () => setErrors({}),
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['admin', 'users'] });
      onClose();
    },
    onError: (problem) => setErrors(fieldErrors(problem)),
  });
  return (
    <Modal opened onClose={onClose} title={t('admin.users.editOf', { name: user.name })} size="lg" closeButtonProps={{ 'aria-label': t('admin.cancel') }}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!save.isPending) save.mutate();
        }}
        noValidate
      >
        <Stack>
          {save.isError && <ProblemAlert error={save.error} />}
          <TextInput label={t('admin.users.field.name')} required value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} />
          <AccountFieldset value={fields} onChange={setFields} units={units} errors={errors} timeZone={timeZone} idPrefix="edit" />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              {t('admin.cancel')}
            </Button>
            <Button type="submit" loading={save.isPending}>
              {t('admin.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DisableModal({ user, onClose }: { user: User; onClose: () => void }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const disabling = !user.disabled;
  const toggle = useMutation({
    mutationFn: async () => {
      const { data, error } = await api.PATCH('/api/users/{id}', { params: { path: { id: user.id } }, body: { disabled: disabling } });
      if (!data) throw error;
      return data;
    },
    onSuccess: () => {
      void client.invalidateQueries({ queryKey: ['admin', 'users'] });
      onClose();
    },
  });
  const values = { name: user.name, email: user.email };
  return (
    <Modal
      opened
      onClose={onClose}
      title={t(disabling ? 'admin.users.disable.title' : 'admin.users.enable.title')}
      closeButtonProps={{ 'aria-label': t('admin.cancel') }}
    >
      <Stack>
        <Text>{t(disabling ? 'admin.users.disable.body' : 'admin.users.enable.body', values)}</Text>
        {toggle.isError && <ProblemAlert error={toggle.error} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('admin.cancel')}
          </Button>
          <Button color={disabling ? 'red.9' : undefined} loading={toggle.isPending} onClick={() => toggle.mutate()}>
            {t(disabling ? 'admin.users.disable.confirm' : 'admin.users.enable.confirm')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** /admin/users: the agency's accounts, a new account (the temporary password shown once), editing, disabling and enabling. */
export function UsersSection({ agencyId, timeZone }: { agencyId: string; timeZone: string }) {
  const { t } = useI18n();
  const users = useQuery({ queryKey: ['admin', 'users'], queryFn: fetchUsers });
  const units = useQuery({ queryKey: ['admin', 'units'], queryFn: fetchUnits });
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<User | null>(null);
  const [toggling, setToggling] = useState<User | null>(null);
  const pagination = usePaginationProps();
  const ownUnits = (units.data ?? []).filter((u) => u.agencyId === agencyId);
  const rows = users.data ?? [];
  const shown = rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);

  return (
    <Stack>
      <Title order={1}>{t('admin.users.title')}</Title>
      {users.isError && <ProblemAlert error={users.error} load />}
      {units.isError && <ProblemAlert error={units.error} load />}
      <Text size="sm" aria-live="polite">
        {t('admin.users.count', { n: rows.length })}
      </Text>
      <DataTable<User>
        withTableBorder
        striped
        verticalSpacing="sm"
        minHeight={rows.length ? undefined : 120}
        fetching={users.isPending}
        records={shown}
        page={page}
        onPageChange={setPage}
        totalRecords={rows.length}
        recordsPerPage={PAGE_SIZE}
        {...pagination}
        idAccessor="id"
        noRecordsText={t('admin.users.empty')}
        aria-label={t('admin.users.title')}
        customRowAttributes={(u) => ({ 'data-user': u.email })}
        columns={[
          {
            accessor: 'name',
            title: t('admin.users.column.name'),
            render: (u) => (
              <Stack gap={2}>
                <Text fw={600} size="sm">
                  {u.name}
                </Text>
                <Text size="xs" style={{ overflowWrap: 'anywhere' }}>
                  {u.email}
                </Text>
                <Box className="admin-phone-only">
                  <RoleTags roles={u.roles} />
                </Box>
              </Stack>
            ),
          },
          {
            accessor: 'roles',
            title: t('admin.users.column.roles'),
            visibleMediaQuery: (theme) => `(min-width: ${theme.breakpoints.sm})`,
            render: (u) => <RoleTags roles={u.roles} />,
          },
          { accessor: 'disabled', title: t('admin.users.column.status'), render: (u) => <StatusBadge user={u} timeZone={timeZone} /> },
          {
            accessor: 'actions',
            title: t('admin.actions'),
            render: (u) => (
              <Group gap={4} wrap="wrap">
                <Button size="compact-sm" variant="light" onClick={() => setEditing(u)} aria-label={t('admin.users.editOf', { name: u.name })}>
                  {t('admin.users.edit')}
                </Button>
                <Button
                  size="compact-sm"
                  variant="light"
                  color={u.disabled ? 'blue' : 'red'}
                  onClick={() => setToggling(u)}
                  aria-label={t(u.disabled ? 'admin.users.enableOf' : 'admin.users.disableOf', { name: u.name })}
                >
                  {t(u.disabled ? 'admin.users.enable' : 'admin.users.disable')}
                </Button>
              </Group>
            ),
          },
        ]}
      />
      <CreateUserForm agencyId={agencyId} units={ownUnits} timeZone={timeZone} />
      {editing && (
        <EditUserModal
          key={editing.id}
          user={editing}
          units={(units.data ?? []).filter((u) => u.agencyId === editing.agencyId)}
          timeZone={timeZone}
          onClose={() => setEditing(null)}
        />
      )}
      {toggling && <DisableModal user={toggling} onClose={() => setToggling(null)} />}
    </Stack>
  );
}
