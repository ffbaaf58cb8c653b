import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { onCallAt, shiftsBetween, type RotationLayer, type Schedule } from '@app/notify';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { Clock } from '../clock/clock.js';
import { decodeCursor, toPage } from '../common/paging.js';
import { Problems, type FieldError } from '../common/problem.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { ScopeService } from '../identity/scope.service.js';
import type { CalendarQuery, CreateOverrideBody, CreateScheduleBody, ListSchedulesQuery, OnCallNowQuery, ScheduleView } from './oncall.schema.js';

interface ScheduleRow {
  id: string;
  agency_id: string;
  unit_id: string | null;
  name: string;
  timezone: string;
  layers: RotationLayer[];
}

const MAX_CALENDAR_DAYS = 92;

/** The schedules' overrides, as the pure resolver wants them. */
async function withOverrides(manager: EntityManager, rows: ScheduleRow[]): Promise<Array<{ row: ScheduleRow; schedule: Schedule }>> {
  const overrides: Array<{ schedule_id: string; user_id: string; starts_at: Date; ends_at: Date }> = await manager.query(
    'SELECT schedule_id, user_id, starts_at, ends_at FROM oncall_overrides WHERE schedule_id = ANY($1) ORDER BY seq',
    [rows.map((r) => r.id)],
  );
  return rows.map((row) => ({
    row,
    schedule: {
      timezone: row.timezone,
      layers: row.layers,
      overrides: overrides
        .filter((o) => o.schedule_id === row.id)
        .map((o) => ({ userId: o.user_id, startsAt: o.starts_at.toISOString(), endsAt: o.ends_at.toISOString() })),
    },
  }));
}

const SCHEDULE_COLUMNS = 'SELECT id, agency_id, unit_id, name, timezone, layers FROM oncall_schedules';

/** Loads the schedules of an agency with their overrides, as the pure resolver wants them. */
export async function loadSchedules(manager: EntityManager, agencyId: string): Promise<Array<{ row: ScheduleRow; schedule: Schedule }>> {
  const rows: ScheduleRow[] = await manager.query(`${SCHEDULE_COLUMNS} WHERE agency_id = $1 ORDER BY name, id`, [agencyId]);
  return withOverrides(manager, rows);
}

/** A page of an agency's schedules by name (keyset: name, id), with their overrides. */
async function loadSchedulePage(manager: EntityManager, agencyId: string, query: { limit?: number; cursor?: string }) {
  const limit = query.limit ?? 50;
  const after = decodeCursor(query.cursor, 2);
  const rows: ScheduleRow[] = await manager.query(
    `${SCHEDULE_COLUMNS} WHERE agency_id = $1 AND ($2::text IS NULL OR (name, id::text) > ($2, $3)) ORDER BY name, id LIMIT $4`,
    [agencyId, after?.[0] ?? null, after?.[1] ?? null, limit + 1],
  );
  const page = toPage(rows, limit, (r) => [r.name, r.id]);
  return { schedules: await withOverrides(manager, page.items), nextCursor: page.nextCursor };
}

/** On-call schedules: rotations with layers and overrides in the agency's time zone. */
@Injectable()
export class OnCallService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  private async agencyFor(user: AuthenticatedUser, agencyId: string | undefined): Promise<string> {
    const id = agencyId ?? user.agencyId;
    await this.scope.assertVisible(user, id, `agency ${id}`);
    return id;
  }

  private async usersOfAgency(manager: EntityManager, agencyId: string, ids: string[], field: string, errors: FieldError[]): Promise<void> {
    const found: Array<{ id: string }> = await manager.query('SELECT id FROM users WHERE agency_id = $1 AND id = ANY($2)', [agencyId, ids]);
    const missing = ids.filter((id) => !found.some((f) => f.id === id));
    if (missing.length) errors.push({ field, rule: 'sameAgency', message: `${field} must be users of the agency; not: ${missing.join(', ')}` });
  }

  async create(user: AuthenticatedUser, actor: Actor, dto: CreateScheduleBody) {
    const agencyId = await this.agencyFor(user, dto.agencyId);
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const errors: FieldError[] = [];
      for (const [i, layer] of dto.layers.entries()) {
        await this.usersOfAgency(manager, agencyId, layer.participants, `layers.${i}.participants`, errors);
        if (layer.rotation === 'weekly' && layer.handoffWeekday === undefined) {
          errors.push({
            field: `layers.${i}.handoffWeekday`,
            rule: 'requiredForWeekly',
            message: 'a weekly rotation needs handoffWeekday (1 = Monday … 7 = Sunday)',
          });
        }
        if (layer.endsAt && Date.parse(layer.endsAt) <= Date.parse(layer.startsAt)) {
          errors.push({ field: `layers.${i}.endsAt`, rule: 'afterStartsAt', message: 'endsAt must be after startsAt' });
        }
      }
      if (dto.unitId) {
        const unit: unknown[] = await manager.query('SELECT 1 FROM units WHERE id = $1 AND agency_id = $2', [dto.unitId, agencyId]);
        if (!unit.length) errors.push({ field: 'unitId', rule: 'sameAgency', message: 'unitId must be a unit of the agency' });
      }
      if (errors.length) throw Problems.validation(errors);
      const dup: unknown[] = await manager.query('SELECT 1 FROM oncall_schedules WHERE agency_id = $1 AND name = $2', [agencyId, dto.name]);
      if (dup.length)
        throw Problems.conflict(
          { 'zh-TW': `本機關已有名為「${dto.name}」的值班表`, en: `the agency already has a schedule named ${dto.name}` },
          { field: 'name' },
        );
      const agency: Array<{ timezone: string }> = await manager.query('SELECT timezone FROM agencies WHERE id = $1', [agencyId]);
      const id = randomUUID();
      const layers: RotationLayer[] = dto.layers.map((l) => ({
        rotation: l.rotation,
        handoffTime: l.handoffTime,
        ...(l.handoffWeekday ? { handoffWeekday: l.handoffWeekday } : {}),
        startsAt: new Date(l.startsAt).toISOString(),
        endsAt: l.endsAt ? new Date(l.endsAt).toISOString() : null,
        participants: l.participants,
      }));
      const timezone = dto.timezone ?? agency[0]!.timezone;
      await manager.query(
        `INSERT INTO oncall_schedules (id, agency_id, unit_id, name, timezone, layers, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
        [id, agencyId, dto.unitId ?? null, dto.name, timezone, JSON.stringify(layers), user.id, now],
      );
      await this.audit.append(manager, actor, {
        action: 'oncall.schedule.create',
        agencyId,
        targetType: 'oncall_schedule',
        targetId: id,
        details: { name: dto.name, layers },
      });
      return { id, agencyId, unitId: dto.unitId ?? null, name: dto.name, timezone, layers, overrides: [] };
    });
  }

  async list(user: AuthenticatedUser, query: ListSchedulesQuery): Promise<{ items: ScheduleView[]; nextCursor: string | null }> {
    const id = await this.agencyFor(user, query.agencyId);
    const { schedules, nextCursor } = await loadSchedulePage(this.dataSource.manager, id, query);
    return {
      items: schedules.map(({ row, schedule }) => ({
        id: row.id,
        agencyId: row.agency_id,
        unitId: row.unit_id,
        name: row.name,
        timezone: row.timezone,
        layers: row.layers.map((l) => ({ ...l, endsAt: l.endsAt ?? null })),
        overrides: schedule.overrides,
      })),
      nextCursor,
    };
  }

  async addOverride(user: AuthenticatedUser, actor: Actor, scheduleId: string, dto: CreateOverrideBody) {
    const now = this.clock.now();
    return this.dataSource.transaction(async (manager) => {
      const rows: ScheduleRow[] = await manager.query('SELECT * FROM oncall_schedules WHERE id = $1 FOR UPDATE', [scheduleId]);
      if (!rows[0]) throw Problems.notFound(`schedule ${scheduleId}`);
      await this.scope.assertVisible(user, rows[0].agency_id, `schedule ${scheduleId}`, manager);
      const errors: FieldError[] = [];
      await this.usersOfAgency(manager, rows[0].agency_id, [dto.userId], 'userId', errors);
      if (Date.parse(dto.endsAt) <= Date.parse(dto.startsAt)) errors.push({ field: 'endsAt', rule: 'afterStartsAt', message: 'endsAt must be after startsAt' });
      if (errors.length) throw Problems.validation(errors);
      const id = randomUUID();
      await manager.query(
        `INSERT INTO oncall_overrides (id, schedule_id, user_id, starts_at, ends_at, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [id, scheduleId, dto.userId, new Date(dto.startsAt).toISOString(), new Date(dto.endsAt).toISOString(), dto.reason, user.id, now],
      );
      await this.audit.append(manager, actor, {
        action: 'oncall.override.create',
        agencyId: rows[0].agency_id,
        targetType: 'oncall_schedule',
        targetId: scheduleId,
        details: { overrideId: id, userId: dto.userId, startsAt: dto.startsAt, endsAt: dto.endsAt, reason: dto.reason },
      });
      return {
        id,
        scheduleId,
        userId: dto.userId,
        startsAt: new Date(dto.startsAt).toISOString(),
        endsAt: new Date(dto.endsAt).toISOString(),
        reason: dto.reason,
      };
    });
  }

  async now(user: AuthenticatedUser, query: OnCallNowQuery) {
    const id = await this.agencyFor(user, query.agencyId);
    const instant = query.at ? new Date(query.at).toISOString() : this.clock.now().toISOString();
    const { schedules, nextCursor } = await loadSchedulePage(this.dataSource.manager, id, query);
    const people: Array<{ id: string; name: string; email: string }> = await this.dataSource.query('SELECT id, name, email FROM users WHERE agency_id = $1', [
      id,
    ]);
    return {
      at: instant,
      items: schedules.map(({ row, schedule }) => {
        const shift = onCallAt(schedule, instant);
        const person = shift && people.find((p) => p.id === shift.userId);
        return {
          scheduleId: row.id,
          name: row.name,
          unitId: row.unit_id,
          onCall: shift ? { ...shift, name: person?.name ?? null, email: person?.email ?? null } : null,
        };
      }),
      nextCursor,
    };
  }

  async calendar(user: AuthenticatedUser, q: CalendarQuery) {
    const id = await this.agencyFor(user, q.agencyId);
    const from = Date.parse(q.from);
    const to = Date.parse(q.to);
    if (to <= from) throw Problems.field('to', 'afterFrom', 'to must be after from');
    if (to - from > MAX_CALENDAR_DAYS * 86_400_000) throw Problems.field('to', 'maxRange', `the calendar covers at most ${MAX_CALENDAR_DAYS} days`);
    const { schedules, nextCursor } = await loadSchedulePage(this.dataSource.manager, id, q);
    return {
      items: schedules.map(({ row, schedule }) => ({
        scheduleId: row.id,
        name: row.name,
        shifts: shiftsBetween(schedule, new Date(from).toISOString(), new Date(to).toISOString()),
      })),
      nextCursor,
    };
  }
}
