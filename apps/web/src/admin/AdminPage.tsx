import { Anchor, Group, Stack } from '@mantine/core';
import './admin.css';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { followLink } from '../router.tsx';
import { AgenciesSection } from './AgenciesSection.tsx';
import { OnCallSection } from './OnCallSection.tsx';
import { PolicySection } from './PolicySection.tsx';
import { UnitsSection } from './UnitsSection.tsx';
import { UsersSection } from './UsersSection.tsx';
import { WebhooksSection } from './WebhooksSection.tsx';

export const ADMIN_SECTIONS = ['users', 'units', 'agencies', 'policy', 'oncall', 'webhooks'] as const;
export type AdminSection = (typeof ADMIN_SECTIONS)[number];

export function isAdminSection(value: string | undefined): value is AdminSection {
  return (ADMIN_SECTIONS as readonly string[]).includes(value ?? '');
}

/** /admin/{section}: the agency admin's pages, with links between them. */
export default function AdminPage({ section: asked, agencyId, timeZone }: { section: string; agencyId: string; timeZone: string }) {
  const { t } = useI18n();
  const section: AdminSection = isAdminSection(asked) ? asked : 'users';
  return (
    <Stack>
      <nav aria-label={t('admin.sections')}>
        <Group gap="md" wrap="wrap" component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
          {ADMIN_SECTIONS.map((s) => (
            <li key={s}>
              <Anchor href={`/admin/${s}`} onClick={followLink} fw={s === section ? 700 : 500} aria-current={s === section ? 'page' : undefined}>
                {t(`admin.section.${s}` as MessageKey)}
              </Anchor>
            </li>
          ))}
        </Group>
      </nav>
      {section === 'users' && <UsersSection agencyId={agencyId} timeZone={timeZone} />}
      {section === 'units' && <UnitsSection agencyId={agencyId} />}
      {section === 'agencies' && <AgenciesSection agencyId={agencyId} />}
      {section === 'policy' && <PolicySection agencyId={agencyId} />}
      {section === 'oncall' && <OnCallSection agencyId={agencyId} timeZone={timeZone} />}
      {section === 'webhooks' && <WebhooksSection agencyId={agencyId} timeZone={timeZone} />}
    </Stack>
  );
}
