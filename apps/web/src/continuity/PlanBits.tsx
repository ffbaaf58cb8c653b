import { Badge, Group, Text } from '@mantine/core';
import type { ConsoleSession } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { formatInstant } from '../time/format.ts';
import type { Plan } from './plan-api.ts';

/** Who edits plans: a continuity coordinator or the CISO of the plan's own agency (the API's rule, continuity-access.ts; it refuses anyone else). */
export const PLAN_EDITOR_ROLES = ['continuity_coordinator', 'ciso'] as const;

export function canCreatePlans(session: ConsoleSession): boolean {
  return session.user.roles.some((r) => (PLAN_EDITOR_ROLES as readonly string[]).includes(r));
}

export function canEditPlan(session: ConsoleSession, plan: Pick<Plan, 'agencyId'>): boolean {
  return canCreatePlans(session) && session.user.agencyId === plan.agencyId;
}

export function ClassificationBadge({ plan }: { plan: Pick<Plan, 'classification'> }) {
  const label = plan.classification.label;
  const color = label === 'RED' ? 'red' : label.startsWith('AMBER') ? 'orange' : label === 'GREEN' ? 'green' : 'gray';
  return (
    <Badge variant="light" color={color}>
      TLP:{label}
    </Badge>
  );
}

/** The yearly review clock: when the plan must next be reviewed, and whether that is past (with text, not colour alone). */
export function ReviewClock({ plan, timeZone }: { plan: Pick<Plan, 'reviewDueAt' | 'reviewOverdue'>; timeZone: string }) {
  const { t } = useI18n();
  return (
    <Group gap="xs" wrap="wrap" data-review-clock={plan.reviewOverdue ? 'overdue' : 'onTime'}>
      <Text size="sm">{t('plans.review.due', { at: formatInstant(plan.reviewDueAt, timeZone) })}</Text>
      <Badge variant="light" color={plan.reviewOverdue ? 'red' : 'green'}>
        {t(plan.reviewOverdue ? 'plans.review.overdue' : 'plans.review.onTime')}
      </Badge>
    </Group>
  );
}
