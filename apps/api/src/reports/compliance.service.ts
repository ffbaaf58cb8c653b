import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DateTime } from 'luxon';
import { DataSource, type EntityManager } from 'typeorm';
import type * as z from 'zod';
import { DRILL_INTERVAL_YEARS, isRestricted, type DataLevel, type ResponsibilityLevel, type Tlp } from '@app/workflows';
import { Clock } from '../clock/clock.js';
import { Problems } from '../common/problem.js';
import type { AuthenticatedUser } from '../identity/authenticated-user.js';
import { ScopeService } from '../identity/scope.service.js';
import type { ComplianceReportSchema } from './compliance.schema.js';

/** The after-action report is due this long after a drill is completed when no deadline row says otherwise. */
const AFTER_ACTION_DAYS = 30;
/** States of a drill that has been run (started at least). */
const HELD_STATES = ['in_progress', 'debrief', 'improvement', 'closed'];
const FIRST_YEAR = 1970;
const LAST_YEAR = 2100;

/** The report and one plan's line of it, as the API answers them (compliance.schema.ts). */
export type ComplianceReport = z.infer<typeof ComplianceReportSchema>;
export type PlanCompliance = ComplianceReport['continuity']['perPlan'][number];

interface AgencyRow {
  id: string;
  code: string;
  name: string;
  timezone: string;
  responsibility_level: string;
}

const count = (v: unknown): number => Number(v ?? 0);

/**
 * The yearly compliance report of an agency (DESIGN.md "Oversight"): what a superior agency or an
 * auditor checks against today's rules. Incidents filed as drills are counted only as incident
 * drills, and business-continuity drills are never incidents, so neither inflates the incident
 * statistics. The year runs in the agency's time zone.
 */
@Injectable()
export class ComplianceService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scope: ScopeService,
    private readonly clock: Clock,
  ) {}

  async report(user: AuthenticatedUser, agencyIdParam: string | undefined, yearParam: string | undefined): Promise<ComplianceReport> {
    const agencyId = agencyIdParam ?? user.agencyId;
    if (yearParam !== undefined) {
      const y = Number(yearParam);
      if (!/^\d{4}$/.test(yearParam) || y < FIRST_YEAR || y > LAST_YEAR) {
        throw Problems.field('year', 'isYear', `year must be a four-digit year from ${FIRST_YEAR} to ${LAST_YEAR}`);
      }
    }
    const manager = this.dataSource.manager;
    await this.scope.assertVisible(user, agencyId, 'agency', manager);
    const agencies: AgencyRow[] = await manager.query('SELECT id, code, name, timezone, responsibility_level FROM agencies WHERE id = $1', [agencyId]);
    const agency = agencies[0];
    if (!agency) throw Problems.outOfScope('agency');

    const now = this.clock.now();
    const year = yearParam !== undefined ? Number(yearParam) : DateTime.fromJSDate(now, { zone: agency.timezone }).year;
    const start = DateTime.fromObject({ year, month: 1, day: 1 }, { zone: agency.timezone });
    const from = start.toJSDate();
    const to = start.plus({ years: 1 }).toJSDate();

    const [incidents, incidentDrills, continuity] = await Promise.all([
      this.incidentStats(manager, agencyId, from, to, now),
      this.incidentDrillStats(manager, agencyId, from, to),
      this.continuityStats(manager, agency, from, to, now),
    ]);
    return {
      agency: { id: agency.id, code: agency.code, name: agency.name, responsibilityLevel: agency.responsibility_level.trim(), timezone: agency.timezone },
      year,
      period: { from: start.toISO()!, to: start.plus({ years: 1 }).toISO()! },
      generatedAt: now.toISOString(),
      incidents,
      incidentDrills,
      continuity,
    };
  }

  /** Real incidents (is_drill false) the agency became aware of in the year. */
  private async incidentStats(manager: EntityManager, agencyId: string, from: Date, to: Date, now: Date): Promise<ComplianceReport['incidents']> {
    const rows: Array<Record<string, string>> = await manager.query(
      `WITH inc AS (
         SELECT i.id, i.level, i.state,
                (SELECT bool_or(d.status = 'breached'
                                OR (d.status = 'met' AND d.resolved_at > d.due_at)
                                OR (d.status = 'pending' AND d.due_at < $4))
                   FROM deadlines d WHERE d.subject_type = 'incident' AND d.subject_id = i.id AND d.kind = 'report') AS late,
                (SELECT bool_or(d.status = 'met')
                   FROM deadlines d WHERE d.subject_type = 'incident' AND d.subject_id = i.id AND d.kind = 'report') AS reported
           FROM incidents i
          WHERE i.agency_id = $1 AND i.is_drill = false AND i.aware_at >= $2 AND i.aware_at < $3)
       SELECT count(*) AS total,
              count(*) FILTER (WHERE level = 1) AS l1, count(*) FILTER (WHERE level = 2) AS l2,
              count(*) FILTER (WHERE level = 3) AS l3, count(*) FILTER (WHERE level = 4) AS l4,
              count(*) FILTER (WHERE late IS TRUE) AS late,
              count(*) FILTER (WHERE late IS NOT TRUE AND reported IS TRUE) AS on_time,
              count(*) FILTER (WHERE late IS NOT TRUE AND reported IS NOT TRUE AND state <> 'dismissed') AS pending,
              count(*) FILTER (WHERE state = 'closed') AS closed,
              count(*) FILTER (WHERE state = 'dismissed') AS dismissed,
              count(*) FILTER (WHERE state NOT IN ('closed','dismissed')) AS open
         FROM inc`,
      [agencyId, from, to, now],
    );
    const r = rows[0]!;
    return {
      total: count(r.total),
      byLevel: { '1': count(r.l1), '2': count(r.l2), '3': count(r.l3), '4': count(r.l4) },
      report: { onTime: count(r.on_time), late: count(r.late), pending: count(r.pending) },
      open: count(r.open),
      closed: count(r.closed),
      dismissed: count(r.dismissed),
    };
  }

  /** Incidents filed as drills: the yearly incident reporting and response drill. */
  private async incidentDrillStats(manager: EntityManager, agencyId: string, from: Date, to: Date): Promise<ComplianceReport['incidentDrills']> {
    const rows: Array<Record<string, string>> = await manager.query(
      `SELECT count(*) AS total,
              count(*) FILTER (WHERE state = 'closed') AS closed,
              count(*) FILTER (WHERE state = 'dismissed') AS dismissed,
              count(*) FILTER (WHERE state NOT IN ('closed','dismissed')) AS open
         FROM incidents WHERE agency_id = $1 AND is_drill = true AND aware_at >= $2 AND aware_at < $3`,
      [agencyId, from, to],
    );
    const r = rows[0]!;
    const held = count(r.total) - count(r.dismissed);
    return { count: count(r.total), open: count(r.open), closed: count(r.closed), dismissed: count(r.dismissed), incidentDrillHeld: held > 0 };
  }

  private async continuityStats(manager: EntityManager, agency: AgencyRow, from: Date, to: Date, now: Date): Promise<ComplianceReport['continuity']> {
    const years = DRILL_INTERVAL_YEARS[agency.responsibility_level.trim() as ResponsibilityLevel] ?? 1;
    // A drill in the (interval − 1) years before this one still covers this year.
    const coveredFrom = DateTime.fromJSDate(from, { zone: agency.timezone })
      .minus({ years: years - 1 })
      .toJSDate();
    const lastYearFrom = DateTime.fromJSDate(from, { zone: agency.timezone }).minus({ years: 1 }).toJSDate();
    const plans: Array<{
      id: string;
      reference: string;
      title: string;
      tlp: Tlp;
      data_level: DataLevel;
      review_overdue: boolean;
      review_due_at: Date;
      core: string;
      drilled_this_year: boolean;
      drilled_last_year: boolean;
      covered: boolean;
    }> = await manager.query(
      `SELECT p.id, p.reference, p.title, p.tlp, p.data_level, p.review_overdue, p.review_due_at,
              (SELECT count(*) FROM jsonb_array_elements(CASE WHEN jsonb_typeof(v.document->'scope') = 'array' THEN v.document->'scope' ELSE '[]'::jsonb END) s
                WHERE s->>'core' = 'true') AS core,
              EXISTS (SELECT 1 FROM drills d WHERE d.plan_id = p.id AND d.state = ANY($4)
                         AND coalesce(d.completed_at, d.scheduled_for) >= $2 AND coalesce(d.completed_at, d.scheduled_for) < $3) AS drilled_this_year,
              EXISTS (SELECT 1 FROM drills d WHERE d.plan_id = p.id AND d.state = ANY($4)
                         AND coalesce(d.completed_at, d.scheduled_for) >= $5 AND coalesce(d.completed_at, d.scheduled_for) < $2) AS drilled_last_year,
              EXISTS (SELECT 1 FROM drills d WHERE d.plan_id = p.id AND d.state = ANY($4)
                         AND coalesce(d.completed_at, d.scheduled_for) >= $6 AND coalesce(d.completed_at, d.scheduled_for) < $2) AS covered
         FROM continuity_plans p
         LEFT JOIN continuity_plan_versions v ON v.plan_id = p.id AND v.version = p.current_version
        WHERE p.agency_id = $1 AND p.created_at < $3
        ORDER BY p.reference`,
      [agency.id, from, to, HELD_STATES, lastYearFrom, coveredFrom],
    );
    const perPlan: PlanCompliance[] = plans.map((p) => {
      const required = !p.covered;
      return {
        planId: p.id,
        reference: p.reference,
        title: isRestricted({ tlp: p.tlp, dataLevel: p.data_level }) ? null : p.title,
        coreServices: count(p.core),
        drilledThisYear: p.drilled_this_year,
        drilledLastYear: p.drilled_last_year,
        drillInterval: `P${years}Y`,
        required,
        compliant: p.drilled_this_year || !required,
      };
    });

    const drillRows: Array<Record<string, string>> = await manager.query(
      `SELECT count(*) AS total,
              count(*) FILTER (WHERE state = 'scheduled') AS scheduled,
              count(*) FILTER (WHERE state = 'overdue') AS overdue,
              count(*) FILTER (WHERE state = 'in_progress') AS in_progress,
              count(*) FILTER (WHERE state = ANY($4)) AS held,
              count(*) FILTER (WHERE state = 'closed') AS closed,
              count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
              count(*) FILTER (WHERE state <> 'cancelled' AND drill_type = 'tabletop') AS tabletop,
              count(*) FILTER (WHERE state <> 'cancelled' AND drill_type = 'functional') AS functional,
              count(*) FILTER (WHERE state <> 'cancelled' AND drill_type = 'full_scale') AS full_scale
         FROM drills WHERE agency_id = $1 AND scheduled_for >= $2 AND scheduled_for < $3`,
      [agency.id, from, to, HELD_STATES],
    );
    const d = drillRows[0]!;

    // After-action reports of the drills completed in the year: the 'after_action' deadline's outcome
    // when there is one, else completion + 30 days.
    const aarRows: Array<Record<string, string>> = await manager.query(
      `WITH done AS (
         SELECT dr.after_action_submitted_at AS submitted_at,
                coalesce((SELECT max(dl.due_at) FROM deadlines dl WHERE dl.subject_type = 'drill' AND dl.subject_id = dr.id
                            AND dl.kind = 'after_action' AND dl.status <> 'superseded'),
                         dr.completed_at + make_interval(days => $5)) AS due_at,
                EXISTS (SELECT 1 FROM deadlines dl WHERE dl.subject_type = 'drill' AND dl.subject_id = dr.id
                          AND dl.kind = 'after_action' AND dl.status = 'breached') AS breached
           FROM drills dr
          WHERE dr.agency_id = $1 AND dr.completed_at >= $2 AND dr.completed_at < $3 AND dr.state <> 'cancelled')
       SELECT count(*) FILTER (WHERE submitted_at IS NOT NULL AND NOT breached AND submitted_at <= due_at) AS on_time,
              count(*) FILTER (WHERE submitted_at IS NOT NULL AND (breached OR submitted_at > due_at)) AS late,
              count(*) FILTER (WHERE submitted_at IS NULL AND NOT breached AND due_at >= $4) AS pending,
              count(*) FILTER (WHERE submitted_at IS NULL AND (breached OR due_at < $4)) AS overdue
         FROM done`,
      [agency.id, from, to, now, AFTER_ACTION_DAYS],
    );
    const a = aarRows[0]!;

    const caRows: Array<Record<string, string>> = await manager.query(
      `SELECT count(*) FILTER (WHERE status IN ('open','in_progress')) AS open,
              count(*) FILTER (WHERE status IN ('open','in_progress') AND (overdue OR due_at < $2)) AS overdue,
              count(*) FILTER (WHERE done_at >= $3 AND done_at < $4) AS done,
              count(*) FILTER (WHERE status = 'verified' AND verified_at >= $3 AND verified_at < $4) AS verified
         FROM corrective_actions WHERE agency_id = $1`,
      [agency.id, now, from, to],
    );
    const c = caRows[0]!;

    const plansCompliant = perPlan.filter((p) => p.compliant).length;
    return {
      plans: plans.length,
      coreServices: perPlan.reduce((sum, p) => sum + p.coreServices, 0),
      reviewsOverdue: plans.filter((p) => p.review_overdue || new Date(p.review_due_at).getTime() < now.getTime()).length,
      drills: {
        total: count(d.total),
        scheduled: count(d.scheduled),
        overdue: count(d.overdue),
        inProgress: count(d.in_progress),
        held: count(d.held),
        closed: count(d.closed),
        cancelled: count(d.cancelled),
        byType: { tabletop: count(d.tabletop), functional: count(d.functional), full_scale: count(d.full_scale) },
      },
      afterActionReports: { onTime: count(a.on_time), late: count(a.late), pending: count(a.pending), overdue: count(a.overdue) },
      perPlan,
      plansCompliant,
      plansNonCompliant: perPlan.length - plansCompliant,
      correctiveActions: { open: count(c.open), overdue: count(c.overdue), doneThisYear: count(c.done), verifiedThisYear: count(c.verified) },
    };
  }
}
