import { InjectQueue } from '@nestjs/bullmq';
import { Controller, Get, Header, Injectable, type NestMiddleware } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import * as z from 'zod';
import { Clock } from '../clock/clock.js';
import { Public } from '../identity/decorators.js';
import { DEADLINE_QUEUE } from '../incidents/deadline-scheduler.js';
import { NOTIFY_QUEUE } from '../notifications/notification.jobs.js';

/**
 * Prometheus metrics. Counts only: no incident content, no personal data. Process metrics and
 * HTTP latency come from this process; outbox, delivery, deadline and queue figures are read from
 * PostgreSQL and Redis at scrape time, so every API instance reports the same shared state.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by status class',
    labelNames: ['status'],
    registers: [this.registry],
  });
  readonly outboxPending = new Gauge({ name: 'outbox_pending', help: 'Notification intents not yet queued', registers: [this.registry] });
  readonly outboxOldestSeconds = new Gauge({ name: 'outbox_oldest_pending_seconds', help: 'Age of the oldest unqueued intent', registers: [this.registry] });
  readonly deliveries = new Gauge({ name: 'deliveries', help: 'Notification deliveries by status', labelNames: ['status'], registers: [this.registry] });
  readonly outboxFailed = new Gauge({
    name: 'outbox_failed',
    help: 'Notification intents that failed as a whole, by reason (no_recipients: nobody to receive them)',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  readonly deliveryLatency = new Gauge({
    name: 'delivery_latency_seconds_p99_last_hour',
    help: 'p99 of intent-to-sent latency over the last hour',
    registers: [this.registry],
  });
  readonly deadlines = new Gauge({ name: 'deadlines', help: 'Deadlines by subject and status', labelNames: ['subject', 'status'], registers: [this.registry] });
  readonly drills = new Gauge({ name: 'drills', help: 'Continuity drills by state', labelNames: ['state'], registers: [this.registry] });
  readonly correctiveActionsOverdue = new Gauge({
    name: 'corrective_actions_overdue',
    help: 'Corrective actions past their due date and not done',
    registers: [this.registry],
  });
  readonly plansReviewOverdue = new Gauge({
    name: 'continuity_plans_review_overdue',
    help: 'Continuity plans past their yearly review',
    registers: [this.registry],
  });
  readonly deadlinesOverdue = new Gauge({ name: 'deadlines_pending_overdue', help: 'Pending deadlines past their due time', registers: [this.registry] });
  readonly incidentsOpen = new Gauge({
    name: 'incidents_open',
    help: 'Open incidents (not closed or dismissed) by agency code, level and whether filed as a drill',
    labelNames: ['agency', 'level', 'drill'],
    registers: [this.registry],
  });
  readonly clocks = new Gauge({
    name: 'clocks',
    help: 'Clocks by subject, kind and state: running (due later), breached (past due and the work still not done, on an open subject); reminders excluded',
    labelNames: ['subject', 'kind', 'state'],
    registers: [this.registry],
  });
  readonly queueJobs = new Gauge({ name: 'queue_jobs', help: 'BullMQ jobs by queue and state', labelNames: ['queue', 'state'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: Metrics) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ method: req.method, route: `${req.baseUrl}${route}`, status: String(res.statusCode) });
      this.metrics.httpRequests.inc({ status: `${Math.floor(res.statusCode / 100)}xx` });
    });
    next();
  }
}

/** What a scrape answers: the Prometheus text exposition format, version 0.0.4. */
const METRICS_MEDIA_TYPE = 'text/plain; version=0.0.4';
const MetricsText = z.string().meta({ description: 'Prometheus text exposition format 0.0.4: counts only, no incident content or personal data' });

@ApiTags('operations')
@Controller('metrics')
@Public()
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(NOTIFY_QUEUE) private readonly notifyQueue: Queue,
    @InjectQueue(DEADLINE_QUEUE) private readonly deadlineQueue: Queue,
    private readonly clock: Clock,
  ) {}

  @Get()
  @Header('Content-Type', `${METRICS_MEDIA_TYPE}; charset=utf-8`)
  @ApiOperation({ operationId: 'scrapeMetrics', summary: 'Prometheus metrics (counts only)' })
  @ApiProduces(METRICS_MEDIA_TYPE)
  @ApiOkResponse({ standardSchema: MetricsText })
  async scrape(): Promise<string> {
    const m = this.metrics;
    const [outbox] = await this.dataSource.query(
      `SELECT count(*)::int AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float AS oldest FROM outbox WHERE enqueued_at IS NULL`,
    );
    m.outboxPending.set(outbox.n);
    m.outboxOldestSeconds.set(outbox.n ? outbox.oldest : 0);
    m.deliveries.reset();
    for (const r of await this.dataSource.query(`SELECT status, count(*)::int AS n FROM deliveries GROUP BY status`))
      m.deliveries.set({ status: r.status }, r.n);
    m.outboxFailed.reset();
    m.outboxFailed.set({ reason: 'no_recipients' }, 0);
    for (const r of await this.dataSource.query(
      `SELECT failure_reason, count(*)::int AS n FROM outbox WHERE failure_reason IS NOT NULL GROUP BY failure_reason`,
    ))
      m.outboxFailed.set({ reason: r.failure_reason }, r.n);
    const [latency] = await this.dataSource.query(
      `SELECT coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.sent_at - o.created_at)), 0)::float AS p99
         FROM deliveries d JOIN outbox o ON o.id = d.outbox_id WHERE d.status = 'sent' AND d.sent_at > now() - interval '1 hour'`,
    );
    m.deliveryLatency.set(latency.p99);
    m.deadlines.reset();
    for (const r of await this.dataSource.query(`SELECT subject_type, status, count(*)::int AS n FROM deadlines GROUP BY subject_type, status`)) {
      m.deadlines.set({ subject: r.subject_type, status: r.status }, r.n);
    }
    m.drills.reset();
    for (const r of await this.dataSource.query(`SELECT state, count(*)::int AS n FROM drills GROUP BY state`)) m.drills.set({ state: r.state }, r.n);
    const [actions] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM corrective_actions WHERE overdue AND status IN ('open','in_progress','done')`,
    );
    m.correctiveActionsOverdue.set(actions.n);
    const [plans] = await this.dataSource.query(`SELECT count(*)::int AS n FROM continuity_plans WHERE review_overdue`);
    m.plansReviewOverdue.set(plans.n);
    const [overdue] = await this.dataSource.query(`SELECT count(*)::int AS n FROM deadlines WHERE status = 'pending' AND due_at < now()`);
    m.deadlinesOverdue.set(overdue.n);
    // The one clock (DESIGN.md): "running" and "breached" are judged at the application's now.
    const now = this.clock.now();
    m.incidentsOpen.reset();
    for (const r of await this.dataSource.query(
      `SELECT a.code, i.level::int AS level, i.is_drill, count(*)::int AS n
         FROM incidents i JOIN agencies a ON a.id = i.agency_id
        WHERE i.state NOT IN ('closed','dismissed') GROUP BY a.code, i.level, i.is_drill`,
    ))
      m.incidentsOpen.set({ agency: r.code, level: String(r.level), drill: String(r.is_drill) }, r.n);
    m.clocks.reset();
    for (const r of await this.dataSource.query(
      `SELECT d.subject_type, d.kind, CASE WHEN d.status = 'pending' AND d.due_at >= $1 THEN 'running' ELSE 'breached' END AS state, count(*)::int AS n
         FROM deadlines d LEFT JOIN incidents i ON i.id = d.incident_id
        WHERE d.kind NOT IN ('report_due_soon','reminder','due_soon')
          AND (d.status = 'pending' OR (d.status = 'breached' AND d.met_at IS NULL AND (i.id IS NULL OR i.state NOT IN ('closed','dismissed'))))
        GROUP BY 1, 2, 3`,
      [now],
    ))
      m.clocks.set({ subject: r.subject_type, kind: r.kind, state: r.state }, r.n);
    for (const [name, queue] of [
      [NOTIFY_QUEUE, this.notifyQueue],
      [DEADLINE_QUEUE, this.deadlineQueue],
    ] as const) {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
      for (const [state, n] of Object.entries(counts)) m.queueJobs.set({ queue: name, state }, n);
    }
    return m.registry.metrics();
  }
}
