import type { DeadlineKind } from '@app/workflows';

/**
 * Which of an incident's clocks an e-mail shows: the one that concerns its reader. The person paged
 * must acknowledge, the superior agency's reviewers must review (their own `superior_review` clock,
 * not the paging timeout that may come sooner), the reminder names the report, responders recover
 * and the improvement report follows recovery.
 */
const READER_DEADLINE: Readonly<Record<string, DeadlineKind>> = {
  'incident.paged': 'acknowledgement',
  'authority.review_requested': 'superior_review',
  'deadline.report_due_soon': 'report',
  'incident.triaged': 'recovery',
  'incident.recovered': 'improvement_report',
  'incident.review_due': 'improvement_report',
};

/**
 * Every other incident e-mail goes to the filing agency's people: it shows their next statutory
 * clock, never the paging timeout (it concerns the person paged), the superior agency's review or a
 * reminder.
 */
const AGENCY_CLOCKS: readonly DeadlineKind[] = ['report', 'recovery', 'improvement_report'];

/** The deadline kinds an incident e-mail of this template may show (the earliest pending one is shown). */
export function readerDeadlineKinds(template: string): readonly DeadlineKind[] {
  const kind = READER_DEADLINE[template];
  return kind ? [kind] : AGENCY_CLOCKS;
}
