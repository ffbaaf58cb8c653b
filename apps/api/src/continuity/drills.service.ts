import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  allowedDrillEvents,
  DEFAULT_AFTER_ACTION_WINDOW,
  DEFAULT_DRILL_REMINDERS,
  drillActorMaySend,
  FORM_RULES,
  schemaErrors,
  type AfterActionReport,
  type DrillClientEventType,
  type DrillEvent,
  type DrillType,
  type EventActor,
  type RoleName,
  labelledClassification,
} from '@app/workflows';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { isInstant } from '../common/instant.js';
import { decodeCursor, decodeTimeIdCursor, toPage } from '../common/paging.js';
import { fieldsOf, type FieldDescription } from '../common/schema.js';
import * as z from 'zod';
import { ProblemException, Problems, type FieldError } from '../common/problem.js';
import { deadlinesOf } from '../deadlines/deadline-rows.js';
import { DeadlineScheduler, type DeadlineToArm } from '../incidents/deadline-scheduler.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { hasAnyRole } from '../identity/roles.js';
import { ScopeService } from '../identity/scope.service.js';
import { notificationHistory } from '../notifications/notification-history.js';
import { agencyFacts } from './agency-facts.js';
import { PLAN_EDITORS, withheldFrom } from './continuity-access.js';
import { CorrectiveActionsService } from './corrective-actions.service.js';
import { parseDrillEventBody } from './drill-event-body.js';
import { DRILL_EVENT_VARIANTS } from './drill-event.schema.js';
import { ScheduleDrillBody, type DrillTimelineQuery, type ListDrillsQuery } from './drill.schema.js';
import { DrillStore, type DrillRow } from './drill-store.js';
import { lockPlan } from './plan-store.js';
import { ProgrammeScheduler } from './programme-scheduler.js';

const MAX_WINDOW_MS = 5 * 366 * 86_400_000;

/** Each event's fields for GET …/transitions (read from an unnamed copy: fieldsOf reads the properties of the schema itself, not of a $ref). */
const DRILL_EVENT_FIELDS = Object.fromEntries(
  Object.entries(DRILL_EVENT_VARIANTS).map(([type, variant]) => [type, fieldsOf(z.strictObject(variant.shape))]),
) as Record<DrillClientEventType, FieldDescription[]>;

/**
 * Drills (article 40: regular drills): reading in the caller's scope, and events as single
 * transactions — lock, If-Match, pure transition, then snapshot, timeline, outbox, deadlines, the
 * after-action report's corrective actions and, when a programme drill leaves `scheduled`, the
 * next drill of the programme.
 */
@Injectable()
export class DrillsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly store: DrillStore,
    private readonly programmes: ProgrammeScheduler,
    private readonly correctiveActions: CorrectiveActionsService,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    private readonly scheduler: DeadlineScheduler,
    private readonly clock: Clock,
  ) {}

  private async view(row: DrillRow, user: AuthenticatedUser, manager: EntityManager = this.dataSource.manager) {
    const context = this.store.restore(row).context;
    const plan: Array<{ reference: string; title: string; tlp: string; data_level: string }> = await manager.query(
      'SELECT reference, title, tlp, data_level FROM continuity_plans WHERE id = $1',
      [row.plan_id],
    );
    const actions: Array<{ id: string; status: string }> = await manager.query(
      `SELECT id, status FROM corrective_actions WHERE source_type = 'drill' AND source_id = $1 ORDER BY created_at, id`,
      [row.id],
    );
    const withheld = withheldFrom(user, { tlp: plan[0]!.tlp, dataLevel: plan[0]!.data_level });
    return {
      id: row.id,
      reference: row.reference,
      agencyId: row.agency_id,
      redacted: withheld,
      plan: {
        id: row.plan_id,
        reference: plan[0]!.reference,
        title: withheld ? null : plan[0]!.title,
        classification: labelledClassification({ tlp: plan[0]!.tlp, dataLevel: plan[0]!.data_level }),
      },
      drillType: row.drill_type,
      state: row.state,
      version: row.version,
      scheduledFor: row.scheduled_for.toISOString(),
      occurrenceAt: row.occurrence_at?.toISOString() ?? null,
      fromProgramme: row.occurrence_at !== null,
      startedAt: context.startedAt,
      completedAt: context.completedAt,
      afterActionDueAt: context.afterActionDueAt,
      afterActionOverdue: context.afterActionOverdue,
      afterAction: withheld ? null : row.after_action,
      planChangeRequired: context.planChangeRequired,
      planUpdate: context.planUpdate,
      participants: withheld ? null : context.participants,
      observations: withheld ? null : context.observations,
      reschedules: context.reschedules,
      cancellation: context.cancellation,
      breaches: context.breaches,
      correctiveActions: actions.map((a) => ({ id: a.id, status: a.status })),
      deadlines: await deadlinesOf(manager, { type: 'drill', id: row.id }),
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  }

  private async load(user: AuthenticatedUser, id: string, manager: EntityManager = this.dataSource.manager): Promise<DrillRow> {
    const rows: DrillRow[] = await manager.query('SELECT * FROM drills WHERE id = $1', [id]);
    if (!rows[0]) throw Problems.notFound(`drill ${id}`);
    await this.scope.assertVisible(user, rows[0].agency_id, `drill ${id}`, manager);
    return rows[0];
  }

  async get(user: AuthenticatedUser, id: string) {
    return this.view(await this.load(user, id), user);
  }

  async list(user: AuthenticatedUser, q: ListDrillsQuery) {
    const errors: FieldError[] = [];
    if (q.from && q.to) {
      const span = Date.parse(q.to) - Date.parse(q.from);
      if (span < 0) errors.push({ field: 'to', rule: 'afterFrom', message: 'to must not be before from' });
      else if (span > MAX_WINDOW_MS) errors.push({ field: 'to', rule: 'maxWindow', message: 'ask for at most five years at a time' });
    }
    if (errors.length) throw Problems.validation(errors);
    const limit = q.limit ?? 50;
    const after = decodeTimeIdCursor(q.cursor);
    const visible = await this.scope.visibleAgencyIds(user);
    if (q.agencyId && !visible.includes(q.agencyId)) throw Problems.outOfScope(`agency ${q.agencyId}`);
    const rows: DrillRow[] = await this.dataSource.query(
      `SELECT * FROM drills WHERE agency_id = ANY($1) AND ($2::uuid IS NULL OR agency_id = $2) AND ($3::uuid IS NULL OR plan_id = $3)
          AND ($4::text IS NULL OR state = $4) AND ($5::timestamptz IS NULL OR scheduled_for >= $5) AND ($6::timestamptz IS NULL OR scheduled_for < $6)
          AND ($7::timestamptz IS NULL OR (scheduled_for, id) > ($7, $8::uuid))
        ORDER BY scheduled_for, id LIMIT $9`,
      [visible, q.agencyId ?? null, q.planId ?? null, q.state ?? null, q.from ?? null, q.to ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const page = toPage(rows, limit, (r) => [r.scheduled_for.toISOString(), r.id]);
    const items = [];
    for (const row of page.items) items.push(await this.view(row, user));
    return { items, nextCursor: page.nextCursor };
  }

  /** The drill's timeline, oldest first, a page at a time (keyset on seq). */
  async timeline(user: AuthenticatedUser, id: string, q: DrillTimelineQuery = {}) {
    const row = await this.load(user, id);
    const withheld = withheldFrom(user, await this.store.planClassification(this.dataSource.manager, row.plan_id));
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, 1)?.[0];
    if (after !== undefined && !/^\d{1,18}$/.test(after)) throw Problems.field('cursor', 'isCursor', 'cursor must be a cursor returned by a previous page');
    const rows: Array<{ seq: string; at: Date; actor_id: string | null; entry: string; data: unknown }> = await this.dataSource.query(
      'SELECT seq::text, at, actor_id, entry, data FROM drill_timeline WHERE drill_id = $1 AND ($2::bigint IS NULL OR drill_timeline.seq > $2) ORDER BY drill_timeline.seq LIMIT $3',
      [id, after ?? null, limit + 1],
    );
    const page = toPage(rows, limit, (r) => [r.seq]);
    return {
      items: page.items.map((r) => ({ seq: Number(r.seq), at: r.at.toISOString(), actorId: r.actor_id, entry: r.entry, data: withheld ? null : r.data })),
      nextCursor: page.nextCursor,
    };
  }

  /** The drill's notification intents and their deliveries (a dead one shows here, as on an incident). */
  async notifications(user: AuthenticatedUser, id: string) {
    await this.load(user, id);
    return notificationHistory(this.dataSource.manager, 'drill', id);
  }

  private actorOf(user: AuthenticatedUser, row: DrillRow): EventActor {
    return { id: user.id, roles: user.roles as RoleName[], relation: row.agency_id === user.agencyId ? 'own' : ('superior' as const) };
  }

  async transitions(user: AuthenticatedUser, id: string) {
    const row = await this.load(user, id);
    return {
      allowedEvents: allowedDrillEvents(this.store.restore(row), this.actorOf(user, row)).map((e) => ({
        ...e,
        fields: DRILL_EVENT_FIELDS[e.type],
        schema: `#/components/schemas/${String(DRILL_EVENT_VARIANTS[e.type].meta()?.id)}`,
      })),
    };
  }

  async applyEvent(user: AuthenticatedUser, actor: Actor, id: string, ifMatch: number | undefined, body: unknown) {
    const now = this.clock.now();
    const parsed = parseDrillEventBody(body, now);
    if ('errors' in parsed) throw Problems.validation(parsed.errors);
    if (ifMatch === undefined) throw new ProblemException('precondition-required', 'send If-Match with the drill version the event is based on');
    const result = await this.dataSource.transaction(async (manager) => {
      const peek = await this.load(user, id, manager);
      // The plan first (the same lock order as plan edits), then the drill.
      const plan = await lockPlan(manager, peek.plan_id);
      const row = (await this.store.lock(manager, id))!;
      if (row.version !== ifMatch) throw Problems.conflict(`the drill is at version ${row.version}, not ${ifMatch}`, { currentVersion: row.version });
      const eventActor = this.actorOf(user, row);
      if (!drillActorMaySend(parsed.type, eventActor)) {
        throw Problems.forbidden(
          row.agency_id === user.agencyId ? `your roles may not send ${parsed.type}` : `a drill is run by its own agency; you may only read it`,
        );
      }
      const fields: Record<string, unknown> = { ...parsed.fields };
      if (parsed.type === 'CLOSE') fields.openCorrectiveActions = await this.correctiveActions.openCount(manager, 'drill', row.id);
      if (parsed.type === 'SUBMIT_AFTER_ACTION')
        await this.correctiveActions.checkOwners(manager, row.agency_id, (fields.report as AfterActionReport).correctiveActions);
      if (parsed.type === 'PLAN_UPDATED') await this.checkPlanVersion(manager, row, fields.planVersion as number);
      const event = { type: parsed.type, ...fields, actor: eventActor, at: now.toISOString() } as DrillEvent;
      const applied = await this.store.apply(manager, row, event, user.id, now);
      if (!applied.changed) {
        throw Problems.unprocessable(this.refusal(parsed.type, row, fields), {
          state: row.state,
          allowedEvents: allowedDrillEvents(this.store.restore(row), eventActor),
        });
      }
      const toArm: DeadlineToArm[] = [...applied.toArm];
      if (parsed.type === 'SUBMIT_AFTER_ACTION') {
        const report = fields.report as AfterActionReport;
        const plans: Array<{ tlp: string; data_level: string }> = await manager.query('SELECT tlp, data_level FROM continuity_plans WHERE id = $1', [
          row.plan_id,
        ]);
        const created = await this.correctiveActions.createFromSource(
          manager,
          { type: 'drill', id: row.id, agencyId: row.agency_id, tlp: plans[0]!.tlp, dataLevel: plans[0]!.data_level },
          report.correctiveActions,
          user.id,
          now,
        );
        toArm.push(...created.toArm);
        await this.correctiveActions.auditCreated(manager, actor, created.rows);
      }
      if (['START', 'CANCEL'].includes(parsed.type) && plan && row.occurrence_at !== null) {
        const next = await this.programmes.ensureNextDrill(manager, plan, now);
        toArm.push(...next.toArm);
        if (next.drill && next.toArm.length) {
          await this.audit.append(manager, actor, {
            action: 'drill.schedule',
            agencyId: next.drill.agency_id,
            targetType: 'drill',
            targetId: next.drill.id,
            details: { reference: next.drill.reference, planId: next.drill.plan_id, occurrenceAt: next.drill.occurrence_at?.toISOString(), byProgramme: true },
          });
        }
      }
      await this.audit.append(manager, actor, {
        action: `drill.${parsed.type.toLowerCase()}`,
        agencyId: row.agency_id,
        targetType: 'drill',
        targetId: row.id,
        details: { reference: row.reference, from: row.state, to: applied.row.state, version: applied.row.version, ...this.auditFields(parsed.type, fields) },
      });
      return { row: applied.row, toArm };
    });
    await this.scheduler.armQuietly(result.toArm);
    return this.view(result.row, user);
  }

  private auditFields(type: string, fields: Record<string, unknown>): Record<string, unknown> {
    if (type === 'SUBMIT_AFTER_ACTION') {
      const r = fields.report as AfterActionReport;
      return { planChangeRequired: r.planChangeRequired, correctiveActions: r.correctiveActions.length, ratings: r.capabilities.map((c) => c.rating) };
    }
    if (type === 'RECORD_OBSERVATION' || type === 'RECORD_PARTICIPANT' || type === 'COMPLETE') return {};
    return fields;
  }

  private async checkPlanVersion(manager: EntityManager, row: DrillRow, planVersion: number): Promise<void> {
    const versions: Array<{ created_at: Date; addresses_drill_ids: string[] }> = await manager.query(
      'SELECT created_at, addresses_drill_ids FROM continuity_plan_versions WHERE plan_id = $1 AND version = $2',
      [row.plan_id, planVersion],
    );
    if (!versions[0]) throw Problems.field('planVersion', 'exists', `the plan has no version ${planVersion}`);
    if (!versions[0].addresses_drill_ids.includes(row.id)) {
      throw Problems.field(
        'planVersion',
        'addressesDrill',
        `version ${planVersion} does not name this drill in addressesDrillIds: write a plan version that does`,
      );
    }
    if (row.after_action_submitted_at && versions[0].created_at.getTime() < row.after_action_submitted_at.getTime()) {
      throw Problems.field('planVersion', 'afterReport', `version ${planVersion} is older than the after-action report: name a version written since`);
    }
  }

  /** Why the machine refused, in words a coordinator can act on. */
  private refusal(type: string, row: DrillRow, fields: Record<string, unknown>): string {
    const context = this.store.restore(row).context;
    if (type === 'CLOSE' && row.state === 'improvement') {
      const reasons: string[] = [];
      if (context.planChangeRequired && !context.planUpdate)
        reasons.push('the after-action report says the plan must change, and no new plan version references this drill yet');
      if ((fields.openCorrectiveActions as number) > 0) reasons.push(`${String(fields.openCorrectiveActions)} corrective action(s) are not verified yet`);
      if (reasons.length) return `the drill cannot close: ${reasons.join('; ')}`;
    }
    return `${type} is not possible while the drill is ${row.state}`;
  }

  /** A drill outside the programme (an extra exercise, or a plan without a programme yet). */
  async scheduleOneOff(user: AuthenticatedUser, actor: Actor, planId: string, body: unknown) {
    if (!hasAnyRole(user.roles, PLAN_EDITORS)) throw Problems.forbidden('only a continuity coordinator or the CISO schedules drills');
    const now = this.clock.now();
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw Problems.field('body', 'isObject', 'send {scheduledFor, drillType, reminders?}');
    const b = body as Record<string, unknown>;
    const errors: FieldError[] = schemaErrors(ScheduleDrillBody, b, FORM_RULES);
    if (isInstant(b.scheduledFor) && Date.parse(b.scheduledFor) <= now.getTime())
      errors.push({ field: 'scheduledFor', rule: 'future', message: 'a drill is scheduled in the future' });
    if (errors.length) throw Problems.validation(errors);
    const reminders = (b.reminders as string[] | undefined) ?? DEFAULT_DRILL_REMINDERS;
    const result = await this.dataSource.transaction(async (manager) => {
      const plan = await lockPlan(manager, planId);
      if (!plan) throw Problems.notFound(`plan ${planId}`);
      await this.scope.assertVisible(user, plan.agency_id, `plan ${planId}`, manager);
      if (plan.agency_id !== user.agencyId) throw Problems.forbidden('a drill is scheduled by the plan’s own agency');
      const agency = await agencyFacts(manager, plan.agency_id);
      const created = await this.store.create(
        manager,
        {
          planId,
          agencyId: plan.agency_id,
          agencyCode: agency.code,
          timezone: agency.timezone,
          drillType: b.drillType as DrillType,
          scheduledFor: new Date(b.scheduledFor as string).toISOString(),
          reminders: reminders as string[],
          afterActionWindow: plan.programme?.afterActionWindow ?? DEFAULT_AFTER_ACTION_WINDOW,
          now: now.toISOString(),
          scheduledBy: { id: user.id, roles: user.roles as RoleName[], relation: 'own' },
          occurrenceAt: null,
          programmeVersion: null,
        },
        user.id,
        now,
      );
      await this.audit.append(manager, actor, {
        action: 'drill.schedule',
        agencyId: plan.agency_id,
        targetType: 'drill',
        targetId: created.row.id,
        details: { reference: created.row.reference, planId, drillType: b.drillType, scheduledFor: created.row.scheduled_for.toISOString() },
      });
      return created;
    });
    await this.scheduler.armQuietly(result.toArm);
    return this.view(result.row, user);
  }

  // ---- deadlines ----

  /** Sends DEADLINE_PASSED for a claimed drill deadline (see DrillDeadlineHandler). */
  async deadlinePassed(
    manager: EntityManager,
    row: DrillRow,
    deadline: { kind: string; dueAt: Date; step: number | null },
    now: Date,
  ): Promise<{ changed: boolean; toArm: DeadlineToArm[]; row?: DrillRow }> {
    const event = {
      type: 'DEADLINE_PASSED',
      kind: deadline.kind,
      dueAt: deadline.dueAt.toISOString(),
      ...(deadline.step !== null ? { step: deadline.step } : {}),
      actor: { id: 'system', roles: [], relation: 'system' },
      at: now.toISOString(),
    } as DrillEvent;
    const applied = await this.store.apply(manager, row, event, null, now);
    if (!applied.changed) return { changed: false, toArm: [] };
    return { changed: true, toArm: applied.toArm, row: applied.row };
  }
}
