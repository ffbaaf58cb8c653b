import { createHash, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  actorMaySend,
  allowedEvents,
  applyIncidentEvent,
  refusalReasons,
  CATEGORIES,
  CLIENT_EVENT_TYPES,
  CLEARED_ROLES,
  fileIncident,
  flattenState,
  INCIDENT_MACHINE_VERSION,
  isRestricted,
  SYSTEM_EVENT_TYPES,
  type ClientEventType,
  type EventActor,
  type IncidentEvent,
  type IncidentPolicy,
  type Tlp,
  type Category,
  type Impact,
  type DataLevel,
  type CorrectiveActionInput,
  type EarlierRound,
  type IncidentContext,
  labelledClassification,
} from '@app/workflows';
import { DateTime } from 'luxon';
import { DataSource, type EntityManager } from 'typeorm';
import { PolicyService } from '../agencies/policy.service.js';
import { canonicalJson } from '../audit/audit-chain.js';
import { CorrectiveActionsService } from '../continuity/corrective-actions.service.js';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { decodeTimeIdCursor, toPage } from '../common/paging.js';
import { ProblemException, Problems, type FieldError, type Localized } from '../common/problem.js';
import { parseOr400 } from '../common/schema.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { hasAnyRole, seesSubordinates } from '../identity/roles.js';
import { ScopeService } from '../identity/scope.service.js';
import { DeadlineScheduler, type DeadlineToArm } from './deadline-scheduler.js';
import { EVENT_FORMS, EVENT_VARIANTS, type IncidentEventBody } from './incident-events.schema.js';
import type { PageQuery } from '../common/schema.js';
import type { CreateIncidentBody, IncidentTransitionsView, IncidentView, ListIncidentsQuery } from './incident.schema.js';
import { decodeSeqCursor } from './seq-cursor.js';
import { IncidentStore, type IncidentRow } from './incident-store.js';
import { writeEffects } from '../workflow/write-effects.js';
import { deadlinesOf, deadlinesOfEach, type DeadlineView } from '../deadlines/deadline-rows.js';
import { AppConfig } from '../config/app-config.js';
import { notificationPayload } from './incident-store.js';
import { notificationHistory } from '../notifications/notification-history.js';
import type { NotificationHistoryPage } from '../notifications/notification-history.schema.js';

/** How far in the future an awareness time may lie (clock skew between a client and the server). */
const AWARE_SKEW_MS = 5 * 60_000;
/** An intrusion may go unnoticed for years (dwell time), but not for more than ten. */
const OCCURRED_BEFORE_AWARE_MAX_MS = 10 * 365.25 * 24 * 3_600_000;

type Round = Pick<IncidentContext, 'response' | 'lawEnforcement' | 'improvementReport' | 'closure' | 'dismissal'> | EarlierRound;

/** A round's response, law enforcement, improvement report and ending, for readers cleared to see the content. */
function fullRound(r: Round) {
  return { response: r.response, lawEnforcement: r.lawEnforcement, improvementReport: r.improvementReport, closure: r.closure, dismissal: r.dismissal };
}

/**
 * The same for readers not cleared for a restricted incident (article 42): the times and who, as
 * for title and description, never the summaries, the report's text, the officer or case number.
 */
function redactedRound(r: Round) {
  return {
    response: { containedAt: r.response.containedAt, recoveredAt: r.response.recoveredAt },
    lawEnforcement: { status: r.lawEnforcement.status },
    improvementReport: r.improvementReport ? { at: r.improvementReport.at, by: r.improvementReport.by } : null,
    closure: r.closure,
    dismissal: r.dismissal ? { at: r.dismissal.at, by: r.dismissal.by } : null,
  };
}

export interface Viewer {
  user: AuthenticatedUser;
  relation: 'own' | 'superior' | 'observer';
}

/**
 * Incidents (article 41): filing with a gapless reference, transitions as single transactions
 * (lock → pure transition → snapshot, audit, timeline, outbox, deadlines), the caller's allowed
 * events, timeline and notifications, with the article-42 redaction applied to every view.
 */
@Injectable()
export class IncidentsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: IncidentStore,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    private readonly policies: PolicyService,
    private readonly scheduler: DeadlineScheduler,
    private readonly correctiveActions: CorrectiveActionsService,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  // ---- visibility ----

  /**
   * A user sees its own agency's incidents; a superior agency's overseers see a subordinate's
   * incidents once reported to them (auditors see all of their subtree). Anything else is 404.
   */
  private async viewerOf(user: AuthenticatedUser, row: Pick<IncidentRow, 'agency_id' | 'first_reported_at'>, manager: EntityManager): Promise<Viewer> {
    if (row.agency_id === user.agencyId) return { user, relation: 'own' };
    if (seesSubordinates(user.roles)) {
      const visible = await this.scope.visibleAgencyIds(user, manager);
      if (visible.includes(row.agency_id) && (row.first_reported_at !== null || user.roles.includes('auditor'))) {
        const parent: Array<{ parent_id: string | null }> = await manager.query('SELECT parent_id FROM agencies WHERE id = $1', [row.agency_id]);
        return { user, relation: parent[0]?.parent_id === user.agencyId ? 'superior' : 'observer' };
      }
    }
    throw Problems.outOfScope('incident');
  }

  private cleared(viewer: Viewer, row: IncidentRow): boolean {
    return row.filed_by === viewer.user.id || hasAnyRole(viewer.user.roles, CLEARED_ROLES as unknown as AuthenticatedUser['roles']);
  }

  private view(row: IncidentRow, viewer: Viewer, deadlines: DeadlineView[]): IncidentView {
    const restricted = isRestricted({ tlp: row.tlp as Tlp, dataLevel: row.data_level as DataLevel });
    const context = this.store.restore(row).context;
    const common = {
      id: row.id,
      reference: row.reference,
      agencyId: row.agency_id,
      category: row.category as Category,
      subcategory: row.subcategory,
      awareAt: row.aware_at.toISOString(),
      occurredAt: row.occurred_at?.toISOString() ?? null,
      impact: row.impact as IncidentView['impact'],
      level: row.level,
      classification: labelledClassification({ tlp: row.tlp, dataLevel: row.data_level }) as IncidentView['classification'],
      isDrill: row.is_drill,
      state: row.state as IncidentView['state'],
      regions: { response: row.response_state, authority: row.authority_state, lawEnforcement: row.law_enforcement_state, review: row.review_state },
      version: row.version,
      overdue: row.breach_count > 0 && !['closed', 'dismissed'].includes(row.state),
      breaches: context.breaches,
      paging: context.paging,
      authority: { status: context.authority.status, reports: context.authority.reports, review: context.authority.review },
      deadlines: deadlines as IncidentView['deadlines'],
      filedBy: row.filed_by,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
    const earlier = (r: EarlierRound) => ({ reopenedAt: r.reopenedAt, ended: r.ended, level: r.level });
    if (restricted && !this.cleared(viewer, row)) {
      return {
        ...common,
        redacted: true,
        title: null,
        description: null,
        affectedSystems: null,
        ...redactedRound(context),
        earlierRounds: context.earlierRounds.map((r) => ({ ...earlier(r), ...redactedRound(r) })),
      };
    }
    return {
      ...common,
      redacted: false,
      title: row.title,
      description: row.description,
      affectedSystems: row.affected_systems,
      ...fullRound(context),
      earlierRounds: context.earlierRounds.map((r) => ({ ...earlier(r), ...fullRound(r) })),
    };
  }

  private deadlinesOf(manager: EntityManager, incidentId: string): Promise<DeadlineView[]> {
    return deadlinesOf(manager, { type: 'incident', id: incidentId });
  }

  private async load(user: AuthenticatedUser, id: string, manager: EntityManager = this.dataSource.manager): Promise<{ row: IncidentRow; viewer: Viewer }> {
    const rows: IncidentRow[] = await manager.query('SELECT * FROM incidents WHERE id = $1', [id]);
    if (!rows[0]) throw Problems.notFound(`incident ${id}`);
    return { row: rows[0], viewer: await this.viewerOf(user, rows[0], manager) };
  }

  // ---- filing ----

  private checkFiling(dto: CreateIncidentBody): void {
    const errors: FieldError[] = [];
    const subs = CATEGORIES[dto.category] as readonly string[];
    if (dto.subcategory !== undefined && !subs.includes(dto.subcategory)) {
      errors.push({ field: 'subcategory', rule: 'isIn', message: `subcategory must be one of ${subs.join(', ')} for category ${dto.category}` });
    }
    const now = this.clock.now().getTime();
    const aware = new Date(dto.awareAt).getTime();
    const lookBack = this.config.awarenessLookBack;
    if (aware > now + AWARE_SKEW_MS) errors.push({ field: 'awareAt', rule: 'notFuture', message: 'awareAt must not be in the future' });
    if (aware < now - lookBack.ms) {
      errors.push({
        field: 'awareAt',
        rule: 'withinLookBack',
        message: `awareAt must lie within the last ${lookBack.iso} (AWARENESS_LOOKBACK); an older awareness time is implausible and would breach every clock at once`,
        params: { lookBack: lookBack.iso },
      });
    }
    if (dto.occurredAt && new Date(dto.occurredAt).getTime() > aware) {
      errors.push({ field: 'occurredAt', rule: 'notAfterAwareAt', message: 'occurredAt must not be after awareAt' });
    }
    if (dto.occurredAt && new Date(dto.occurredAt).getTime() < aware - OCCURRED_BEFORE_AWARE_MAX_MS) {
      errors.push({
        field: 'occurredAt',
        rule: 'withinTenYearsOfAwareAt',
        message: 'occurredAt must not lie more than ten years before awareAt',
      });
    }
    if (errors.length) throw Problems.validation(errors);
  }

  async create(user: AuthenticatedUser, actor: Actor, idempotencyKey: string, dto: CreateIncidentBody): Promise<{ replayed: boolean; incident: IncidentView }> {
    this.checkFiling(dto);
    const requestHash = createHash('sha256').update(canonicalJson(dto)).digest('hex');
    const now = this.clock.now();
    const result = await this.dataSource.transaction(async (manager) => {
      // One creation per (user, key) at a time; a replay finds the first one's row.
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${user.id}/${idempotencyKey}`]);
      const previous: Array<{ request_hash: string; incident_id: string }> = await manager.query(
        'SELECT request_hash, incident_id FROM incident_idempotency_keys WHERE user_id = $1 AND key = $2',
        [user.id, idempotencyKey],
      );
      if (previous[0]) {
        if (previous[0].request_hash !== requestHash) {
          throw Problems.unprocessable(
            {
              'zh-TW': '此 Idempotency-Key 已用於另一個請求；通報新事件請使用新的 key',
              en: 'this Idempotency-Key was used for a different request; use a new key for a new incident',
            },
            { field: 'Idempotency-Key' },
          );
        }
        const { row, viewer } = await this.load(user, previous[0].incident_id, manager);
        return { replayed: true, row, viewer, toArm: [] as DeadlineToArm[] };
      }
      const agencies: Array<{ code: string; parent_id: string | null; timezone: string }> = await manager.query(
        'SELECT code, parent_id, timezone FROM agencies WHERE id = $1',
        [user.agencyId],
      );
      const agency = agencies[0]!;
      const { document } = await this.policies.policyOf(user.agencyId, manager);
      const year = DateTime.fromJSDate(now, { zone: agency.timezone }).year;
      // Gapless per agency and year: the counter row is locked until commit; a rollback returns the number.
      const counter: Array<{ last: number }> = await manager.query(
        `INSERT INTO incident_counters (agency_id, year, last) VALUES ($1, $2, 1)
         ON CONFLICT (agency_id, year) DO UPDATE SET last = incident_counters.last + 1 RETURNING last`,
        [user.agencyId, year],
      );
      const reference = `${agency.code}-${year}-${String(counter[0]!.last).padStart(4, '0')}`;
      const id = randomUUID();
      const policy: IncidentPolicy = {
        clocks: document.clocks,
        acknowledgementTimeout: document.acknowledgementTimeout,
        escalation: document.escalation,
        reportReminderLead: document.reportReminderLead,
        timezone: agency.timezone,
      };
      const filed = fileIncident({
        agencyId: user.agencyId,
        hasSuperior: agency.parent_id !== null,
        policy,
        impact: dto.impact as Impact,
        category: dto.category,
        subcategory: dto.subcategory,
        isDrill: dto.isDrill ?? false,
        awareAt: new Date(dto.awareAt).toISOString(),
        filedAt: now.toISOString(),
        filedBy: user.id,
      });
      const flat = flattenState(filed.snapshot);
      const rows: IncidentRow[] = await manager.query(
        `INSERT INTO incidents (id, agency_id, reference, title, description, category, subcategory, aware_at, occurred_at, impact, level, tlp, data_level,
                                affected_systems, is_drill, state, response_state, authority_state, law_enforcement_state, review_state, snapshot, machine_version,
                                version, filed_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, 1, $23, $24, $24) RETURNING *`,
        [
          id,
          user.agencyId,
          reference,
          dto.title,
          dto.description,
          dto.category,
          dto.subcategory ?? null,
          new Date(dto.awareAt).toISOString(),
          dto.occurredAt ? new Date(dto.occurredAt).toISOString() : null,
          JSON.stringify(dto.impact),
          filed.snapshot.context.level,
          dto.classification.tlp,
          dto.classification.dataLevel,
          JSON.stringify(dto.affectedSystems ?? []),
          dto.isDrill ?? false,
          flat.state,
          flat.response,
          flat.authority,
          flat.lawEnforcement,
          flat.review,
          JSON.stringify(filed.persisted),
          INCIDENT_MACHINE_VERSION,
          user.id,
          now,
        ],
      );
      const row = rows[0]!;
      const toArm = await writeEffects(manager, filed.effects, {
        subject: { type: 'incident', id },
        agencyId: user.agencyId,
        actorId: user.id,
        now,
        payload: () => notificationPayload(row),
      });
      await manager.query('INSERT INTO incident_idempotency_keys (user_id, key, request_hash, incident_id, created_at) VALUES ($1, $2, $3, $4, $5)', [
        user.id,
        idempotencyKey,
        requestHash,
        id,
        now,
      ]);
      await this.audit.append(manager, actor, {
        action: 'incident.file',
        agencyId: user.agencyId,
        targetType: 'incident',
        targetId: id,
        details: { reference, level: row.level, category: dto.category, isDrill: row.is_drill, classification: dto.classification },
      });
      return { replayed: false, row, viewer: { user, relation: 'own' } as Viewer, toArm };
    });
    await this.scheduler.armQuietly(result.toArm);
    return { replayed: result.replayed, incident: this.view(result.row, result.viewer, await this.deadlinesOf(this.dataSource.manager, result.row.id)) };
  }

  // ---- reading ----

  async get(user: AuthenticatedUser, id: string) {
    const { row, viewer } = await this.load(user, id);
    return this.view(row, viewer, await this.deadlinesOf(this.dataSource.manager, id));
  }

  async list(user: AuthenticatedUser, q: ListIncidentsQuery) {
    const limit = q.limit ?? 50;
    const after = decodeTimeIdCursor(q.cursor);
    const visible = await this.scope.visibleAgencyIds(user);
    const subordinates = visible.filter((a) => a !== user.agencyId);
    if (q.agencyId && !visible.includes(q.agencyId)) throw Problems.outOfScope(`agency ${q.agencyId}`);
    const rows: IncidentRow[] = await this.dataSource.query(
      `SELECT * FROM incidents i
        WHERE (i.agency_id = $1 OR (i.agency_id = ANY($2) AND (i.first_reported_at IS NOT NULL OR $3)))
          AND ($4::uuid IS NULL OR i.agency_id = $4)
          AND ($5::text IS NULL OR i.state = $5)
          AND ($6::int IS NULL OR i.level = $6)
          AND ($7::boolean IS NULL OR ($7 = (i.state NOT IN ('closed','dismissed') AND (i.breach_count > 0
               OR EXISTS (SELECT 1 FROM deadlines d WHERE d.incident_id = i.id AND d.status = 'pending' AND d.due_at <= $8)))))
          AND ($9::timestamptz IS NULL OR (i.created_at, i.id) < ($9, $10::uuid))
          AND ($12::boolean IS NULL OR $12 = (i.state NOT IN ('closed','dismissed')))
          AND ($13::boolean IS NULL OR $13 = COALESCE(i.filed_by = $14 OR i.snapshot #>> '{context,paging,acknowledgedBy}' = $14::text
               OR EXISTS (SELECT 1 FROM incident_timeline t WHERE t.incident_id = i.id AND t.actor_id = $14), false))
          AND (NOT $15::boolean OR (i.state NOT IN ('closed','dismissed') AND i.snapshot #>> '{context,authority,status}' = 'reported'
               AND EXISTS (SELECT 1 FROM agencies a WHERE a.id = i.agency_id AND a.parent_id = $1)))
        ORDER BY i.created_at DESC, i.id DESC LIMIT $11`,
      [
        user.agencyId,
        subordinates,
        user.roles.includes('auditor'),
        q.agencyId ?? null,
        q.state ?? null,
        q.level ? Number(q.level) : null,
        q.overdue === undefined ? null : q.overdue === 'true',
        this.clock.now(),
        after?.[0] ?? null,
        after?.[1] ?? null,
        limit + 1,
        q.open === undefined ? null : q.open === 'true',
        q.mine === undefined ? null : q.mine === 'true',
        user.id,
        q.awaitingReview === 'true',
      ],
    );
    const page = toPage(rows, limit, (r) => [r.created_at.toISOString(), r.id]);
    const deadlines = await deadlinesOfEach(
      this.dataSource.manager,
      'incident',
      page.items.map((r) => r.id),
    );
    const items = [];
    for (const row of page.items) items.push(this.view(row, await this.viewerOf(user, row, this.dataSource.manager), deadlines.get(row.id) ?? []));
    return { items, nextCursor: page.nextCursor };
  }

  private eventActor(viewer: Viewer): EventActor {
    return { id: viewer.user.id, roles: viewer.user.roles, relation: viewer.relation === 'observer' ? 'superior' : viewer.relation };
  }

  /** The events the caller may send now, each with its fields and the pointer to its schema, to build a form from. */
  async transitions(user: AuthenticatedUser, id: string): Promise<IncidentTransitionsView> {
    const { row, viewer } = await this.load(user, id);
    if (viewer.relation === 'observer') return { allowedEvents: [] };
    return { allowedEvents: allowedEvents(this.store.restore(row), this.eventActor(viewer)).map((e) => ({ ...e, ...EVENT_FORMS[e.type] })) };
  }

  /** The timeline in order (`seq`), a page at a time; an entry's data only for readers cleared for a restricted incident. */
  async timeline(user: AuthenticatedUser, id: string, page: PageQuery) {
    const limit = page.limit ?? 50;
    const after = decodeSeqCursor(page.cursor);
    const { row, viewer } = await this.load(user, id);
    const cleared = this.cleared(viewer, row) || !isRestricted({ tlp: row.tlp as Tlp, dataLevel: row.data_level as DataLevel });
    const entries: Array<{ seq: string; at: Date; actor_id: string | null; entry: string; data: Record<string, unknown> }> = await this.dataSource.query(
      `SELECT seq::text AS seq, at, actor_id, entry, data FROM incident_timeline
        WHERE incident_id = $1 AND ($2::bigint IS NULL OR seq > $2::bigint) ORDER BY incident_timeline.seq LIMIT $3`,
      [id, after ?? null, limit + 1],
    );
    const { items, nextCursor } = toPage(entries, limit, (e) => [e.seq]);
    return {
      items: items.map((e) => ({ seq: Number(e.seq), at: e.at.toISOString(), actorId: e.actor_id, entry: e.entry, ...(cleared ? { data: e.data } : {}) })),
      nextCursor,
    };
  }

  async notifications(user: AuthenticatedUser, id: string, page: PageQuery): Promise<NotificationHistoryPage> {
    await this.load(user, id);
    return notificationHistory(this.dataSource.manager, 'incident', id, page);
  }

  // ---- events ----

  /**
   * The event body: a system event (clocks, paging) is refused with 422 before anything else; then
   * the type, then its variant's fields (400 naming each field and rule), then the rules across
   * fields that the schema cannot say.
   */
  private parseEvent(body: unknown): { type: ClientEventType; data: IncidentEventBody } {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw Problems.field('body', 'isObject', 'the body must be a JSON object with a type');
    const type = (body as { type?: unknown }).type;
    if ((SYSTEM_EVENT_TYPES as readonly unknown[]).includes(type)) {
      throw Problems.unprocessable(
        {
          'zh-TW': `${String(type)} 是系統自身的事件（時限與呼叫），用戶端不能送出`,
          en: `${String(type)} is the system's own event (clocks and paging); clients cannot send it`,
        },
        { allowedEvents: [] },
      );
    }
    if (typeof type !== 'string' || !CLIENT_EVENT_TYPES.includes(type as ClientEventType)) {
      throw Problems.field('type', 'isIn', `type must be one of ${CLIENT_EVENT_TYPES.join(', ')}`);
    }
    const event: IncidentEventBody = parseOr400(EVENT_VARIANTS[type as ClientEventType], body);
    const errors: FieldError[] = [];
    if (event.type === 'TRIAGE' && event.subcategory !== undefined) {
      const subs = CATEGORIES[event.category] as readonly string[];
      if (!subs.includes(event.subcategory))
        errors.push({ field: 'subcategory', rule: 'isIn', message: `subcategory must be one of ${subs.join(', ')} for category ${event.category}` });
    }
    if (event.type === 'SUBMIT_IMPROVEMENT_REPORT') {
      if (!Object.values(event.measures).some((m) => typeof m === 'string' && /\S/.test(m))) {
        errors.push({ field: 'measures', rule: 'atLeastOne', message: 'measures must name at least one of management, technical, staffing, resources' });
      }
      (event.correctiveActions ?? []).forEach((a, i) => {
        if (!a.ownerUserId && !a.ownerUnitId) {
          errors.push({
            field: `correctiveActions.${i}.ownerUserId`,
            rule: 'ownerRequired',
            message: 'every corrective action has an owner: ownerUserId or ownerUnitId',
          });
        }
        if (Date.parse(a.dueAt) <= this.clock.now().getTime())
          errors.push({ field: `correctiveActions.${i}.dueAt`, rule: 'future', message: 'dueAt must be in the future' });
      });
    }
    if (errors.length) throw Problems.validation(errors);
    return { type: event.type, data: event };
  }

  async applyEvent(user: AuthenticatedUser, actor: Actor, id: string, ifMatch: number | undefined, body: unknown) {
    const { type, data } = this.parseEvent(body);
    if (ifMatch === undefined)
      throw new ProblemException('precondition-required', {
        'zh-TW': '每個事件都請以 If-Match: <version> 送出事件目前的版本',
        en: 'send If-Match: <version> (the incident’s current version) with every event',
      });
    const now = this.clock.now();
    const outcome = await this.dataSource.transaction(async (manager) => {
      const row = await this.store.lock(manager, id);
      if (!row) throw Problems.notFound(`incident ${id}`);
      const viewer = await this.viewerOf(user, row, manager);
      if (row.version !== ifMatch)
        throw Problems.conflict(
          {
            'zh-TW': `事件目前為第 ${row.version} 版，不是第 ${ifMatch} 版；請重新載入後再試`,
            en: `the incident is at version ${row.version}, not ${ifMatch}; reload and retry`,
          },
          { currentVersion: row.version },
        );
      const snapshot = this.store.restore(row);
      const eventActor = this.eventActor(viewer);
      if (viewer.relation === 'observer' || !actorMaySend(type, eventActor, snapshot.context.hasSuperior)) {
        throw new ProblemException(
          'forbidden',
          { 'zh-TW': `你的角色或機關不得對此事件送出 ${type}`, en: `your role or agency may not send ${type} for this incident` },
          {
            reason: 'event-role',
            allowedEvents: viewer.relation === 'observer' ? [] : allowedEvents(snapshot, eventActor),
          },
        );
      }
      if (data.type === 'LE_EVIDENCE_HANDED_OVER') {
        const ids = data.evidenceIds;
        const found: Array<{ id: string }> = await manager.query('SELECT id FROM evidence_items WHERE incident_id = $1 AND id = ANY($2)', [id, ids]);
        const missing = ids.filter((e) => !found.some((f) => f.id === e));
        if (missing.length)
          throw Problems.field('evidenceIds', 'evidenceOfIncident', `evidenceIds must be evidence of this incident; not: ${missing.join(', ')}`);
      }
      const { correctiveActions, ...eventData } = data as { correctiveActions?: CorrectiveActionInput[] };
      if (correctiveActions?.length) await this.correctiveActions.checkOwners(manager, row.agency_id, correctiveActions, 'correctiveActions');
      const event = { ...eventData, type, actor: eventActor, at: now.toISOString() } as IncidentEvent;
      const applied = applyIncidentEvent(snapshot, event);
      if (!applied.changed) {
        return {
          refused: { state: flattenState(snapshot), allowed: allowedEvents(snapshot, eventActor), errors: refusalReasons(snapshot, event) },
        } as const;
      }
      const before = flattenState(snapshot);
      const saved = await this.store.save(manager, row, applied, user.id, now, type === 'REPORT_TO_AUTHORITY');
      if (correctiveActions?.length) {
        // The report's measures become corrective actions, tracked to done and verified (article 41's follow-up).
        const created = await this.correctiveActions.createFromSource(
          manager,
          { type: 'incident', id, agencyId: row.agency_id, tlp: row.tlp, dataLevel: row.data_level },
          correctiveActions,
          user.id,
          now,
        );
        saved.toArm.push(...created.toArm);
        await this.correctiveActions.auditCreated(manager, actor, created.rows);
      }
      await this.audit.append(manager, actor, {
        action: 'incident.event',
        agencyId: row.agency_id,
        targetType: 'incident',
        targetId: id,
        details: { type, from: before, to: flattenState(applied.snapshot), version: saved.row.version },
      });
      return { saved, viewer } as const;
    });
    if ('refused' in outcome) {
      const { state, allowed, errors } = outcome.refused!;
      await this.audit.recordRefusal(actor, {
        action: 'incident.event',
        targetType: 'incident',
        targetId: id,
        details: { type, state, reason: errors.length ? errors.map((e) => e.rule).join(',') : 'machine-refused' },
      });
      // With field errors, the detail is composed from them in the caller's language (problemBody).
      const where = `${state.state}${state.review ? '.' + state.review : ''}`;
      const detail: Localized | undefined = errors.length
        ? undefined
        : {
            'zh-TW': `目前（狀態 ${where}）不能送出 ${type}，或其資料不符合處理流程`,
            en: `${type} is not possible now (state ${where}) or its data does not satisfy the workflow`,
          };
      throw Object.assign(Problems.unprocessable(detail, { allowedEvents: allowed, ...(errors.length ? { errors } : {}) }), { audited: true });
    }
    await this.scheduler.armQuietly(outcome.saved.toArm);
    return this.view(outcome.saved.row, outcome.viewer, await this.deadlinesOf(this.dataSource.manager, id));
  }
}
