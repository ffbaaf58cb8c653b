import { Anchor, Box, Button, Group, NativeSelect, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import type { ConsoleSession } from '../api/client.ts';
import { useI18n, type Language } from '../i18n/index.tsx';
import { followLink } from '../router.tsx';

/** Skip link, banner with navigation, language switch and the signed-in user, and the main landmark. */
export function Layout({ session, onLogout, children }: { session: ConsoleSession | null; onLogout: () => void; children: ReactNode }) {
  const { t, language, setLanguage } = useI18n();
  return (
    <div className="app-shell">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <Box component="header" className="app-header">
        <Group justify="space-between" wrap="wrap" gap="xs" px="md" py={8}>
          <Group gap="md" wrap="wrap">
            <Text fw={700} component="span">
              {t('app.name')}
            </Text>
            {session && !session.mustChangePassword && (
              <nav aria-label={t('app.nav')}>
                <Group gap="md" wrap="wrap">
                  <Anchor href="/board" onClick={followLink} fw={600}>
                    {t('app.nav.board')}
                  </Anchor>
                  <Anchor href="/incidents/new" onClick={followLink} fw={600}>
                    {t('app.nav.file')}
                  </Anchor>
                  {session.user.roles.some((r) => r === 'ciso' || r === 'on_call_manager') && (
                    <Anchor href="/review" onClick={followLink} fw={600}>
                      {t('panels.nav.review')}
                    </Anchor>
                  )}
                  <Anchor href="/oncall" onClick={followLink} fw={600}>
                    {t('panels.nav.oncall')}
                  </Anchor>
                </Group>
              </nav>
            )}
          </Group>
          <Group gap="xs" wrap="wrap">
            <NativeSelect
              aria-label={t('app.language')}
              size="xs"
              value={language}
              data={[
                { value: 'zh-TW', label: t('app.language.zh-TW') },
                { value: 'en', label: t('app.language.en') },
              ]}
              onChange={(e) => setLanguage(e.currentTarget.value as Language)}
            />
            {session && (
              <>
                <Text size="sm" component="span" className="signed-in">
                  {t('app.signedInAs', { name: session.user.name, email: session.user.email })}
                </Text>
                <Button size="xs" variant="outline" onClick={onLogout}>
                  {t('app.logout')}
                </Button>
              </>
            )}
          </Group>
        </Group>
      </Box>
      <Box component="main" id="main" tabIndex={-1} p="md" className="app-main">
        {children}
      </Box>
    </div>
  );
}
