import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  decideStatusChange,
  FORM_RULES,
  schemaErrors,
  UNFINISHED_STATUSES,
  type CorrectiveActionInput,
  type CorrectiveActionStatus,
  type RoleName,
} from '@app/workflows';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { isInstant } from '../common/instant.js';
import { decodeTimeIdCursor, toPage } from '../common/paging.js';
import { ProblemException, Problems, type FieldError } from '../common/problem.js';
import { execute } from '../database/sql.js';
import { deadlinesOf, endDeadlines, startDeadline } from '../deadlines/deadline-rows.js';
import { DeadlineScheduler, type DeadlineToArm } from '../incidents/deadline-scheduler.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { hasAnyRole } from '../identity/roles.js';
import { ScopeService } from '../identity/scope.service.js';
import { enqueueNotification, type NotificationPayload } from '../notifications/outbox.js';
import type { AudienceEntry } from '../notifications/recipients.js';
import { CONTINUITY_READERS, CORRECTIVE_ACTION_FILERS, withheldFrom } from './continuity-access.js';
import { CreateCorrectiveActionBody, UpdateCorrectiveActionBody, type ListCorrectiveActionsQuery } from './corrective-action.schema.js';

/** The owner hears a week before the due date; at the due date an unfinished action escalates once. */
const DUE_SOON_MS = 7 * 86_400_000;
const MANAGERS: AudienceEntry[] = [
  { kind: 'role', role: 'continuity_coordinator' },
  { kind: 'role', role: 'ciso' },
];

export interface CorrectiveActionRow {
  id: string;
  agency_id: string;
  source_type: 'drill' | 'incident';
  source_id: string;
  title: string;
  owner_user_id: string | null;
  owner_unit_id: string | null;
  due_at: Date;
  status: CorrectiveActionStatus;
  overdue: boolean;
  note: string | null;
  done_at: Date | null;
  done_by: string | null;
  verified_at: Date | null;
  verified_by: string | null;
  version: number;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ActionSource {
  type: 'drill' | 'incident';
  id: string;
  agencyId: string;
  tlp: string;
  dataLevel: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Corrective actions from after-action reports and incident improvement reports, tracked to done
 * and verified (by someone else than who finished them), with a reminder to the owner and one
 * escalation when the due date passes unfinished.
 */
@Injectable()
export class CorrectiveActionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    private readonly scheduler: DeadlineScheduler,
    private readonly clock: Clock,
  ) {}

  /** Actions of a source that still need work or verification. */
  async openCount(manager: EntityManager, sourceType: 'drill' | 'incident', sourceId: string): Promise<number> {
    const rows: Array<{ n: number }> = await manager.query(
      `SELECT count(*)::int AS n FROM corrective_actions WHERE source_type = $1 AND source_id = $2 AND status = ANY($3)`,
      [sourceType, sourceId, UNFINISHED_STATUSES],
    );
    return rows[0]!.n;
  }

  /** Owners must be active people or units of the agency. */
  async checkOwners(manager: EntityManager, agencyId: string, actions: CorrectiveActionInput[], path = 'report.correctiveActions'): Promise<void> {
    const errors: FieldError[] = [];
    for (const [i, a] of actions.entries()) {
      if (a.ownerUserId) {
        const users: Array<{ id: string }> = await manager.query(
          `SELECT id FROM users WHERE id = $1 AND agency_id = $2 AND disabled_at IS NULL AND (expires_at IS NULL OR expires_at > $3)`,
          [a.ownerUserId.toLowerCase(), agencyId, this.clock.now()],
        );
        if (!users[0])
          errors.push({ field: `${path}[${i}].ownerUserId`, rule: 'activeUserOfAgency', message: 'the owner must be an active user of the agency' });
      }
      if (a.ownerUnitId) {
        const units: Array<{ id: string }> = await manager.query('SELECT id FROM units WHERE id = $1 AND agency_id = $2', [
          a.ownerUnitId.toLowerCase(),
          agencyId,
        ]);
        if (!units[0]) errors.push({ field: `${path}[${i}].ownerUnitId`, rule: 'unitOfAgency', message: 'the owning unit must be a unit of the agency' });
      }
    }
    if (errors.length) throw Problems.validation(errors);
  }

  private payload(row: CorrectiveActionRow, source: { tlp: string; dataLevel: string }): NotificationPayload {
    return {
      correctiveActionId: row.id,
      reference: `CA-${row.id.slice(0, 8)}`,
      state: row.status,
      tlp: source.tlp,
      dataLevel: source.dataLevel,
      isDrill: false,
      dueAt: row.due_at.toISOString(),
    };
  }

  private ownerAudience(row: Pick<CorrectiveActionRow, 'owner_user_id' | 'owner_unit_id'>): AudienceEntry[] {
    return [
      ...(row.owner_user_id ? [{ kind: 'user' as const, userId: row.owner_user_id }] : []),
      ...(row.owner_unit_id ? [{ kind: 'unit' as const, unitId: row.owner_unit_id }] : []),
    ];
  }

  async classificationOf(manager: EntityManager, row: Pick<CorrectiveActionRow, 'source_type' | 'source_id'>): Promise<{ tlp: string; dataLevel: string }> {
    const rows: Array<{ tlp: string; data_level: string }> =
      row.source_type === 'drill'
        ? await manager.query('SELECT p.tlp, p.data_level FROM drills d JOIN continuity_plans p ON p.id = d.plan_id WHERE d.id = $1', [row.source_id])
        : await manager.query('SELECT tlp, data_level FROM incidents WHERE id = $1', [row.source_id]);
    return { tlp: rows[0]?.tlp ?? 'RED', dataLevel: rows[0]?.data_level ?? 'confidential' };
  }

  /** Plans the owner's reminder and the due date's escalation. */
  private async armDue(manager: EntityManager, row: CorrectiveActionRow, now: Date): Promise<DeadlineToArm[]> {
    const subject = { type: 'corrective_action' as const, id: row.id };
    const toArm = [await startDeadline(manager, subject, 'due', row.due_at, now)];
    const soon = new Date(row.due_at.getTime() - DUE_SOON_MS);
    if (soon.getTime() > now.getTime()) toArm.push(await startDeadline(manager, subject, 'due_soon', soon, now));
    else await endDeadlines(manager, subject, ['due_soon'], 'cancelled', now);
    return toArm;
  }

  /** Creates a source's actions in the caller's transaction; owners are told. */
  async createFromSource(
    manager: EntityManager,
    source: ActionSource,
    actions: CorrectiveActionInput[],
    actorId: string | null,
    now: Date,
  ): Promise<{ rows: CorrectiveActionRow[]; toArm: DeadlineToArm[] }> {
    const toArm: DeadlineToArm[] = [];
    const created: CorrectiveActionRow[] = [];
    for (const a of actions) {
      const rows: CorrectiveActionRow[] = await manager.query(
        `INSERT INTO corrective_actions (id, agency_id, source_type, source_id, title, owner_user_id, owner_unit_id, due_at, status, version, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', 1, $9, $10, $10) RETURNING *`,
        [
          randomUUID(),
          source.agencyId,
          source.type,
          source.id,
          a.title.trim(),
          a.ownerUserId?.toLowerCase() ?? null,
          a.ownerUnitId?.toLowerCase() ?? null,
          new Date(a.dueAt),
          actorId,
          now,
        ],
      );
      const row = rows[0]!;
      created.push(row);
      toArm.push(...(await this.armDue(manager, row, now)));
      await enqueueNotification(manager, {
        agencyId: row.agency_id,
        aggregateType: 'corrective_action',
        aggregateId: row.id,
        template: 'corrective_action.assigned',
        audience: this.ownerAudience(row),
        payload: this.payload(row, source),
        now,
      });
    }
    return { rows: created, toArm };
  }

  // ---- API ----

  private view(row: CorrectiveActionRow, withheld: boolean, deadlines: Awaited<ReturnType<typeof deadlinesOf>> = []) {
    return {
      id: row.id,
      agencyId: row.agency_id,
      source: { type: row.source_type, id: row.source_id },
      title: withheld ? null : row.title,
      redacted: withheld,
      ownerUserId: row.owner_user_id,
      ownerUnitId: row.owner_unit_id,
      dueAt: row.due_at.toISOString(),
      status: row.status,
      overdue: row.overdue,
      note: withheld ? null : row.note,
      doneAt: row.done_at?.toISOString() ?? null,
      doneBy: row.done_by,
      verifiedAt: row.verified_at?.toISOString() ?? null,
      verifiedBy: row.verified_by,
      version: row.version,
      deadlines,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  }

  /** Whether the user reads every action in scope, or (plain staff) only those they or their units own. */
  private readsAll(user: AuthenticatedUser): boolean {
    return hasAnyRole(user.roles, CONTINUITY_READERS);
  }

  private async owns(manager: EntityManager, user: AuthenticatedUser, row: Pick<CorrectiveActionRow, 'owner_user_id' | 'owner_unit_id'>): Promise<boolean> {
    if (row.owner_user_id === user.id) return true;
    if (!row.owner_unit_id) return false;
    const m: Array<{ n: number }> = await manager.query('SELECT count(*)::int AS n FROM unit_memberships WHERE unit_id = $1 AND user_id = $2', [
      row.owner_unit_id,
      user.id,
    ]);
    return m[0]!.n > 0;
  }

  /** The response for one action, its content withheld from users without clearance for its source's classification. */
  async viewFor(user: AuthenticatedUser, row: CorrectiveActionRow, manager: EntityManager = this.dataSource.manager) {
    // The owner always reads what they must do.
    const withheld = withheldFrom(user, await this.classificationOf(manager, row)) && !(await this.owns(manager, user, row));
    return this.view(row, withheld, await deadlinesOf(manager, { type: 'corrective_action', id: row.id }));
  }

  async get(user: AuthenticatedUser, id: string) {
    const rows: CorrectiveActionRow[] = await this.dataSource.query('SELECT * FROM corrective_actions WHERE id = $1', [id]);
    if (!rows[0]) throw Problems.notFound(`corrective action ${id}`);
    await this.scope.assertVisible(user, rows[0].agency_id, `corrective action ${id}`);
    if (!this.readsAll(user) && !(await this.owns(this.dataSource.manager, user, rows[0]))) throw Problems.outOfScope(`corrective action ${id}`);
    return this.viewFor(user, rows[0]);
  }

  async list(user: AuthenticatedUser, q: ListCorrectiveActionsQuery) {
    const limit = q.limit ?? 50;
    const after = decodeTimeIdCursor(q.cursor);
    const visible = await this.scope.visibleAgencyIds(user);
    if (q.agencyId && !visible.includes(q.agencyId)) throw Problems.outOfScope(`agency ${q.agencyId}`);
    const rows: Array<CorrectiveActionRow & { source_tlp: string; source_data_level: string }> = await this.dataSource.query(
      `SELECT ca.*, coalesce(p.tlp, i.tlp, 'RED') AS source_tlp, coalesce(p.data_level, i.data_level, 'confidential') AS source_data_level
         FROM corrective_actions ca
         LEFT JOIN drills d ON ca.source_type = 'drill' AND d.id = ca.source_id
         LEFT JOIN continuity_plans p ON p.id = d.plan_id
         LEFT JOIN incidents i ON ca.source_type = 'incident' AND i.id = ca.source_id
        WHERE ca.agency_id = ANY($1) AND ($2::uuid IS NULL OR ca.agency_id = $2) AND ($3::text IS NULL OR ca.status = $3)
          AND ($4::boolean IS NULL OR ca.overdue = $4) AND ($5::text IS NULL OR ca.source_type = $5) AND ($6::uuid IS NULL OR ca.source_id = $6)
          AND (NOT $7 OR ca.owner_user_id = $8 OR ca.owner_unit_id IN (SELECT unit_id FROM unit_memberships WHERE user_id = $8))
          AND ($9::timestamptz IS NULL OR (ca.due_at, ca.id) > ($9, $10::uuid))
          AND ($12::text IS NULL OR ($12 = 'me' AND ca.owner_user_id = $8)
            OR ($12 = 'my_units' AND (ca.owner_unit_id IN (SELECT unit_id FROM unit_memberships WHERE user_id = $8)
              OR ca.owner_user_id IN (SELECT m.user_id FROM unit_memberships m
                                       WHERE m.unit_id IN (SELECT unit_id FROM unit_memberships WHERE user_id = $8)))))
        ORDER BY ca.due_at, ca.id LIMIT $11`,
      [
        visible,
        q.agencyId ?? null,
        q.status ?? null,
        q.overdue === undefined ? null : q.overdue === 'true',
        q.sourceType ?? null,
        q.sourceId ?? null,
        q.mine === 'true' || !this.readsAll(user),
        user.id,
        after?.[0] ?? null,
        after?.[1] ?? null,
        limit + 1,
        q.owner ?? null,
      ],
    );
    const page = toPage(rows, limit, (r) => [r.due_at.toISOString(), r.id]);
    const units: Array<{ unit_id: string }> = await this.dataSource.query('SELECT unit_id FROM unit_memberships WHERE user_id = $1', [user.id]);
    const owned = (r: CorrectiveActionRow) => r.owner_user_id === user.id || units.some((u) => u.unit_id === r.owner_unit_id);
    return {
      items: page.items.map((r) => this.view(r, withheldFrom(user, { tlp: r.source_tlp, dataLevel: r.source_data_level }) && !owned(r))),
      nextCursor: page.nextCursor,
    };
  }

  /** One audit record per created action (ids, dates and owners; the title stays in the table). */
  async auditCreated(manager: EntityManager, actor: Actor, rows: CorrectiveActionRow[]): Promise<void> {
    for (const row of rows) {
      await this.audit.append(manager, actor, {
        action: 'corrective_action.create',
        agencyId: row.agency_id,
        targetType: 'corrective_action',
        targetId: row.id,
        details: {
          source: { type: row.source_type, id: row.source_id },
          dueAt: row.due_at.toISOString(),
          ownerUserId: row.owner_user_id,
          ownerUnitId: row.owner_unit_id,
        },
      });
    }
  }

  /** Files actions for an incident's improvement measures (or, by hand, for a drill). */
  async create(user: AuthenticatedUser, actor: Actor, body: unknown) {
    if (!hasAnyRole(user.roles, CORRECTIVE_ACTION_FILERS))
      throw Problems.forbidden({
        'zh-TW': '僅營運持續協調人、資安長或值班主管可登錄矯正措施',
        en: 'only a continuity coordinator, the CISO or an on-call manager files corrective actions',
      });
    if (!isObject(body)) throw Problems.field('body', 'isObject', 'send {sourceType, sourceId, title, ownerUserId|ownerUnitId, dueAt}');
    const errors: FieldError[] = schemaErrors(CreateCorrectiveActionBody, body, FORM_RULES);
    if (body.ownerUserId === undefined && body.ownerUnitId === undefined)
      errors.push({ field: 'ownerUserId', rule: 'ownerRequired', message: 'name an owner: ownerUserId or ownerUnitId' });
    const now = this.clock.now();
    if (isInstant(body.dueAt) && Date.parse(body.dueAt) <= now.getTime())
      errors.push({ field: 'dueAt', rule: 'future', message: 'dueAt must be in the future' });
    if (errors.length) throw Problems.validation(errors);
    const sourceType = body.sourceType as 'incident' | 'drill';
    const sourceId = (body.sourceId as string).toLowerCase();
    const input: CorrectiveActionInput = {
      title: body.title as string,
      dueAt: body.dueAt as string,
      ...(body.ownerUserId ? { ownerUserId: body.ownerUserId as string } : {}),
      ...(body.ownerUnitId ? { ownerUnitId: body.ownerUnitId as string } : {}),
    };
    const result = await this.dataSource.transaction(async (manager) => {
      let source: { agency_id: string; tlp: string; data_level: string } | undefined;
      if (sourceType === 'incident') {
        const rows: Array<{ agency_id: string; tlp: string; data_level: string; state: string }> = await manager.query(
          'SELECT agency_id, tlp, data_level, state FROM incidents WHERE id = $1 FOR UPDATE',
          [sourceId],
        );
        source = rows[0];
        if (source && source.agency_id === user.agencyId && rows[0]!.state === 'dismissed') {
          throw Problems.unprocessable(
            { 'zh-TW': '已駁回的通報不是資安事件，沒有矯正措施', en: 'a dismissed report was not an incident: it has no corrective actions' },
            { field: 'sourceId', rule: 'notDismissed' },
          );
        }
      } else {
        // The plan, then the drill: the lock order of drill events, so CLOSE and a new action never cross.
        const peek: Array<{ plan_id: string }> = await manager.query('SELECT plan_id FROM drills WHERE id = $1', [sourceId]);
        if (peek[0]) await manager.query('SELECT id FROM continuity_plans WHERE id = $1 FOR UPDATE', [peek[0].plan_id]);
        const rows: Array<{ agency_id: string; tlp: string; data_level: string; state: string }> = await manager.query(
          'SELECT d.agency_id, p.tlp, p.data_level, d.state FROM drills d JOIN continuity_plans p ON p.id = d.plan_id WHERE d.id = $1 FOR UPDATE OF d',
          [sourceId],
        );
        source = rows[0];
        if (source && source.agency_id === user.agencyId && !['debrief', 'improvement'].includes(rows[0]!.state)) {
          throw Problems.unprocessable(
            {
              'zh-TW': `演練目前為 ${rows[0]!.state}：矯正措施於檢討（debrief）或改善（improvement）階段新增`,
              en: `the drill is ${rows[0]!.state}: corrective actions are added in debrief or improvement`,
            },
            {
              field: 'sourceId',
              rule: 'drillInImprovement',
            },
          );
        }
      }
      if (!source || source.agency_id !== user.agencyId) throw Problems.outOfScope(`${sourceType} ${sourceId}`);
      await this.checkOwners(manager, source.agency_id, [input], 'body');
      const { rows, toArm } = await this.createFromSource(
        manager,
        { type: sourceType, id: sourceId, agencyId: source.agency_id, tlp: source.tlp, dataLevel: source.data_level },
        [input],
        user.id,
        now,
      );
      await this.auditCreated(manager, actor, rows);
      return { row: rows[0]!, toArm };
    });
    await this.scheduler.armQuietly(result.toArm);
    return this.viewFor(user, result.row);
  }

  /** Status, note, due date or owner; every change is audited. */
  async patch(user: AuthenticatedUser, actor: Actor, id: string, ifMatch: number | undefined, body: unknown) {
    if (!isObject(body)) throw Problems.field('body', 'isObject', 'send {status?, note?, dueAt?, ownerUserId?, ownerUnitId?}');
    const errors: FieldError[] = schemaErrors(UpdateCorrectiveActionBody, body, FORM_RULES);
    if (!Object.keys(body).length) errors.push({ field: 'body', rule: 'notEmpty', message: 'send at least one field to change' });
    const now = this.clock.now();
    if (isInstant(body.dueAt) && Date.parse(body.dueAt) <= now.getTime())
      errors.push({ field: 'dueAt', rule: 'future', message: 'a new due date must be in the future' });
    if (errors.length) throw Problems.validation(errors);
    if (ifMatch === undefined)
      throw new ProblemException('precondition-required', {
        'zh-TW': '請以 If-Match 送出你編輯時的矯正措施版本',
        en: 'send If-Match with the corrective action version you edited',
      });
    const result = await this.dataSource.transaction(async (manager) => {
      const rows: CorrectiveActionRow[] = await manager.query('SELECT * FROM corrective_actions WHERE id = $1 FOR UPDATE', [id]);
      const row = rows[0];
      if (!row) throw Problems.notFound(`corrective action ${id}`);
      await this.scope.assertVisible(user, row.agency_id, `corrective action ${id}`, manager);
      if (row.agency_id !== user.agencyId)
        throw Problems.forbidden({ 'zh-TW': '矯正措施由其所屬機關處理', en: 'a corrective action is worked on by its own agency' });
      if (row.version !== ifMatch)
        throw Problems.conflict(
          {
            'zh-TW': `矯正措施目前為第 ${row.version} 版，不是第 ${ifMatch} 版：請重新載入`,
            en: `the corrective action is at version ${row.version}, not ${ifMatch}`,
          },
          { currentVersion: row.version },
        );
      const unitIds: Array<{ unit_id: string }> = await manager.query('SELECT unit_id FROM unit_memberships WHERE user_id = $1', [user.id]);
      const changer = { id: user.id, roles: user.roles as RoleName[], unitIds: unitIds.map((u) => u.unit_id) };
      const managerRole = hasAnyRole(user.roles, ['continuity_coordinator', 'ciso']);
      const owner = await this.owns(manager, user, row);
      if (!managerRole && !owner) {
        if (!this.readsAll(user)) throw Problems.outOfScope(`corrective action ${id}`);
        throw Problems.forbidden({
          'zh-TW': '僅負責人或營運持續協調人可處理此矯正措施',
          en: 'only the owner or a continuity coordinator works on this action',
        });
      }
      if ((body.dueAt !== undefined || body.ownerUserId !== undefined || body.ownerUnitId !== undefined) && !managerRole) {
        throw Problems.forbidden({
          'zh-TW': '僅營運持續協調人或資安長可變更期限或負責人',
          en: 'only a continuity coordinator or the CISO changes the due date or the owner',
        });
      }
      const next = { ...row };
      const events: string[] = [];
      const toArm: DeadlineToArm[] = [];
      const subject = { type: 'corrective_action' as const, id };
      if (body.status !== undefined && body.status !== row.status) {
        const decision = decideStatusChange(
          { status: row.status, ownerUserId: row.owner_user_id, ownerUnitIds: row.owner_unit_id ? [row.owner_unit_id] : [], doneBy: row.done_by },
          body.status as CorrectiveActionStatus,
          changer,
          body.note as string | undefined,
        );
        if (!decision.ok) {
          throw decision.status === 403
            ? Problems.forbidden(decision.message)
            : Problems.unprocessable(decision.message, {
                field: 'status',
                rule: decision.rule,
                // The action's own state, not the HTTP status (`status` of a problem is always the HTTP status).
                currentStatus: row.status,
                errors: [{ field: 'status', rule: decision.rule, message: decision.message }],
              });
        }
        next.status = body.status as CorrectiveActionStatus;
        if (next.status === 'done') Object.assign(next, { done_at: now, done_by: user.id });
        if (next.status === 'verified') Object.assign(next, { verified_at: now, verified_by: user.id });
        if (next.status === 'in_progress' && row.status === 'done') Object.assign(next, { done_at: null, done_by: null });
        events.push(`status:${row.status}->${next.status}`);
        if (next.status === 'done' || next.status === 'verified') await endDeadlines(manager, subject, ['due_soon', 'due'], 'met', now);
        if (next.status === 'cancelled') await endDeadlines(manager, subject, ['due_soon', 'due'], 'cancelled', now);
        if (next.status === 'in_progress' && row.status === 'done') toArm.push(...(await this.armDue(manager, next, now)));
      }
      if (body.ownerUserId !== undefined || body.ownerUnitId !== undefined) {
        // A field left out keeps its value; null removes it.
        const ownerUserId = (body.ownerUserId === undefined ? row.owner_user_id : body.ownerUserId) as string | null;
        const ownerUnitId = (body.ownerUnitId === undefined ? row.owner_unit_id : body.ownerUnitId) as string | null;
        const owner: CorrectiveActionInput = {
          title: row.title,
          dueAt: (body.dueAt as string | undefined) ?? row.due_at.toISOString(),
          ...(ownerUserId ? { ownerUserId } : {}),
          ...(ownerUnitId ? { ownerUnitId } : {}),
        };
        if (!owner.ownerUserId && !owner.ownerUnitId)
          throw Problems.field('ownerUserId', 'ownerRequired', 'a corrective action keeps an owner: a user or a unit');
        await this.checkOwners(manager, row.agency_id, [owner], 'body');
        next.owner_user_id = owner.ownerUserId?.toLowerCase() ?? null;
        next.owner_unit_id = owner.ownerUnitId?.toLowerCase() ?? null;
        events.push('owner');
      }
      if (body.dueAt !== undefined) {
        next.due_at = new Date(body.dueAt as string);
        // A new due date is a new commitment: it can escalate again when missed.
        next.overdue = false;
        events.push('dueAt');
        if (UNFINISHED_STATUSES.includes(next.status)) toArm.push(...(await this.armDue(manager, next, now)));
      }
      const { rows: saved } = await execute<CorrectiveActionRow>(
        manager,
        `UPDATE corrective_actions SET status = $2, note = coalesce($3, note), due_at = $4, overdue = $5, owner_user_id = $6, owner_unit_id = $7,
                done_at = $8, done_by = $9, verified_at = $10, verified_by = $11, version = version + 1, updated_at = $12
          WHERE id = $1 RETURNING *`,
        [
          id,
          next.status,
          body.note ?? null,
          next.due_at,
          next.overdue,
          next.owner_user_id,
          next.owner_unit_id,
          next.done_at,
          next.done_by,
          next.verified_at,
          next.verified_by,
          now,
        ],
      );
      const updated = saved[0]!;
      if (body.note !== undefined) events.push('note');
      const classification = await this.classificationOf(manager, updated);
      if (next.status === 'done' && row.status !== 'done') {
        await enqueueNotification(manager, {
          agencyId: row.agency_id,
          aggregateType: 'corrective_action',
          aggregateId: id,
          template: 'corrective_action.done',
          audience: MANAGERS,
          payload: this.payload(updated, classification),
          now,
        });
      }
      if (events.includes('owner')) {
        await enqueueNotification(manager, {
          agencyId: row.agency_id,
          aggregateType: 'corrective_action',
          aggregateId: id,
          template: 'corrective_action.assigned',
          audience: this.ownerAudience(updated),
          payload: this.payload(updated, classification),
          now,
        });
      }
      await this.audit.append(manager, actor, {
        action: 'corrective_action.update',
        agencyId: row.agency_id,
        targetType: 'corrective_action',
        targetId: id,
        details: { changes: events, from: row.status, to: updated.status, dueAt: updated.due_at.toISOString(), version: updated.version },
      });
      return { row: updated, toArm };
    });
    await this.scheduler.armQuietly(result.toArm);
    return this.viewFor(user, result.row);
  }

  // ---- deadlines ----

  /** The owner's reminder, or the one escalation when the due date passes unfinished. */
  async deadlinePassed(manager: EntityManager, row: CorrectiveActionRow, kind: string, now: Date): Promise<'fired' | 'breached' | 'stale'> {
    if (!UNFINISHED_STATUSES.includes(row.status) || (kind === 'due' && row.overdue)) return 'stale';
    const classification = await this.classificationOf(manager, row);
    if (kind === 'due_soon') {
      await enqueueNotification(manager, {
        agencyId: row.agency_id,
        aggregateType: 'corrective_action',
        aggregateId: row.id,
        template: 'corrective_action.due_soon',
        audience: this.ownerAudience(row),
        payload: this.payload(row, classification),
        now,
      });
      return 'fired';
    }
    await manager.query('UPDATE corrective_actions SET overdue = true, version = version + 1, updated_at = $2 WHERE id = $1', [row.id, now]);
    await enqueueNotification(manager, {
      agencyId: row.agency_id,
      aggregateType: 'corrective_action',
      aggregateId: row.id,
      template: 'corrective_action.overdue',
      audience: [...this.ownerAudience(row), ...MANAGERS],
      payload: { ...this.payload(row, classification), state: 'overdue' },
      now,
    });
    return 'breached';
  }
}
