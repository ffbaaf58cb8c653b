import { Alert, Anchor, Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { problemText } from '../api/client.ts';
import { useSession } from '../auth/session.ts';
import { useI18n } from '../i18n/index.tsx';
import { followLink } from '../router.tsx';
import { formatInstant } from '../time/format.ts';
import { fetchAgencies, fetchPlans, planKeys } from './plan-api.ts';
import { canCreatePlans, ClassificationBadge, ReviewClock } from './PlanBits.tsx';

/** /plans: the continuity plans of the agencies the caller sees, with version and review clock; "new plan" for coordinators. */
export function PlansListPage({ timeZone }: { timeZone: string }) {
  const { t } = useI18n();
  const session = useSession();
  const plans = useQuery({ queryKey: planKeys.list(), queryFn: fetchPlans });
  const agencies = useQuery({ queryKey: ['agencies'], queryFn: fetchAgencies, staleTime: 300_000 });
  const canCreate = session.data ? canCreatePlans(session.data) : false;
  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Title order={1}>{t('plans.list.title')}</Title>
        {canCreate && (
          <Button component="a" href="/plans/new" onClick={followLink}>
            {t('plans.list.new')}
          </Button>
        )}
      </Group>
      <Text>{t('plans.list.intro')}</Text>
      {plans.isPending ? (
        <Text>{t('app.loading')}</Text>
      ) : plans.isError ? (
        <Alert color="red" role="alert" title={t('app.error', { detail: problemText(plans.error) })} />
      ) : plans.data.length === 0 ? (
        <Text>{t('plans.list.empty')}</Text>
      ) : (
        <Stack component="ul" gap="sm" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
          {plans.data.map((p) => {
            const agency = agencies.data?.get(p.agencyId);
            return (
              <Paper component="li" key={p.id} withBorder p="md" data-plan={p.id}>
                <Stack gap={6}>
                  <Group gap="xs" wrap="wrap">
                    <Anchor href={`/plans/${p.id}`} onClick={followLink} fw={700} style={{ overflowWrap: 'anywhere' }}>
                      {p.title ?? p.reference}
                    </Anchor>
                    <Text size="sm">{p.reference}</Text>
                  </Group>
                  <Group gap="xs" wrap="wrap">
                    <Badge variant="light" color="gray">
                      {t('plans.version', { version: p.version })}
                    </Badge>
                    <ClassificationBadge plan={p} />
                    {agency && <Text size="sm">{t('plans.list.agency', { name: agency.name, code: agency.code })}</Text>}
                  </Group>
                  <ReviewClock plan={p} timeZone={agency?.timezone ?? timeZone} />
                  {p.nextDrill ? (
                    <Text size="sm">
                      {t('plans.list.nextDrill', { at: formatInstant(p.nextDrill.scheduledFor, agency?.timezone ?? timeZone) })}{' '}
                      <Anchor href={`/drills/${p.nextDrill.id}`} onClick={followLink}>
                        {p.nextDrill.reference}
                      </Anchor>
                    </Text>
                  ) : (
                    <Text size="sm">{t('plans.list.noDrill')}</Text>
                  )}
                </Stack>
              </Paper>
            );
          })}
        </Stack>
      )}
    </Stack>
  );
}

export default PlansListPage;
