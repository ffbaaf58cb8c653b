import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { DEFAULT_POLICY } from '../apps/api/src/agencies/agency-policy.js';
import { createTestApp, login, PASSWORD, seedAgency, seedUser, type TestApp } from './support/test-app.js';

/**
 * Every kind of bad input gets a 4xx RFC 9457 problem (application/problem+json with type, title
 * and status) and changes nothing; titles are zh-TW by default and English on Accept-Language: en.
 */

const ZH = {
  'validation-error': '輸入資料不正確',
  'malformed-json': 'JSON 格式錯誤',
  'unsupported-media-type': '不支援的內容類型',
  'payload-too-large': '請求內容過大',
  'not-found': '找不到資源',
} as const;
const EN = {
  'validation-error': 'The request is not valid',
  'malformed-json': 'The request body is not valid JSON',
  'unsupported-media-type': 'Unsupported content type',
  'payload-too-large': 'The request body is too large',
  'not-found': 'Not found',
} as const;
type Kind = keyof typeof ZH;

const BODY_LIMIT = 256 * 1024;

function expectProblem(res: Response, status: number, type: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: `/problems/${type}`, status });
  expect(typeof res.body.title).toBe('string');
  expect(res.body.title.length).toBeGreaterThan(0);
}

function expectFieldError(res: Response, field: string, rule?: string): void {
  expectProblem(res, 400, 'validation-error');
  expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining(rule ? { field, rule } : { field })]));
}

const TABLES = ['agencies', 'agency_policies', 'users', 'role_memberships', 'units', 'unit_memberships', 'sessions', 'audit_events'] as const;

describe('bad input: every kind is a 4xx problem and changes nothing', () => {
  let t: TestApp;
  let agencyId: string;
  let userId: string;
  let token: string;

  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of TABLES) out[table] = (await t.db.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    return out;
  }

  async function policyRow(): Promise<unknown> {
    return (await t.db.query('SELECT document, version FROM agency_policies WHERE agency_id = $1', [agencyId])).rows[0];
  }

  const validAgency = () => ({ name: '新機關', code: 'NEWAG', parentId: agencyId, timezone: 'Asia/Taipei', responsibilityLevel: 'C' });

  beforeAll(async () => {
    t = await createTestApp();
    agencyId = await seedAgency(t.db, { code: 'BADIN' });
    userId = await seedUser(t, { agencyId, email: 'admin@badin.gov.tw', roles: ['admin', 'reporter'] });
    token = await login(t, 'admin@badin.gov.tw');
  });
  afterAll(() => t.close());

  describe('malformed JSON', () => {
    const bodies = ['{"email":', '{"email": "a@b.tw",}', "{'email': 'a@b.tw'}", '{"email": "a@b.tw"} trailing', '{"a": tru}', '"just a string"', 'null'];

    it.each(bodies)('answers 400 malformed-json to %j on a public route, before any handler', async (raw) => {
      const before = await counts();
      const res = await t.http().post('/api/auth/login').set('Content-Type', 'application/json').send(raw);
      expectProblem(res, 400, 'malformed-json');
      expect(res.body.instance).toBe('/api/auth/login');
      expect(await counts()).toEqual(before);
    });

    it('answers 400 malformed-json on an authenticated write, creating nothing', async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/agencies')
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/json')
        .send('{"name": "新機關", "code": "NEWAG"');
      expectProblem(res, 400, 'malformed-json');
      expect(await counts()).toEqual(before);
    });

    it('answers 400 malformed-json to a broken policy document, leaving the policy alone', async () => {
      const stored = await policyRow();
      const res = await t
        .http()
        .put(`/api/agencies/${agencyId}/policy`)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(DEFAULT_POLICY).slice(0, -1));
      expectProblem(res, 400, 'malformed-json');
      expect(await policyRow()).toEqual(stored);
    });
  });

  describe('wrong types', () => {
    const cases: Array<{ name: string; method: 'post' | 'patch'; path: () => string; body: () => unknown; field: string; rule: string }> = [
      {
        name: 'a number as login e-mail',
        method: 'post',
        path: () => '/api/auth/login',
        body: () => ({ email: 5, password: PASSWORD }),
        field: 'email',
        rule: 'isEmail',
      },
      {
        name: 'an object as login password',
        method: 'post',
        path: () => '/api/auth/login',
        body: () => ({ email: 'admin@badin.gov.tw', password: { $ne: '' } }),
        field: 'password',
        rule: 'isString',
      },
      {
        name: 'a number as agency name',
        method: 'post',
        path: () => '/api/agencies',
        body: () => ({ ...validAgency(), name: 123 }),
        field: 'name',
        rule: 'isString',
      },
      {
        name: 'a boolean as agency code',
        method: 'post',
        path: () => '/api/agencies',
        body: () => ({ ...validAgency(), code: true }),
        field: 'code',
        rule: 'isString',
      },
      {
        name: 'a number as unit type',
        method: 'post',
        path: () => '/api/units',
        body: () => ({ agencyId, name: '資訊室', type: 1 }),
        field: 'type',
        rule: 'isIn',
      },
      {
        name: 'a string as roles',
        method: 'post',
        path: () => '/api/users',
        body: () => ({ email: 'x@badin.gov.tw', name: 'X', agencyId, roles: 'admin' }),
        field: 'roles',
        rule: 'isArray',
      },
      {
        name: 'a number in roles',
        method: 'post',
        path: () => '/api/users',
        body: () => ({ email: 'x@badin.gov.tw', name: 'X', agencyId, roles: [7] }),
        field: 'roles',
        rule: 'isIn',
      },
      {
        name: 'a string as disabled',
        method: 'patch',
        path: () => `/api/users/${userId}`,
        body: () => ({ disabled: 'false' }),
        field: 'disabled',
        rule: 'isBoolean',
      },
      { name: 'a number as name', method: 'patch', path: () => `/api/users/${userId}`, body: () => ({ name: 0 }), field: 'name', rule: 'isString' },
    ];

    it.each(cases)('answers 400 to $name, naming the field', async ({ method, path, body, field, rule }) => {
      const before = await counts();
      const res = await t
        .http()
        [method](path())
        .set('Authorization', `Bearer ${token}`)
        .send(body() as object);
      expectFieldError(res, field, rule);
      expect(await counts()).toEqual(before);
    });

    it('answers 400 to a JSON list where an object is expected', async () => {
      const before = await counts();
      const res = await t.http().post('/api/agencies').set('Authorization', `Bearer ${token}`).send([validAgency()]);
      expectProblem(res, 400, 'validation-error');
      expect(await counts()).toEqual(before);
    });

    it.each([3_000, 50_000])('answers a 4xx problem, not a 500, to JSON nested %i levels deep (well under the size limit)', async (depth) => {
      const before = await counts();
      const nested = '['.repeat(depth) + ']'.repeat(depth);
      const login = await t.http().post('/api/auth/login').set('Content-Type', 'application/json').send(`{"email":${nested},"password":"x"}`);
      expect(login.status).toBeGreaterThanOrEqual(400);
      expect(login.status).toBeLessThan(500);
      expect(login.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(login.body).toMatchObject({ status: login.status });
      const create = await t.http().post('/api/agencies').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(nested);
      expect(create.status).toBeGreaterThanOrEqual(400);
      expect(create.status).toBeLessThan(500);
      expect(await counts()).toEqual(before);
    });

    it('answers 400 to text that is not valid Unicode (a lone surrogate), creating nothing', async () => {
      const before = await counts();
      const raw = `{"name":"\\ud800","code":"SURR","parentId":"${agencyId}","responsibilityLevel":"C"}`;
      const res = await t.http().post('/api/agencies').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(raw);
      expectProblem(res, 400, 'validation-error');
      expect(await counts()).toEqual(before);
    });

    it('answers 400 to a number where a policy duration is expected', async () => {
      const stored = await policyRow();
      const res = await t
        .http()
        .put(`/api/agencies/${agencyId}/policy`)
        .set('Authorization', `Bearer ${token}`)
        .send({ ...DEFAULT_POLICY, acknowledgementTimeout: 15 });
      expectFieldError(res, 'acknowledgementTimeout', 'isISO8601Duration');
      expect(await policyRow()).toEqual(stored);
    });
  });

  describe('unknown fields', () => {
    it('refuses an unknown field on login with rule whitelist, and no login happens', async () => {
      const before = await counts();
      const res = await t.http().post('/api/auth/login').send({ email: 'admin@badin.gov.tw', password: PASSWORD, rememberMe: true });
      expectFieldError(res, 'rememberMe', 'whitelist');
      expect(await counts()).toEqual(before);
    });

    it('refuses an unknown field on a create, creating nothing', async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/agencies')
        .set('Authorization', `Bearer ${token}`)
        .send({ ...validAgency(), createdAt: '2020-01-01T00:00:00Z' });
      expectFieldError(res, 'createdAt', 'whitelist');
      expect(await counts()).toEqual(before);
    });

    it('refuses an unknown field on an update, changing nothing', async () => {
      const row = (await t.db.query('SELECT * FROM users WHERE id = $1', [userId])).rows[0];
      const res = await t.http().patch(`/api/users/${userId}`).set('Authorization', `Bearer ${token}`).send({ name: 'Renamed', passwordHash: 'x' });
      expectFieldError(res, 'passwordHash', 'whitelist');
      expect((await t.db.query('SELECT * FROM users WHERE id = $1', [userId])).rows[0]).toEqual(row);
    });

    it('refuses an unknown query parameter', async () => {
      const res = await t.http().get('/api/agencies?sort=name').set('Authorization', `Bearer ${token}`);
      expectFieldError(res, 'sort', 'whitelist');
    });
  });

  describe('oversized body', () => {
    it(`answers 413 payload-too-large to a body over ${BODY_LIMIT} bytes, creating nothing`, async () => {
      const before = await counts();
      const body = JSON.stringify({ ...validAgency(), name: 'x'.repeat(BODY_LIMIT + 1) });
      const res = await t.http().post('/api/agencies').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(body);
      expectProblem(res, 413, 'payload-too-large');
      expect(res.body.limit).toBe(BODY_LIMIT);
      expect(await counts()).toEqual(before);
    });

    it('answers 413 on a public route too (no session needed to be refused)', async () => {
      const res = await t
        .http()
        .post('/api/auth/login')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ email: 'admin@badin.gov.tw', password: 'p'.repeat(300 * 1024) }));
      expectProblem(res, 413, 'payload-too-large');
    });

    it('still accepts a body just under the limit (then validates it)', async () => {
      const res = await t
        .http()
        .post('/api/agencies')
        .set('Authorization', `Bearer ${token}`)
        .send({ ...validAgency(), name: 'x'.repeat(BODY_LIMIT - 1024) });
      expectFieldError(res, 'name', 'isLength');
    });
  });

  describe('bad UUIDs in paths', () => {
    const cases = [
      { method: 'get', path: '/api/agencies/not-a-uuid' },
      { method: 'get', path: '/api/agencies/123/policy' },
      { method: 'put', path: '/api/agencies/123/policy' },
      { method: 'get', path: '/api/users/123' },
      { method: 'patch', path: '/api/users/123' },
      { method: 'get', path: `/api/users/${'0'.repeat(32)}x` },
      { method: 'get', path: "/api/users/1'%20OR%20'1'='1" },
    ] as const;

    it.each(cases)('$method $path → 400 naming the parameter id', async ({ method, path }) => {
      const before = await counts();
      const req = t.http()[method](path).set('Authorization', `Bearer ${token}`);
      const res = method === 'get' ? await req : await req.send(method === 'put' ? DEFAULT_POLICY : { name: 'X' });
      expectFieldError(res, 'id', 'isUUID');
      expect(res.body.detail).toMatch(/\bid\b/);
      expect(await counts()).toEqual(before);
    });

    it('treats a UUID in upper case as the same UUID (RFC 9562: case-insensitive on input)', async () => {
      const res = await t.http().get(`/api/agencies/${agencyId.toUpperCase()}`).set('Authorization', `Bearer ${token}`);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(agencyId);
      const units = await t.http().get('/api/units').query({ agencyId: agencyId.toUpperCase() }).set('Authorization', `Bearer ${token}`);
      expect(units.status).toBe(200);
    });

    it('answers 404 (not 400 or 500) to a well-formed UUID that names nothing', async () => {
      const res = await t.http().get('/api/users/00000000-0000-4000-8000-000000000000').set('Authorization', `Bearer ${token}`);
      expectProblem(res, 404, 'not-found');
    });
  });

  describe('content type', () => {
    it('answers 415 to a text/plain body on POST, creating nothing', async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/agencies')
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify(validAgency()));
      expectProblem(res, 415, 'unsupported-media-type');
      expect(await counts()).toEqual(before);
    });

    it('answers 415 to a form-encoded login', async () => {
      const before = await counts();
      const res = await t.http().post('/api/auth/login').type('form').send({ email: 'admin@badin.gov.tw', password: PASSWORD });
      expectProblem(res, 415, 'unsupported-media-type');
      expect(await counts()).toEqual(before);
    });

    it('answers 415 to a text/plain body on PUT and PATCH', async () => {
      const stored = await policyRow();
      const put = await t
        .http()
        .put(`/api/agencies/${agencyId}/policy`)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify(DEFAULT_POLICY));
      expectProblem(put, 415, 'unsupported-media-type');
      const patch = await t
        .http()
        .patch(`/api/users/${userId}`)
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'text/plain')
        .send('{"disabled":true}');
      expectProblem(patch, 415, 'unsupported-media-type');
      expect(await policyRow()).toEqual(stored);
    });

    it('accepts application/json with a charset', async () => {
      const res = await t
        .http()
        .post('/api/auth/login')
        .set('Content-Type', 'application/json; charset=utf-8')
        .send(JSON.stringify({ email: 'admin@badin.gov.tw', password: PASSWORD }));
      expect(res.status).toBe(200);
    });
  });

  describe('NUL characters', () => {
    it('answers 400 to a NUL in a string, naming the field, creating nothing', async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/agencies')
        .set('Authorization', `Bearer ${token}`)
        .send({ ...validAgency(), name: '新\u0000機關' });
      expectFieldError(res, 'name', 'noNul');
      expect(await counts()).toEqual(before);
    });

    it('answers 400 to a NUL deep inside a policy document, naming the dotted path', async () => {
      const stored = await policyRow();
      const body = structuredClone(DEFAULT_POLICY);
      body.clocks.report.minor = 'PT30M\u0000';
      const res = await t.http().put(`/api/agencies/${agencyId}/policy`).set('Authorization', `Bearer ${token}`).send(body);
      expectFieldError(res, 'clocks.report.minor', 'noNul');
      expect(await policyRow()).toEqual(stored);
    });

    it('answers 400 to a NUL in a list item and in a key', async () => {
      const inList = await t
        .http()
        .post('/api/users')
        .set('Authorization', `Bearer ${token}`)
        .send({ email: 'x@badin.gov.tw', name: 'X', agencyId, roles: ['responder\u0000'] });
      expectFieldError(inList, 'roles.0', 'noNul');
      const inKey = await t
        .http()
        .post('/api/agencies')
        .set('Authorization', `Bearer ${token}`)
        .set('Content-Type', 'application/json')
        .send('{"na\\u0000me": "x"}');
      expectProblem(inKey, 400, 'validation-error');
    });

    it('answers 400 to a NUL in a login e-mail, without a login attempt being recorded', async () => {
      const before = await counts();
      const res = await t.http().post('/api/auth/login').send({ email: 'admin@badin.gov.tw\u0000', password: PASSWORD });
      expectFieldError(res, 'email', 'noNul');
      expect(await counts()).toEqual(before);
    });
  });

  describe('unknown routes', () => {
    it.each([
      ['get', '/api/does-not-exist', true],
      ['get', '/api/does-not-exist', false],
      ['post', '/api/agencies/00000000-0000-4000-8000-000000000000/archive', true],
      ['delete', '/api/agencies', true],
      // Any other GET is the web console's (index.html: test/console-serving.test.ts); other methods and the API's own prefixes stay 404.
      ['get', '/health/nothing-here', false],
      ['get', '/admin/nothing-here', false],
      ['post', '/nothing-here', false],
    ] as const)('%s %s (token: %s) → 404 problem', async (method, path, withToken) => {
      const before = await counts();
      let req = t.http()[method](path);
      if (withToken) req = req.set('Authorization', `Bearer ${token}`);
      const res = await req;
      expectProblem(res, 404, 'not-found');
      expect(res.body.detail).toContain(path);
      expect(await counts()).toEqual(before);
    });
  });

  describe('paging parameters', () => {
    it.each([
      ['/api/agencies', '0', 'min'],
      ['/api/agencies', '201', 'max'],
      ['/api/agencies', 'abc', 'isInt'],
      ['/api/agencies', '-1', 'isInt'],
      ['/api/agencies', '1.5', 'isInt'],
      ['/api/agencies', '', 'isInt'],
      ['/api/agencies', '1e2', 'isInt'],
      ['/api/users', '0', 'min'],
      ['/api/users', 'abc', 'isInt'],
      ['/api/units', '1000', 'max'],
    ])('GET %s?limit=%j → 400 on limit (%s)', async (path, limit, rule) => {
      const res = await t.http().get(path).query({ limit }).set('Authorization', `Bearer ${token}`);
      expectFieldError(res, 'limit', rule);
    });

    it('refuses limit given twice', async () => {
      const res = await t.http().get('/api/agencies?limit=1&limit=2').set('Authorization', `Bearer ${token}`);
      expectFieldError(res, 'limit');
    });

    const cursor = (parts: unknown) => Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
    it.each([
      ['/api/agencies', 'characters outside base64url', '!!!', 'matches'],
      ['/api/agencies', 'over 500 characters', 'a'.repeat(501), 'matches'],
      ['/api/agencies', 'base64url that is not JSON', 'abc', 'isCursor'],
      ['/api/agencies', 'two parts where one is expected', cursor(['A', 'B']), 'isCursor'],
      ['/api/agencies', 'an object, not a list', cursor({ code: 'A' }), 'isCursor'],
      ['/api/agencies', 'a number part', cursor([1]), 'isCursor'],
      ['/api/users', 'one part where two are expected', cursor(['only-one']), 'isCursor'],
      ['/api/users', 'text that is not JSON', 'bm90IGpzb24', 'isCursor'],
      ['/api/units', 'null parts', cursor([null, null]), 'isCursor'],
    ])('GET %s with a cursor of %s → 400 on cursor', async (path, _label, value, rule) => {
      const res = await t.http().get(path).query({ cursor: value }).set('Authorization', `Bearer ${token}`);
      expectFieldError(res, 'cursor', rule);
    });

    it.each([
      ['/api/agencies', ['BADIN\u0000']],
      ['/api/users', ['a\u0000', '00000000-0000-4000-8000-000000000000']],
      ['/api/units', ['資訊室\u0000', '00000000-0000-4000-8000-000000000000']],
    ])('GET %s with a cursor hiding a NUL character → 400 on cursor', async (path, parts) => {
      const res = await t
        .http()
        .get(path)
        .query({ cursor: cursor(parts) })
        .set('Authorization', `Bearer ${token}`);
      expectFieldError(res, 'cursor');
    });

    it('accepts a cursor it issued', async () => {
      await seedAgency(t.db, { code: 'PAGEA', parentId: agencyId });
      await seedAgency(t.db, { code: 'PAGEB', parentId: agencyId });
      const first = await t.http().get('/api/agencies?limit=1').set('Authorization', `Bearer ${token}`);
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(1);
      const next = await t.http().get('/api/agencies').query({ limit: 1, cursor: first.body.nextCursor }).set('Authorization', `Bearer ${token}`);
      expect(next.status).toBe(200);
      expect(next.body.items[0].code > first.body.items[0].code).toBe(true);
    });
  });

  describe('problem titles follow Accept-Language', () => {
    const requests: Array<{ kind: Kind; send: (lang?: string) => Promise<Response> }> = [
      { kind: 'malformed-json', send: (lang) => withLang(t.http().post('/api/auth/login'), lang).set('Content-Type', 'application/json').send('{"email":') },
      { kind: 'validation-error', send: (lang) => withLang(t.http().post('/api/auth/login'), lang).send({ email: 'not-an-email', password: 'x' }) },
      { kind: 'unsupported-media-type', send: (lang) => withLang(t.http().post('/api/auth/login'), lang).set('Content-Type', 'text/plain').send('hello') },
      {
        kind: 'payload-too-large',
        send: (lang) =>
          withLang(t.http().post('/api/auth/login'), lang)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify({ email: 'x'.repeat(BODY_LIMIT) })),
      },
      { kind: 'not-found', send: (lang) => withLang(t.http().get('/api/nowhere'), lang) },
      { kind: 'validation-error', send: (lang) => withLang(t.http().get('/api/agencies/not-a-uuid'), lang).set('Authorization', `Bearer ${token}`) },
    ];
    function withLang<R extends { set(k: string, v: string): R }>(req: R, lang?: string): R {
      return lang === undefined ? req : req.set('Accept-Language', lang);
    }

    it.each(requests)('$kind: zh-TW by default and for zh-TW, English for en and en-US', async ({ kind, send }) => {
      for (const lang of [undefined, 'zh-TW', 'zh-TW,zh;q=0.9,en;q=0.8']) {
        const res = await send(lang);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.type).toBe(`/problems/${kind}`);
        expect(res.body.title).toBe(ZH[kind]);
      }
      for (const lang of ['en', 'en-US,en;q=0.9']) {
        const res = await send(lang);
        expect(res.body.type).toBe(`/problems/${kind}`);
        expect(res.body.title).toBe(EN[kind]);
      }
    });
  });
});
