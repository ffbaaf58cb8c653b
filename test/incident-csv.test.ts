import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'csv-parse/sync';
import { fileIncident, seedIncidentWorld, type IncidentWorld } from './support/incident-fixture.js';
import { expectStatus as ok } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

const HEADERS = [
  '案號 Reference',
  '機關 Agency',
  '標題 Title',
  '內容已隱藏 Withheld',
  '類別 Category',
  '子類別 Subcategory',
  '等級 Level',
  '分級標示 Classification',
  '狀態 State',
  '演練 Drill',
  '逾期 Overdue',
  '知悉時間 Aware at',
  '發生時間 Occurred at',
  '建立時間 Filed at',
  '更新時間 Updated at',
];

const GREEN = { tlp: 'GREEN', dataLevel: 'general' };
const TRICKY = '主機當機, "資料庫" 無回應\n第二行 Host down, "db" not answering';
const SECRET = 'SECRET 機敏標題 restricted title';
const FORMULA = '=HYPERLINK("http://evil.example","點我")';
/** A title as the export writes it: one a spreadsheet would run as a formula starts with an apostrophe. */
const defused = (title: string) => (/^[=+\-@\t\r]/.test(title) ? `'${title}` : title);
/** More than one page of the largest size the list serves (200), so the export must walk the cursor. */
const BULK = 201;

describe('GET /api/incidents as CSV', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let secret: { id: string; reference: string };
  let tricky: { id: string; reference: string };
  let formula: { reference: string };
  let level3: { reference: string };
  let oth: { reference: string };

  const csv = (token: string, query: Record<string, string> = {}) =>
    t
      .http()
      .get('/api/incidents')
      .query({ format: 'csv', ...query })
      .set(auth(token));
  const okRes = async (pending: PromiseLike<{ status: number; text: string; body: unknown; headers: Record<string, string> }>) => {
    const res = await pending;
    if (res.status !== 200) throw new Error(`expected 200, got ${res.status}: ${res.text}`);
    return res;
  };
  const records = (text: string): Array<Record<string, string>> => parse(text, { bom: true, columns: true, skip_empty_lines: true });

  beforeAll(async () => {
    t = await createTestApp();
    w = await seedIncidentWorld(t);
    for (let n = 0; n < BULK; n++) {
      await fileIncident(t, w.tokens.responder, { title: `bulk ${n}`, classification: GREEN });
      t.clock.advance(1000);
    }
    secret = await fileIncident(t, w.tokens.manager, { title: SECRET, classification: { tlp: 'AMBER', dataLevel: 'sensitive' } });
    t.clock.advance(1000);
    tricky = await fileIncident(t, w.tokens.reporter, { title: TRICKY, classification: GREEN });
    t.clock.advance(1000);
    formula = await fileIncident(t, w.tokens.reporter, { title: FORMULA, classification: GREEN });
    t.clock.advance(1000);
    level3 = await fileIncident(t, w.tokens.responder, {
      title: 'level three',
      impact: { confidentiality: 3, integrity: 1, availability: 1 },
      classification: GREEN,
    });
    t.clock.advance(1000);
    oth = await fileIncident(t, w.tokens.othReporter, { title: 'OTH only 其他機關', classification: GREEN });
  }, 120_000);
  afterAll(() => t.close());

  it('answers UTF-8 with a BOM, bilingual headers and every incident the reporter may see, as an attachment', async () => {
    const res = await okRes(csv(w.tokens.reporter));
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename="incidents-\d{8}-\d{4}\.csv"$/);
    expect([...Buffer.from(res.text, 'utf8').subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(res.text.split('\r\n')[0]).toBe(`\uFEFF${HEADERS.join(',')}`);

    const rows = records(res.text);
    expect(Object.keys(rows[0]!)).toEqual(HEADERS);
    // All pages: the bulk, the restricted one, the tricky, the formula and the level-3 one; not the sibling agency's.
    expect(rows).toHaveLength(BULK + 4);
    expect(new Set(rows.map((r) => r['機關 Agency']))).toEqual(new Set(['SUB']));
    expect(rows.map((r) => r['案號 Reference'])).not.toContain(oth.reference);
    expect(res.text).not.toContain('OTH only');
    // Newest first, as the list.
    expect(rows[0]!['案號 Reference']).toBe(level3.reference);
    expect(rows.at(-1)!['標題 Title']).toBe('bulk 0');
  });

  it('withholds a restricted title from a reader not cleared for it, exactly as the JSON view does', async () => {
    const rows = records((await okRes(csv(w.tokens.reporter))).text);
    const row = rows.find((r) => r['案號 Reference'] === secret.reference)!;
    expect(row).toMatchObject({
      '標題 Title': '',
      '內容已隱藏 Withheld': 'true',
      '分級標示 Classification': 'AMBER',
      '等級 Level': '2',
      '狀態 State': 'reported',
    });

    // Row by row the same as the reporter's JSON list, every page of it.
    const json: Array<{ reference: string; title: string | null; redacted: boolean }> = [];
    let cursor: string | null = null;
    do {
      const page: { items: typeof json; nextCursor: string | null } = ok(
        await t
          .http()
          .get('/api/incidents')
          .query({ limit: '200', ...(cursor ? { cursor } : {}) })
          .set(auth(w.tokens.reporter)),
      );
      json.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(rows.map((r) => [r['案號 Reference'], r['標題 Title'], r['內容已隱藏 Withheld']])).toEqual(
      json.map((i) => [i.reference, defused(i.title ?? ''), String(i.redacted)]),
    );

    // The on-call manager is cleared: the title is there.
    const cleared = records((await okRes(csv(w.tokens.manager))).text).find((r) => r['案號 Reference'] === secret.reference)!;
    expect(cleared).toMatchObject({ '標題 Title': SECRET, '內容已隱藏 Withheld': 'false' });

    // Each export is on the audit trail: who, which filters, how many rows and withheld; never a title.
    const { rows: audited } = await t.db.query(
      `SELECT a.actor_id, a.details FROM audit_events a JOIN users u ON u.id = a.actor_id
        WHERE a.action = 'incident.list_exported' AND u.email = 'reporter@sub.gov.tw' ORDER BY a.seq`,
    );
    expect(audited.length).toBeGreaterThanOrEqual(1);
    expect(audited.at(-1)!.details).toEqual({
      format: 'csv',
      filename: expect.stringMatching(/^incidents-\d{8}-\d{4}\.csv$/),
      filters: {},
      rows: rows.length,
      withheld: rows.filter((r) => r['內容已隱藏 Withheld'] === 'true').length,
    });
    expect(JSON.stringify(audited)).not.toContain(SECRET);
  });

  it('quotes commas, quotes and line breaks (RFC 4180) and defuses a title a spreadsheet would run as a formula', async () => {
    const res = await okRes(csv(w.tokens.reporter));
    const rows = records(res.text);
    expect(rows.find((r) => r['案號 Reference'] === tricky.reference)!['標題 Title']).toBe(TRICKY);
    expect(res.text).toContain('"主機當機, ""資料庫"" 無回應\n第二行 Host down, ""db"" not answering"');
    expect(rows.find((r) => r['案號 Reference'] === formula.reference)!['標題 Title']).toBe(`'${FORMULA}`);
    // Times in the agency's zone with its offset.
    const row = rows.find((r) => r['案號 Reference'] === tricky.reference)!;
    expect(row['知悉時間 Aware at']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/);
    expect(row['發生時間 Occurred at']).toBe('');
  });

  it('answers Accept: text/csv the same, applies the list filters, and keeps JSON the default', async () => {
    const accepted = await okRes(t.http().get('/api/incidents').query({ level: '3' }).set(auth(w.tokens.reporter)).set('Accept', 'text/csv'));
    expect(accepted.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(records(accepted.text).map((r) => r['案號 Reference'])).toEqual([level3.reference]);

    const mine = records((await okRes(csv(w.tokens.reporter, { mine: 'true' }))).text);
    expect(mine.map((r) => r['案號 Reference']).sort()).toEqual([tricky.reference, formula.reference].sort());

    const json = await t.http().get('/api/incidents').set(auth(w.tokens.reporter));
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.body.items).toHaveLength(50);
    const explicit = await t.http().get('/api/incidents').query({ format: 'json' }).set(auth(w.tokens.reporter)).set('Accept', 'text/csv');
    expect(explicit.headers['content-type']).toMatch(/^application\/json/);
  });

  it('refuses what the list refuses: an agency out of scope, an unknown format', async () => {
    const outside = await csv(w.tokens.reporter, { agencyId: w.oth });
    expect(outside.status).toBe(404);
    expect(outside.headers['content-type']).toMatch(/problem\+json/);
    const unknown = await t.http().get('/api/incidents').query({ format: 'xlsx' }).set(auth(w.tokens.reporter));
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toEqual([expect.objectContaining({ field: 'format' })]);
  });
});
