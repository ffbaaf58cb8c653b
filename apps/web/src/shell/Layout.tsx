import { Anchor, Box, Burger, Button, Drawer, Group, NativeSelect, Stack, Text } from '@mantine/core';
import { useState, type MouseEvent, type ReactNode } from 'react';
import type { ConsoleSession } from '../api/client.ts';
import { useI18n, type Language } from '../i18n/index.tsx';
import { followLink } from '../router.tsx';
import { navItemsFor } from './nav-items.ts';

/** The pages this person may open, as real links. */
function NavLinks({ session, vertical, onFollow }: { session: ConsoleSession; vertical?: boolean; onFollow?: () => void }) {
  const { t } = useI18n();
  const Wrap = vertical ? Stack : Group;
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    followLink(event);
    onFollow?.();
  };
  return (
    <Wrap gap="md" wrap="wrap">
      {navItemsFor(session).map((item) => (
        <Anchor key={item.href} href={item.href} onClick={follow} fw={600} aria-current={window.location.pathname === item.href ? 'page' : undefined}>
          {t(item.label)}
        </Anchor>
      ))}
    </Wrap>
  );
}

/** Skip link, banner with navigation, language switch and the signed-in user, and the main landmark. */
export function Layout({ session, onLogout, children }: { session: ConsoleSession | null; onLogout: () => void; children: ReactNode }) {
  const { t, language, setLanguage } = useI18n();
  const [menuOpen, setMenuOpen] = useState(false);
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
              <>
                <nav aria-label={t('app.nav')} className="nav-wide">
                  <NavLinks session={session} />
                </nav>
                <Burger
                  className="nav-narrow"
                  size="sm"
                  opened={menuOpen}
                  onClick={() => setMenuOpen((o) => !o)}
                  aria-label={t('app.nav.menu')}
                  aria-expanded={menuOpen}
                />
                <Drawer
                  opened={menuOpen}
                  onClose={() => setMenuOpen(false)}
                  title={t('app.nav')}
                  size="xs"
                  closeButtonProps={{ 'aria-label': t('app.nav.close') }}
                >
                  <nav aria-label={t('app.nav')}>
                    <NavLinks session={session} vertical onFollow={() => setMenuOpen(false)} />
                  </nav>
                </Drawer>
              </>
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
