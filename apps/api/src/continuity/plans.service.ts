import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  diffPlans,
  nextReviewDue,
  occurrencesBetween,
  parseProgramme,
  PLAN_RULES,
  schemaErrors,
  validatePlanDocument,
  labelledClassification,
  type PlanDocument,
} from '@app/workflows';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { decodeCursor, decodeTimeIdCursor, toPage } from '../common/paging.js';
import { ProblemException, Problems, type FieldError } from '../common/problem.js';
import { execute } from '../database/sql.js';
import { deadlinesOf, startDeadline } from '../deadlines/deadline-rows.js';
import { DeadlineScheduler, type DeadlineToArm } from '../incidents/deadline-scheduler.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { hasAnyRole } from '../identity/roles.js';
import { ScopeService } from '../identity/scope.service.js';
import { enqueueNotification } from '../notifications/outbox.js';
import { agencyFacts } from './agency-facts.js';
import { PLAN_EDITORS, withheldFrom } from './continuity-access.js';
import { DrillStore, type DrillRow } from './drill-store.js';
import { findPlan, lockPlan, type PlanRow, type StoredProgramme } from './plan-store.js';
import { ProgrammeScheduler } from './programme-scheduler.js';
import { PlanVersionFields, ProgrammeExtraFields, type PlanVersionsQuery } from './plan.schema.js';

/** Drill results are reported within a month (DESIGN.md): a programme may shorten the window, not lengthen it (plan.schema.ts). */
const DEFAULT_AFTER_ACTION_WINDOW = 'P30D';
const PLAN_AUDIENCE = [
  { kind: 'role' as const, role: 'continuity_coordinator' },
  { kind: 'role' as const, role: 'ciso' },
];

interface VersionRow {
  version: number;
  document: PlanDocument;
  change_reason: string;
  addresses_drill_ids: string[];
  author_id: string;
  created_at: Date;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseIfMatch(ifMatch: number | undefined): number {
  if (ifMatch === undefined)
    throw new ProblemException('precondition-required', 'send If-Match with the plan version you edited (from GET or the ETag header)');
  return ifMatch;
}

/**
 * Continuity plans (article 40): the document with its impact analysis (RTO below MTPD), every
 * change a new append-only version with author and reason (article 19), diffs between versions,
 * a yearly review clock that escalates when missed, and the plan's drill programme.
 */
@Injectable()
export class PlansService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    private readonly scheduler: DeadlineScheduler,
    private readonly drills: DrillStore,
    private readonly programmes: ProgrammeScheduler,
    private readonly clock: Clock,
  ) {}

  // ---- reading ----

  private async visible(user: AuthenticatedUser, id: string, manager: EntityManager = this.dataSource.manager): Promise<PlanRow> {
    const plan = await findPlan(manager, id);
    if (!plan) throw Problems.notFound(`plan ${id}`);
    await this.scope.assertVisible(user, plan.agency_id, `plan ${id}`, manager);
    return plan;
  }

  private async view(plan: PlanRow, user: AuthenticatedUser, manager: EntityManager = this.dataSource.manager) {
    const withheld = withheldFrom(user, { tlp: plan.tlp, dataLevel: plan.data_level });
    const current: VersionRow[] = await manager.query('SELECT * FROM continuity_plan_versions WHERE plan_id = $1 AND version = $2', [
      plan.id,
      plan.current_version,
    ]);
    const next: Array<{ id: string; reference: string; scheduled_for: Date; state: string }> = await manager.query(
      `SELECT id, reference, scheduled_for, state FROM drills WHERE plan_id = $1 AND state IN ('scheduled','overdue') ORDER BY scheduled_for LIMIT 1`,
      [plan.id],
    );
    return {
      id: plan.id,
      reference: plan.reference,
      agencyId: plan.agency_id,
      title: withheld ? null : plan.title,
      classification: labelledClassification({ tlp: plan.tlp, dataLevel: plan.data_level }),
      redacted: withheld,
      version: plan.current_version,
      document: withheld ? null : current[0]!.document,
      changeReason: withheld ? null : current[0]!.change_reason,
      reviewDueAt: plan.review_due_at.toISOString(),
      reviewOverdue: plan.review_overdue,
      programme: plan.programme,
      nextDrill: next[0] ? { id: next[0].id, reference: next[0].reference, scheduledFor: next[0].scheduled_for.toISOString(), state: next[0].state } : null,
      deadlines: await deadlinesOf(manager, { type: 'plan', id: plan.id }),
      createdBy: plan.created_by,
      createdAt: plan.created_at.toISOString(),
      updatedAt: plan.updated_at.toISOString(),
    };
  }

  async get(user: AuthenticatedUser, id: string) {
    return this.view(await this.visible(user, id), user);
  }

  async list(user: AuthenticatedUser, q: { agencyId?: string; limit?: number; cursor?: string }) {
    const limit = q.limit ?? 50;
    const after = decodeTimeIdCursor(q.cursor);
    const visible = await this.scope.visibleAgencyIds(user);
    if (q.agencyId && !visible.includes(q.agencyId)) throw Problems.outOfScope(`agency ${q.agencyId}`);
    const rows: PlanRow[] = await this.dataSource.query(
      `SELECT * FROM continuity_plans WHERE agency_id = ANY($1) AND ($2::uuid IS NULL OR agency_id = $2)
          AND ($3::timestamptz IS NULL OR (created_at, id) < ($3, $4::uuid))
        ORDER BY created_at DESC, id DESC LIMIT $5`,
      [visible, q.agencyId ?? null, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
    );
    const page = toPage(rows, limit, (r) => [r.created_at.toISOString(), r.id]);
    const items = [];
    for (const row of page.items) items.push(await this.view(row, user));
    return { items, nextCursor: page.nextCursor };
  }

  /** The plan's versions, newest first, a page at a time (keyset on the version number). */
  async versions(user: AuthenticatedUser, id: string, q: PlanVersionsQuery = {}) {
    const plan = await this.visible(user, id);
    const withheld = withheldFrom(user, { tlp: plan.tlp, dataLevel: plan.data_level });
    const limit = q.limit ?? 50;
    const after = decodeCursor(q.cursor, 1)?.[0];
    if (after !== undefined && !/^\d{1,9}$/.test(after)) throw Problems.field('cursor', 'isCursor', 'cursor must be a cursor returned by a previous page');
    const rows: VersionRow[] = await this.dataSource.query(
      'SELECT * FROM continuity_plan_versions WHERE plan_id = $1 AND ($2::int IS NULL OR version < $2) ORDER BY version DESC LIMIT $3',
      [id, after === undefined ? null : Number(after), limit + 1],
    );
    const page = toPage(rows, limit, (v) => [String(v.version)]);
    return {
      items: page.items.map((v) => ({
        version: v.version,
        title: withheld ? null : v.document.title,
        changeReason: withheld ? null : v.change_reason,
        addressesDrillIds: v.addresses_drill_ids,
        authorId: v.author_id,
        createdAt: v.created_at.toISOString(),
      })),
      nextCursor: page.nextCursor,
    };
  }

  /** Reading a restricted plan's content needs clearance (article 42). */
  private async visibleContent(user: AuthenticatedUser, id: string): Promise<PlanRow> {
    const plan = await this.visible(user, id);
    if (withheldFrom(user, { tlp: plan.tlp, dataLevel: plan.data_level })) {
      throw Problems.forbidden(`plan ${plan.reference} is classified ${plan.tlp}/${plan.data_level}: its content is for the people who carry it out`);
    }
    return plan;
  }

  async version(user: AuthenticatedUser, id: string, version: number) {
    await this.visibleContent(user, id);
    const rows: VersionRow[] = await this.dataSource.query('SELECT * FROM continuity_plan_versions WHERE plan_id = $1 AND version = $2', [id, version]);
    if (!rows[0]) throw Problems.notFound(`version ${version} of plan ${id}`);
    const v = rows[0];
    return {
      planId: id,
      version: v.version,
      document: v.document,
      changeReason: v.change_reason,
      addressesDrillIds: v.addresses_drill_ids,
      authorId: v.author_id,
      createdAt: v.created_at.toISOString(),
    };
  }

  async diff(user: AuthenticatedUser, id: string, from: number, to: number) {
    await this.visibleContent(user, id);
    const rows: VersionRow[] = await this.dataSource.query('SELECT * FROM continuity_plan_versions WHERE plan_id = $1 AND version = ANY($2)', [id, [from, to]]);
    const a = rows.find((r) => r.version === from);
    const b = rows.find((r) => r.version === to);
    if (!a) throw Problems.field('from', 'exists', `plan ${id} has no version ${from}`);
    if (!b) throw Problems.field('to', 'exists', `plan ${id} has no version ${to}`);
    return { planId: id, from, to, changes: diffPlans(a.document, b.document) };
  }

  // ---- writing ----

  /**
   * Splits a create/update body into the plan document (structure and rules: validatePlanDocument)
   * and the version's own fields (plan.schema.ts), reporting every problem of both at once.
   */
  private parseBody(body: unknown, update: boolean): { document: PlanDocument; changeReason: string; addressesDrillIds: string[] } {
    if (!isObject(body)) throw Problems.field('body', 'isObject', 'send the plan document as a JSON object');
    const { changeReason, addressesDrillIds, ...document } = body;
    const errors: FieldError[] = validatePlanDocument(document);
    if (update && changeReason === undefined)
      errors.push({ field: 'changeReason', rule: 'required', message: 'say why the plan changes (article 19): changeReason is required' });
    if (!update && addressesDrillIds !== undefined)
      errors.push({ field: 'addressesDrillIds', rule: 'onUpdate', message: 'a new plan cannot address drill findings yet' });
    const own = { ...(changeReason === undefined ? {} : { changeReason }), ...(update && addressesDrillIds !== undefined ? { addressesDrillIds } : {}) };
    errors.push(
      ...schemaErrors(PlanVersionFields, own, PLAN_RULES).map((e) =>
        // The rule names the drill list has always been refused with.
        e.field === 'addressesDrillIds' ? { ...e, rule: 'isArray' } : e.field.startsWith('addressesDrillIds[') ? { ...e, rule: 'isUuid' } : e,
      ),
    );
    if (errors.length) throw Problems.validation(errors);
    const drillIds = Array.isArray(addressesDrillIds) ? [...new Set((addressesDrillIds as string[]).map((d) => d.toLowerCase()))] : [];
    return {
      document: document as unknown as PlanDocument,
      changeReason: typeof changeReason === 'string' ? changeReason.trim() : 'initial version',
      addressesDrillIds: drillIds,
    };
  }

  private assertEditor(user: AuthenticatedUser, plan?: PlanRow): void {
    if (!hasAnyRole(user.roles, PLAN_EDITORS)) throw Problems.forbidden('only a continuity coordinator or the CISO edits continuity plans');
    if (plan && plan.agency_id !== user.agencyId) throw Problems.forbidden('a plan is edited by its own agency');
  }

  async create(user: AuthenticatedUser, actor: Actor, body: unknown) {
    this.assertEditor(user);
    const { document, changeReason } = this.parseBody(body, false);
    const now = this.clock.now();
    const result = await this.dataSource.transaction(async (manager) => {
      const agency = await agencyFacts(manager, user.agencyId);
      const counter: Array<{ last: number }> = await manager.query(
        `INSERT INTO plan_counters (agency_id, last) VALUES ($1, 1) ON CONFLICT (agency_id) DO UPDATE SET last = plan_counters.last + 1 RETURNING last`,
        [user.agencyId],
      );
      const id = randomUUID();
      const reference = `${agency.code}-BCP-${String(counter[0]!.last).padStart(3, '0')}`;
      const reviewDue = new Date(nextReviewDue(now.toISOString(), document.reviewInterval, agency.timezone));
      const rows: PlanRow[] = await manager.query(
        `INSERT INTO continuity_plans (id, agency_id, reference, title, tlp, data_level, current_version, review_due_at, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $9) RETURNING *`,
        [id, user.agencyId, reference, document.title, document.classification.tlp, document.classification.dataLevel, reviewDue, user.id, now],
      );
      await manager.query(
        `INSERT INTO continuity_plan_versions (plan_id, version, document, change_reason, author_id, created_at) VALUES ($1, 1, $2, $3, $4, $5)`,
        [id, JSON.stringify(document), changeReason, user.id, now],
      );
      const toArm = [await startDeadline(manager, { type: 'plan', id }, 'review', reviewDue, now)];
      await this.audit.append(manager, actor, {
        action: 'continuity.plan.create',
        agencyId: user.agencyId,
        targetType: 'continuity_plan',
        targetId: id,
        details: { reference, version: 1, classification: document.classification, reviewDueAt: reviewDue.toISOString() },
      });
      return { plan: rows[0]!, toArm };
    });
    await this.scheduler.armQuietly(result.toArm);
    return this.view(result.plan, user);
  }

  /**
   * A new version. Naming drills in `addressesDrillIds` records that this version answers their
   * findings: each must be this plan's drill waiting for a plan change, and is told so (PLAN_UPDATED).
   */
  async update(user: AuthenticatedUser, actor: Actor, id: string, ifMatch: number | undefined, body: unknown) {
    const expected = parseIfMatch(ifMatch);
    const { document, changeReason, addressesDrillIds } = this.parseBody(body, true);
    const now = this.clock.now();
    const result = await this.dataSource.transaction(async (manager) => {
      const plan = await lockPlan(manager, id);
      if (!plan) throw Problems.notFound(`plan ${id}`);
      await this.scope.assertVisible(user, plan.agency_id, `plan ${id}`, manager);
      this.assertEditor(user, plan);
      if (plan.current_version !== expected) {
        throw Problems.conflict(`the plan is at version ${plan.current_version}, not ${expected}: reload it and apply your change again`, {
          currentVersion: plan.current_version,
        });
      }
      const version = plan.current_version + 1;
      const toArm: DeadlineToArm[] = [];
      const drills = await this.addressedDrills(manager, plan, addressesDrillIds);
      await manager.query(
        `INSERT INTO continuity_plan_versions (plan_id, version, document, change_reason, addresses_drill_ids, author_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, version, JSON.stringify(document), changeReason, addressesDrillIds, user.id, now],
      );
      // A new version is a review: the yearly review clock starts again (on the agency's calendar).
      const reviewDue = new Date(nextReviewDue(now.toISOString(), document.reviewInterval, (await agencyFacts(manager, plan.agency_id)).timezone));
      const { rows } = await execute<PlanRow>(
        manager,
        `UPDATE continuity_plans SET title = $2, tlp = $3, data_level = $4, current_version = $5, review_due_at = $6, review_overdue = false, updated_at = $7
          WHERE id = $1 RETURNING *`,
        [id, document.title, document.classification.tlp, document.classification.dataLevel, version, reviewDue, now],
      );
      toArm.push(await startDeadline(manager, { type: 'plan', id }, 'review', reviewDue, now));
      for (const drill of drills) {
        const applied = await this.drills.apply(
          manager,
          drill,
          { type: 'PLAN_UPDATED', planVersion: version, actor: { id: user.id, roles: user.roles, relation: 'system' }, at: now.toISOString() },
          user.id,
          now,
        );
        if (applied.changed) toArm.push(...applied.toArm);
      }
      await enqueueNotification(manager, {
        agencyId: plan.agency_id,
        aggregateType: 'plan',
        aggregateId: id,
        template: 'plan.version_created',
        audience: PLAN_AUDIENCE,
        payload: {
          reference: plan.reference,
          state: `v${version}`,
          tlp: document.classification.tlp,
          dataLevel: document.classification.dataLevel,
          isDrill: false,
        },
        now,
      });
      await this.audit.append(manager, actor, {
        action: 'continuity.plan.update',
        agencyId: plan.agency_id,
        targetType: 'continuity_plan',
        targetId: id,
        details: { reference: plan.reference, version, changeReason, addressesDrillIds, reviewDueAt: reviewDue.toISOString() },
      });
      return { plan: rows[0]!, toArm };
    });
    await this.scheduler.armQuietly(result.toArm);
    return this.view(result.plan, user);
  }

  private async addressedDrills(manager: EntityManager, plan: PlanRow, ids: string[]): Promise<DrillRow[]> {
    const out: DrillRow[] = [];
    const errors: FieldError[] = [];
    for (const [i, drillId] of ids.entries()) {
      const drill = await this.drills.lock(manager, drillId);
      const waiting = drill && drill.plan_id === plan.id && drill.state === 'improvement' && this.drills.restore(drill).context.planChangeRequired;
      const done = waiting && this.drills.restore(drill).context.planUpdate !== null;
      if (!drill || drill.plan_id !== plan.id)
        errors.push({ field: `addressesDrillIds[${i}]`, rule: 'drillOfPlan', message: `drill ${drillId} is not a drill of this plan` });
      else if (!waiting || done) {
        errors.push({ field: `addressesDrillIds[${i}]`, rule: 'awaitsPlanChange', message: `drill ${drill.reference} is not waiting for a plan change` });
      } else out.push(drill);
    }
    if (errors.length) throw Problems.validation(errors);
    return out;
  }

  // ---- programme ----

  /** Sets the plan's drill programme; drills still waiting under the old programme are cancelled and the next one is scheduled. */
  async setProgramme(user: AuthenticatedUser, actor: Actor, id: string, ifMatch: number | undefined, body: unknown) {
    const now = this.clock.now();
    const result = await this.dataSource.transaction(async (manager) => {
      const plan = await lockPlan(manager, id);
      if (!plan) throw Problems.notFound(`plan ${id}`);
      await this.scope.assertVisible(user, plan.agency_id, `plan ${id}`, manager);
      this.assertEditor(user, plan);
      const agency = await agencyFacts(manager, plan.agency_id);
      if (!isObject(body)) throw Problems.field('body', 'isObject', 'send {rrule, drillType, reminders} as a JSON object');
      // What GET …/programme returns is accepted back: afterActionWindow, and timezone when it is the agency's.
      const { afterActionWindow, timezone, ...rest } = body;
      const extra = { ...(afterActionWindow === undefined ? {} : { afterActionWindow }), ...(timezone === undefined ? {} : { timezone }) };
      const parsed = parseProgramme(rest, { timezone: agency.timezone, responsibilityLevel: agency.responsibilityLevel }, now.toISOString());
      const errors: FieldError[] = 'errors' in parsed ? [...parsed.errors] : [];
      errors.push(...schemaErrors(ProgrammeExtraFields, extra, PLAN_RULES));
      if ('programme' in parsed && typeof timezone === 'string' && timezone !== parsed.programme.timezone) {
        errors.push({ field: 'timezone', rule: 'agencyTimezone', message: `a programme runs in the agency's time zone ${parsed.programme.timezone}` });
      }
      if (errors.length || !('programme' in parsed)) throw Problems.validation(errors);
      if (ifMatch !== undefined && ifMatch !== plan.programme_version) {
        throw Problems.conflict(`the programme is at version ${plan.programme_version}, not ${ifMatch}: reload it and apply your change again`, {
          currentVersion: plan.programme_version,
        });
      }
      const programme: StoredProgramme = { ...parsed.programme, afterActionWindow: (afterActionWindow as string | undefined) ?? DEFAULT_AFTER_ACTION_WINDOW };
      const { rows } = await execute<PlanRow>(
        manager,
        `UPDATE continuity_plans SET programme = $2, programme_version = programme_version + 1, updated_at = $3 WHERE id = $1 RETURNING *`,
        [id, JSON.stringify(programme), now],
      );
      const updated = rows[0]!;
      const toArm: DeadlineToArm[] = [];
      // Drills the old programme scheduled that are not due yet give way to the new programme; an
      // overdue one stays (a missed drill is not hidden by changing the programme) until run or cancelled.
      const waiting: DrillRow[] = await manager.query(
        `SELECT * FROM drills WHERE plan_id = $1 AND occurrence_at IS NOT NULL AND programme_version < $2 AND state = 'scheduled' FOR UPDATE`,
        [id, updated.programme_version],
      );
      for (const drill of waiting) {
        await this.drills.apply(
          manager,
          drill,
          { type: 'CANCEL', reason: 'the drill programme changed', actor: { id: user.id, roles: user.roles, relation: 'own' }, at: now.toISOString() },
          user.id,
          now,
        );
      }
      const next = await this.programmes.ensureNextDrill(manager, updated, now);
      toArm.push(...next.toArm);
      await this.audit.append(manager, actor, {
        action: 'continuity.programme.set',
        agencyId: plan.agency_id,
        targetType: 'continuity_plan',
        targetId: id,
        details: {
          reference: plan.reference,
          programme,
          programmeVersion: updated.programme_version,
          cancelledDrills: waiting.map((d) => d.id),
          nextDrillId: next.drill?.id ?? null,
        },
      });
      return { plan: updated, toArm };
    });
    await this.scheduler.armQuietly(result.toArm);
    return this.programmeView(result.plan);
  }

  async getProgramme(user: AuthenticatedUser, id: string) {
    const plan = await this.visible(user, id);
    if (!plan.programme) throw Problems.notFound(`a drill programme for plan ${id}`);
    return this.programmeView(plan);
  }

  /** The programme with the occurrences of the coming two years (what the calendar feed expands to) and its waiting drill. */
  private async programmeView(plan: PlanRow) {
    const now = this.clock.now();
    const horizon = new Date(now.getTime());
    horizon.setUTCFullYear(horizon.getUTCFullYear() + 2);
    const next: Array<{ id: string; reference: string; scheduled_for: Date; state: string; occurrence_at: Date }> = await this.dataSource.query(
      `SELECT id, reference, scheduled_for, state, occurrence_at FROM drills
        WHERE plan_id = $1 AND programme_version = $2 AND state IN ('scheduled','overdue') ORDER BY scheduled_for LIMIT 1`,
      [plan.id, plan.programme_version],
    );
    return {
      planId: plan.id,
      programme: plan.programme,
      programmeVersion: plan.programme_version,
      upcoming: plan.programme ? occurrencesBetween(plan.programme, now.toISOString(), horizon.toISOString()) : [],
      nextDrill: next[0]
        ? {
            id: next[0].id,
            reference: next[0].reference,
            scheduledFor: next[0].scheduled_for.toISOString(),
            occurrenceAt: next[0].occurrence_at.toISOString(),
            state: next[0].state,
          }
        : null,
    };
  }
}
