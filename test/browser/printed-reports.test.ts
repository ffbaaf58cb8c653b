import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Page } from 'playwright-core';
import { exactly, expectAccessible, openAs, screenshot, startConsole, text, USERS, type ConsoleRun, type Language } from '../support/browser.js';
import { afterActionBody, planBody } from '../support/continuity-fixture.js';
import { expectStatus as ok } from '../support/http.js';
import { fileIncident, send } from '../support/incident-fixture.js';
import { login, seedUser } from '../support/test-app.js';

/*
 * The documents people file, printed by Chromium to A4 PDF as "Download PDF" does, and read back
 * as text with pdfjs-dist: every section title, the TLP label on every page (header and footer),
 * the agency, the reference and "page n of m", in both languages; Chinese set in an embedded Noto
 * CJK font (not boxes). Both documents are long enough for several pages.
 */

const DAY = 86_400_000;
const COORDINATOR = 'bcp@sub.gov.tw';
const PARAGRAPH =
  '攻擊者利用內容管理系統外掛程式的已知弱點上傳網頁後門，並置換首頁。本機關於知悉後立即隔離主機、保全日誌與磁碟映像，並自備份還原網站。' +
  'The attacker used a known flaw of a CMS plug-in to upload a web shell and replace the home page; the host was isolated, logs and a disk image preserved, and the site restored from backup. ';
const LONG = Array.from({ length: 14 }, (_, i) => `${i + 1}. ${PARAGRAPH}`).join('\n\n');

interface PdfText {
  pages: string[];
  fonts: string[];
}

/** The text of each page (whitespace removed, so words split across runs still match) and the names of the fonts the pages use. */
async function readPdf(data: Uint8Array): Promise<PdfText> {
  const pdfjs = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await pdfjs.getDocument({ data, useSystemFonts: false, disableFontFace: true }).promise;
  const pages: string[] = [];
  const fonts = new Set<string>();
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    pages.push(
      content.items
        .map((item) => ('str' in item ? item.str : ''))
        .join('')
        // Chromium's ToUnicode maps some CJK glyphs Noto shares with the Kangxi radicals (⾴) to those: NFKC gives back the ideographs (頁).
        .normalize('NFKC')
        .replace(/\s+/g, ''),
    );
    const ops = await page.getOperatorList();
    for (let i = 0; i < ops.fnArray.length; i++) {
      if (ops.fnArray[i] !== pdfjs.OPS.setFont) continue;
      const id = (ops.argsArray[i] as [string])[0];
      const font = page.commonObjs.has(id) ? (page.commonObjs.get(id) as { name?: string }) : undefined;
      if (font?.name) fonts.add(font.name);
    }
  }
  await doc.destroy();
  return { pages, fonts: [...fonts] };
}

const squeeze = (s: string) => s.normalize('NFKC').replace(/\s+/g, '');

describe('print-ready documents to PDF', () => {
  let run: ConsoleRun;
  let incident: { id: string; reference: string };
  let drill: { id: string; reference: string };
  let agencyName: string;
  const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    run = await startConsole();
    const t = run.t;
    const w = run.world;
    agencyName = (await t.db.query('SELECT name FROM agencies WHERE id = $1', [w.sub])).rows[0].name;

    // An incident taken through the whole workflow: law enforcement, evidence, the improvement report with a corrective action (level 2: it closes with the report).
    const filed = await fileIncident(t, w.tokens.reporter, { description: LONG, classification: { tlp: 'AMBER', dataLevel: 'sensitive' } });
    const step = async (token: string, event: Record<string, unknown>) => ok(await send(t, token, filed.id, event));
    await step(w.tokens.manager, { type: 'ACKNOWLEDGE' });
    await step(w.tokens.manager, { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' });
    await step(w.tokens.manager, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform', externalReference: 'NCCST-2026-0001' });
    await step(w.tokens.supCiso, { type: 'AUTHORITY_REVIEWED', level: 2, note: '同意分級 Level confirmed' });
    await step(w.tokens.ethics, { type: 'LE_REQUEST', reason: '疑似違反刑法第 358 條 Suspected offence against Criminal Code 358' });
    await step(w.tokens.ethics, { type: 'LE_CONTACTED', lawEnforcementAgency: 'police', officer: '王警官 Officer Wang', caseNumber: 'TPD-115-0042' });
    const evidence = ok(
      await t
        .http()
        .post(`/api/incidents/${filed.id}/evidence`)
        .set(auth(w.tokens.responder))
        .send({
          description: '網頁伺服器磁碟映像 web server disk image',
          source: 'www01 /dev/sda',
          collectedBy: 'responder@sub.gov.tw',
          collectedAt: new Date(t.clock.now().getTime() - 60_000).toISOString(),
          sha256: 'c'.repeat(64),
          storage: '證物櫃 B-2',
        }),
      201,
    );
    await step(w.tokens.ethics, { type: 'LE_EVIDENCE_HANDED_OVER', evidenceIds: [evidence.id] });
    await step(w.tokens.responder, { type: 'CONTAINED', summary: `隔離主機並封鎖來源 IP。Host isolated, source blocked.\n${PARAGRAPH}` });
    await step(w.tokens.responder, { type: 'RECOVERED', summary: `自備份還原網站。Site restored from backup.\n${PARAGRAPH}` });
    await step(w.tokens.ethics, { type: 'LE_CONCLUDED', note: '案件移送地檢署 Case referred to prosecutors' });
    const responderId = (await t.db.query(`SELECT id FROM users WHERE email = 'responder@sub.gov.tw'`)).rows[0].id;
    await step(w.tokens.manager, {
      type: 'SUBMIT_IMPROVEMENT_REPORT',
      rootCause: `外掛程式未更新。An outdated CMS plug-in.\n${LONG}`,
      measures: {
        management: '每月修補檢討 monthly patch review',
        technical: '導入 WAF 規則 WAF rules',
        staffing: '增聘系統管理員',
        resources: '編列弱點掃描經費',
      },
      schedule: '本季結束前完成，每月追蹤 By the end of the quarter, followed monthly',
      correctiveActions: [
        { title: '每月更新 CMS 外掛 Patch the CMS monthly', ownerUserId: responderId, dueAt: new Date(t.clock.now().getTime() + 30 * DAY).toISOString() },
      ],
    });
    incident = { id: filed.id, reference: filed.reference };

    // A drill with its after-action report.
    await seedUser(t, { agencyId: w.sub, email: COORDINATOR, roles: ['continuity_coordinator', 'reporter'] });
    const coordinator = await login(t, COORDINATOR);
    const plan = ok(
      await t
        .http()
        .post('/api/continuity/plans')
        .set(auth(coordinator))
        .send(planBody({ classification: { tlp: 'GREEN', dataLevel: 'general' } })),
      201,
    );
    const scheduled = ok(
      await t
        .http()
        .post(`/api/continuity/plans/${plan.id}/drills`)
        .set(auth(coordinator))
        .send({ scheduledFor: new Date(t.clock.now().getTime() + DAY).toISOString(), drillType: 'functional' }),
      201,
    );
    const drillEvent = async (body: Record<string, unknown>) => {
      const current = ok(await t.http().get(`/api/drills/${scheduled.id}`).set(auth(coordinator)));
      return ok(await t.http().post(`/api/drills/${scheduled.id}/events`).set(auth(coordinator)).set('If-Match', String(current.version)).send(body));
    };
    await drillEvent({ type: 'START' });
    for (let i = 1; i <= 12; i++) await drillEvent({ type: 'RECORD_PARTICIPANT', name: `參與者 ${i} Participant ${i}`, role: 'DBA' });
    await drillEvent({ type: 'COMPLETE', summary: '備援切換完成 Failover done' });
    await drillEvent({
      type: 'SUBMIT_AFTER_ACTION',
      report: afterActionBody({
        objectives: ['RTO 內完成備援切換 Fail over within the RTO', '驗證通報樹 Check the call tree'],
        scenario: `颱風造成主機房斷電。A typhoon cuts power to the primary data centre.\n${LONG}`,
        participants: Array.from({ length: 12 }, (_, i) => ({ name: `參與者 ${i + 1} Participant ${i + 1}`, role: 'DBA', organisation: '資訊室' })),
        correctiveActions: [
          {
            title: '將 DNS 切換寫入程序 Add the DNS change to the runbook',
            ownerUserId: responderId,
            dueAt: new Date(t.clock.now().getTime() + 30 * DAY).toISOString(),
          },
        ],
        planChangeRequired: true,
      }),
    });
    drill = { id: scheduled.id, reference: scheduled.reference };
  }, 120_000);
  afterAll(async () => {
    await run?.close();
  });

  /** Prints the page as the browser's "Save as PDF" does (print media, the document's own A4 @page). */
  async function print(page: Page, name: string): Promise<PdfText> {
    await page.emulateMedia({ media: 'print' });
    // How the page lays out for paper (the margin boxes exist only in the PDF; the text read back shows them).
    await screenshot(page, `${name}-print-media`);
    const pdf = await page.pdf({ format: 'A4', preferCSSPageSize: true, printBackground: true });
    await page.emulateMedia({ media: 'screen' });
    return readPdf(new Uint8Array(pdf));
  }

  async function expectDocument(pdf: PdfText, language: Language, tlp: string, reference: string, titles: string[]) {
    const all = pdf.pages.join('');
    expect(pdf.pages.length).toBeGreaterThanOrEqual(2);
    for (const title of titles) expect(all).toContain(squeeze(title));
    for (const [i, pageText] of pdf.pages.entries()) {
      // The label in the header and in the footer of every page, the agency and reference, "page n of m".
      expect(pageText.split(`TLP:${tlp}`).length - 1).toBeGreaterThanOrEqual(2);
      expect(pageText).toContain(squeeze(agencyName));
      expect(pageText).toContain(reference);
      const number = await text(language, 'doc.page.before');
      const between = await text(language, 'doc.page.between');
      const after = await text(language, 'doc.page.after');
      expect(pageText).toContain(squeeze(`${number}${i + 1}${between}${pdf.pages.length}${after}`));
    }
    // Chinese set in an embedded Noto CJK font.
    expect(pdf.fonts.some((name) => /Noto\w*CJK/i.test(name))).toBe(true);
    // The console's chrome is not printed.
    expect(all).not.toContain(squeeze(await text(language, 'app.logout')));
  }

  it.each<Language>(['zh-TW', 'en'])('prints the incident investigation, handling and improvement report with its seven parts (%s)', async (language) => {
    const tr = (key: string, values?: Record<string, string | number>) => text(language, key, values);
    const page = await openAs(run, { email: USERS.ciso, language, width: language === 'en' ? 375 : 1280, path: `/incidents/${incident.id}` });
    await page.getByRole('heading', { name: exactly(incident.reference) }).waitFor();
    await page.getByRole('link', { name: await tr('doc.incidentLink') }).click();
    await page.getByRole('heading', { name: exactly(await tr('doc.incident.title')) }).waitFor();
    await page.getByText('Patch the CMS monthly', { exact: false }).waitFor();
    await page.getByText('NCCST-2026-0001', { exact: false }).or(page.getByText('TPD-115-0042')).first().waitFor();
    await expectAccessible(page);
    await screenshot(page, `incident-report-${language}`);
    const pdf = await print(page, `incident-report-${language}`);
    const titles = await Promise.all(['doc.incident.title', ...[1, 2, 3, 4, 5, 6, 7].map((n) => `doc.incident.s${n}`)].map((k) => tr(k)));
    await expectDocument(pdf, language, 'AMBER', incident.reference, titles);
    const all = pdf.pages.join('');
    // What the parts say: law enforcement's case number, the evidence hash, the root cause, the corrective action.
    for (const fact of ['TPD-115-0042', 'c'.repeat(64), 'AnoutdatedCMSplug-in', 'PatchtheCMSmonthly']) expect(all).toContain(fact);
    if (language === 'zh-TW') expect(all).toContain(squeeze('資通安全事件調查、處理及改善報告'));
    await page.context().close();
  });

  it.each<Language>(['zh-TW', 'en'])('prints the drill after-action report (%s)', async (language) => {
    const tr = (key: string, values?: Record<string, string | number>) => text(language, key, values);
    const page = await openAs(run, { email: COORDINATOR, language, width: language === 'en' ? 1280 : 375, path: `/drills/${drill.id}` });
    await page.getByRole('heading', { name: exactly(drill.reference) }).waitFor();
    await page.locator('[data-report-link]').click();
    await page.getByRole('heading', { name: exactly(await tr('doc.drill.title')) }).waitFor();
    await page.getByText('Add the DNS change to the runbook', { exact: false }).waitFor();
    await expectAccessible(page);
    await screenshot(page, `drill-report-print-${language}`);
    const pdf = await print(page, `drill-report-${language}`);
    const titles = await Promise.all(['doc.drill.title', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `doc.drill.s${n}`)].map((k) => tr(k)));
    await expectDocument(pdf, language, 'GREEN', drill.reference, titles);
    const all = pdf.pages.join('');
    for (const fact of ['AddtheDNSchangetotherunbook', 'Participant12', squeeze(await tr('drillPage.rating.S'))]) expect(all).toContain(fact);
    if (language === 'zh-TW') expect(all).toContain(squeeze('營運持續演練檢討報告'));
    await page.context().close();
  });
});
