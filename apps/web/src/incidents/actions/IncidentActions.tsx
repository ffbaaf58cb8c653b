import { Alert, Button, Group, Paper, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { problemText, type Incident } from '../../api/client.ts';
import { useI18n } from '../../i18n/index.tsx';
import { eventLabel, type EventType } from './event-forms.ts';
import { EventDialog } from './EventDialog.tsx';
import { fetchTransitions, transitionsKey } from './transitions.ts';

/** The caller's allowed events (from the server, GET …/transitions) as buttons, each opening its dialog. */
export function IncidentActions({ incident, timeZone }: { incident: Incident; timeZone: string }) {
  const { t } = useI18n();
  const transitions = useQuery({
    // The version in the key: every change of the incident asks again what the caller may do.
    queryKey: [...transitionsKey(incident.id), incident.version],
    queryFn: () => fetchTransitions(incident.id),
  });
  // One dialog at a time; a new opening (a new key) is a new form and a new Idempotency-Key.
  const [open, setOpen] = useState<{ type: EventType; opening: string } | null>(null);
  const [sent, setSent] = useState<EventType | null>(null);

  return (
    <Paper withBorder p="md" component="section" aria-labelledby="incident-actions-title">
      <Title order={2} size="h3" mb="sm" id="incident-actions-title">
        {t('actions.title')}
      </Title>
      {sent && <Alert color="teal" variant="light" role="status" mb="sm" title={t('dialog.sent', { event: t(eventLabel(sent)) })} />}
      {transitions.isPending ? (
        <Text>{t('actions.loading')}</Text>
      ) : transitions.isError ? (
        <Alert color="red" variant="light" role="alert" title={t('app.error', { detail: problemText(transitions.error) })} />
      ) : transitions.data.allowedEvents.length === 0 ? (
        <Text>{t('actions.none')}</Text>
      ) : (
        <Group gap="sm" wrap="wrap">
          {transitions.data.allowedEvents.map((e) => (
            <Button
              key={e.type}
              variant="filled"
              data-event={e.type}
              onClick={() => {
                setSent(null);
                setOpen({ type: e.type, opening: crypto.randomUUID() });
              }}
            >
              {t(eventLabel(e.type))}
            </Button>
          ))}
        </Group>
      )}
      {open && (
        <EventDialog
          key={open.opening}
          incident={incident}
          type={open.type}
          timeZone={timeZone}
          onClose={() => setOpen(null)}
          onSent={(type) => {
            setOpen(null);
            setSent(type);
          }}
        />
      )}
    </Paper>
  );
}
