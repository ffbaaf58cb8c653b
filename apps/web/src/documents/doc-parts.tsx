import type { components } from '../../../../libs/api-types/openapi.d.ts';
import { api } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { Actor } from '../incidents/Timeline.tsx';
import { formatInstant } from '../time/format.ts';

type CorrectiveAction = components['schemas']['CorrectiveAction'];

/** The agency's name and code, as the documents head them. */
export async function fetchAgencyName(id: string): Promise<string> {
  const { data } = await api.GET('/api/agencies/{id}', { params: { path: { id } } });
  return data ? `${data.name}（${data.code}）` : '';
}

/** Every corrective action of an incident or drill. */
export async function fetchSourceActions(sourceId: string): Promise<CorrectiveAction[]> {
  const items: CorrectiveAction[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/corrective-actions', { params: { query: { sourceId, limit: 200, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** The corrective actions as a table: what, who, by when, where it stands. */
export function ActionsTable({ actions, timeZone }: { actions: CorrectiveAction[]; timeZone: string }) {
  const { t } = useI18n();
  if (!actions.length) return <p>{t('doc.correctiveActions.none')}</p>;
  return (
    <table data-doc-actions>
      <thead>
        <tr>
          <th scope="col">{t('drillPage.aar.action.title')}</th>
          <th scope="col">{t('ca.owner')}</th>
          <th scope="col">{t('ca.dueAt')}</th>
          <th scope="col">{t('doc.status')}</th>
        </tr>
      </thead>
      <tbody>
        {actions.map((a) => (
          <tr key={a.id}>
            <td className="doc-text">{a.title ?? t('ca.redacted')}</td>
            <td>
              {a.ownerUserId && <Actor id={a.ownerUserId} />}
              {a.ownerUserId && a.ownerUnitId ? '、' : ''}
              {a.ownerUnitId && t('ca.unit')}
            </td>
            <td>{formatInstant(a.dueAt, timeZone)}</td>
            <td>
              {t(`ca.status.${a.status}`)}
              {a.verifiedAt ? `（${formatInstant(a.verifiedAt, timeZone)}）` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
