import { Alert } from '@mantine/core';
import type { Incident } from '../../api/client.ts';
import { useI18n } from '../../i18n/index.tsx';

/**
 * A redacted incident says that its content is withheld and why: the API redacts a restricted
 * incident (TLP:AMBER or stricter, or sensitive/confidential data, article 42) for a reader not
 * cleared for it, and the classification it answers is the reason.
 */
export function RedactedPanel({ incident }: { incident: Incident }) {
  const { t } = useI18n();
  if (!incident.redacted) return null;
  return (
    <Alert color="gray" variant="light" title={t('panels.redacted.title')} data-panel="redacted">
      {t('panels.redacted.reason', { tlp: incident.classification.label, dataLevel: t(`panels.dataLevel.${incident.classification.dataLevel}`) })}
    </Alert>
  );
}
