import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import jsonPatch from 'fast-json-patch';
import { coreServices, diffPlans, durationMillis, nextReviewDue, PLAN_LIMITS, validatePlanDocument, type PlanDocument, type PlanFieldError } from './plan.js';

const DAY = 86_400_000;

function validPlan(): PlanDocument {
  return {
    title: 'Tax filing service continuity plan',
    summary: 'Keeps e-filing available during the filing season.',
    classification: { tlp: 'AMBER', dataLevel: 'sensitive' },
    scope: [
      { name: 'e-filing', kind: 'service', core: true, description: 'Online tax filing' },
      { name: 'filing-db', kind: 'system', core: true },
      { name: 'intranet', kind: 'system', core: false },
    ],
    impactAnalysis: [
      { service: 'e-filing', hazard: 'earthquake', impact: 'Citizens cannot file', mtpd: 'P3D', rto: 'PT24H', rpo: 'PT1H' },
      { service: 'e-filing', hazard: 'cyber_attack', impact: 'Filing data exposed', mtpd: 'P2D', rto: 'PT12H', rpo: 'PT15M' },
      { service: 'filing-db', hazard: 'power_loss', impact: 'Database down', mtpd: 'P1D', rto: 'PT4H', rpo: 'PT5M' },
    ],
    activationCriteria: ['e-filing unavailable for more than 1 hour', 'data centre evacuated'],
    procedures: [
      { phase: 'emergency', order: 1, action: 'Declare a continuity event', responsibleRole: 'continuity_coordinator' },
      { phase: 'emergency', order: 2, action: 'Fail over to the backup site', responsibleUnitId: 'it-unit' },
      { phase: 'recovery', order: 1, action: 'Restore the database from backup', responsibleRole: 'responder', responsibleUnitId: 'it-unit' },
      { phase: 'resumption', order: 1, action: 'Return to the primary site', responsibleRole: 'ciso' },
    ],
    contacts: [
      { name: 'Chen Mei-ling', function: 'Continuity coordinator', phone: '+886 2 2345 6789', email: 'meiling@agency.gov.tw' },
      { name: 'Power company', function: 'Supplier', phone: '1911', organisation: 'Taipower' },
    ],
    reviewInterval: 'P6M',
  };
}

/** A copy of the valid plan with `mutate` applied (on a JSON copy, so anything can be written). */
function plan(mutate: (doc: Record<string, any>) => void): unknown {
  const doc = JSON.parse(JSON.stringify(validPlan()));
  mutate(doc);
  return doc;
}

function expectError(errors: PlanFieldError[], field: string, rule: string): void {
  expect(errors).toEqual(expect.arrayContaining([expect.objectContaining({ field, rule })]));
  const found = errors.find((e) => e.field === field && e.rule === rule)!;
  expect(typeof found.message).toBe('string');
  expect(found.message.length).toBeGreaterThan(0);
}

describe('durationMillis', () => {
  it('measures calendar parts from 2001-01-01T00:00Z', () => {
    expect(durationMillis('P1D')).toBe(DAY);
    expect(durationMillis('PT1H')).toBe(3_600_000);
    expect(durationMillis('P1W')).toBe(7 * DAY);
    expect(durationMillis('P1M')).toBe(31 * DAY);
    expect(durationMillis('P2M')).toBe(59 * DAY);
    expect(durationMillis('P1Y')).toBe(365 * DAY);
    expect(durationMillis('P1DT12H30M15S')).toBe(DAY + 12 * 3_600_000 + 30 * 60_000 + 15_000);
  });

  it('orders P1M, P30D and PT720H the same way every time', () => {
    expect(durationMillis('P1M')!).toBeGreaterThan(durationMillis('P30D')!);
    expect(durationMillis('P1M')!).toBeGreaterThan(durationMillis('PT720H')!);
    expect(durationMillis('P30D')).toBe(durationMillis('PT720H'));
    expect(durationMillis('P12M')).toBe(durationMillis('P1Y'));
  });

  it.each(['', 'P', 'PT', 'P1DT', 'P0D', 'PT0S', '-P1D', 'P-1D', 'P1.5D', 'PT0.5H', 'p1d ', '1D', 'P1Y2', 'P99999999999Y', 'P999999999Y', 'PT1H'.repeat(20)])(
    'refuses %p',
    (iso) => {
      expect(durationMillis(iso)).toBeNull();
    },
  );

  it('refuses non-strings', () => {
    expect(durationMillis(42 as unknown as string)).toBeNull();
    expect(durationMillis(null as unknown as string)).toBeNull();
  });
});

describe('validatePlanDocument', () => {
  it('accepts a valid plan (and one without the optional fields)', () => {
    expect(validatePlanDocument(validPlan())).toEqual([]);
    expect(
      validatePlanDocument(
        plan((d) => {
          delete d.summary;
          delete d.reviewInterval;
          delete d.scope[0].description;
          delete d.contacts[0].phone;
        }),
      ),
    ).toEqual([]);
  });

  describe('the plan itself', () => {
    it.each([null, undefined, 42, 'plan', [], true])('refuses %p as a plan', (doc) => {
      expect(validatePlanDocument(doc)).toEqual([{ field: 'plan', rule: 'type', message: 'the plan must be a JSON object' }]);
    });

    it('refuses unknown fields at every level', () => {
      const errors = validatePlanDocument(
        plan((d) => {
          d.changeReason = 'x';
          d.scope[0].owner = 'x';
          d.classification.colour = 'red';
        }),
      );
      expectError(errors, 'changeReason', 'unknownField');
      expectError(errors, 'scope[0].owner', 'unknownField');
      expectError(errors, 'classification.colour', 'unknownField');
    });

    it('requires every mandatory field', () => {
      const errors = validatePlanDocument({});
      for (const field of ['title', 'classification', 'scope', 'impactAnalysis', 'activationCriteria', 'procedures', 'contacts'])
        expectError(errors, field, 'required');
      expect(errors.some((e) => e.field === 'reviewInterval' || e.field === 'summary')).toBe(false);
    });

    it('checks types, blank and long texts', () => {
      expectError(validatePlanDocument(plan((d) => (d.title = 42))), 'title', 'type');
      expectError(validatePlanDocument(plan((d) => (d.title = '   '))), 'title', 'required');
      expectError(validatePlanDocument(plan((d) => (d.title = 'x'.repeat(PLAN_LIMITS.shortText + 1)))), 'title', 'maxLength');
      expectError(validatePlanDocument(plan((d) => (d.summary = 'x'.repeat(PLAN_LIMITS.longText + 1)))), 'summary', 'maxLength');
      expectError(validatePlanDocument(plan((d) => (d.scope = { name: 'x' }))), 'scope', 'type');
      expectError(validatePlanDocument(plan((d) => (d.scope[1] = 'filing-db'))), 'scope[1]', 'type');
    });

    it('checks the classification', () => {
      expectError(validatePlanDocument(plan((d) => (d.classification = 'AMBER'))), 'classification', 'type');
      expectError(validatePlanDocument(plan((d) => (d.classification.tlp = 'PURPLE'))), 'classification.tlp', 'enum');
      expectError(validatePlanDocument(plan((d) => (d.classification.dataLevel = 'secret'))), 'classification.dataLevel', 'enum');
      expectError(validatePlanDocument(plan((d) => delete d.classification.tlp)), 'classification.tlp', 'required');
    });

    it('needs at least one entry in every list', () => {
      const errors = validatePlanDocument(
        plan((d) => {
          d.scope = [];
          d.impactAnalysis = [];
          d.activationCriteria = [];
          d.procedures = [];
          d.contacts = [];
        }),
      );
      for (const field of ['scope', 'impactAnalysis', 'activationCriteria', 'procedures', 'contacts']) expectError(errors, field, 'minItems');
    });

    it('caps lists and the number of errors', () => {
      const many = Array.from({ length: 100_000 }, () => ({ nonsense: true }));
      const started = Date.now();
      const errors = validatePlanDocument(plan((d) => (d.contacts = many)));
      expect(Date.now() - started).toBeLessThan(2000);
      expectError(errors, 'contacts', 'maxItems');
      expect(errors.length).toBeLessThanOrEqual(PLAN_LIMITS.errors);
      expect(errors.some((e) => e.field.startsWith(`contacts[${PLAN_LIMITS.listItems}]`))).toBe(false);
    });
  });

  describe('scope', () => {
    it('needs unique names', () => {
      const errors = validatePlanDocument(plan((d) => (d.scope[2].name = 'e-filing')));
      expectError(errors, 'scope[2].name', 'unique');
    });

    it('checks kind and core', () => {
      expectError(validatePlanDocument(plan((d) => (d.scope[0].kind = 'building'))), 'scope[0].kind', 'enum');
      expectError(validatePlanDocument(plan((d) => (d.scope[0].core = 'yes'))), 'scope[0].core', 'type');
      expectError(validatePlanDocument(plan((d) => delete d.scope[0].core)), 'scope[0].core', 'required');
    });

    it('needs an impact analysis row for every core entry (coreServiceAnalysed)', () => {
      const errors = validatePlanDocument(plan((d) => (d.impactAnalysis = d.impactAnalysis.filter((r: any) => r.service !== 'filing-db'))));
      expect(errors).toEqual([expect.objectContaining({ field: 'scope[1].name', rule: 'coreServiceAnalysed' })]);
      // A non-core entry needs none.
      expect(validatePlanDocument(plan((d) => (d.scope[1].core = false)))).toEqual([]);
    });
  });

  describe('impact analysis', () => {
    it('names a scope entry (inScope)', () => {
      const errors = validatePlanDocument(plan((d) => (d.impactAnalysis[1].service = 'payroll')));
      expectError(errors, 'impactAnalysis[1].service', 'inScope');
    });

    it('checks the hazard', () => {
      expectError(validatePlanDocument(plan((d) => (d.impactAnalysis[0].hazard = 'meteor'))), 'impactAnalysis[0].hazard', 'enum');
    });

    it('has one row per service and hazard', () => {
      expectError(validatePlanDocument(plan((d) => (d.impactAnalysis[1].hazard = 'earthquake'))), 'impactAnalysis[1].hazard', 'unique');
    });

    it.each(['mtpd', 'rto', 'rpo'])('needs %s as a positive ISO 8601 duration (isoDuration)', (key) => {
      for (const bad of ['3 days', 'P0D', '-PT1H', 72, 'P1.5D']) {
        expectError(validatePlanDocument(plan((d) => (d.impactAnalysis[0][key] = bad))), `impactAnalysis[0].${key}`, 'isoDuration');
      }
      expectError(validatePlanDocument(plan((d) => delete d.impactAnalysis[0][key])), `impactAnalysis[0].${key}`, 'required');
    });

    it('needs the RTO strictly below the MTPD (rtoBelowMtpd)', () => {
      const rto = (r: string, m: string) => validatePlanDocument(plan((d) => Object.assign(d.impactAnalysis[2], { rto: r, mtpd: m })));
      expect(rto('PT4H', 'P1D')).toEqual([]);
      expect(rto('PT24H', 'P1D')).toEqual([expect.objectContaining({ field: 'impactAnalysis[2].rto', rule: 'rtoBelowMtpd' })]);
      expect(rto('P2D', 'PT36H')).toEqual([expect.objectContaining({ field: 'impactAnalysis[2].rto', rule: 'rtoBelowMtpd' })]);
      // Calendar parts: P1M is 31 days from the reference instant.
      expect(rto('PT720H', 'P1M')).toEqual([]);
      expect(rto('P30D', 'P1M')).toEqual([]);
      expect(rto('P1M', 'PT720H')).toEqual([expect.objectContaining({ rule: 'rtoBelowMtpd' })]);
      expect(rto('P1M', 'P31D')).toEqual([expect.objectContaining({ rule: 'rtoBelowMtpd' })]);
      expect(rto('P1M', 'P32D')).toEqual([]);
      expect(rto('P11M', 'P1Y')).toEqual([]);
      expect(rto('P12M', 'P1Y')).toEqual([expect.objectContaining({ rule: 'rtoBelowMtpd' })]);
    });

    it('says which values clash', () => {
      const [error] = validatePlanDocument(plan((d) => Object.assign(d.impactAnalysis[0], { rto: 'P5D', mtpd: 'P3D' })));
      expect(error.message).toContain('P5D');
      expect(error.message).toContain('P3D');
    });
  });

  describe('activation criteria', () => {
    it('are non-blank strings', () => {
      expectError(validatePlanDocument(plan((d) => (d.activationCriteria[1] = 7))), 'activationCriteria[1]', 'type');
      expectError(validatePlanDocument(plan((d) => (d.activationCriteria[0] = ' '))), 'activationCriteria[0]', 'required');
      expectError(validatePlanDocument(plan((d) => (d.activationCriteria[0] = 'x'.repeat(PLAN_LIMITS.longText + 1)))), 'activationCriteria[0]', 'maxLength');
    });
  });

  describe('procedures', () => {
    it('need a responsible role or unit (responsible)', () => {
      const errors = validatePlanDocument(plan((d) => delete d.procedures[0].responsibleRole));
      expect(errors).toEqual([expect.objectContaining({ field: 'procedures[0]', rule: 'responsible' })]);
    });

    it('name a known role', () => {
      expectError(validatePlanDocument(plan((d) => (d.procedures[0].responsibleRole = 'janitor'))), 'procedures[0].responsibleRole', 'enum');
      for (const role of ['reporter', 'responder', 'on_call_manager', 'ethics_officer', 'ciso', 'continuity_coordinator', 'auditor', 'admin', 'vendor']) {
        expect(validatePlanDocument(plan((d) => (d.procedures[0].responsibleRole = role)))).toEqual([]);
      }
    });

    it('check the phase', () => {
      expectError(validatePlanDocument(plan((d) => (d.procedures[0].phase = 'panic'))), 'procedures[0].phase', 'enum');
    });

    it.each([0, -1, 1.5, '1', null])('refuse order %p (positiveInteger)', (order) => {
      const errors = validatePlanDocument(plan((d) => (d.procedures[1].order = order)));
      expectError(errors, 'procedures[1].order', order === null ? 'required' : 'positiveInteger');
    });

    it('keep the order unique within a phase only', () => {
      expectError(validatePlanDocument(plan((d) => (d.procedures[1].order = 1))), 'procedures[1].order', 'unique');
      // order 1 exists in every phase of the valid plan
      expect(validatePlanDocument(validPlan())).toEqual([]);
    });
  });

  describe('contacts', () => {
    it('need a phone or an e-mail (contactMethod)', () => {
      const errors = validatePlanDocument(plan((d) => delete d.contacts[1].phone));
      expect(errors).toEqual([expect.objectContaining({ field: 'contacts[1]', rule: 'contactMethod' })]);
    });

    it('check the formats', () => {
      expectError(validatePlanDocument(plan((d) => (d.contacts[0].email = 'not-an-address'))), 'contacts[0].email', 'format');
      expectError(validatePlanDocument(plan((d) => (d.contacts[0].phone = 'call me'))), 'contacts[0].phone', 'format');
      expect(validatePlanDocument(plan((d) => (d.contacts[0].phone = '(02) 2345-6789 ext. 12')))).toEqual([]);
    });

    it('need a name and a function', () => {
      const errors = validatePlanDocument(plan((d) => (d.contacts[0] = { email: 'a@b.tw' })));
      expectError(errors, 'contacts[0].name', 'required');
      expectError(errors, 'contacts[0].function', 'required');
    });
  });

  describe('review interval', () => {
    it('is an ISO duration of at most one year', () => {
      expect(validatePlanDocument(plan((d) => (d.reviewInterval = 'P1Y')))).toEqual([]);
      expect(validatePlanDocument(plan((d) => (d.reviewInterval = 'P12M')))).toEqual([]);
      expect(validatePlanDocument(plan((d) => (d.reviewInterval = 'P365D')))).toEqual([]);
      expect(validatePlanDocument(plan((d) => (d.reviewInterval = 'P366D')))).toEqual([
        expect.objectContaining({ field: 'reviewInterval', rule: 'reviewAtLeastYearly' }),
      ]);
      expect(validatePlanDocument(plan((d) => (d.reviewInterval = 'P2Y')))).toEqual([
        expect.objectContaining({ field: 'reviewInterval', rule: 'reviewAtLeastYearly' }),
      ]);
      expect(validatePlanDocument(plan((d) => (d.reviewInterval = 'yearly')))).toEqual([
        expect.objectContaining({ field: 'reviewInterval', rule: 'isoDuration' }),
      ]);
    });
  });

  describe('robustness', () => {
    it('never throws on arbitrary JSON', () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 4 }), (doc) => {
          const errors = validatePlanDocument(doc);
          expect(Array.isArray(errors)).toBe(true);
          expect(errors.length).toBeGreaterThan(0);
          for (const e of errors) expect(typeof e.field === 'string' && typeof e.rule === 'string' && typeof e.message === 'string').toBe(true);
        }),
        { numRuns: 500 },
      );
    });

    it('never throws on arbitrary values (null prototypes, sparse arrays, big ints, …)', () => {
      fc.assert(
        fc.property(
          fc.anything({
            maxDepth: 3,
            withBigInt: true,
            withBoxedValues: true,
            withDate: true,
            withMap: true,
            withSet: true,
            withNullPrototype: true,
            withSparseArray: true,
            withTypedArray: true,
          }),
          (doc) => {
            expect(Array.isArray(validatePlanDocument(doc))).toBe(true);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('never throws when any field of a valid plan is replaced by arbitrary JSON', () => {
      const paths = [
        ['title'],
        ['classification'],
        ['classification', 'tlp'],
        ['scope'],
        ['scope', 0],
        ['scope', 0, 'name'],
        ['scope', 1, 'core'],
        ['impactAnalysis', 0],
        ['impactAnalysis', 1, 'rto'],
        ['impactAnalysis', 2, 'mtpd'],
        ['impactAnalysis', 0, 'service'],
        ['activationCriteria', 0],
        ['procedures', 1],
        ['procedures', 2, 'order'],
        ['contacts', 0, 'phone'],
        ['reviewInterval'],
      ] as const;
      fc.assert(
        fc.property(fc.constantFrom(...paths), fc.jsonValue({ maxDepth: 3 }), (path, value) => {
          const doc = plan((d) => {
            let target: any = d;
            for (const key of path.slice(0, -1)) target = target[key];
            target[path[path.length - 1]] = value;
          });
          const errors = validatePlanDocument(doc);
          expect(Array.isArray(errors)).toBe(true);
        }),
        { numRuns: 500 },
      );
    });

    it('does not throw on a hostile object (throwing getters)', () => {
      const hostile = new Proxy(
        {},
        {
          get() {
            throw new Error('boom');
          },
          ownKeys() {
            throw new Error('boom');
          },
        },
      );
      expect(validatePlanDocument(hostile)).toEqual([expect.objectContaining({ field: 'plan' })]);
    });
  });
});

describe('nextReviewDue', () => {
  it('adds the review interval (default one year)', () => {
    expect(nextReviewDue('2026-03-15T01:00:00.000Z')).toBe('2027-03-15T01:00:00.000Z');
    expect(nextReviewDue('2026-03-15T01:00:00.000Z', 'P6M')).toBe('2026-09-15T01:00:00.000Z');
    expect(nextReviewDue('2028-02-29T01:00:00.000Z', 'P1Y')).toBe('2029-02-28T01:00:00.000Z');
  });

  it('never goes beyond a year (longer or invalid intervals count as P1Y)', () => {
    expect(nextReviewDue('2026-03-15T01:00:00.000Z', 'P2Y')).toBe('2027-03-15T01:00:00.000Z');
    expect(nextReviewDue('2026-03-15T01:00:00.000Z', 'nonsense')).toBe('2027-03-15T01:00:00.000Z');
  });

  it('counts calendar parts in the given zone or in the offset of approvedAt', () => {
    // 2026-10-25 is the end of summer time in Berlin: one day later is 25 hours later.
    expect(nextReviewDue('2026-10-24T10:00:00+02:00', 'P1D')).toBe('2026-10-25T08:00:00.000Z');
    expect(nextReviewDue('2026-10-24T08:00:00Z', 'P1D', 'Europe/Berlin')).toBe('2026-10-25T09:00:00.000Z');
  });

  it('throws on an invalid approval date', () => {
    expect(() => nextReviewDue('yesterday')).toThrow(RangeError);
  });
});

describe('coreServices', () => {
  it('lists the core scope entries in order', () => {
    expect(coreServices(validPlan())).toEqual(['e-filing', 'filing-db']);
  });

  it('tolerates a document without scope', () => {
    expect(coreServices({} as PlanDocument)).toEqual([]);
    expect(coreServices(null as unknown as PlanDocument)).toEqual([]);
  });
});

describe('diffPlans', () => {
  it('is empty for identical plans', () => {
    expect(diffPlans(validPlan(), validPlan())).toEqual([]);
  });

  it('reports replace with the old value in `from`', () => {
    const b = validPlan();
    b.title = 'New title';
    b.impactAnalysis[0].rto = 'PT12H';
    const changes = diffPlans(validPlan(), b);
    expect(changes).toHaveLength(2);
    expect(changes).toEqual(
      expect.arrayContaining([
        { op: 'replace', path: '/title', from: 'Tax filing service continuity plan', value: 'New title' },
        { op: 'replace', path: '/impactAnalysis/0/rto', from: 'PT24H', value: 'PT12H' },
      ]),
    );
  });

  it('reports add without `from`', () => {
    const b = validPlan();
    const contact = { name: 'Police liaison', function: 'Law enforcement', phone: '110' };
    b.contacts.push(contact);
    b.procedures[1].responsibleRole = 'responder';
    const changes = diffPlans(validPlan(), b);
    expect(changes).toEqual(
      expect.arrayContaining([
        { op: 'add', path: '/contacts/2', value: contact },
        { op: 'add', path: '/procedures/1/responsibleRole', value: 'responder' },
      ]),
    );
    expect(changes.every((c) => !('from' in c))).toBe(true);
  });

  it('reports remove with the old value in `from`', () => {
    const b = validPlan();
    b.activationCriteria.pop();
    delete b.summary;
    const changes = diffPlans(validPlan(), b);
    expect(changes).toEqual(
      expect.arrayContaining([
        { op: 'remove', path: '/activationCriteria/1', from: 'data centre evacuated' },
        { op: 'remove', path: '/summary', from: 'Keeps e-filing available during the filing season.' },
      ]),
    );
    expect(changes).toHaveLength(2);
  });

  it('keeps `from` right when array operations build on each other', () => {
    const a = validPlan();
    const b = validPlan();
    b.impactAnalysis.splice(0, 2); // the first two rows go; the third moves to index 0
    const changes = diffPlans(a, b);
    for (const change of changes.filter((c) => c.op !== 'add')) expect(change.from).not.toBeUndefined();
    // Replaying the changes as an RFC 6902 patch turns a into b, and each `from` is what was there.
    let doc: any = JSON.parse(JSON.stringify(a));
    for (const change of changes) {
      if (change.op !== 'add') expect(jsonPatch.getValueByPointer(doc, change.path)).toEqual(change.from);
      const { from: _from, ...op } = change;
      doc = jsonPatch.applyOperation(doc, op as jsonPatch.Operation, true, true).newDocument;
    }
    expect(doc).toEqual(JSON.parse(JSON.stringify(b)));
  });

  it('replays to the new plan for arbitrary edits', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom('title', 'summary', 'scope', 'contacts', 'reviewInterval'), (value, key) => {
        const a = validPlan();
        const b = { ...validPlan(), [key]: value } as unknown as PlanDocument;
        let doc: any = JSON.parse(JSON.stringify(a));
        for (const change of diffPlans(a, b)) {
          const { from: _from, ...op } = change;
          doc = jsonPatch.applyOperation(doc, op as jsonPatch.Operation, true, true).newDocument;
        }
        expect(doc).toEqual(JSON.parse(JSON.stringify(b)));
      }),
      { numRuns: 200 },
    );
  });
});
