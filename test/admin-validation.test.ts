import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { DEFAULT_POLICY, type AgencyPolicyDocument } from '../apps/api/src/agencies/agency-policy.js';
import { createTestApp, login, seedAgency, seedUser, type TestApp } from './support/test-app.js';

/**
 * Table-driven validation of the admin endpoints: every bad body is a 400 problem naming the
 * field and the rule, and writes nothing. Plus the success, conflict, scope and role cases.
 */

const DAY = 86_400_000;

type Body = Record<string, unknown>;
/** A change to a valid body: a value replaces the field, `undefined` removes it. */
type Patch = Record<string, unknown>;

function withPatch(base: Body, patch: Patch): Body {
  const out: Body = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

function expectValidationError(res: Response, field: string, rule: string): void {
  expect(res.status).toBe(400);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: '/problems/validation-error', status: 400 });
  expect(typeof res.body.title).toBe('string');
  expect(Array.isArray(res.body.errors)).toBe(true);
  expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
}

function expectProblem(res: Response, status: number, type: string): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ type: `/problems/${type}`, status });
}

const TABLES = ['agencies', 'agency_policies', 'users', 'role_memberships', 'units', 'unit_memberships', 'audit_events'] as const;
type Counts = Record<(typeof TABLES)[number], number>;

describe('admin endpoints: validation, conflicts, scope and roles', () => {
  let t: TestApp;
  let rootId: string;
  let childId: string;
  let otherId: string;
  let adminId: string;
  let otherUserId: string;
  let childUserId: string;
  let otherUnitId: string;
  let childUnitId: string;
  let adminToken: string;
  let cisoToken: string;
  let responderToken: string;
  let reporterToken: string;

  async function counts(): Promise<Counts> {
    const out = {} as Counts;
    for (const table of TABLES) {
      const r = await t.db.query(`SELECT count(*)::int AS n FROM ${table}`);
      out[table] = r.rows[0].n as number;
    }
    return out;
  }

  /** Counts after a refusal that is itself audited (403, scope 404): only audit_events grows, by one. */
  function plusOneRefusal(before: Counts): Counts {
    return { ...before, audit_events: before.audit_events + 1 };
  }

  beforeAll(async () => {
    t = await createTestApp();
    rootId = await seedAgency(t.db, { code: 'ROOTAG', level: 'A' });
    childId = await seedAgency(t.db, { code: 'CHILDAG', parentId: rootId });
    otherId = await seedAgency(t.db, { code: 'OTHERAG' });
    adminId = await seedUser(t, { agencyId: rootId, email: 'admin@root.gov.tw', roles: ['admin', 'reporter'] });
    await seedUser(t, { agencyId: rootId, email: 'ciso@root.gov.tw', roles: ['ciso', 'reporter'] });
    await seedUser(t, { agencyId: rootId, email: 'responder@root.gov.tw', roles: ['responder', 'reporter'] });
    await seedUser(t, { agencyId: rootId, email: 'reporter@root.gov.tw', roles: ['reporter'] });
    otherUserId = await seedUser(t, { agencyId: otherId, email: 'someone@other.gov.tw', roles: ['reporter'] });
    childUserId = await seedUser(t, { agencyId: childId, email: 'someone@child.gov.tw', roles: ['reporter'] });
    otherUnitId = randomUUID();
    childUnitId = randomUUID();
    for (const [id, agencyId] of [
      [otherUnitId, otherId],
      [childUnitId, childId],
    ] as const) {
      await t.db.query(`INSERT INTO units (id, agency_id, name, type, created_at, updated_at) VALUES ($1, $2, '資訊室', 'it', now(), now())`, [id, agencyId]);
    }
    adminToken = await login(t, 'admin@root.gov.tw');
    cisoToken = await login(t, 'ciso@root.gov.tw');
    responderToken = await login(t, 'responder@root.gov.tw');
    reporterToken = await login(t, 'reporter@root.gov.tw');
  });
  afterAll(() => t.close());

  // ---------------------------------------------------------------- POST /api/agencies
  describe('POST /api/agencies', () => {
    const valid = (): Body => ({ name: '臺北市政府資訊局', code: 'TPEDOIT', parentId: rootId, timezone: 'Asia/Taipei', responsibilityLevel: 'B' });

    const cases: Array<{ name: string; patch: Patch; field: string; rule: string }> = [
      { name: 'an empty name', patch: { name: '' }, field: 'name', rule: 'isLength' },
      { name: 'a name over 200 characters', patch: { name: '機'.repeat(201) }, field: 'name', rule: 'isLength' },
      { name: 'a number as name', patch: { name: 42 }, field: 'name', rule: 'isString' },
      { name: 'a missing name', patch: { name: undefined }, field: 'name', rule: 'isString' },
      { name: 'a lower-case code', patch: { code: 'tpedoit' }, field: 'code', rule: 'matches' },
      { name: 'a one-letter code', patch: { code: 'T' }, field: 'code', rule: 'matches' },
      { name: 'a code starting with a digit', patch: { code: '1TPE' }, field: 'code', rule: 'matches' },
      { name: 'a code of 17 characters', patch: { code: 'A'.repeat(17) }, field: 'code', rule: 'matches' },
      { name: 'a code with a hyphen', patch: { code: 'TPE-DOIT' }, field: 'code', rule: 'matches' },
      { name: 'a number as code', patch: { code: 12 }, field: 'code', rule: 'isString' },
      { name: 'a missing code', patch: { code: undefined }, field: 'code', rule: 'isString' },
      { name: 'a parentId that is not a UUID', patch: { parentId: 'root' }, field: 'parentId', rule: 'isUuid' },
      { name: 'a missing parentId', patch: { parentId: undefined }, field: 'parentId', rule: 'isUuid' },
      { name: 'a null parentId', patch: { parentId: null }, field: 'parentId', rule: 'isUuid' },
      { name: 'an unknown time zone', patch: { timezone: 'Mars/Olympus_Mons' }, field: 'timezone', rule: 'isTimeZone' },
      { name: 'a UTC offset instead of a zone', patch: { timezone: '+08:00' }, field: 'timezone', rule: 'isTimeZone' },
      { name: 'a number as time zone', patch: { timezone: 8 }, field: 'timezone', rule: 'isTimeZone' },
      { name: 'responsibility level F', patch: { responsibilityLevel: 'F' }, field: 'responsibilityLevel', rule: 'isIn' },
      { name: 'a lower-case responsibility level', patch: { responsibilityLevel: 'a' }, field: 'responsibilityLevel', rule: 'isIn' },
      { name: 'a missing responsibility level', patch: { responsibilityLevel: undefined }, field: 'responsibilityLevel', rule: 'isIn' },
      { name: 'an unknown field', patch: { budget: 1000 }, field: 'budget', rule: 'whitelist' },
      { name: 'an attempt to set the id', patch: { id: randomUUID() }, field: 'id', rule: 'whitelist' },
    ];

    it.each(cases)('refuses $name (400, nothing written)', async ({ patch, field, rule }) => {
      const before = await counts();
      const res = await t.http().post('/api/agencies').set('Authorization', `Bearer ${adminToken}`).send(withPatch(valid(), patch));
      expectValidationError(res, field, rule);
      expect(await counts()).toEqual(before);
    });

    it('refuses an empty body, naming every required field', async () => {
      const before = await counts();
      const res = await t.http().post('/api/agencies').set('Authorization', `Bearer ${adminToken}`).send({});
      expectValidationError(res, 'name', 'isString');
      const fields = new Set((res.body.errors as Array<{ field: string }>).map((e) => e.field));
      expect([...fields].sort()).toEqual(['code', 'name', 'parentId', 'responsibilityLevel']);
      expect(await counts()).toEqual(before);
    });

    it('creates an agency below its own (201) with the default policy, and audits it', async () => {
      const res = await t.http().post('/api/agencies').set('Authorization', `Bearer ${adminToken}`).send(valid());
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: '臺北市政府資訊局', code: 'TPEDOIT', parentId: rootId, timezone: 'Asia/Taipei', responsibilityLevel: 'B' });
      const id = res.body.id as string;
      const policy = await t.db.query('SELECT document, version FROM agency_policies WHERE agency_id = $1', [id]);
      expect(policy.rows[0]).toEqual({ document: DEFAULT_POLICY, version: 1 });
      const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'agency.create' AND target_id = $1`, [id]);
      expect(audit.rows[0].n).toBe(1);
      const read = await t.http().get(`/api/agencies/${id}`).set('Authorization', `Bearer ${adminToken}`);
      expect(read.status).toBe(200);
    });

    it('defaults the time zone to Asia/Taipei', async () => {
      const res = await t
        .http()
        .post('/api/agencies')
        .set('Authorization', `Bearer ${adminToken}`)
        .send(withPatch(valid(), { code: 'NOZONE', timezone: undefined }));
      expect(res.status).toBe(201);
      expect(res.body.timezone).toBe('Asia/Taipei');
    });

    it('refuses a duplicate code with 409 and writes nothing', async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/agencies')
        .set('Authorization', `Bearer ${adminToken}`)
        .send(withPatch(valid(), { name: '另一個機關', code: 'CHILDAG' }));
      expectProblem(res, 409, 'conflict');
      expect(res.body.field).toBe('code');
      expect(await counts()).toEqual(before);
    });

    it("answers 404 for a parentId outside the admin's scope, writing only the audited refusal", async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/agencies')
        .set('Authorization', `Bearer ${adminToken}`)
        .send(withPatch(valid(), { code: 'SNEAKY', parentId: otherId }));
      expectProblem(res, 404, 'not-found');
      expect(await counts()).toEqual(plusOneRefusal(before));
      const refusal = await t.db.query(`SELECT outcome, details FROM audit_events ORDER BY seq DESC LIMIT 1`);
      expect(refusal.rows[0]).toMatchObject({ outcome: 'refused', details: { status: 404 } });
    });

    it('answers 404 for a parentId that does not exist', async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/agencies')
        .set('Authorization', `Bearer ${adminToken}`)
        .send(withPatch(valid(), { code: 'GHOST', parentId: randomUUID() }));
      expectProblem(res, 404, 'not-found');
      expect((await counts()).agencies).toBe(before.agencies);
    });

    it('refuses a non-admin with 403 and writes nothing but the refusal', async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/agencies')
        .set('Authorization', `Bearer ${cisoToken}`)
        .send(withPatch(valid(), { code: 'BYCISO' }));
      expectProblem(res, 403, 'forbidden');
      expect(await counts()).toEqual(plusOneRefusal(before));
    });
  });

  // ---------------------------------------------------------------- GET|PUT /api/agencies/{id}/policy
  describe('GET|PUT /api/agencies/{id}/policy', () => {
    const policy = (): AgencyPolicyDocument => structuredClone(DEFAULT_POLICY) as AgencyPolicyDocument;
    /** Sets (or, with undefined, removes) the value at a dotted path of a policy document. */
    function changed(change: Record<string, unknown>): unknown {
      const doc = policy() as unknown as Record<string, unknown>;
      for (const [path, value] of Object.entries(change)) {
        const keys = path.split('.');
        const last = keys.pop()!;
        const parent = keys.reduce<Record<string, unknown>>((o, k) => o[k] as Record<string, unknown>, doc);
        if (value === undefined) delete parent[last];
        else parent[last] = value;
      }
      return doc;
    }

    const cases: Array<{ name: string; change: Record<string, unknown>; field: string; rule: string }> = [
      { name: 'lengthening the minor report clock to PT2H', change: { 'clocks.report.minor': 'PT2H' }, field: 'clocks.report.minor', rule: 'max' },
      { name: 'lengthening the major report clock by one second', change: { 'clocks.report.major': 'PT1H0M1S' }, field: 'clocks.report.major', rule: 'max' },
      { name: 'lengthening the major recovery clock to PT37H', change: { 'clocks.recovery.major': 'PT37H' }, field: 'clocks.recovery.major', rule: 'max' },
      {
        name: 'lengthening the improvement report to P2M',
        change: { 'clocks.improvementReport.minor': 'P2M' },
        field: 'clocks.improvementReport.minor',
        rule: 'max',
      },
      { name: 'a clock of 300000 years (past the range of a Date)', change: { 'clocks.report.minor': 'P300000Y' }, field: 'clocks.report.minor', rule: 'max' },
      {
        name: 'a fractional month (P1.5M: calendar units must be whole)',
        change: { 'clocks.improvementReport.major': 'P1.5M' },
        field: 'clocks.improvementReport.major',
        rule: 'isISO8601Duration',
      },
      { name: 'a duration written in words', change: { 'clocks.report.minor': '1 hour' }, field: 'clocks.report.minor', rule: 'isISO8601Duration' },
      { name: 'a duration without the T', change: { 'clocks.superiorReview.minor': 'P8H' }, field: 'clocks.superiorReview.minor', rule: 'isISO8601Duration' },
      { name: 'a number of minutes instead of a duration', change: { 'clocks.report.minor': 60 }, field: 'clocks.report.minor', rule: 'isISO8601Duration' },
      { name: 'a zero duration', change: { 'clocks.report.minor': 'PT0S' }, field: 'clocks.report.minor', rule: 'min' },
      { name: 'a missing clock', change: { 'clocks.recovery': undefined }, field: 'clocks.recovery', rule: 'isObject' },
      { name: 'an unknown clock', change: { 'clocks.coffee': { minor: 'PT1H', major: 'PT1H' } }, field: 'clocks.coffee', rule: 'whitelist' },
      { name: 'an unknown key in a clock', change: { 'clocks.report.critical': 'PT30M' }, field: 'clocks.report.critical', rule: 'whitelist' },
      { name: 'an unknown top-level key', change: { holidays: [] }, field: 'holidays', rule: 'whitelist' },
      { name: 'an acknowledgement timeout over PT1H', change: { acknowledgementTimeout: 'PT2H' }, field: 'acknowledgementTimeout', rule: 'max' },
      { name: 'no escalation steps', change: { 'escalation.steps': [] }, field: 'escalation.steps', rule: 'arrayLength' },
      { name: 'an unknown escalation target', change: { 'escalation.steps.0.target': 'minister' }, field: 'escalation.steps.0.target', rule: 'isIn' },
      { name: 'an escalation step timeout over PT1H', change: { 'escalation.steps.1.timeout': 'PT90M' }, field: 'escalation.steps.1.timeout', rule: 'max' },
      { name: 'escalation repeated 6 times', change: { 'escalation.repeat': 6 }, field: 'escalation.repeat', rule: 'max' },
      { name: 'a password age over 180 days', change: { 'passwords.maxAgeDays': 181 }, field: 'passwords.maxAgeDays', rule: 'max' },
      {
        name: 'a privileged password age over 90 days',
        change: { 'passwords.privilegedMaxAgeDays': 91 },
        field: 'passwords.privilegedMaxAgeDays',
        rule: 'max',
      },
      { name: 'a lockout threshold of 6', change: { 'lockout.threshold': 6 }, field: 'lockout.threshold', rule: 'max' },
      { name: 'a lockout threshold of 0', change: { 'lockout.threshold': 0 }, field: 'lockout.threshold', rule: 'min' },
      { name: 'a fractional lockout threshold', change: { 'lockout.threshold': 2.5 }, field: 'lockout.threshold', rule: 'isInt' },
      { name: 'a lockout threshold given as a string', change: { 'lockout.threshold': '5' }, field: 'lockout.threshold', rule: 'isInt' },
      { name: 'a lockout shorter than PT5M', change: { 'lockout.duration': 'PT1M' }, field: 'lockout.duration', rule: 'min' },
      { name: 'a lockout longer than a day', change: { 'lockout.duration': 'P2D' }, field: 'lockout.duration', rule: 'max' },
      { name: 'a vendor account limit of 0 days', change: { vendorAccountMaxDays: 0 }, field: 'vendorAccountMaxDays', rule: 'min' },
      { name: 'passwords given as a list', change: { passwords: [180, 90] }, field: 'passwords', rule: 'isObject' },
    ];

    async function policyRow(agencyId: string): Promise<{ document: unknown; version: number }> {
      const r = await t.db.query('SELECT document, version FROM agency_policies WHERE agency_id = $1', [agencyId]);
      return r.rows[0];
    }

    it('reads the default policy at version 1', async () => {
      const res = await t.http().get(`/api/agencies/${childId}/policy`).set('Authorization', `Bearer ${adminToken}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ agencyId: childId, version: 1, policy: DEFAULT_POLICY });
    });

    // The refusals are tried on an agency of their own, so that a wrongly accepted body cannot
    // shift the version numbers the success cases below expect.
    let refusalsId: string;
    beforeAll(async () => {
      refusalsId = await seedAgency(t.db, { code: 'POLICYAG', parentId: rootId });
    });

    it.each(cases)('refuses $name (400, policy unchanged)', async ({ change, field, rule }) => {
      const before = await counts();
      const stored = await policyRow(refusalsId);
      const body = changed(change) as object;
      const res = await t.http().put(`/api/agencies/${refusalsId}/policy`).set('Authorization', `Bearer ${adminToken}`).send(body);
      expectValidationError(res, field, rule);
      expect(await policyRow(refusalsId)).toEqual(stored);
      expect(await counts()).toEqual(before);
    });

    it('refuses a body that is a list, not a policy', async () => {
      const stored = await policyRow(refusalsId);
      const res = await t.http().put(`/api/agencies/${refusalsId}/policy`).set('Authorization', `Bearer ${adminToken}`).send([DEFAULT_POLICY]);
      expectValidationError(res, 'body', 'isObject');
      expect(await policyRow(refusalsId)).toEqual(stored);
    });

    it('reports every error of a body at once', async () => {
      const body = policy();
      body.clocks.report.minor = 'PT2H';
      body.lockout.threshold = 6;
      const res = await t.http().put(`/api/agencies/${refusalsId}/policy`).set('Authorization', `Bearer ${adminToken}`).send(body);
      expectValidationError(res, 'clocks.report.minor', 'max');
      expectValidationError(res, 'lockout.threshold', 'max');
    });

    it('accepts shortening the report clock to PT30M and returns version 2', async () => {
      const body = policy();
      body.clocks.report = { minor: 'PT30M', major: 'PT30M' };
      const res = await t.http().put(`/api/agencies/${childId}/policy`).set('Authorization', `Bearer ${adminToken}`).set('If-Match', '"1"').send(body);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ agencyId: childId, version: 2, policy: body });
      expect(res.headers.etag).toBe('"2"');
      const read = await t.http().get(`/api/agencies/${childId}/policy`).set('Authorization', `Bearer ${adminToken}`);
      expect(read.body).toMatchObject({ version: 2, policy: { clocks: { report: { minor: 'PT30M', major: 'PT30M' } } } });
      const audit = await t.db.query(`SELECT details->>'version' AS version FROM audit_events WHERE action = 'agency.policy.replace' AND target_id = $1`, [
        childId,
      ]);
      expect(audit.rows).toEqual([{ version: '2' }]);
    });

    it('lets a ciso replace the policy too (version 3)', async () => {
      const body = policy();
      body.clocks.report = { minor: 'PT45M', major: 'PT30M' };
      const res = await t.http().put(`/api/agencies/${childId}/policy`).set('Authorization', `Bearer ${cisoToken}`).set('If-Match', '2').send(body);
      expect(res.status).toBe(200);
      expect(res.body.version).toBe(3);
    });

    it('takes back what GET answered: GET’s policy PUT as it is with If-Match its ETag, version and ETag one up, the policy the same', async () => {
      const read = await t.http().get(`/api/agencies/${childId}/policy`).set('Authorization', `Bearer ${adminToken}`);
      expect(read.status).toBe(200);
      expect(read.headers.etag).toBe(`"${read.body.version}"`);
      const put = await t
        .http()
        .put(`/api/agencies/${childId}/policy`)
        .set('Authorization', `Bearer ${adminToken}`)
        .set('If-Match', read.headers.etag!)
        .send(read.body.policy);
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ agencyId: childId, version: read.body.version + 1, policy: read.body.policy });
      expect(put.headers.etag).toBe(`"${read.body.version + 1}"`);
      const again = await t.http().get(`/api/agencies/${childId}/policy`).set('Authorization', `Bearer ${adminToken}`);
      expect(again.body).toEqual(put.body);
      // An agency with no stored policy answers the law's defaults at version 0, and takes them back the same way.
      const fresh = await seedAgency(t.db, { code: 'FRESHPOL', parentId: rootId });
      await t.db.query('DELETE FROM agency_policies WHERE agency_id = $1', [fresh]);
      const defaults = await t.http().get(`/api/agencies/${fresh}/policy`).set('Authorization', `Bearer ${adminToken}`);
      expect([defaults.body.version, defaults.headers.etag]).toEqual([0, '"0"']);
      const first = await t
        .http()
        .put(`/api/agencies/${fresh}/policy`)
        .set('Authorization', `Bearer ${adminToken}`)
        .set('If-Match', '"0"')
        .send(defaults.body.policy);
      expect([first.status, first.body.version]).toEqual([200, 1]);
    });

    it('refuses a PUT without If-Match (428) and one with a stale version (409, currentVersion), changing nothing', async () => {
      const stored = await policyRow(childId);
      const before = await counts();
      const body = policy();
      body.clocks.report = { minor: 'PT20M', major: 'PT20M' };
      const missing = await t.http().put(`/api/agencies/${childId}/policy`).set('Authorization', `Bearer ${adminToken}`).send(body);
      expectProblem(missing, 428, 'precondition-required');
      expect(missing.body.detail).toContain('If-Match');
      const stale = await t
        .http()
        .put(`/api/agencies/${childId}/policy`)
        .set('Authorization', `Bearer ${adminToken}`)
        .set('If-Match', `"${stored.version - 1}"`)
        .send(body);
      expectProblem(stale, 409, 'conflict');
      expect(stale.body.currentVersion).toBe(stored.version);
      const malformed = await t.http().put(`/api/agencies/${childId}/policy`).set('Authorization', `Bearer ${adminToken}`).set('If-Match', 'latest').send(body);
      expectValidationError(malformed, 'If-Match', 'isVersion');
      expect(await policyRow(childId)).toEqual(stored);
      expect(await counts()).toEqual(before);
    });

    it('tells the rule between fields (reportReminderLead shorter than the report clock) with the structure’s errors, at once', async () => {
      const stored = await policyRow(refusalsId);
      const body = policy();
      body.clocks.report = { minor: 'PT30M', major: 'PT20M' };
      body.reportReminderLead = 'PT25M';
      body.lockout.threshold = 6;
      const res = await t
        .http()
        .put(`/api/agencies/${refusalsId}/policy`)
        .set('Authorization', `Bearer ${adminToken}`)
        .set('If-Match', `"${stored.version}"`)
        .send(body);
      expectValidationError(res, 'reportReminderLead', 'shorterThanReportClock');
      expectValidationError(res, 'lockout.threshold', 'max');
      expect(res.body.errors).toHaveLength(2);
      const en = await t
        .http()
        .put(`/api/agencies/${refusalsId}/policy`)
        .set('Authorization', `Bearer ${adminToken}`)
        .set('Accept-Language', 'en')
        .set('If-Match', `"${stored.version}"`)
        .send({ ...body, lockout: DEFAULT_POLICY.lockout });
      expect(en.body.errors).toEqual([
        {
          field: 'reportReminderLead',
          rule: 'shorterThanReportClock',
          message: expect.stringMatching(/^reportReminderLead must be shorter than the shortest report clock \(PT20M\)/),
        },
      ]);
      expect(await policyRow(refusalsId)).toEqual(stored);
    });

    it('refuses a responder with 403 and leaves the policy alone', async () => {
      const stored = await policyRow(rootId);
      const before = await counts();
      const body = policy();
      body.clocks.report = { minor: 'PT30M', major: 'PT30M' };
      const res = await t.http().put(`/api/agencies/${rootId}/policy`).set('Authorization', `Bearer ${responderToken}`).send(body);
      expectProblem(res, 403, 'forbidden');
      expect(await policyRow(rootId)).toEqual(stored);
      expect(await counts()).toEqual(plusOneRefusal(before));
      const read = await t.http().get(`/api/agencies/${rootId}/policy`).set('Authorization', `Bearer ${responderToken}`);
      expect(read.status).toBe(200);
      expect(read.body.version).toBe(1);
    });

    it('answers 404 for the policy of an agency outside the scope', async () => {
      const stored = await policyRow(otherId);
      const put = await t.http().put(`/api/agencies/${otherId}/policy`).set('Authorization', `Bearer ${adminToken}`).send(policy());
      expectProblem(put, 404, 'not-found');
      const get = await t.http().get(`/api/agencies/${otherId}/policy`).set('Authorization', `Bearer ${adminToken}`);
      expectProblem(get, 404, 'not-found');
      expect(await policyRow(otherId)).toEqual(stored);
    });
  });

  // ---------------------------------------------------------------- POST /api/units
  describe('POST /api/units', () => {
    const valid = (): Body => ({ agencyId: rootId, name: '資訊室', type: 'it', headUserId: adminId, email: 'it@root.gov.tw' });

    const cases: Array<{ name: string; patch: () => Patch; field: string; rule: string }> = [
      { name: 'an agencyId that is not a UUID', patch: () => ({ agencyId: 'ROOTAG' }), field: 'agencyId', rule: 'isUuid' },
      { name: 'a missing agencyId', patch: () => ({ agencyId: undefined }), field: 'agencyId', rule: 'isUuid' },
      { name: 'an empty name', patch: () => ({ name: '' }), field: 'name', rule: 'isLength' },
      { name: 'a name over 200 characters', patch: () => ({ name: 'x'.repeat(201) }), field: 'name', rule: 'isLength' },
      { name: 'a list as name', patch: () => ({ name: ['資訊室'] }), field: 'name', rule: 'isString' },
      { name: 'an unknown unit type', patch: () => ({ type: 'security' }), field: 'type', rule: 'isIn' },
      { name: 'an upper-case unit type', patch: () => ({ type: 'IT' }), field: 'type', rule: 'isIn' },
      { name: 'a missing type', patch: () => ({ type: undefined }), field: 'type', rule: 'isIn' },
      { name: 'a headUserId that is not a UUID', patch: () => ({ headUserId: 'admin@root.gov.tw' }), field: 'headUserId', rule: 'isUuid' },
      { name: 'a head from another agency', patch: () => ({ headUserId: otherUserId }), field: 'headUserId', rule: 'sameAgency' },
      { name: 'a head from a subordinate agency', patch: () => ({ headUserId: childUserId }), field: 'headUserId', rule: 'sameAgency' },
      { name: 'a head who does not exist', patch: () => ({ headUserId: randomUUID() }), field: 'headUserId', rule: 'sameAgency' },
      { name: 'an e-mail without a domain', patch: () => ({ email: 'it-office' }), field: 'email', rule: 'isEmail' },
      { name: 'an e-mail with spaces', patch: () => ({ email: 'it office@root.gov.tw' }), field: 'email', rule: 'isEmail' },
      { name: 'a number as e-mail', patch: () => ({ email: 7 }), field: 'email', rule: 'isEmail' },
      { name: 'an unknown field', patch: () => ({ memberIds: [adminId] }), field: 'memberIds', rule: 'whitelist' },
    ];

    it.each(cases)('refuses $name (400, nothing written)', async ({ patch, field, rule }) => {
      const before = await counts();
      const res = await t.http().post('/api/units').set('Authorization', `Bearer ${adminToken}`).send(withPatch(valid(), patch()));
      expectValidationError(res, field, rule);
      expect(await counts()).toEqual(before);
    });

    it('creates a unit (201) with its head as a member', async () => {
      const res = await t.http().post('/api/units').set('Authorization', `Bearer ${adminToken}`).send(valid());
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ agencyId: rootId, name: '資訊室', type: 'it', headUserId: adminId, email: 'it@root.gov.tw', memberIds: [adminId] });
    });

    it('creates a unit without head or e-mail', async () => {
      const res = await t.http().post('/api/units').set('Authorization', `Bearer ${adminToken}`).send({ agencyId: rootId, name: '政風室', type: 'ethics' });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ headUserId: null, email: null, memberIds: [] });
    });

    it('refuses a second unit of the same name in the agency with 409', async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/units')
        .set('Authorization', `Bearer ${adminToken}`)
        .send(withPatch(valid(), { type: 'other', headUserId: undefined }));
      expectProblem(res, 409, 'conflict');
      expect(res.body.field).toBe('name');
      expect(await counts()).toEqual(before);
    });

    it('allows the same unit name in another agency', async () => {
      const res = await t
        .http()
        .post('/api/units')
        .set('Authorization', `Bearer ${adminToken}`)
        .send({ agencyId: childId, name: '政風室', type: 'ethics', headUserId: childUserId });
      expect(res.status).toBe(201);
    });

    it('answers 404 for an agency outside the scope', async () => {
      const before = await counts();
      const res = await t.http().post('/api/units').set('Authorization', `Bearer ${adminToken}`).send({ agencyId: otherId, name: '會計室', type: 'business' });
      expectProblem(res, 404, 'not-found');
      expect(await counts()).toEqual(plusOneRefusal(before));
    });

    it('refuses a non-admin with 403', async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/units')
        .set('Authorization', `Bearer ${responderToken}`)
        .send({ agencyId: rootId, name: '會計室', type: 'business' });
      expectProblem(res, 403, 'forbidden');
      expect(await counts()).toEqual(plusOneRefusal(before));
    });
  });

  // ---------------------------------------------------------------- POST /api/users
  describe('POST /api/users', () => {
    const valid = (): Body => ({ email: 'new.person@root.gov.tw', name: '陳小明', agencyId: rootId, roles: ['responder'] });
    const inDays = (days: number, extraMs = 0) => new Date(t.clock.now().getTime() + days * DAY + extraMs).toISOString();

    const cases: Array<{ name: string; patch: () => Patch; field: string; rule: string }> = [
      { name: 'an e-mail without @', patch: () => ({ email: 'new.person' }), field: 'email', rule: 'isEmail' },
      { name: 'a number as e-mail', patch: () => ({ email: 42 }), field: 'email', rule: 'isEmail' },
      { name: 'a missing e-mail', patch: () => ({ email: undefined }), field: 'email', rule: 'isEmail' },
      { name: 'an empty name', patch: () => ({ name: '' }), field: 'name', rule: 'isLength' },
      { name: 'a missing name', patch: () => ({ name: undefined }), field: 'name', rule: 'isString' },
      { name: 'an agencyId that is not a UUID', patch: () => ({ agencyId: 'ROOTAG' }), field: 'agencyId', rule: 'isUuid' },
      { name: 'no roles', patch: () => ({ roles: [] }), field: 'roles', rule: 'arrayMinSize' },
      { name: 'a missing roles list', patch: () => ({ roles: undefined }), field: 'roles', rule: 'isArray' },
      { name: 'a role given as a string', patch: () => ({ roles: 'responder' }), field: 'roles', rule: 'isArray' },
      { name: 'a role given twice', patch: () => ({ roles: ['responder', 'responder'] }), field: 'roles', rule: 'arrayUnique' },
      { name: 'an unknown role', patch: () => ({ roles: ['superuser'] }), field: 'roles', rule: 'isIn' },
      { name: 'a role in upper case', patch: () => ({ roles: ['ADMIN'] }), field: 'roles', rule: 'isIn' },
      { name: 'a unitId that is not a UUID', patch: () => ({ unitIds: ['資訊室'] }), field: 'unitIds', rule: 'isUuid' },
      { name: 'unitIds given as a string', patch: () => ({ unitIds: otherUnitId }), field: 'unitIds', rule: 'isArray' },
      { name: 'a unit of another agency', patch: () => ({ unitIds: [otherUnitId] }), field: 'unitIds', rule: 'sameAgency' },
      { name: 'a unit of a subordinate agency', patch: () => ({ unitIds: [childUnitId] }), field: 'unitIds', rule: 'sameAgency' },
      { name: 'a unit that does not exist', patch: () => ({ unitIds: [randomUUID()] }), field: 'unitIds', rule: 'sameAgency' },
      { name: 'an expiresAt without offset', patch: () => ({ expiresAt: '2026-04-01T00:00:00' }), field: 'expiresAt', rule: 'isInstant' },
      { name: 'an expiresAt that is a date only', patch: () => ({ expiresAt: '2026-04-01' }), field: 'expiresAt', rule: 'isInstant' },
      { name: 'an expiresAt in words', patch: () => ({ expiresAt: 'next week' }), field: 'expiresAt', rule: 'isInstant' },
      { name: 'an expiresAt on 30 February', patch: () => ({ expiresAt: '2026-02-30T00:00:00Z' }), field: 'expiresAt', rule: 'isInstant' },
      { name: 'an expiresAt as epoch milliseconds', patch: () => ({ expiresAt: Date.UTC(2026, 3, 1) }), field: 'expiresAt', rule: 'isInstant' },
      { name: 'an expiresAt in the past', patch: () => ({ expiresAt: inDays(-1) }), field: 'expiresAt', rule: 'isFuture' },
      { name: 'an expiresAt of right now', patch: () => ({ expiresAt: inDays(0) }), field: 'expiresAt', rule: 'isFuture' },
      { name: 'a vendor without expiresAt', patch: () => ({ roles: ['vendor'] }), field: 'expiresAt', rule: 'vendorExpiry' },
      {
        name: 'a vendor for 90 days and a second',
        patch: () => ({ roles: ['vendor'], expiresAt: inDays(90, 1000) }),
        field: 'expiresAt',
        rule: 'vendorExpiry',
      },
      { name: 'a vendor for a year', patch: () => ({ roles: ['vendor'], expiresAt: inDays(365) }), field: 'expiresAt', rule: 'vendorExpiry' },
      {
        name: 'a vendor with the admin role',
        patch: () => ({ roles: ['vendor', 'admin'], expiresAt: inDays(30) }),
        field: 'roles',
        rule: 'vendorLeastPrivilege',
      },
      {
        name: 'a vendor with the ciso role',
        patch: () => ({ roles: ['vendor', 'ciso'], expiresAt: inDays(30) }),
        field: 'roles',
        rule: 'vendorLeastPrivilege',
      },
      {
        name: 'a vendor with the reporter role',
        patch: () => ({ roles: ['vendor', 'reporter'], expiresAt: inDays(30) }),
        field: 'roles',
        rule: 'vendorLeastPrivilege',
      },
      { name: 'a password shorter than 12 characters', patch: () => ({ password: 'Short-Pw-1' }), field: 'password', rule: 'isLength' },
      { name: 'a password of one character class', patch: () => ({ password: 'onlylowercaseletters' }), field: 'password', rule: 'passwordPolicy' },
      { name: 'a password of two character classes', patch: () => ({ password: 'lowercaseand1234' }), field: 'password', rule: 'passwordPolicy' },
      { name: 'a password containing the account name', patch: () => ({ password: 'New.Person-2026' }), field: 'password', rule: 'passwordPolicy' },
      { name: 'a number as password', patch: () => ({ password: 123456789012345 }), field: 'password', rule: 'isString' },
      { name: 'an unknown locale', patch: () => ({ locale: 'ja' }), field: 'locale', rule: 'isIn' },
      { name: 'disabled as a string', patch: () => ({ disabled: 'false' }), field: 'disabled', rule: 'isBoolean' },
      { name: 'an unknown field', patch: () => ({ isSuperuser: true }), field: 'isSuperuser', rule: 'whitelist' },
      { name: 'an attempt to set mustChangePassword', patch: () => ({ mustChangePassword: false }), field: 'mustChangePassword', rule: 'whitelist' },
    ];

    it.each(cases)('refuses $name (400, nothing written)', async ({ patch, field, rule }) => {
      const before = await counts();
      const res = await t.http().post('/api/users').set('Authorization', `Bearer ${adminToken}`).send(withPatch(valid(), patch()));
      expectValidationError(res, field, rule);
      expect(await counts()).toEqual(before);
    });

    it('reports the vendor rules together', async () => {
      const res = await t
        .http()
        .post('/api/users')
        .set('Authorization', `Bearer ${adminToken}`)
        .send(withPatch(valid(), { roles: ['vendor', 'admin'] }));
      expectValidationError(res, 'roles', 'vendorLeastPrivilege');
      expectValidationError(res, 'expiresAt', 'vendorExpiry');
    });

    let createdEmail = '';
    it('creates a staff account (201) with a temporary password that must be changed at first login', async () => {
      const res = await t.http().post('/api/users').set('Authorization', `Bearer ${adminToken}`).send(valid());
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        email: 'new.person@root.gov.tw',
        agencyId: rootId,
        roles: ['reporter', 'responder'],
        mustChangePassword: true,
        disabled: false,
        expiresAt: null,
      });
      expect(typeof res.body.temporaryPassword).toBe('string');
      expect(res.body.temporaryPassword.length).toBeGreaterThanOrEqual(12);
      expect(JSON.stringify(res.body)).not.toMatch(/password_?hash/i);
      createdEmail = res.body.email;
      const first = await t.http().post('/api/auth/login').send({ email: createdEmail, password: res.body.temporaryPassword });
      expect(first.status).toBe(200);
      expect(first.body.mustChangePassword).toBe(true);
      const blocked = await t.http().get('/api/agencies').set('Authorization', `Bearer ${first.body.token}`);
      expectProblem(blocked, 403, 'password-change-required');
      const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE action = 'user.create' AND target_id = $1`, [res.body.id]);
      expect(audit.rows[0].n).toBe(1);
    });

    it('creates an account with a given password: no temporaryPassword, still changed at first login', async () => {
      const res = await t
        .http()
        .post('/api/users')
        .set('Authorization', `Bearer ${adminToken}`)
        .send(withPatch(valid(), { email: 'lin@root.gov.tw', password: 'Initial-Secret-2026' }));
      expect(res.status).toBe(201);
      expect(res.body).not.toHaveProperty('temporaryPassword');
      const first = await t.http().post('/api/auth/login').send({ email: 'lin@root.gov.tw', password: 'Initial-Secret-2026' });
      expect(first.body.mustChangePassword).toBe(true);
    });

    it('creates a vendor account of exactly 90 days with only vendor and responder roles', async () => {
      const expiresAt = inDays(90);
      const res = await t
        .http()
        .post('/api/users')
        .set('Authorization', `Bearer ${adminToken}`)
        .send(withPatch(valid(), { email: 'eng@contractor.com.tw', roles: ['vendor', 'responder'], expiresAt }));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ roles: ['responder', 'vendor'], expiresAt });
    });

    it('accepts an expiresAt with a +08:00 offset', async () => {
      const local = new Date(t.clock.now().getTime() + 10 * DAY + 8 * 3_600_000).toISOString().replace('Z', '+08:00');
      const res = await t
        .http()
        .post('/api/users')
        .set('Authorization', `Bearer ${adminToken}`)
        .send(withPatch(valid(), { email: 'temp@root.gov.tw', expiresAt: local }));
      expect(res.status).toBe(201);
      expect(res.body.expiresAt).toBe(inDays(10));
    });

    it('refuses a duplicate e-mail (in any letter case) with 409 and writes nothing', async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/users')
        .set('Authorization', `Bearer ${adminToken}`)
        .send(withPatch(valid(), { email: 'New.Person@ROOT.gov.tw' }));
      expectProblem(res, 409, 'conflict');
      expect(res.body.field).toBe('email');
      expect(await counts()).toEqual(before);
    });

    it('refuses a reporter with 403 and writes nothing but the refusal', async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/users')
        .set('Authorization', `Bearer ${reporterToken}`)
        .send(withPatch(valid(), { email: 'sneaky@root.gov.tw' }));
      expectProblem(res, 403, 'forbidden');
      expect(await counts()).toEqual(plusOneRefusal(before));
    });

    it('answers 404 for an agency outside the scope', async () => {
      const before = await counts();
      const res = await t
        .http()
        .post('/api/users')
        .set('Authorization', `Bearer ${adminToken}`)
        .send(withPatch(valid(), { email: 'x@other.gov.tw', agencyId: otherId }));
      expectProblem(res, 404, 'not-found');
      expect(await counts()).toEqual(plusOneRefusal(before));
    });
  });

  // ---------------------------------------------------------------- PATCH /api/users/{id}
  describe('PATCH /api/users/{id}', () => {
    let targetId: string;

    async function snapshot(id: string) {
      const u = await t.db.query('SELECT name, locale, expires_at, disabled_at, password_hash, must_change_password, updated_at FROM users WHERE id = $1', [
        id,
      ]);
      const r = await t.db.query('SELECT role FROM role_memberships WHERE user_id = $1 ORDER BY role', [id]);
      const m = await t.db.query('SELECT unit_id FROM unit_memberships WHERE user_id = $1 ORDER BY unit_id', [id]);
      const s = await t.db.query('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1 AND revoked_at IS NULL', [id]);
      return { user: u.rows[0], roles: r.rows, units: m.rows, liveSessions: s.rows[0].n };
    }

    beforeAll(async () => {
      targetId = await seedUser(t, { agencyId: rootId, email: 'target@root.gov.tw', roles: ['responder', 'reporter'] });
      await login(t, 'target@root.gov.tw');
    });

    const cases: Array<{ name: string; body: () => Body; field: string; rule: string }> = [
      { name: 'a number as name', body: () => ({ name: 5 }), field: 'name', rule: 'isString' },
      { name: 'an empty name', body: () => ({ name: '' }), field: 'name', rule: 'isLength' },
      { name: 'disabled as a string', body: () => ({ disabled: 'true' }), field: 'disabled', rule: 'isBoolean' },
      { name: 'disabled as 1', body: () => ({ disabled: 1 }), field: 'disabled', rule: 'isBoolean' },
      { name: 'resetPassword as a string', body: () => ({ resetPassword: 'yes' }), field: 'resetPassword', rule: 'isBoolean' },
      { name: 'roles as a string', body: () => ({ roles: 'admin' }), field: 'roles', rule: 'isArray' },
      { name: 'an empty roles list', body: () => ({ roles: [] }), field: 'roles', rule: 'arrayMinSize' },
      { name: 'an unknown role', body: () => ({ roles: ['root'] }), field: 'roles', rule: 'isIn' },
      { name: 'a role given twice', body: () => ({ roles: ['responder', 'responder'] }), field: 'roles', rule: 'arrayUnique' },
      { name: 'unitIds as an object', body: () => ({ unitIds: { id: childUnitId } }), field: 'unitIds', rule: 'isArray' },
      { name: 'a unitId that is not a UUID', body: () => ({ unitIds: ['x'] }), field: 'unitIds', rule: 'isUuid' },
      { name: 'a unit of another agency', body: () => ({ unitIds: [otherUnitId] }), field: 'unitIds', rule: 'sameAgency' },
      { name: 'an expiresAt in words', body: () => ({ expiresAt: 'tomorrow' }), field: 'expiresAt', rule: 'isInstant' },
      { name: 'an expiresAt without offset', body: () => ({ expiresAt: '2026-05-01T00:00:00' }), field: 'expiresAt', rule: 'isInstant' },
      { name: 'an expiresAt in the past', body: () => ({ expiresAt: '2026-01-01T00:00:00Z' }), field: 'expiresAt', rule: 'isFuture' },
      { name: 'making the account a vendor without expiry', body: () => ({ roles: ['vendor'] }), field: 'expiresAt', rule: 'vendorExpiry' },
      { name: 'an unknown locale', body: () => ({ locale: 'zh-CN' }), field: 'locale', rule: 'isIn' },
      { name: 'changing the e-mail (not a field of the update)', body: () => ({ email: 'renamed@root.gov.tw' }), field: 'email', rule: 'whitelist' },
      { name: 'moving the account to another agency', body: () => ({ agencyId: otherId }), field: 'agencyId', rule: 'whitelist' },
      { name: 'an unknown field', body: () => ({ superpowers: true }), field: 'superpowers', rule: 'whitelist' },
    ];

    it.each(cases)('refuses $name (400, account unchanged)', async ({ body, field, rule }) => {
      const before = await counts();
      const state = await snapshot(targetId);
      const res = await t.http().patch(`/api/users/${targetId}`).set('Authorization', `Bearer ${adminToken}`).send(body());
      expectValidationError(res, field, rule);
      expect(await snapshot(targetId)).toEqual(state);
      expect(await counts()).toEqual(before);
    });

    it('refuses an admin disabling their own account with 422, and the admin keeps working', async () => {
      const state = await snapshot(adminId);
      const before = await counts();
      const res = await t.http().patch(`/api/users/${adminId}`).set('Authorization', `Bearer ${adminToken}`).send({ disabled: true });
      expectProblem(res, 422, 'unprocessable');
      expect(await snapshot(adminId)).toEqual(state);
      expect(await counts()).toEqual(before);
      expect((await t.http().get('/api/me').set('Authorization', `Bearer ${adminToken}`)).status).toBe(200);
    });

    it('refuses an admin removing their own admin role with 403 (nobody changes their own roles), audited once', async () => {
      const state = await snapshot(adminId);
      const before = await counts();
      const res = await t
        .http()
        .patch(`/api/users/${adminId}`)
        .set('Authorization', `Bearer ${adminToken}`)
        .send({ roles: ['reporter'] });
      expectProblem(res, 403, 'forbidden');
      expect(res.body.errors).toEqual([expect.objectContaining({ field: 'roles', rule: 'noSelfRoleChange' })]);
      expect(await snapshot(adminId)).toEqual(state);
      expect(await counts()).toEqual(plusOneRefusal(before));
    });

    it('refuses the self-disable with 422 also when the own id is written in upper case', async () => {
      const selfId = await seedUser(t, { agencyId: rootId, email: 'admin.upper@root.gov.tw', roles: ['admin', 'reporter'] });
      const selfToken = await login(t, 'admin.upper@root.gov.tw');
      const state = await snapshot(selfId);
      const res = await t.http().patch(`/api/users/${selfId.toUpperCase()}`).set('Authorization', `Bearer ${selfToken}`).send({ disabled: true });
      expectProblem(res, 422, 'unprocessable');
      expect(await snapshot(selfId)).toEqual(state);
    });

    it('changes a name (200) and audits it', async () => {
      const res = await t.http().patch(`/api/users/${targetId}`).set('Authorization', `Bearer ${adminToken}`).send({ name: '目標同仁', unitIds: [] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: targetId, name: '目標同仁', roles: ['reporter', 'responder'] });
    });

    it('refuses a non-admin with 403', async () => {
      const state = await snapshot(targetId);
      const res = await t.http().patch(`/api/users/${targetId}`).set('Authorization', `Bearer ${responderToken}`).send({ disabled: true });
      expectProblem(res, 403, 'forbidden');
      expect(await snapshot(targetId)).toEqual(state);
    });

    it('answers 404 for an account outside the scope', async () => {
      const state = await snapshot(otherUserId);
      const res = await t.http().patch(`/api/users/${otherUserId}`).set('Authorization', `Bearer ${adminToken}`).send({ disabled: true });
      expectProblem(res, 404, 'not-found');
      expect(await snapshot(otherUserId)).toEqual(state);
    });
  });
});
