import { Alert, Button, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, CONSOLE_HEADER, problemText } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { navigate } from '../router.tsx';
import { setSession } from './session.ts';

/** Only a path of this site is a place to return to after login. */
export function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/login') ? next : '/';
}

export function LoginPage({ next, reason }: { next: string | null; reason: string | null }) {
  const { t } = useI18n();
  const client = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [pending, setPending] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setError(undefined);
    const { data, error: problem } = await api.POST('/api/auth/console-login', { body: { email, password }, params: { header: CONSOLE_HEADER } });
    setPending(false);
    if (!data) return setError(problemText(problem));
    setSession(client, data);
    navigate(data.mustChangePassword ? `/password?next=${encodeURIComponent(safeNext(next))}` : safeNext(next), { replace: true });
  };

  return (
    <Paper component="form" onSubmit={submit} maw={420} mx="auto" p="lg" withBorder noValidate={false}>
      <Stack>
        <Title order={1} size="h2">
          {t('login.title')}
        </Title>
        {reason === 'expired' && <Alert color="orange" variant="light" title={t('login.expired')} />}
        {reason === 'loggedOut' && <Alert color="teal" variant="light" title={t('login.loggedOut')} />}
        {error && <Alert color="red" variant="light" role="alert" title={error} />}
        <TextInput label={t('login.email')} type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
        <PasswordInput
          label={t('login.password')}
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        <Button type="submit" loading={pending}>
          {t('login.submit')}
        </Button>
      </Stack>
    </Paper>
  );
}
