import { Anchor, Group } from '@mantine/core';
import { IconPrinter } from '@tabler/icons-react';
import { useI18n } from '../i18n/index.tsx';
import { followLink } from '../router.tsx';

/** The link from the incident page to its print-ready investigation, handling and improvement report. */
export function ReportLink({ id }: { id: string }) {
  const { t } = useI18n();
  return (
    <Anchor href={`/incidents/${id}/report`} onClick={followLink} data-report-link>
      <Group gap={4} component="span">
        <IconPrinter size={16} aria-hidden />
        {t('doc.incidentLink')}
      </Group>
    </Anchor>
  );
}
