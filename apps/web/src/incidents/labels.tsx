import { Badge, Group } from '@mantine/core';
import type { Incident } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { isMajor, type Level } from '../../../../libs/workflows/src/incident/levels.ts';

const TLP_COLOR: Record<string, string> = { CLEAR: 'gray.7', GREEN: 'green.9', AMBER: 'orange.9', 'AMBER+STRICT': 'orange.9', RED: 'red.9' };

/** Level (and "major"), TLP label, state and drill, as text: colour is never the only cue. */
export function IncidentLabels({ incident }: { incident: Incident }) {
  const { t } = useI18n();
  return (
    <Group gap="xs" wrap="wrap">
      <Badge color={isMajor(incident.level as Level) ? 'red.9' : 'blue.9'} variant="filled">
        {t('incident.level', { level: incident.level })}
        {isMajor(incident.level as Level) ? ` · ${t('incident.major')}` : ''}
      </Badge>
      <Badge color={TLP_COLOR[incident.classification.label] ?? 'gray.7'} variant="filled">
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
}
