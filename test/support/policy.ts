import type { Response } from 'supertest';
import type { AgencyPolicyDocument } from '../../apps/api/src/agencies/agency-policy.js';
import { expectStatus } from './http.js';
import type { TestApp } from './test-app.js';

/**
 * Replaces an agency's policy as a client does: GET it, PUT back GET's `policy` changed (a whole
 * document, or an edit of the current one) with If-Match its ETag. Answers PUT's response.
 */
export async function putPolicy(
  t: TestApp,
  token: string,
  agencyId: string,
  change: AgencyPolicyDocument | Record<string, unknown> | ((current: AgencyPolicyDocument) => unknown),
): Promise<Response> {
  const read = expectStatus<{ agencyId: string; version: number; policy: AgencyPolicyDocument }>(
    await t.http().get(`/api/agencies/${agencyId}/policy`).set('Authorization', `Bearer ${token}`),
  );
  const policy = typeof change === 'function' ? change(structuredClone(read.policy)) : change;
  return t
    .http()
    .put(`/api/agencies/${agencyId}/policy`)
    .set('Authorization', `Bearer ${token}`)
    .set('If-Match', `"${read.version}"`)
    .send(policy as object);
}
