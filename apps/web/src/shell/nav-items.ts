import type { ConsoleSession } from '../api/client.ts';
import type { MessageKey } from '../i18n/index.tsx';

type Role = ConsoleSession['user']['roles'][number];

/** One entry of the console's navigation: where it goes, its label, and who sees it (everyone when `roles` is absent). */
export interface NavItem {
  href: string;
  label: MessageKey;
  roles?: readonly Role[];
}

const CONTINUITY_ROLES: readonly Role[] = ['continuity_coordinator', 'ciso', 'responder', 'on_call_manager', 'ethics_officer', 'auditor', 'admin'];

/** The console's pages in the order the navigation lists them. A page's route lives in App.tsx. */
export const NAV_ITEMS: readonly NavItem[] = [
  { href: '/board', label: 'app.nav.board' },
  { href: '/incidents/new', label: 'app.nav.file' },
  { href: '/review', label: 'panels.nav.review', roles: ['ciso', 'on_call_manager'] },
  { href: '/oncall', label: 'panels.nav.oncall' },
  // Continuity: whoever may read plans and drills (the API's CONTINUITY_READERS, continuity-access.ts).
  { href: '/plans', label: 'plans.nav.plans', roles: CONTINUITY_ROLES },
  { href: '/drills', label: 'plans.nav.drills', roles: CONTINUITY_ROLES },
  { href: '/actions', label: 'ca.nav' },
  { href: '/oversight', label: 'oversight.nav', roles: ['ciso', 'auditor', 'on_call_manager', 'continuity_coordinator', 'admin'] },
  { href: '/audit', label: 'audit.nav', roles: ['auditor'] },
  { href: '/admin/users', label: 'admin.nav', roles: ['admin'] },
];

export function navItemsFor(session: ConsoleSession): NavItem[] {
  return NAV_ITEMS.filter((item) => !item.roles || session.user.roles.some((role) => item.roles!.includes(role)));
}
