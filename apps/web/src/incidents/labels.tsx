import { Badge, Group } from '@mantine/core';
import { memo } from 'react';
import type { Incident } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { isMajor, type Level } from '../../../../libs/workflows/src/incident/levels.ts';

/** FIRST's TLP 2.0 colours: the label's colour on black (each at least 9:1, WCAG AA for small text). */
export const TLP_TEXT: Record<string, string> = { CLEAR: '#FFFFFF', GREEN: '#33FF00', AMBER: '#FFC000', 'AMBER+STRICT': '#FFC000', RED: '#FF2B2B' };

/** Level (and "major"), TLP label, state and drill, as text: colour is never the only cue. */
export const IncidentLabels = memo(function IncidentLabels({ incident }: { incident: Incident }) {
  const { t } = useI18n();
  return (
    <Group gap="xs" wrap="wrap">
      <Badge color={isMajor(incident.level as Level) ? 'red.9' : 'blue.9'} variant="filled">
        {t('incident.level', { level: incident.level })}
        {isMajor(incident.level as Level) ? ` · ${t('incident.major')}` : ''}
      </Badge>
      <Badge color="#000000" variant="filled" style={{ color: TLP_TEXT[incident.classification.label] ?? '#FFFFFF' }}>
        TLP:{incident.classification.label}
      </Badge>
      <Badge color="dark.5" variant="outline">
        {t(`state.${incident.state}`)}
      </Badge>
      {incident.isDrill && (
        <Badge color="violet.9" variant="filled">
          {t('incident.drill')}
        </Badge>
      )}
    </Group>
  );
});
