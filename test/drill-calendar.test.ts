import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { occurrencesBetween, type Programme } from '@app/workflows';
import ICAL from 'ical.js';
import { afterActionBody, planBody, seedContinuityWorld, type ContinuityWorld } from './support/continuity-fixture.js';
import { createTestApp, type TestApp } from './support/test-app.js';

type Component = InstanceType<typeof ICAL.Component>;
type IcalEvent = InstanceType<typeof ICAL.Event>;

const auth = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The feed as an independent parser (ical.js) reads it: its time zones registered, events grouped by UID. */
function parseFeed(text: string) {
  const root = new ICAL.Component(ICAL.parse(text));
  for (const tz of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(tz);
  const vevents = root.getAllSubcomponents('vevent');
  const byUid = new Map<string, Component[]>();
  for (const v of vevents) {
    const uid = String(v.getFirstPropertyValue('uid'));
    byUid.set(uid, [...(byUid.get(uid) ?? []), v]);
  }
  const events = new Map<string, IcalEvent>();
  for (const [uid, comps] of byUid) {
    const master = comps.find((c) => !c.hasProperty('recurrence-id'));
    if (!master) continue;
    // Exceptions given explicitly: left alone, ical.js relates every RECURRENCE-ID of the calendar.
    events.set(uid, new ICAL.Event(master, { strictExceptions: true, exceptions: comps.filter((c) => c !== master) }));
  }
  return { root, vevents, events };
}

/** The instances the parser's own recurrence expansion yields in [from, to), overrides and EXDATEs applied. */
function expand(event: IcalEvent, from: string, to: string) {
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  const out: Array<{ start: string; end: string; recurrenceId: string; summary: string; startLocal: string; tzid: string }> = [];
  const it = event.iterator();
  for (let i = 0, next = it.next(); next && i < 10_000; i++, next = it.next()) {
    if (next.toJSDate().getTime() >= toMs + 366 * 86_400_000) break;
    const details = event.getOccurrenceDetails(next);
    const start = details.startDate.toJSDate().getTime();
    if (start < fromMs || start >= toMs) continue;
    out.push({
      start: new Date(start).toISOString(),
      end: details.endDate.toJSDate().toISOString(),
      recurrenceId: details.recurrenceId.toJSDate().toISOString(),
      summary: details.item.summary,
      startLocal: details.startDate.toString(),
      tzid: details.startDate.zone?.tzid ?? '',
    });
  }
  return out;
}

function seriesOf(feed: ReturnType<typeof parseFeed>, planId: string): IcalEvent {
  const found = [...feed.events.entries()].find(([uid]) => uid.startsWith(`programme-${planId}-`));
  if (!found) throw new Error(`no recurring event for plan ${planId} in the feed`);
  return found[1];
}

describe('drill calendar feed (iCalendar)', () => {
  let t: TestApp;
  let w: ContinuityWorld;
  let adminToken: string;
  let plan: { id: string; reference: string };
  let amber: { id: string; reference: string };
  let supPlan: { id: string; reference: string };
  let programme: { programme: Programme; upcoming: string[]; nextDrill: { id: string; scheduledFor: string } };
  let amberProgramme: { programme: Programme; upcoming: string[]; nextDrill: { id: string; scheduledFor: string } };
  let feedUrl: string;

  const feedPath = (url: string) => url.slice(t.config.publicUrl.length);
  const getFeed = async (url: string) => {
    const res = await t.http().get(feedPath(url));
    expect(res.status).toBe(200);
    return parseFeed(res.text);
  };
  const createPlan = async (token: string, overrides: Record<string, unknown> = {}) => {
    const res = await t.http().post('/api/continuity/plans').set(auth(token)).send(planBody(overrides));
    if (res.status !== 201) throw new Error(`plan: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as { id: string; reference: string };
  };
  const setProgramme = async (token: string, planId: string, body: Record<string, unknown>) => {
    const res = await t.http().put(`/api/continuity/plans/${planId}/programme`).set(auth(token)).send(body);
    if (res.status !== 200) throw new Error(`programme: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as typeof programme;
  };
  const drillEvent = async (token: string, drillId: string, body: Record<string, unknown>) => {
    const current = await t.http().get(`/api/drills/${drillId}`).set(auth(token));
    const res = await t.http().post(`/api/drills/${drillId}/events`).set(auth(token)).set('If-Match', String(current.body.version)).send(body);
    if (res.status !== 200) throw new Error(`${String(body.type)}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  beforeAll(async () => {
    t = await createTestApp({ SESSION_TTL: 'P120D', PUBLIC_URL: 'https://ir.example.gov.tw' });
    t.clock.set('2026-11-01T00:00:00Z');
    w = await seedContinuityWorld(t);
    adminToken = w.tokens.admin;

    // Drills every 15 June and 15 December at 09:00 Taipei time: a window over year ends.
    plan = await createPlan(w.tokens.coordinator);
    programme = await setProgramme(w.tokens.coordinator, plan.id, {
      rrule: 'DTSTART;TZID=Asia/Taipei:20261215T090000\nRRULE:FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=15',
      drillType: 'tabletop',
      reminders: ['P30D', 'P7D', 'P1D'],
    });
    amber = await createPlan(w.tokens.coordinator, {
      title: 'SECRET-TITLE 機敏核心系統計畫',
      classification: { tlp: 'AMBER', dataLevel: 'sensitive' },
    });
    amberProgramme = await setProgramme(w.tokens.coordinator, amber.id, {
      rrule: 'DTSTART;TZID=Asia/Taipei:20261201T140000\nRRULE:FREQ=YEARLY',
      drillType: 'functional',
      reminders: ['P7D'],
    });
    supPlan = await createPlan(w.tokens.supCoordinator, { title: 'SUP headquarters plan' });
    await setProgramme(w.tokens.supCoordinator, supPlan.id, { rrule: 'DTSTART;TZID=Asia/Taipei:20270310T090000\nRRULE:FREQ=YEARLY', drillType: 'full_scale' });

    const created = await t.http().post('/api/drills/calendar-feed').set(auth(w.tokens.responder));
    expect(created.status).toBe(201);
    feedUrl = created.body.url;
  });
  afterAll(() => t.close());

  it('hands out a secret feed URL once and keeps only its SHA-256', async () => {
    expect(feedUrl).toMatch(/^https:\/\/ir\.example\.gov\.tw\/api\/drills\/calendar\.ics\?token=[A-Za-z0-9_-]{43}$/);
    const token = new URL(feedUrl).searchParams.get('token')!;
    const stored = await t.db.query('SELECT token_hash FROM calendar_feeds WHERE user_id = $1', [w.users.responder]);
    expect(stored.rows).toEqual([{ token_hash: createHash('sha256').update(token).digest('hex') }]);
    const audit = await t.db.query(`SELECT action FROM audit_events WHERE action LIKE 'calendar_feed.%' AND actor_id = $1`, [w.users.responder]);
    expect(audit.rows.map((r) => r.action)).toEqual(['calendar_feed.created']);
  });

  it('serves valid iCalendar without a session: headers, VCALENDAR, VTIMEZONE, one recurring event per programme', async () => {
    const res = await t.http().get(feedPath(feedUrl));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.text.startsWith('BEGIN:VCALENDAR\r\n')).toBe(true);
    expect(res.text.trimEnd().endsWith('END:VCALENDAR')).toBe(true);
    // RFC 5545 lines are CRLF-terminated and folded at 75 octets.
    for (const line of res.text.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);

    const feed = parseFeed(res.text);
    expect(feed.root.name).toBe('vcalendar');
    expect(feed.root.getFirstPropertyValue('version')).toBe('2.0');
    expect(feed.root.getFirstPropertyValue('prodid')).toBeTruthy();
    expect(feed.root.getAllSubcomponents('vtimezone').map((tz) => tz.getFirstPropertyValue('tzid'))).toEqual(['Asia/Taipei']);
    for (const v of feed.vevents) {
      expect(v.getFirstPropertyValue('uid')).toBeTruthy();
      expect(v.getFirstProperty('dtstart')!.getParameter('tzid')).toBe('Asia/Taipei');
      expect(v.hasProperty('dtend')).toBe(true);
      const stamp = v.getFirstPropertyValue('dtstamp') as InstanceType<typeof ICAL.Time>;
      expect(stamp.zone).toBe(ICAL.Timezone.utcTimezone);
    }
    // The responder of SUB sees SUB's two plans, not the superior agency's plan.
    const uids = [...feed.events.keys()].sort();
    expect(uids).toEqual([`programme-${amber.id}-v1@ir.example.gov.tw`, `programme-${plan.id}-v1@ir.example.gov.tw`].sort());
    expect(res.text).not.toContain(supPlan.reference);
  });

  it("expands the RRULE to exactly the programme's occurrences across year boundaries, at 09:00 Taipei (01:00Z)", async () => {
    const feed = await getFeed(feedUrl);
    const series = seriesOf(feed, plan.id);
    expect(series.isRecurring()).toBe(true);
    expect(series.component.getFirstPropertyValue('rrule')!.toString()).toBe('FREQ=YEARLY;BYMONTH=6,12;BYMONTHDAY=15');

    // The programme's own view: the coming two years.
    const now = t.clock.now().toISOString();
    const horizon = '2028-11-01T00:00:00.000Z';
    expect(programme.upcoming).toEqual(['2026-12-15T01:00:00.000Z', '2027-06-15T01:00:00.000Z', '2027-12-15T01:00:00.000Z', '2028-06-15T01:00:00.000Z']);
    expect(expand(series, now, horizon).map((o) => o.start)).toEqual(programme.upcoming);

    // A longer window, 2026-11 … 2029-01, against the programme's own expansion.
    const expanded = expand(series, '2026-11-01T00:00:00Z', '2029-01-01T00:00:00Z');
    expect(expanded.map((o) => o.start)).toEqual(occurrencesBetween(programme.programme, '2026-11-01T00:00:00Z', '2029-01-01T00:00:00Z'));
    expect(expanded.map((o) => o.start)).toEqual([
      '2026-12-15T01:00:00.000Z',
      '2027-06-15T01:00:00.000Z',
      '2027-12-15T01:00:00.000Z',
      '2028-06-15T01:00:00.000Z',
      '2028-12-15T01:00:00.000Z',
    ]);
    for (const o of expanded) {
      expect(o.tzid).toBe('Asia/Taipei');
      expect(o.startLocal).toMatch(/T09:00:00$/);
      expect(Date.parse(o.end) - Date.parse(o.start)).toBe(2 * 3_600_000); // a tabletop drill: 2 h
    }

    // The drill the programme scheduled is the first instance.
    const drills = await t
      .http()
      .get('/api/drills')
      .query({ from: '2026-11-01T00:00:00Z', to: '2029-01-01T00:00:00Z', planId: plan.id })
      .set(auth(w.tokens.responder));
    expect(drills.status).toBe(200);
    expect(drills.body.items.map((d: { scheduledFor: string }) => d.scheduledFor)).toEqual([programme.nextDrill.scheduledFor]);
    expect(programme.nextDrill.scheduledFor).toBe(expanded[0]!.start);
  });

  it('carries one alarm per reminder, matching the reminders the drill is given', async () => {
    const feed = await getFeed(feedUrl);
    const series = seriesOf(feed, plan.id);
    const alarms = series.component.getAllSubcomponents('valarm');
    expect(alarms.map((a) => a.getFirstPropertyValue('action'))).toEqual(['DISPLAY', 'DISPLAY', 'DISPLAY']);
    expect(alarms.map((a) => String(a.getFirstPropertyValue('trigger')))).toEqual(['-P30D', '-P7D', '-P1D']);
    for (const a of alarms) expect(a.getFirstPropertyValue('description')).toBeTruthy();

    // The first reminder of the next drill (the earliest still ahead) is when the alarm rings.
    const drill = await t.http().get(`/api/drills/${programme.nextDrill.id}`).set(auth(w.tokens.responder));
    const reminder = drill.body.deadlines.find((d: { kind: string; status: string }) => d.kind === 'reminder' && d.status === 'pending');
    const first = expand(series, '2026-11-01T00:00:00Z', '2027-01-01T00:00:00Z')[0]!;
    const ring = Date.parse(first.start) + (alarms[0]!.getFirstPropertyValue('trigger') as InstanceType<typeof ICAL.Duration>).toSeconds() * 1000;
    expect(new Date(ring).toISOString()).toBe(reminder.dueAt);

    const amberAlarms = seriesOf(feed, amber.id).component.getAllSubcomponents('valarm');
    expect(amberAlarms.map((a) => String(a.getFirstPropertyValue('trigger')))).toEqual(['-P7D']);
  });

  it("never puts an AMBER plan's title in the feed: reference only", async () => {
    const res = await t.http().get(feedPath(feedUrl));
    expect(res.text).not.toContain('SECRET-TITLE');
    expect(res.text).not.toContain('機敏核心系統計畫');
    const amberSeries = seriesOf(parseFeed(res.text), amber.id);
    expect(amberSeries.summary).toContain(amber.reference);
    expect(amberSeries.summary).toContain('functional');
    expect(amberSeries.component.getFirstPropertyValue('class')).toBe('PRIVATE');
    const green = seriesOf(parseFeed(res.text), plan.id);
    expect(green.summary).toContain(plan.reference);
    expect(green.summary).toContain('E-services continuity plan');
    expect(green.component.getFirstPropertyValue('url')).toBe(`https://ir.example.gov.tw/continuity/plans/${plan.id}`);
  });

  it('shows a rescheduled drill once, at its new time, as an override of its occurrence', async () => {
    await drillEvent(w.tokens.coordinator, programme.nextDrill.id, { type: 'RESCHEDULE', date: '2026-12-17T14:00:00+08:00', reason: '颱風假 typhoon day' });
    const feed = await getFeed(feedUrl);
    const overrides = feed.vevents.filter((v) => v.hasProperty('recurrence-id'));
    expect(overrides).toHaveLength(1);
    expect(overrides[0]!.getFirstProperty('recurrence-id')!.toICALString()).toBe('RECURRENCE-ID;TZID=Asia/Taipei:20261215T090000');
    expect(overrides[0]!.getFirstProperty('dtstart')!.toICALString()).toBe('DTSTART;TZID=Asia/Taipei:20261217T140000');

    const expanded = expand(seriesOf(feed, plan.id), '2026-11-01T00:00:00Z', '2029-01-01T00:00:00Z');
    const starts = expanded.map((o) => o.start);
    expect(starts).toEqual([
      '2026-12-17T06:00:00.000Z',
      '2027-06-15T01:00:00.000Z',
      '2027-12-15T01:00:00.000Z',
      '2028-06-15T01:00:00.000Z',
      '2028-12-15T01:00:00.000Z',
    ]);
    expect(starts).not.toContain('2026-12-15T01:00:00.000Z');
    expect(expanded[0]!.recurrenceId).toBe('2026-12-15T01:00:00.000Z');
    expect(expanded[0]!.startLocal).toBe('2026-12-17T14:00:00');

    const drill = await t.http().get(`/api/drills/${programme.nextDrill.id}`).set(auth(w.tokens.responder));
    expect(drill.body.scheduledFor).toBe('2026-12-17T06:00:00.000Z');
    expect(drill.body.occurrenceAt).toBe('2026-12-15T01:00:00.000Z');
  });

  it('leaves a cancelled occurrence out (EXDATE) and shows the next one', async () => {
    await drillEvent(w.tokens.coordinator, amberProgramme.nextDrill.id, { type: 'CANCEL', reason: 'merged into the national exercise' });
    const feed = await getFeed(feedUrl);
    const series = seriesOf(feed, amber.id);
    expect(series.component.getFirstProperty('exdate')!.toICALString()).toBe('EXDATE;TZID=Asia/Taipei:20261201T140000');
    const starts = expand(series, '2026-11-01T00:00:00Z', '2029-01-01T00:00:00Z').map((o) => o.start);
    expect(starts).toEqual(['2027-12-01T06:00:00.000Z', '2028-12-01T06:00:00.000Z']);
    const next = await t.http().get('/api/drills').query({ planId: amber.id, state: 'scheduled' }).set(auth(w.tokens.responder));
    expect(next.body.items.map((d: { scheduledFor: string }) => d.scheduledFor)).toEqual(['2027-12-01T06:00:00.000Z']);
  });

  it('keeps a held drill at its occurrence and the series intact', async () => {
    // Run the (rescheduled) December drill: it stays the override, the next occurrence is scheduled.
    t.clock.set('2026-12-17T06:00:00Z');
    await drillEvent(w.tokens.coordinator, programme.nextDrill.id, { type: 'START' });
    await drillEvent(w.tokens.coordinator, programme.nextDrill.id, { type: 'COMPLETE', summary: 'done' });
    await drillEvent(w.tokens.coordinator, programme.nextDrill.id, { type: 'SUBMIT_AFTER_ACTION', report: afterActionBody() });
    const feed = await getFeed(feedUrl);
    const starts = expand(seriesOf(feed, plan.id), '2026-11-01T00:00:00Z', '2028-01-01T00:00:00Z').map((o) => o.start);
    expect(starts).toEqual(['2026-12-17T06:00:00.000Z', '2027-06-15T01:00:00.000Z', '2027-12-15T01:00:00.000Z']);
  });

  it("a superior's CISO sees the subordinates' drills too; a bearer token works instead of a feed token", async () => {
    const res = await t.http().get('/api/drills/calendar.ics').set(auth(w.tokens.supCiso));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    const uids = [...parseFeed(res.text).events.keys()];
    expect(uids.some((u) => u.startsWith(`programme-${supPlan.id}-`))).toBe(true);
    expect(uids.some((u) => u.startsWith(`programme-${plan.id}-`))).toBe(true);
    const supSeries = seriesOf(parseFeed(res.text), supPlan.id);
    const first = expand(supSeries, '2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z')[0]!;
    expect(Date.parse(first.end) - Date.parse(first.start)).toBe(8 * 3_600_000); // full-scale: 8 h
  });

  it('shows a drill scheduled outside the programme as a single event', async () => {
    const scheduled = await t
      .http()
      .post(`/api/continuity/plans/${plan.id}/drills`)
      .set('Authorization', `Bearer ${w.tokens.coordinator}`)
      .send({ scheduledFor: '2027-09-01T10:00:00+08:00', drillType: 'functional', reminders: ['P7D'] });
    expect(scheduled.status).toBe(201);
    const oneOff = { row: scheduled.body as { id: string; reference: string } };
    const feed = await getFeed(feedUrl);
    const single = feed.events.get(`drill-${oneOff.row.id}@ir.example.gov.tw`)!;
    expect(single.isRecurring()).toBe(false);
    expect(single.component.getFirstProperty('dtstart')!.toICALString()).toBe('DTSTART;TZID=Asia/Taipei:20270901T100000');
    expect(single.startDate.toJSDate().toISOString()).toBe('2027-09-01T02:00:00.000Z');
    expect(single.endDate.toJSDate().toISOString()).toBe('2027-09-01T06:00:00.000Z'); // functional: 4 h
    expect(single.summary).toContain(oneOff.row.reference);
    // Its own reminders, not the programme's.
    expect(single.component.getAllSubcomponents('valarm').map((a) => String(a.getFirstPropertyValue('trigger')))).toEqual(['-P7D']);
    expect(single.component.getFirstPropertyValue('url')).toBe(`https://ir.example.gov.tw/drills/${oneOff.row.id}`);
    // The programme's series is unchanged by it.
    expect(expand(seriesOf(feed, plan.id), '2027-08-01T00:00:00Z', '2027-10-01T00:00:00Z')).toEqual([]);
  });

  it('refuses without credentials, with a bad token, and for roles that do not read drills', async () => {
    const none = await t.http().get('/api/drills/calendar.ics');
    expect(none.status).toBe(401);
    expect(none.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(none.body).toMatchObject({ type: '/problems/unauthenticated', status: 401 });
    const bad = await t
      .http()
      .get('/api/drills/calendar.ics')
      .query({ token: 'A'.repeat(43) });
    expect(bad.status).toBe(401);
    const malformed = await t.http().get('/api/drills/calendar.ics').query({ token: 'not a token!' });
    expect(malformed.status).toBe(401);
    expect((await t.http().post('/api/drills/calendar-feed').set(auth(w.tokens.reporter))).status).toBe(403);
    expect((await t.http().get('/api/drills/calendar.ics').set(auth(w.tokens.reporter))).status).toBe(403);
    expect((await t.http().post('/api/drills/calendar-feed')).status).toBe(401);
  });

  it('rotating the URL invalidates the old one; revoking ends it', async () => {
    const rotated = await t.http().post('/api/drills/calendar-feed').set(auth(w.tokens.responder));
    expect(rotated.status).toBe(201);
    expect(rotated.body.url).not.toBe(feedUrl);
    expect((await t.http().get(feedPath(feedUrl))).status).toBe(401);
    expect((await t.http().get(feedPath(rotated.body.url))).status).toBe(200);
    expect((await t.http().delete('/api/drills/calendar-feed').set(auth(w.tokens.responder))).status).toBe(204);
    expect((await t.http().get(feedPath(rotated.body.url))).status).toBe(401);
    feedUrl = (await t.http().post('/api/drills/calendar-feed').set(auth(w.tokens.responder))).body.url;
    expect((await t.http().get(feedPath(feedUrl))).status).toBe(200);
  });

  it("refuses a disabled user's feed token at once", async () => {
    const created = await t.http().post('/api/drills/calendar-feed').set(auth(w.tokens.owner));
    expect(created.status).toBe(201);
    expect((await t.http().get(feedPath(created.body.url))).status).toBe(200);
    const disabled = await t.http().patch(`/api/users/${w.users.owner}`).set(auth(adminToken)).send({ disabled: true });
    expect(disabled.status).toBe(200);
    const refused = await t.http().get(feedPath(created.body.url));
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ status: 401, reason: 'account-disabled' });
  });
});
