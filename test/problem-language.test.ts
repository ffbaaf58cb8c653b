import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RULE_MESSAGES } from '../apps/api/src/common/problem-messages.js';
import { createTestApp, login, seedAgency, seedUser, type TestApp } from './support/test-app.js';

/*
 * A problem speaks the caller's language: title, detail and every errors[].message follow
 * Accept-Language (by q, the first language the product speaks), else the signed-in user's own
 * language, else zh-TW. The rule and field names never change.
 */
describe('problems in the caller’s language', () => {
  let t: TestApp;
  let agencyId: string;
  let zhAdmin: string;
  let enAdmin: string;

  beforeAll(async () => {
    t = await createTestApp();
    agencyId = await seedAgency(t.db, { code: 'LANGAG' });
    await seedUser(t, { agencyId, email: 'zh@lang.gov.tw', roles: ['admin', 'reporter'] });
    await seedUser(t, { agencyId, email: 'en@lang.gov.tw', roles: ['admin', 'reporter'], locale: 'en' });
    zhAdmin = await login(t, 'zh@lang.gov.tw');
    enAdmin = await login(t, 'en@lang.gov.tw');
  });
  afterAll(() => t.close());

  const badUnit = (token: string, language?: string) => {
    const req = t.http().post('/api/units').set('Authorization', `Bearer ${token}`);
    return (language === undefined ? req : req.set('Accept-Language', language)).send({ agencyId: 'nope', name: '', type: 'it', extra: 1 });
  };

  it('answers in zh-TW by default: title, detail and each message, with the same fields and rules', async () => {
    const res = await badUnit(zhAdmin);
    expect(res.status).toBe(400);
    expect(res.body.title).toBe('輸入資料不正確');
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'agencyId', rule: 'isUuid', message: 'agencyId 必須是 UUID' },
        { field: 'name', rule: 'isLength', message: 'name 的長度不符（1–200 個字元）' },
        { field: 'extra', rule: 'whitelist', message: '不接受欄位 extra' },
      ]),
    );
    expect(res.body.detail).toContain('agencyId 必須是 UUID');
    expect(res.body.detail).not.toMatch(/must/);
  });

  it('answers in English when Accept-Language asks for it, also as a lower-ranked choice', async () => {
    for (const language of ['en', 'en-GB', 'fr-FR, en;q=0.8, zh-TW;q=0.5']) {
      const res = await badUnit(zhAdmin, language);
      expect([language, res.body.title]).toEqual([language, 'The request is not valid']);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'agencyId', rule: 'isUuid', message: expect.stringMatching(/^agencyId /) })]),
      );
      for (const e of res.body.errors as Array<{ message: string }>) expect(e.message).not.toMatch(/[\u4e00-\u9fff]/);
      expect(res.body.detail).toMatch(/^agencyId/);
    }
    const zh = await badUnit(enAdmin, 'en;q=0.4, zh-TW');
    expect(zh.body.title).toBe('輸入資料不正確');
  });

  it('uses the signed-in user’s own language when no header is sent', async () => {
    const res = await badUnit(enAdmin);
    expect(res.body.title).toBe('The request is not valid');
    expect(res.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'extra', rule: 'whitelist', message: 'property extra should not exist' })]),
    );
    // A language the product does not speak falls back to the user's.
    expect((await badUnit(enAdmin, 'fr')).body.title).toBe('The request is not valid');
    expect((await badUnit(zhAdmin, 'fr')).body.title).toBe('輸入資料不正確');
  });

  it('names what was not found in the caller’s language', async () => {
    const id = randomUUID();
    const zh = await t.http().get(`/api/incidents/${id}`).set('Authorization', `Bearer ${zhAdmin}`);
    expect(zh.status).toBe(404);
    expect(zh.body.detail).toBe(`找不到事件 ${id}`);
    const en = await t.http().get(`/api/incidents/${id}`).set('Authorization', `Bearer ${enAdmin}`);
    expect(en.body.detail).toBe(`incident ${id} not found`);
  });

  it('has both languages for every rule of the catalog', () => {
    for (const [rule, texts] of Object.entries(RULE_MESSAGES)) {
      expect([rule, texts['zh-TW'].length > 0, /[\u4e00-\u9fff]/.test(texts['zh-TW']) || /^[A-Za-z]/.test(texts['zh-TW'])]).toEqual([rule, true, true]);
      expect([rule, texts.en.length > 0, /[\u4e00-\u9fff]/.test(texts.en)]).toEqual([rule, true, false]);
    }
  });
});
