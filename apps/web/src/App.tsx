import { Alert, Anchor, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect } from 'react';
import { api, configureApi } from './api/client.ts';
import { ChangePasswordPage } from './auth/ChangePasswordPage.tsx';
import { LoginPage, safeNext } from './auth/LoginPage.tsx';
import { setSession, useSession } from './auth/session.ts';
import { useI18n } from './i18n/index.tsx';
import { followLink, navigate, useLocation } from './router.tsx';
import { useLiveUpdates } from './live/use-live-updates.ts';
import { Layout } from './shell/Layout.tsx';
import { DEFAULT_TIME_ZONE } from './time/format.ts';

// Each page is its own chunk, fetched when first shown: the sign-in screen loads only the shell.
const BoardPage = lazy(() => import('./incidents/BoardPage.tsx'));
const FileIncidentPage = lazy(() => import('./incidents/FileIncidentPage.tsx').then((m) => ({ default: m.FileIncidentPage })));
const IncidentPage = lazy(() => import('./incidents/IncidentPage.tsx').then((m) => ({ default: m.IncidentPage })));
const OnCallPage = lazy(() => import('./oncall/OnCallPage.tsx').then((m) => ({ default: m.OnCallPage })));
const CompliancePage = lazy(() => import('./oversight/CompliancePage.tsx').then((m) => ({ default: m.CompliancePage })));
const AuditPage = lazy(() => import('./audit/AuditPage.tsx').then((m) => ({ default: m.AuditPage })));
const DrillPage = lazy(() => import('./drills/DrillPage.tsx').then((m) => ({ default: m.DrillPage })));
const ActionsPage = lazy(() => import('./actions/ActionsPage.tsx').then((m) => ({ default: m.ActionsPage })));
const IncidentReportPage = lazy(() => import('./documents/IncidentReportPage.tsx').then((m) => ({ default: m.IncidentReportPage })));
const DrillReportPage = lazy(() => import('./documents/DrillReportPage.tsx').then((m) => ({ default: m.DrillReportPage })));
const AdminPage = lazy(() => import('./admin/AdminPage.tsx'));
const ReviewQueuePage = lazy(() => import('./review/ReviewQueuePage.tsx').then((m) => ({ default: m.ReviewQueuePage })));
const PlansListPage = lazy(() => import('./continuity/PlansListPage.tsx'));
const PlanEditorPage = lazy(() => import('./continuity/PlanEditorPage.tsx'));
const PlanPage = lazy(() => import('./continuity/PlanPage.tsx'));
const DrillsPage = lazy(() => import('./continuity/DrillsPage.tsx'));

const ADMIN_SECTION = /^\/admin\/(users|units|agencies|policy|oncall|webhooks)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function here(): string {
  return `${window.location.pathname}${window.location.search}`;
}

export function App() {
  const { t, language } = useI18n();
  const client = useQueryClient();
  const location = useLocation();
  const session = useSession();
  useLiveUpdates(Boolean(session.data && !session.data.mustChangePassword));

  useEffect(() => {
    configureApi({
      language,
      // The session ended (expired, revoked): to the login, then back to this page.
      onUnauthenticated: () => {
        setSession(client, null);
        if (window.location.pathname !== '/login') navigate(`/login?reason=expired&next=${encodeURIComponent(here())}`, { replace: true });
      },
    });
  }, [language, client]);

  const logout = async () => {
    await api.POST('/api/auth/logout');
    setSession(client, null);
    client.removeQueries({ predicate: (q) => q.queryKey[0] !== 'console-session' });
    navigate('/login?reason=loggedOut', { replace: true });
  };

  const path = location.pathname;
  const search = location.searchParams;
  let page;
  if (session.isPending) page = <Text>{t('app.loading')}</Text>;
  else if (session.isError) page = <Alert color="red" role="alert" title={t('app.error', { detail: String(session.error) })} />;
  else if (!session.data || path === '/login') {
    if (session.data && path === '/login') {
      navigate(safeNext(search.get('next')), { replace: true });
      page = null;
    } else {
      const next = path === '/login' ? search.get('next') : here();
      page = <LoginPage next={next} reason={path === '/login' ? search.get('reason') : null} />;
    }
  } else if (session.data.mustChangePassword) page = <ChangePasswordPage next={path === '/password' ? search.get('next') : here()} />;
  else {
    const timeZone = session.data.agencyTimezone || DEFAULT_TIME_ZONE;
    const incident = /^\/incidents\/([^/]+)$/.exec(path)?.[1];
    // Plans: /plans/:id (and /continuity/plans/:id, where e-mails and calendar entries link), /plans/:id/edit.
    const plan = /^\/(plans|continuity\/plans)\/([^/]+?)(\/edit)?$/.exec(path);
    const [, docKind, docId] = /^\/(incidents|drills)\/([^/]+)\/report$/.exec(path) ?? [];
    const drill = /^\/drills\/([^/]+)$/.exec(path)?.[1];
    if (path === '/' || path === '/board' || path === '/password') page = <BoardPage search={search} timeZone={timeZone} />;
    else if (path === '/incidents/new') page = <FileIncidentPage timeZone={timeZone} />;
    else if (path === '/review') page = <ReviewQueuePage timeZone={timeZone} />;
    else if (path === '/oncall') page = <OnCallPage timeZone={timeZone} />;
    else if (path === '/plans') page = <PlansListPage timeZone={timeZone} />;
    else if (path === '/plans/new') page = <PlanEditorPage />;
    else if (plan && UUID.test(plan[2]!))
      page = plan[3] ? <PlanEditorPage key={plan[2]} id={plan[2]} /> : <PlanPage key={plan[2]} id={plan[2]!} saved={search.get('saved')} timeZone={timeZone} />;
    else if (path === '/drills') page = <DrillsPage search={search} timeZone={timeZone} />;
    else if (path === '/oversight') page = <CompliancePage search={search} timeZone={timeZone} />;
    else if (path === '/audit') page = <AuditPage timeZone={timeZone} />;
    else if (path === '/actions') page = <ActionsPage tab={search.get('tab')} timeZone={timeZone} />;
    else if (drill && UUID.test(drill)) page = <DrillPage key={drill} id={drill} timeZone={timeZone} />;
    else if (docId && UUID.test(docId))
      page =
        docKind === 'drills' ? (
          <DrillReportPage key={docId} id={docId} timeZone={timeZone} />
        ) : (
          <IncidentReportPage key={docId} id={docId} timeZone={timeZone} />
        );
    else if (path === '/admin' || ADMIN_SECTION.test(path))
      page = <AdminPage section={ADMIN_SECTION.exec(path)?.[1] ?? 'users'} agencyId={session.data.user.agencyId} timeZone={timeZone} />;
    else if (incident && UUID.test(incident)) page = <IncidentPage key={incident} id={incident} filed={search.get('filed') === '1'} timeZone={timeZone} />;
    else
      page = (
        <Stack>
          <Title order={1}>{t('app.notFound')}</Title>
          <Anchor href="/board" onClick={followLink}>
            {t('app.notFound.back')}
          </Anchor>
        </Stack>
      );
  }

  return (
    <Layout session={session.data ?? null} onLogout={logout}>
      <Suspense fallback={<Text>{t('app.loading')}</Text>}>{page}</Suspense>
    </Layout>
  );
}
