import { useQuery } from '@tanstack/react-query';
import type { components } from '../../../../libs/api-types/openapi.d.ts';
import { api } from '../api/client.ts';
import { useI18n } from '../i18n/index.tsx';
import { useSession } from '../auth/session.ts';
import { formatInstant } from '../time/format.ts';

type CorrectiveAction = components['schemas']['CorrectiveAction'];

/** The agency's name and code, as the documents head them (`doc.aside`). */
export async function fetchAgency(id: string): Promise<{ text: string; aside: string } | null> {
  const { data } = await api.GET('/api/agencies/{id}', { params: { path: { id } } });
  return data ? { text: data.name, aside: data.code } : null;
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
  const agencyId = actions[0]?.agencyId;
  const units = useQuery({
    queryKey: ['units', agencyId],
    enabled: actions.some((a) => a.ownerUnitId !== null),
    staleTime: 10 * 60_000,
    queryFn: async () => {
      const { data } = await api.GET('/api/units', { params: { query: { agencyId, limit: 200 } } });
      return new Map((data?.items ?? []).map((u) => [u.id, u.name]));
    },
  });
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
              {a.ownerUserId && <PersonName id={a.ownerUserId} />}
              {a.ownerUserId && a.ownerUnitId ? '、' : ''}
              {a.ownerUnitId && (units.data?.get(a.ownerUnitId) ?? t('ca.unit'))}
            </td>
            <td>{formatInstant(a.dueAt, timeZone)}</td>
            <td>
              {t(`ca.status.${a.status}`)}
              {a.verifiedAt ? ` ${t('doc.aside', { text: '', aside: formatInstant(a.verifiedAt, timeZone) }).trim()}` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A person by name, the reader included (a document names people, it does not say "you"); the short id when the directory does not show them. */
function PersonName({ id }: { id: string }) {
  const session = useSession();
  const me = session.data?.user;
  const user = useQuery({
    queryKey: ['user', id],
    enabled: id !== me?.id,
    staleTime: 10 * 60_000,
    retry: false,
    queryFn: async () => {
      const { data, error } = await api.GET('/api/users/{id}', { params: { path: { id } } });
      if (!data) throw error;
      return data;
    },
  });
  return <>{id === me?.id ? me.name : (user.data?.name ?? id.slice(0, 8))}</>;
}
