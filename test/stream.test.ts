import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { fileIncident, seedIncidentWorld, send, type IncidentWorld } from './support/incident-fixture.js';
import { createTestApp, login, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait.js';

/*
 * GET /api/stream: a server-sent event for every committed change to an incident or drill the
 * caller may see (the trigger notifies at commit; each API process listens), ids and versions only.
 */

interface SseEvent {
  event: string;
  data: string;
}

/** Opens the stream with a bearer token and collects its events as they arrive. */
async function openStream(base: string, token: string) {
  const controller = new AbortController();
  const res = await fetch(`${base}/api/stream`, { headers: { Authorization: `Bearer ${token}` }, signal: controller.signal });
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  let buffer = '';
  const pump = (async () => {
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(
          block
            .split('\n')
            .filter((l) => !l.startsWith(':') && l.includes(':'))
            .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
        );
        if (fields.event) events.push({ event: fields.event, data: fields.data ?? '' });
      }
    }
  })();
  return {
    res,
    events,
    changes: () => events.filter((e) => e.event === 'change').map((e) => JSON.parse(e.data) as { type: string; id: string; agencyId: string; version: number }),
    close: async () => {
      controller.abort();
      await pump;
    },
  };
}

describe('GET /api/stream', () => {
  let t: TestApp;
  let w: IncidentWorld;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    w = await seedIncidentWorld(t);
  });
  afterAll(() => t.close());

  it('is an event stream, unbuffered, and refuses a caller without a session', async () => {
    const anonymous = await fetch(`${base}/api/stream`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    const stream = await openStream(base, w.tokens.manager);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(stream.res.headers.get('x-accel-buffering')).toBe('no');
    await stream.close();
  });

  it('tells a manager of a colleague’s new incident and each transition, with ids and versions only', async () => {
    const stream = await openStream(base, w.tokens.manager);
    const filed = await fileIncident(t, w.tokens.reporter, { classification: { tlp: 'GREEN', dataLevel: 'general' } });
    await waitFor('the filing arrives', async () => stream.changes().some((c) => c.id === filed.id && c.version === filed.version));
    const acknowledged = await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' }, filed.version);
    expect(acknowledged.status).toBe(200);
    await waitFor('the acknowledgement arrives', async () => stream.changes().some((c) => c.id === filed.id && c.version === acknowledged.body.version));
    for (const change of stream.changes()) expect(Object.keys(change).sort()).toEqual(['agencyId', 'id', 'type', 'version']);
    expect(stream.changes()[0]).toEqual({ type: 'incident', id: filed.id, agencyId: w.sub, version: filed.version });
    await stream.close();
  });

  it('hears a change committed by another process (as the worker writes), and never one rolled back', async () => {
    const filed = await fileIncident(t, w.tokens.reporter);
    const stream = await openStream(base, w.tokens.manager);
    const other = new pg.Client({ connectionString: t.config.databaseUrl });
    await other.connect();
    await other.query('BEGIN');
    await other.query('UPDATE incidents SET version = version + 100 WHERE id = $1', [filed.id]);
    await other.query('ROLLBACK');
    await other.query('UPDATE incidents SET version = version + 1 WHERE id = $1', [filed.id]);
    await other.end();
    await waitFor('the committed change arrives', async () => stream.changes().some((c) => c.id === filed.id && c.version === filed.version + 1));
    expect(stream.changes().some((c) => c.version === filed.version + 100)).toBe(false);
    await stream.close();
  });

  it('keeps each caller to what it may see: not another agency’s, and a subordinate’s only once reported to the superior', async () => {
    const sibling = await openStream(base, w.tokens.othReporter);
    const superior = await openStream(base, w.tokens.supCiso);
    const own = await openStream(base, w.tokens.ciso);
    const filed = await fileIncident(t, w.tokens.reporter);
    await waitFor('the own agency’s CISO hears of it', async () => own.changes().some((c) => c.id === filed.id));
    expect((await send(t, w.tokens.manager, filed.id, { type: 'ACKNOWLEDGE' })).status).toBe(200);
    const triage = { type: 'TRIAGE', impact: { confidentiality: 1, integrity: 2, availability: 2 }, category: 'web_attack' };
    expect((await send(t, w.tokens.manager, filed.id, triage)).status).toBe(200);
    const reported = await send(t, w.tokens.manager, filed.id, { type: 'REPORT_TO_AUTHORITY', channel: 'national_platform' });
    expect(reported.status).toBe(200);
    await waitFor('the superior hears of the report', async () => superior.changes().some((c) => c.id === filed.id && c.version === reported.body.version));
    expect(
      superior
        .changes()
        .filter((c) => c.id === filed.id)
        .map((c) => c.version),
    ).toEqual([reported.body.version]);
    // The sibling agency heard nothing of it, though its stream was open all along (it hears its own).
    const siblingOwn = await fileIncident(t, await login(t, 'reporter@oth.gov.tw'));
    await waitFor('the sibling hears its own filing', async () => sibling.changes().some((c) => c.id === siblingOwn.id));
    expect(sibling.changes().some((c) => c.id === filed.id)).toBe(false);
    await Promise.all([sibling.close(), superior.close(), own.close()]);
  });
});
