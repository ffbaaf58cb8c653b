import { Stack } from '@mantine/core';
import type { Incident } from '../../api/client.ts';
import { useSession } from '../../auth/session.ts';
import { EvidencePanel } from './EvidencePanel.tsx';
import { LawEnforcementPanel } from './LawEnforcementPanel.tsx';
import { NotificationsPanel } from './NotificationsPanel.tsx';
import { PagingPanel } from './PagingPanel.tsx';
import { RedactedPanel } from './RedactedPanel.tsx';

/** Who reads evidence and who records it (the API's own rules: the incident's own agency only). */
const EVIDENCE_READERS = ['responder', 'on_call_manager', 'ethics_officer', 'ciso', 'auditor'];
const EVIDENCE_HANDLERS = ['responder', 'on_call_manager', 'ethics_officer', 'ciso'];

/** The incident page's panels below its header and timeline: redaction notice, paging, notifications, law enforcement, evidence. */
export function IncidentPanels({ incident, timeZone }: { incident: Incident; timeZone: string }) {
  const session = useSession();
  const roles: readonly string[] = session.data?.user.roles ?? [];
  const ownAgency = session.data?.user.agencyId === incident.agencyId;
  return (
    <Stack data-panels>
      <RedactedPanel incident={incident} />
      <PagingPanel incident={incident} timeZone={timeZone} />
      <NotificationsPanel incidentId={incident.id} timeZone={timeZone} />
      <LawEnforcementPanel incident={incident} timeZone={timeZone} />
      {ownAgency && roles.some((r) => EVIDENCE_READERS.includes(r)) && (
        <EvidencePanel incident={incident} timeZone={timeZone} canRecord={roles.some((r) => EVIDENCE_HANDLERS.includes(r))} />
      )}
    </Stack>
  );
}
