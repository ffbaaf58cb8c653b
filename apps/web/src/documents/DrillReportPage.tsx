import { Alert, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { useI18n } from '../i18n/index.tsx';
import { drillKey, fetchDrill, fetchDrillTimeline } from '../drills/drill-api.ts';
import { entryLine, stateLabel, typeLabel } from '../drills/DrillPage.tsx';
import { formatInstant } from '../time/format.ts';
import { problemText } from '../api/client.ts';
import { ActionsTable, fetchAgency, fetchSourceActions } from './doc-parts.tsx';
import { Facts, PrintDocument } from './PrintDocument.tsx';

/** 營運持續演練檢討報告: the drill's after-action report as submitted, with how the drill went and its corrective actions. */
export function DrillReportPage({ id, timeZone }: { id: string; timeZone: string }) {
  const { t } = useI18n();
  const drill = useQuery({ queryKey: drillKey(id), queryFn: () => fetchDrill(id) });
  const agencyId = drill.data?.agencyId;
  const agency = useQuery({ queryKey: ['agency', agencyId], enabled: !!agencyId, queryFn: () => fetchAgency(agencyId!) });
  const timeline = useQuery({ queryKey: [...drillKey(id), 'report-timeline'], queryFn: () => fetchDrillTimeline(id) });
  const actions = useQuery({ queryKey: ['corrective-actions', 'source', id], queryFn: () => fetchSourceActions(id) });
  if (drill.isPending || agency.isPending) return <Text>{t('app.loading')}</Text>;
  if (drill.isError) return <Alert color="red" role="alert" title={t('app.error', { detail: problemText(drill.error) })} />;
  const d = drill.data;
  const r = d.afterAction;
  const at = (v: string | null | undefined): ReactNode => (v ? <time dateTime={v}>{formatInstant(v, timeZone)}</time> : t('doc.none'));
  const list = (items: string[] | undefined) =>
    items && items.length ? (
      <ol>
        {items.map((s, i) => (
          <li key={i} className="doc-text">
            {s}
          </li>
        ))}
      </ol>
    ) : (
      <p>{t('doc.none')}</p>
    );
  return (
    <PrintDocument
      tlp={d.plan.classification.label}
      agency={agency.data ? t('doc.aside', agency.data) : ''}
      reference={d.reference}
      title={t('doc.drill.title')}
      back={{ href: `/drills/${d.id}`, label: t('doc.back.drill') }}
    >
      <Facts
        rows={[
          [t('doc.drill.plan'), t('doc.aside', { text: d.plan.title ?? '', aside: d.plan.reference })],
          [t('doc.drill.type'), t(typeLabel(d.drillType))],
          [t('doc.drill.state'), t(stateLabel(d.state))],
          [t('doc.generatedAt'), at(new Date().toISOString())],
        ]}
      />
      {d.redacted && <Alert mt="md" color="gray" variant="light" title={t('doc.redacted')} />}
      <section data-doc-section="1">
        <h2>{t('doc.drill.s1')}</h2>
        <Facts
          rows={[
            [t('drillPage.scheduledFor'), at(d.scheduledFor)],
            [t('drillPage.startedAt'), at(d.startedAt)],
            [t('drillPage.completedAt'), at(d.completedAt)],
            [t('drillPage.afterActionDueAt'), at(d.afterActionDueAt)],
          ]}
        />
      </section>
      <section data-doc-section="2">
        <h2>{t('doc.drill.s2')}</h2>
        {list(r?.objectives)}
      </section>
      <section data-doc-section="3">
        <h2>{t('doc.drill.s3')}</h2>
        <p className="doc-text">{r?.scenario ?? t('doc.none')}</p>
      </section>
      <section data-doc-section="4">
        <h2>{t('doc.drill.s4')}</h2>
        {r && r.participants.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('drillPage.field.name')}</th>
                <th scope="col">{t('drillPage.field.role')}</th>
                <th scope="col">{t('doc.drill.organisation')}</th>
              </tr>
            </thead>
            <tbody>
              {r.participants.map((p, i) => (
                <tr key={i}>
                  <td>{p.name}</td>
                  <td>{p.role}</td>
                  <td>{p.organisation ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t('doc.none')}</p>
        )}
      </section>
      <section data-doc-section="5">
        <h2>{t('doc.drill.s5')}</h2>
        <p>{t('drillPage.aar.ratings')}</p>
        {r && r.capabilities.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">{t('drillPage.aar.capability.name')}</th>
                <th scope="col">{t('drillPage.aar.capability.rating')}</th>
                <th scope="col">{t('doc.drill.notes')}</th>
              </tr>
            </thead>
            <tbody>
              {r.capabilities.map((c, i) => (
                <tr key={i}>
                  <td>{c.capability}</td>
                  <td>{t(`drillPage.rating.${c.rating}`)}</td>
                  <td className="doc-text">{c.notes ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t('doc.none')}</p>
        )}
      </section>
      <section data-doc-section="6">
        <h2>{t('doc.drill.s6')}</h2>
        {list(r?.strengths)}
      </section>
      <section data-doc-section="7">
        <h2>{t('doc.drill.s7')}</h2>
        {list(r?.areasForImprovement)}
      </section>
      <section data-doc-section="8">
        <h2>{t('doc.drill.s8')}</h2>
        <ActionsTable actions={actions.data ?? []} timeZone={timeZone} />
        <p>
          {d.planChangeRequired ? t('doc.drill.planChange.required') : t('doc.drill.planChange.no')}
          {d.planUpdate ? ` ${t('doc.drill.planChange.done', { n: d.planUpdate.planVersion })}` : ''}
        </p>
      </section>
      <section data-doc-section="9">
        <h2>{t('doc.drill.s9')}</h2>
        {timeline.data && timeline.data.length ? (
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
                  <td className="doc-text">{entryLine(t, e, timeZone)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>{t('doc.none')}</p>
        )}
      </section>
    </PrintDocument>
  );
}
