import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import { isRestricted, nextOccurrence, occurrencesBetween, type DataLevel, type Tlp } from '@app/workflows';
import { ICalAlarmType, ICalCalendar, ICalCalendarMethod, ICalEventClass, ICalEventStatus, type ICalEvent } from 'ical-generator';
import { DateTime, Duration } from 'luxon';
import { DataSource } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { AppConfig } from '../config/app-config.js';
import { ProblemException } from '../common/problem.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { AuthService } from '../identity/auth.service.js';
import { hasAnyRole, seesSubordinates, type Role } from '../identity/roles.js';
import { ScopeService } from '../identity/scope.service.js';
import { CONTINUITY_READERS } from './continuity-access.js';
import type { DrillRow as StoredDrillRow } from './drill-store.js';
import type { StoredProgramme } from './plan-store.js';

/** Who may subscribe to the drill calendar: whoever may read drills. */
export const CALENDAR_ROLES: readonly Role[] = CONTINUITY_READERS;

/** How long a drill of each type is shown in the calendar (DTEND = start + this). */
export const DRILL_DURATIONS: Record<string, string> = { tabletop: 'PT2H', functional: 'PT4H', full_scale: 'PT8H' };

const DRILL_TYPE_LABELS: Record<string, string> = {
  tabletop: '桌上演練 tabletop',
  functional: '功能演練 functional',
  full_scale: '全規模演練 full-scale',
};

const FEED_TOKEN = /^[A-Za-z0-9_-]{20,200}$/;
const BEARER = /^Bearer ([A-Za-z0-9_-]{20,200})$/;
const LOCAL_FORMAT = "yyyyMMdd'T'HHmmss";

/** The feed secret is kept only as its SHA-256 (hex). */
export function feedTokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

interface FeedOwner {
  userId: string;
  agencyId: string;
  roles: Role[];
}

interface PlanRow {
  id: string;
  agency_id: string;
  reference: string;
  title: string;
  tlp: Tlp;
  data_level: DataLevel;
  programme: StoredProgramme | null;
  programme_version: number;
  agency_timezone: string;
}

/** A drill as the feed reads it, with its own reminders (from its snapshot: a drill scheduled by hand has its own). */
type DrillRow = Pick<StoredDrillRow, 'id' | 'plan_id' | 'reference' | 'drill_type' | 'occurrence_at' | 'programme_version' | 'scheduled_for' | 'state'> & {
  reminders: string[] | null;
};

/** The programme's first occurrence (the feed's DTSTART, in the programme's zone) and its RRULE line. */
export interface ProgrammeRecurrence {
  start: DateTime;
  timezone: string;
  rrule: string;
}

/**
 * The recurring event of a stored programme (`DTSTART;TZID=…:…\nRRULE:…`, as parseProgramme
 * normalises it). The programme follows python-dateutil's reading, where DTSTART only anchors the
 * rule; in iCalendar DTSTART is always the first instance, so the feed starts at the programme's
 * first occurrence instead, which leaves the RRULE's expansion unchanged.
 */
export function programmeRecurrence(programme: StoredProgramme): ProgrammeRecurrence | null {
  const lines = programme.rrule
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const dtstart = lines
    .map((l) => /^DTSTART(?:;TZID=([^:;]+))?(?:;VALUE=DATE-TIME)?:(\d{8}T\d{6})(Z?)$/i.exec(l))
    .find((m): m is RegExpExecArray => m !== null);
  const rule = lines.find((l) => /^RRULE:/i.test(l));
  if (!dtstart || !rule) return null;
  const [, tzid, local, utc] = dtstart;
  const anchor = DateTime.fromFormat(local!, LOCAL_FORMAT, { zone: utc ? 'utc' : (tzid ?? programme.timezone) });
  if (!anchor.isValid) return null;
  let first: string | null;
  try {
    first = nextOccurrence(programme, anchor.minus({ seconds: 1 }).toUTC().toISO()!);
  } catch {
    return null; // not a programme parseProgramme made: its drills are shown as single events
  }
  if (!first) return null;
  return { start: DateTime.fromISO(first, { zone: programme.timezone }), timezone: programme.timezone, rrule: rule.replace(/^RRULE:/i, 'RRULE:') };
}

function seconds(iso: string): number | null {
  const d = Duration.fromISO(iso);
  return d.isValid ? Math.round(d.as('seconds')) : null;
}

/**
 * The drill calendar (issue 5, DESIGN.md "Continuity"): an iCalendar feed of the drills of the
 * agencies the user may see, for calendar apps to subscribe to through a per-user secret URL.
 *
 * Each plan with a programme is ONE recurring event carrying the programme's own DTSTART and
 * RRULE in the programme's time zone (with its VTIMEZONE), so the calendar app expands exactly the
 * occurrences the programme schedules; a rescheduled drill is an override instance of it
 * (RECURRENCE-ID = the occurrence it fulfils), a cancelled occurrence an EXDATE. Drills scheduled
 * by hand are single events. Reminders are VALARMs. Plans classified AMBER or stricter (or at a
 * sensitive/confidential level) show their reference only, never their title (article 27).
 */
@Injectable()
export class CalendarService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** Creates or replaces the caller's secret feed URL; the token is returned once and only its hash is kept. */
  async createFeed(user: AuthenticatedUser, actor: Actor): Promise<{ url: string; rotated: boolean }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const rotated = await this.dataSource.transaction(async (manager) => {
      const rows: Array<{ rotated: boolean }> = await manager.query(
        `INSERT INTO calendar_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = EXCLUDED.created_at
         RETURNING (xmax <> 0) AS rotated`,
        [user.id, feedTokenHash(token), now],
      );
      const wasRotated = rows[0]?.rotated === true;
      await this.audit.append(manager, actor, {
        action: wasRotated ? 'calendar_feed.rotated' : 'calendar_feed.created',
        targetType: 'user',
        targetId: user.id,
      });
      return wasRotated;
    });
    return { url: `${this.config.publicUrl}/api/drills/calendar.ics?token=${token}`, rotated };
  }

  /** Whether the caller has a feed URL, and since when (the token is never kept, so never shown again). */
  async feedStatus(user: AuthenticatedUser): Promise<{ active: boolean; createdAt: string | null }> {
    const rows: Array<{ created_at: Date }> = await this.dataSource.query('SELECT created_at FROM calendar_feeds WHERE user_id = $1', [user.id]);
    return { active: rows.length > 0, createdAt: rows[0]?.created_at.toISOString() ?? null };
  }

  /** Revokes the caller's feed URL (idempotent). */
  async revokeFeed(user: AuthenticatedUser, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const deleted: [unknown[], number] = await manager.query('DELETE FROM calendar_feeds WHERE user_id = $1', [user.id]);
      if (deleted[1] > 0) await this.audit.append(manager, actor, { action: 'calendar_feed.revoked', targetType: 'user', targetId: user.id });
    });
  }

  /**
   * Who is reading the feed: the owner of a valid feed token (still enabled, not expired, still
   * holding a role that reads drills), or else the bearer of a live session. Anything else is a 401.
   */
  async resolveReader(token: string | undefined, authorization: string | undefined): Promise<FeedOwner> {
    if (token !== undefined) {
      if (!FEED_TOKEN.test(token)) throw this.refused('malformed-feed-token');
      const rows: Array<{ user_id: string; agency_id: string; disabled_at: Date | null; expires_at: Date | null; roles: Role[] }> = await this.dataSource.query(
        `SELECT f.user_id, u.agency_id, u.disabled_at, u.expires_at,
                coalesce((SELECT array_agg(r.role ORDER BY r.role) FROM role_memberships r WHERE r.user_id = u.id), '{}') AS roles
           FROM calendar_feeds f JOIN users u ON u.id = f.user_id
          WHERE f.token_hash = $1`,
        [feedTokenHash(token)],
      );
      const row = rows[0];
      if (!row) throw this.refused('unknown-feed-token');
      if (row.disabled_at) throw this.refused('account-disabled');
      if (row.expires_at && row.expires_at.getTime() <= this.clock.now().getTime()) throw this.refused('account-expired');
      if (!hasAnyRole(row.roles, CALENDAR_ROLES)) throw this.refused('role');
      return { userId: row.user_id, agencyId: row.agency_id, roles: row.roles };
    }
    const match = typeof authorization === 'string' ? BEARER.exec(authorization.trim()) : null;
    if (!match) throw this.refused(authorization ? 'malformed-authorization' : 'missing-credentials');
    const { user, refusal } = await this.auth.authenticate(match[1]!);
    if (!user) throw this.refused(refusal ?? 'unknown-token');
    if (user.mustChangePassword) {
      throw new ProblemException(
        'password-change-required',
        {
          'zh-TW': '請先以 POST /api/auth/password 變更密碼，才能進行其他操作',
          en: 'change your password with POST /api/auth/password before anything else',
        },
        {
          reason: 'password-change-required',
        },
      );
    }
    if (!hasAnyRole(user.roles, CALENDAR_ROLES)) {
      throw new ProblemException(
        'forbidden',
        {
          'zh-TW': `需要下列角色之一：${CALENDAR_ROLES.join('、')}`,
          en: `this needs one of the roles: ${CALENDAR_ROLES.join(', ')}`,
        },
        { reason: 'role', requiredRoles: CALENDAR_ROLES },
      );
    }
    return { userId: user.id, agencyId: user.agencyId, roles: user.roles };
  }

  private refused(reason: string): ProblemException {
    return new ProblemException(
      'unauthenticated',
      {
        'zh-TW': '請送出 POST /api/drills/calendar-feed 取得的 ?token=（已撤銷、已更換或帳號已停用者的 token 不再有效），或 Authorization: Bearer <token>',
        en: 'send ?token= from POST /api/drills/calendar-feed (a revoked, rotated or disabled account’s token no longer works), or Authorization: Bearer <token>',
      },
      { reason },
    );
  }

  /** The iCalendar text of the drills the reader may see. */
  async feed(reader: FeedOwner): Promise<string> {
    const agencyIds = seesSubordinates(reader.roles) ? await this.scope.subtree(reader.agencyId) : [reader.agencyId];
    const plans: PlanRow[] = await this.dataSource.query(
      `SELECT p.id, p.agency_id, p.reference, p.title, p.tlp, p.data_level, p.programme, p.programme_version, a.timezone AS agency_timezone
         FROM continuity_plans p JOIN agencies a ON a.id = p.agency_id
        WHERE p.agency_id = ANY($1) ORDER BY p.reference`,
      [agencyIds],
    );
    const drills: DrillRow[] = await this.dataSource.query(
      `SELECT id, plan_id, reference, drill_type, occurrence_at, programme_version, scheduled_for, state, snapshot->'context'->'reminders' AS reminders
         FROM drills WHERE agency_id = ANY($1) ORDER BY scheduled_for, id`,
      [agencyIds],
    );
    const byPlan = new Map<string, DrillRow[]>();
    for (const d of drills) byPlan.set(d.plan_id, [...(byPlan.get(d.plan_id) ?? []), d]);

    const now = this.clock.now();
    const calendar = new ICalCalendar({
      prodId: { company: 'incident-continuity', product: 'drills', language: 'ZH-TW' },
      name: '演練行事曆 Drill calendar',
      description: '營運持續演練 Business continuity drills',
      method: ICalCalendarMethod.PUBLISH,
      ttl: 3600,
      // name null: DTSTAMP stays in UTC; the generator emits one VTIMEZONE per zone the events use.
      timezone: { name: null, generator: getVtimezoneComponent },
    });
    for (const plan of plans) this.addPlan(calendar, plan, byPlan.get(plan.id) ?? [], now);
    return calendar.toString();
  }

  private host(): string {
    return new URL(this.config.publicUrl).hostname;
  }

  private summary(plan: PlanRow, drillType: string, drillReference?: string): string {
    const parts = [`[演練 DRILL] ${DRILL_TYPE_LABELS[drillType] ?? drillType}`, plan.reference];
    if (drillReference) parts.push(drillReference);
    const base = parts.join(' · ');
    return this.restricted(plan) ? base : `${base} ${plan.title}`;
  }

  private restricted(plan: PlanRow): boolean {
    return isRestricted({ tlp: plan.tlp, dataLevel: plan.data_level });
  }

  private addPlan(calendar: ICalCalendar, plan: PlanRow, drills: DrillRow[], now: Date): void {
    const programme = plan.programme;
    const recurrence = programme ? programmeRecurrence(programme) : null;
    const live = drills.filter((d) => d.state !== 'cancelled');
    const inSeries = (d: DrillRow): boolean =>
      recurrence !== null && d.occurrence_at !== null && d.programme_version === plan.programme_version && this.isOccurrence(programme!, d.occurrence_at);

    if (programme && recurrence) {
      const uid = `programme-${plan.id}-v${plan.programme_version}@${this.host()}`;
      const liveOccurrences = new Set(live.filter(inSeries).map((d) => d.occurrence_at!.getTime()));
      const excluded = [
        ...new Set(
          drills
            .filter((d) => d.state === 'cancelled' && inSeries(d) && !liveOccurrences.has(d.occurrence_at!.getTime()))
            .map((d) => d.occurrence_at!.getTime()),
        ),
      ].sort((a, b) => a - b);
      const lines = [recurrence.rrule];
      if (excluded.length) {
        lines.push(
          `EXDATE;TZID=${recurrence.timezone}:${excluded.map((ms) => DateTime.fromMillis(ms, { zone: recurrence.timezone }).toFormat(LOCAL_FORMAT)).join(',')}`,
        );
      }
      const series = calendar.createEvent({
        id: uid,
        stamp: now,
        start: recurrence.start,
        end: recurrence.start.plus(Duration.fromISO(DRILL_DURATIONS[programme.drillType] ?? 'PT2H')),
        timezone: recurrence.timezone,
        repeating: lines.join('\n'),
        summary: this.summary(plan, programme.drillType),
        description: this.description(plan, programme.drillType, null),
        url: `${this.config.publicUrl}/continuity/plans/${plan.id}`,
        status: ICalEventStatus.CONFIRMED,
        class: this.restricted(plan) ? ICalEventClass.PRIVATE : ICalEventClass.PUBLIC,
      });
      this.addAlarms(series, programme.reminders);
      // A drill of the series that is not at its occurrence's time: the override instance.
      for (const drill of live.filter((d) => inSeries(d) && d.scheduled_for.getTime() !== d.occurrence_at!.getTime())) {
        const start = DateTime.fromJSDate(drill.scheduled_for, { zone: recurrence.timezone });
        const override = calendar.createEvent({
          id: uid,
          stamp: now,
          recurrenceId: DateTime.fromJSDate(drill.occurrence_at!, { zone: recurrence.timezone }),
          start,
          end: start.plus(Duration.fromISO(DRILL_DURATIONS[drill.drill_type] ?? 'PT2H')),
          timezone: recurrence.timezone,
          summary: this.summary(plan, drill.drill_type, drill.reference),
          description: this.description(plan, drill.drill_type, drill),
          url: `${this.config.publicUrl}/drills/${drill.id}`,
          status: ICalEventStatus.CONFIRMED,
          class: this.restricted(plan) ? ICalEventClass.PRIVATE : ICalEventClass.PUBLIC,
        });
        this.addAlarms(override, programme.reminders);
      }
    }

    // Drills scheduled by hand, and drills of an earlier programme: single events.
    for (const drill of live.filter((d) => !inSeries(d))) {
      const zone = recurrence?.timezone ?? plan.agency_timezone;
      const start = DateTime.fromJSDate(drill.scheduled_for, { zone });
      const single = calendar.createEvent({
        id: `drill-${drill.id}@${this.host()}`,
        stamp: now,
        start,
        end: start.plus(Duration.fromISO(DRILL_DURATIONS[drill.drill_type] ?? 'PT2H')),
        timezone: zone,
        summary: this.summary(plan, drill.drill_type, drill.reference),
        description: this.description(plan, drill.drill_type, drill),
        url: `${this.config.publicUrl}/drills/${drill.id}`,
        status: ICalEventStatus.CONFIRMED,
        class: this.restricted(plan) ? ICalEventClass.PRIVATE : ICalEventClass.PUBLIC,
      });
      this.addAlarms(single, drill.reminders ?? programme?.reminders ?? []);
    }
  }

  private description(plan: PlanRow, drillType: string, drill: DrillRow | null): string {
    const lines = [`營運持續計畫 Plan: ${plan.reference}`, `演練類型 Drill type: ${DRILL_TYPE_LABELS[drillType] ?? drillType}`];
    if (drill) lines.push(`演練 Drill: ${drill.reference} (${drill.state})`);
    lines.push(drill ? `${this.config.publicUrl}/drills/${drill.id}` : `${this.config.publicUrl}/continuity/plans/${plan.id}`);
    return lines.join('\n');
  }

  private addAlarms(event: ICalEvent, reminders: readonly string[]): void {
    for (const reminder of reminders) {
      const before = seconds(reminder);
      if (before === null || before <= 0) continue;
      event.createAlarm({ type: ICalAlarmType.display, triggerBefore: before, description: event.summary() });
    }
  }

  private isOccurrence(programme: StoredProgramme, at: Date): boolean {
    const from = new Date(at.getTime() - 1000).toISOString();
    const to = new Date(at.getTime() + 1000).toISOString();
    return occurrencesBetween(programme, from, to).some((o) => new Date(o).getTime() === at.getTime());
  }
}
