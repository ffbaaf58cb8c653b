import { describe, expect, it } from '@jest/globals';
import { DEFAULT_POLICY, withPolicyDefaults, type AgencyPolicyDocument } from './agency-policy.js';
import { validatePolicy } from './agency-policy.validate.js';

/** A deep copy of the default policy, changed by `edit`. */
function policy(edit: (p: AgencyPolicyDocument & Record<string, unknown>) => void = () => {}): AgencyPolicyDocument & Record<string, unknown> {
  const p = structuredClone(DEFAULT_POLICY) as AgencyPolicyDocument & Record<string, unknown>;
  edit(p);
  return p;
}

describe('validatePolicy', () => {
  it('accepts DEFAULT_POLICY and returns it', () => {
    const { errors, policy: accepted } = validatePolicy(structuredClone(DEFAULT_POLICY));
    expect(errors).toEqual([]);
    expect(accepted).toEqual(DEFAULT_POLICY);
  });

  it('accepts a stricter policy (shortened clocks)', () => {
    const { errors, policy: accepted } = validatePolicy(
      policy((p) => {
        p.clocks.report.minor = 'PT30M';
        p.clocks.recovery.major = 'PT24H';
        p.clocks.improvementReport.minor = 'P14D';
        p.acknowledgementTimeout = 'PT5M';
        p.lockout.threshold = 3;
        p.vendorAccountMaxDays = 30;
      }),
    );
    expect(errors).toEqual([]);
    expect(accepted?.clocks.report.minor).toBe('PT30M');
  });

  it('refuses a lengthened clock, naming the field and the rule max', () => {
    const { errors, policy: accepted } = validatePolicy(policy((p) => (p.clocks.report.minor = 'PT2H')));
    expect(accepted).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ field: 'clocks.report.minor', rule: 'max' });
    expect(errors[0]!.message).toContain('clocks.report.minor');
  });

  it('compares a month at its shortest: more than 28 days for P1M is refused', () => {
    const { errors } = validatePolicy(policy((p) => (p.clocks.improvementReport.major = 'P31D')));
    expect(errors).toEqual([expect.objectContaining({ field: 'clocks.improvementReport.major', rule: 'max' })]);
  });

  it('refuses an acknowledgement timeout or escalation step above one hour', () => {
    const { errors } = validatePolicy(
      policy((p) => {
        p.acknowledgementTimeout = 'PT2H';
        p.escalation.steps[1]!.timeout = 'PT61M';
      }),
    );
    expect(errors).toEqual([
      expect.objectContaining({ field: 'acknowledgementTimeout', rule: 'max' }),
      expect.objectContaining({ field: 'escalation.steps.1.timeout', rule: 'max' }),
    ]);
  });

  it('refuses unknown keys at the top and nested, with the rule whitelist', () => {
    const { errors, policy: accepted } = validatePolicy(
      policy((p) => {
        p.extra = true;
        (p.clocks.report as unknown as Record<string, unknown>).critical = 'PT1H';
        (p.clocks as unknown as Record<string, unknown>).other = { minor: 'PT1H', major: 'PT1H' };
        (p.escalation.steps[0] as unknown as Record<string, unknown>).note = 'x';
      }),
    );
    expect(accepted).toBeUndefined();
    const fields = errors.filter((e) => e.rule === 'whitelist').map((e) => e.field);
    expect(fields.sort()).toEqual(['extra', 'clocks.other', 'clocks.report.critical', 'escalation.steps.0.note'].sort());
    expect(errors.every((e) => e.rule === 'whitelist')).toBe(true);
  });

  it.each([
    ['one hour', 'isISO8601Duration'],
    ['1H', 'isISO8601Duration'],
    ['', 'isISO8601Duration'],
    [60, 'isISO8601Duration'],
    [null, 'isISO8601Duration'],
    ['PT0S', 'min'],
  ])('refuses the duration %p with rule %s', (value, rule) => {
    const { errors, policy: accepted } = validatePolicy(policy((p) => ((p.clocks.superiorReview as unknown as Record<string, unknown>).major = value)));
    expect(accepted).toBeUndefined();
    expect(errors).toEqual([expect.objectContaining({ field: 'clocks.superiorReview.major', rule })]);
  });

  it('refuses a lockout duration outside 5 minutes to 1 day', () => {
    expect(validatePolicy(policy((p) => (p.lockout.duration = 'PT1M'))).errors).toEqual([expect.objectContaining({ field: 'lockout.duration', rule: 'min' })]);
    expect(validatePolicy(policy((p) => (p.lockout.duration = 'P2D'))).errors).toEqual([expect.objectContaining({ field: 'lockout.duration', rule: 'max' })]);
  });

  it('caps vendor accounts at 90 days, as password ages are capped', () => {
    expect(validatePolicy(policy((p) => (p.vendorAccountMaxDays = 90))).errors).toEqual([]);
    for (const days of [91, 365]) {
      expect(validatePolicy(policy((p) => (p.vendorAccountMaxDays = days))).errors).toEqual([
        expect.objectContaining({ field: 'vendorAccountMaxDays', rule: 'max' }),
      ]);
    }
  });

  it('refuses bad numbers and shapes', () => {
    const { errors } = validatePolicy(
      policy((p) => {
        p.lockout.threshold = 6;
        p.passwords.maxAgeDays = 1.5;
        p.passwords.privilegedMaxAgeDays = 0;
        p.vendorAccountMaxDays = 366;
        p.escalation.repeat = 6;
        (p.escalation.steps[2] as unknown as Record<string, unknown>).target = 'mayor';
      }),
    );
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'lockout.threshold', rule: 'max' }),
        expect.objectContaining({ field: 'passwords.maxAgeDays', rule: 'isInt' }),
        expect.objectContaining({ field: 'passwords.privilegedMaxAgeDays', rule: 'min' }),
        expect.objectContaining({ field: 'vendorAccountMaxDays', rule: 'max' }),
        expect.objectContaining({ field: 'escalation.repeat', rule: 'max' }),
        expect.objectContaining({ field: 'escalation.steps.2.target', rule: 'isIn' }),
      ]),
    );
    expect(errors).toHaveLength(6);
    expect(validatePolicy(policy((p) => (p.escalation.steps = []))).errors).toEqual([
      expect.objectContaining({ field: 'escalation.steps', rule: 'arrayLength' }),
    ]);
  });

  describe('reportReminderLead (the "report due soon" reminder)', () => {
    it('defaults to 15 minutes and accepts a shorter or longer lead below the report clock', () => {
      expect(DEFAULT_POLICY.reportReminderLead).toBe('PT15M');
      for (const lead of ['PT1M', 'PT30M', 'PT59M59S']) {
        const { errors, policy: accepted } = validatePolicy(policy((p) => (p.reportReminderLead = lead)));
        expect([lead, errors]).toEqual([lead, []]);
        expect(accepted?.reportReminderLead).toBe(lead);
      }
    });

    it('fills in the default when a client leaves it out (bodies written before it existed)', () => {
      const { reportReminderLead: _omitted, ...old } = structuredClone(DEFAULT_POLICY);
      const { errors, policy: accepted } = validatePolicy(old);
      expect(errors).toEqual([]);
      expect(accepted).toEqual(DEFAULT_POLICY);
      // Left out with a report clock too short for the default, the policy stays valid (that clock has
      // no reminder: the machine skips one that would come before the clock starts); given, it must fit.
      const { reportReminderLead: _none, ...short } = policy((p) => (p.clocks.report = { minor: 'PT15M', major: 'PT10M' }));
      expect(validatePolicy(short).errors).toEqual([]);
      expect(validatePolicy({ ...short, reportReminderLead: 'PT10M' }).errors).toEqual([
        expect.objectContaining({ field: 'reportReminderLead', rule: 'shorterThanReportClock' }),
      ]);
      expect(validatePolicy({ ...short, reportReminderLead: 'PT5M' }).errors).toEqual([]);
    });

    it.each([
      ['PT1H', 'shorterThanReportClock'],
      ['PT2H', 'shorterThanReportClock'],
      ['P1D', 'shorterThanReportClock'],
      ['PT0S', 'min'],
      ['fifteen minutes', 'isISO8601Duration'],
      [15, 'isISO8601Duration'],
      [null, 'isISO8601Duration'],
    ])('refuses %p with rule %s, naming the field', (value, rule) => {
      const { errors, policy: accepted } = validatePolicy(policy((p) => ((p as Record<string, unknown>).reportReminderLead = value)));
      expect(accepted).toBeUndefined();
      expect(errors).toEqual([expect.objectContaining({ field: 'reportReminderLead', rule })]);
      expect(errors[0]!.message).toContain('reportReminderLead');
    });

    it('compares with the shortest report clock of the same document', () => {
      const shortened = (minor: string, major: string, lead: string) =>
        validatePolicy(
          policy((p) => {
            p.clocks.report = { minor, major };
            p.reportReminderLead = lead;
          }),
        );
      expect(shortened('PT30M', 'PT20M', 'PT15M').errors).toEqual([]);
      const refused = shortened('PT30M', 'PT15M', 'PT15M').errors;
      expect(refused).toEqual([expect.objectContaining({ field: 'reportReminderLead', rule: 'shorterThanReportClock' })]);
      expect(refused[0]!.message).toContain('PT15M');
      // A report clock that is itself invalid is reported on its own field; the lead is compared with the valid one.
      expect(shortened('soon', 'PT10M', 'PT15M').errors.map((e) => [e.field, e.rule])).toEqual([
        ['clocks.report.minor', 'isISO8601Duration'],
        ['reportReminderLead', 'shorterThanReportClock'],
      ]);
    });

    it('a policy stored before the field existed reads with the default lead', () => {
      const { reportReminderLead: _omitted, ...stored } = structuredClone(DEFAULT_POLICY);
      stored.clocks.report.minor = 'PT45M';
      const read = withPolicyDefaults(stored);
      expect(read.reportReminderLead).toBe('PT15M');
      expect(read.clocks.report.minor).toBe('PT45M');
      expect(validatePolicy(read).errors).toEqual([]);
      // A stored lead is kept.
      expect(withPolicyDefaults({ ...stored, reportReminderLead: 'PT5M' }).reportReminderLead).toBe('PT5M');
    });

    it('a vendor limit stored before the ceiling was lowered reads within it; one that is not a number reads as the default', () => {
      expect(withPolicyDefaults({ ...DEFAULT_POLICY, vendorAccountMaxDays: 365 }).vendorAccountMaxDays).toBe(90);
      expect(withPolicyDefaults({ ...DEFAULT_POLICY, vendorAccountMaxDays: 30 }).vendorAccountMaxDays).toBe(30);
      for (const bad of ['365', null, 0, -5, { days: 30 }])
        expect(withPolicyDefaults({ ...DEFAULT_POLICY, vendorAccountMaxDays: bad as unknown as number }).vendorAccountMaxDays).toBe(90);
    });
  });

  it('refuses a body that is not an object', () => {
    for (const body of [null, 'policy', [DEFAULT_POLICY], 42]) {
      expect(validatePolicy(body)).toEqual({ errors: [expect.objectContaining({ field: 'body', rule: 'isObject' })] });
    }
  });

  it('refuses missing sections as isObject', () => {
    const { errors } = validatePolicy({ ...structuredClone(DEFAULT_POLICY), clocks: undefined, lockout: 'strict' });
    expect(errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'clocks', rule: 'isObject' }), expect.objectContaining({ field: 'lockout', rule: 'isObject' })]),
    );
  });

  it('lists every error at once, not only the first', () => {
    const { errors, policy: accepted } = validatePolicy(
      policy((p) => {
        p.clocks.report.minor = 'PT2H';
        p.clocks.report.major = 'PT90M';
        p.clocks.recovery.minor = 'three days';
        p.acknowledgementTimeout = 'PT0S';
        p.passwords.maxAgeDays = 365;
        p.unknown = 1;
      }),
    );
    expect(accepted).toBeUndefined();
    expect(errors.map((e) => [e.field, e.rule]).sort()).toEqual(
      [
        ['unknown', 'whitelist'],
        ['clocks.report.minor', 'max'],
        ['clocks.report.major', 'max'],
        ['clocks.recovery.minor', 'isISO8601Duration'],
        ['acknowledgementTimeout', 'min'],
        ['passwords.maxAgeDays', 'max'],
      ].sort(),
    );
    for (const e of errors) expect(e.message).toContain(e.field.split('.').pop()!);
  });
});
