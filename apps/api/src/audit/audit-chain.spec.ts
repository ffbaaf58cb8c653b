import { describe, expect, it } from '@jest/globals';
import { GENESIS_HASH, canonicalJson, chainHash, type AuditRecord } from './audit-chain.js';

const record: AuditRecord = {
  id: '7d8f1c2e-1b2a-4c3d-9e8f-0a1b2c3d4e5f',
  occurredAt: new Date('2026-03-02T01:00:00.000Z'),
  actorId: '0f0e0d0c-0b0a-4908-8706-050403020100',
  actorLabel: 'admin@moj.gov.tw',
  agencyId: '11111111-2222-4333-8444-555555555555',
  action: 'unit.create',
  targetType: 'unit',
  targetId: '99999999-8888-4777-8666-555555555555',
  outcome: 'success',
  details: { name: '資訊室', type: 'it', headUserId: null },
  requestId: 'req-1',
};

describe('canonicalJson', () => {
  it('does not depend on key order', () => {
    expect(canonicalJson({ b: 1, a: 2, c: 3 })).toBe(canonicalJson({ c: 3, a: 2, b: 1 }));
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('sorts keys at every depth, including objects inside arrays', () => {
    const one = { z: { y: 1, x: [{ q: 1, p: 2 }, 'x'] }, a: { d: null, c: true } };
    const two = { a: { c: true, d: null }, z: { x: [{ p: 2, q: 1 }, 'x'], y: 1 } };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
    expect(canonicalJson(one)).toBe('{"a":{"c":true,"d":null},"z":{"x":[{"p":2,"q":1},"x"],"y":1}}');
  });

  it('keeps array order, drops undefined properties and writes undefined array items as null', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(canonicalJson([1, undefined])).toBe('[1,null]');
  });

  it('writes scalars as JSON, escaping strings', () => {
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson(42)).toBe('42');
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    expect(canonicalJson({ 資訊室: '政風' })).toBe('{"資訊室":"政風"}');
  });

  it('is the same for a record and its JSON round trip (as jsonb returns it, keys reordered)', () => {
    const details = { zeta: [1, { b: 'x', a: 'y' }], alpha: { nested: { k2: 2, k1: 1 } } };
    const reordered = JSON.parse(JSON.stringify({ alpha: { nested: { k1: 1, k2: 2 } }, zeta: [1, { a: 'y', b: 'x' }] }));
    expect(canonicalJson(details)).toBe(canonicalJson(reordered));
  });
});

describe('chainHash', () => {
  const base = chainHash(GENESIS_HASH, record);

  it('is a 64-character hex SHA-256 and deterministic', () => {
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, { ...record, details: { ...record.details } })).toBe(base);
  });

  it('does not depend on the key order of the record or its details', () => {
    const shuffled = Object.fromEntries(Object.entries(record).reverse()) as unknown as AuditRecord;
    const details = Object.fromEntries(Object.entries(record.details).reverse());
    expect(chainHash(GENESIS_HASH, { ...shuffled, details })).toBe(base);
  });

  it('changes when the previous hash changes', () => {
    expect(chainHash('1'.repeat(64), record)).not.toBe(base);
    expect(chainHash(base, record)).not.toBe(base);
  });

  const changes: Array<[keyof AuditRecord, unknown]> = [
    ['id', '7d8f1c2e-1b2a-4c3d-9e8f-0a1b2c3d4e60'],
    ['occurredAt', new Date('2026-03-02T01:00:00.001Z')],
    ['actorId', null],
    ['actorLabel', 'someone@moj.gov.tw'],
    ['agencyId', null],
    ['action', 'unit.delete'],
    ['targetType', 'user'],
    ['targetId', null],
    ['outcome', 'refused'],
    ['details', { name: '資訊室', type: 'business', headUserId: null }],
    ['requestId', 'req-2'],
  ];
  it.each(changes)('changes when %s changes', (field, value) => {
    expect(chainHash(GENESIS_HASH, { ...record, [field]: value } as AuditRecord)).not.toBe(base);
  });

  it('changes when a nested detail changes or is added', () => {
    const nested = { ...record, details: { a: { b: [1, 2] } } };
    const h = chainHash(GENESIS_HASH, nested);
    expect(chainHash(GENESIS_HASH, { ...record, details: { a: { b: [1, 3] } } })).not.toBe(h);
    expect(chainHash(GENESIS_HASH, { ...record, details: { a: { b: [1, 2], c: 0 } } })).not.toBe(h);
  });

  it('chains: each link depends on all before it', () => {
    const first = chainHash(GENESIS_HASH, record);
    const second = chainHash(first, { ...record, id: 'b' });
    const altered = chainHash(chainHash(GENESIS_HASH, { ...record, action: 'x' }), { ...record, id: 'b' });
    expect(altered).not.toBe(second);
  });
});
