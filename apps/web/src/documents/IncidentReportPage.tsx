import { Alert, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { components } from '../../../../libs/api-types/openapi.d.ts';
import { api, fetchIncident, problemText } from '../api/client.ts';
import { useI18n, type MessageKey } from '../i18n/index.tsx';
import { headline } from '../incidents/Timeline.tsx';
import { fetchEvidence } from '../incidents/panels/panel-api.ts';
import { formatInstant } from '../time/format.ts';
import { ActionsTable, fetchAgency, fetchSourceActions } from './doc-parts.tsx';
import { Facts, PrintDocument } from './PrintDocument.tsx';

type Entry = components['schemas']['IncidentTimelineEntry'];

async function fetchTimeline(id: string): Promise<Entry[]> {
  const items: Entry[] = [];
  let cursor: string | undefined;
  do {
    const { data, error } = await api.GET('/api/incidents/{id}/timeline', { params: { path: { id }, query: { limit: 200, cursor } } });
    if (!data) throw error;
    items.push(...data.items);
    cursor = data.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

/** 資通安全事件調查、處理及改善報告: the seven parts the regulation asks for, from the incident as the API gives it. */
export function IncidentReportPage({ id, timeZone }: { id: string; timeZone: string }) {
  const { t } = useI18n();
  const incident = useQuery({ queryKey: ['incident', id], queryFn: () => fetchIncident(id) });
  const agencyId = incident.data?.agencyId;
  const agency = useQuery({ queryKey: ['agency', agencyId], enabled: !!agencyId, queryFn: () => fetchAgency(agencyId!) });
  const cleared = incident.data && !incident.data.redacted;
  const timeline = useQuery({ queryKey: ['incident', id, 'report-timeline'], enabled: !!cleared, queryFn: () => fetchTimeline(id) });
  const evidence = useQuery({ queryKey: ['incident', id, 'report-evidence'], enabled: !!cleared, queryFn: () => fetchEvidence(id) });
  const actions = useQuery({ queryKey: ['corrective-actions', 'source', id], enabled: !!cleared, queryFn: () => fetchSourceActions(id) });
  if (incident.isPending || agency.isPending) return <Text>{t('app.loading')}</Text>;
  if (incident.isError) return <Alert color="red" role="alert" title={t('app.error', { detail: problemText(incident.error) })} />;
  const i = incident.data;
  const back = { href: `/incidents/${i.id}`, label: t('doc.back.incident') };
  const title = t('doc.incident.title');
  const agencyName = agency.data ? t('doc.aside', agency.data) : '';
  if (i.redacted)
    return (
      <PrintDocument tlp={i.classification.label} agency={agencyName} reference={i.reference} title={title} back={back}>
        <Alert color="gray" variant="light" title={t('doc.redacted')} />
      </PrintDocument>
    );
  const at = (v: string | null | undefined): ReactNode => (v ? <time dateTime={v}>{formatInstant(v, timeZone)}</time> : t('doc.none'));
  const text = (v: string | null | undefined) => <span className="doc-text">{v?.trim() ? v : t('doc.none')}</span>;
  const le = i.lawEnforcement;
  const report = i.improvementReport;
  const firstReport = i.authority.reports[0];
  return (
    <PrintDocument tlp={i.classification.label} agency={agencyName} reference={i.reference} title={title} back={back}>
      <Facts
        rows={[
          [t('doc.incident.eventTitle'), i.title],
          [t('doc.incident.level'), t('incident.level', { level: i.level })],
          [t('doc.incident.state'), t(`state.${i.state}`)],
          [t('doc.generatedAt'), at(new Date().toISOString())],
        ]}
      />
      <section data-doc-section="1">
        <h2>{t('doc.incident.s1')}</h2>
        <Facts
          rows={[
            [t('doc.incident.occurredAt'), at(i.occurredAt)],
            [t('doc.incident.awareAt'), at(i.awareAt)],
            [t('doc.incident.reportedAt'), at(firstReport?.at)],
            [t('doc.incident.reviewedAt'), at(i.authority.review?.at)],
            [t('doc.incident.containedAt'), at(i.response.containedAt)],
            [t('doc.incident.recoveredAt'), at(i.response.recoveredAt)],
            [t('doc.incident.reportAt'), at(report?.at)],
            [t('doc.incident.closedAt'), at(i.closure.closedAt)],
          ]}
        />
      </section>
      <section data-doc-section="2">
        <h2>{t('doc.incident.s2')}</h2>
        <Facts
          rows={[
            [
              t('doc.incident.category'),
              `${t(`category.${i.category}` as MessageKey)}${i.subcategory ? ` / ${t(`subcategory.${i.subcategory}` as MessageKey)}` : ''}`,
            ],
            [t('doc.incident.impact'), t('doc.incident.impact.value', { c: i.impact.confidentiality, i: i.impact.integrity, a: i.impact.availability })],
            [t('doc.incident.affectedSystems'), i.affectedSystems.length ? i.affectedSystems.join('、') : t('doc.none')],
            [t('doc.incident.description'), text(i.description)],
          ]}
        />
      </section>
      <section data-doc-section="3">
        <h2>{t('doc.incident.s3')}</h2>
        <h3>{t('doc.incident.containment')}</h3>
        {text(i.response.containmentSummary)}
        <h3>{t('doc.incident.recovery')}</h3>
        {text(i.response.recoverySummary)}
      </section>
      <section data-doc-section="4">
        <h2>{t('doc.incident.s4')}</h2>
        <h3>{t('doc.incident.lawEnforcement')}</h3>
        <Facts
          rows={[
            [t('doc.incident.le.status'), t(`region.lawEnforcement.${le.status}`)],
            [t('doc.incident.le.agency'), le.agency ? t(`leAgency.${le.agency}`) : t('doc.none')],
            [t('doc.incident.le.officer'), le.officer ?? t('doc.none')],
            [t('doc.incident.le.caseNumber'), le.caseNumber ?? t('doc.none')],
            [t('doc.incident.le.contactedAt'), at(le.contactedAt)],
            [t('doc.incident.le.handedOverAt'), at(le.handedOverAt)],
            [t('doc.incident.le.note'), text(le.note ?? le.reason)],
          ]}
        />
        <h3>{t('doc.incident.evidence')}</h3>
        {evidence.data && evidence.data.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('doc.incident.evidence.description')}</th>
                <th scope="col">{t('doc.incident.evidence.collected')}</th>
                <th scope="col">SHA-256</th>
                <th scope="col">{t('doc.incident.evidence.custody')}</th>
              </tr>
            </thead>
            <tbody>
              {evidence.data.map((e) => (
                <tr key={e.id}>
                  <td>{e.description}</td>
                  <td>
                    {formatInstant(e.collectedAt, timeZone)} · {e.collectedBy}
                  </td>
                  <td style={{ fontFamily: 'monospace', fontSize: '0.75rem' }}>{e.sha256}</td>
                  <td>{e.transfers.length ? e.transfers.map((x) => `${x.from} → ${x.to}`).join('；') : t('doc.none')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t('doc.incident.evidence.none')}</p>
        )}
        <h3>{t('doc.incident.history')}</h3>
        {timeline.data && timeline.data.length > 0 ? (
          <table data-doc-timeline>
            <thead>
              <tr>
                <th scope="col" style={{ width: '30%' }}>
                  {t('doc.time')}
                </th>
                <th scope="col">{t('doc.what')}</th>
              </tr>
            </thead>
            <tbody>
              {timeline.data.map((e) => (
                <tr key={e.seq}>
                  <td>{formatInstant(e.at, timeZone)}</td>
                  <td className="doc-text">
                    {headline(e, t)}
                    {typeof e.data?.summary === 'string' || typeof e.data?.note === 'string' || typeof e.data?.reason === 'string'
                      ? `${t('ca.colon')}${String(e.data.summary ?? e.data.note ?? e.data.reason)}`
                      : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t('doc.none')}</p>
        )}
      </section>
      <section data-doc-section="5">
        <h2>{t('doc.incident.s5')}</h2>
        {text(report?.rootCause)}
      </section>
      <section data-doc-section="6">
        <h2>{t('doc.incident.s6')}</h2>
        {(['management', 'technical', 'staffing', 'resources'] as const).map((k) => (
          <div key={k}>
            <h3>{t(`doc.incident.measures.${k}`)}</h3>
            {text(report?.measures[k])}
          </div>
        ))}
      </section>
      <section data-doc-section="7">
        <h2>{t('doc.incident.s7')}</h2>
        <h3>{t('doc.incident.schedule')}</h3>
        {text(report?.schedule)}
        <h3>{t('doc.correctiveActions')}</h3>
        <ActionsTable actions={actions.data ?? []} timeZone={timeZone} />
      </section>
    </PrintDocument>
  );
}
