import { Alert, Button, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, fieldErrors, problemText } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { navigate } from '../router.tsx';
import { safeNext } from './LoginPage.tsx';
import { SESSION_KEY } from './session.ts';

/** Forced on first login and when the password has expired; the API allows nothing else until then. */
export function ChangePasswordPage({ next }: { next: string | null }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [current, setCurrent] = useState('');
  const [fresh, setFresh] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (fresh !== confirm) return setErrors({ confirm: t('password.mismatch') });
    setPending(true);
    const { error: problem, response } = await api.POST('/api/auth/password', { body: { currentPassword: current, newPassword: fresh } });
    setPending(false);
    if (!response.ok) {
      setErrors(fieldErrors(problem));
      return setError(problemText(problem));
    }
    await client.invalidateQueries({ queryKey: SESSION_KEY });
    navigate(safeNext(next), { replace: true });
  };

  return (
    <Paper component="form" onSubmit={submit} maw={480} mx="auto" p="lg" withBorder>
      <Stack>
        <Title order={1} size="h2">
          {t('password.title')}
        </Title>
        <Text>{t('password.why')}</Text>
        {error && <Alert color="red" variant="light" role="alert" title={error} />}
        <PasswordInput
          label={t('password.current')}
          autoComplete="current-password"
          required
          value={current}
          error={errors.currentPassword}
          onChange={(e) => setCurrent(e.currentTarget.value)}
        />
        <PasswordInput
          label={t('password.new')}
          description={t('password.new.hint')}
          autoComplete="new-password"
          required
          value={fresh}
          error={errors.newPassword}
          onChange={(e) => setFresh(e.currentTarget.value)}
        />
        <PasswordInput
          label={t('password.confirm')}
          autoComplete="new-password"
          required
          value={confirm}
          error={errors.confirm}
          onChange={(e) => setConfirm(e.currentTarget.value)}
        />
        <Button type="submit" loading={pending}>
          {t('password.submit')}
        </Button>
      </Stack>
    </Paper>
  );
}
