import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { Clock } from '../clock/clock.js';
import { AppConfig } from '../config/app-config.js';
import { DELIVER_JOB, deliveryJobOptions, NOTIFY_QUEUE } from './notification.jobs.js';

/** An intent queued this long ago and not finished is checked by the reconciler (retries back off for about 3 minutes at most). */
const RECONCILE_AFTER_MS = 10 * 60_000;
const RECONCILE_BATCH = 1000;
const BATCH = 500;
const POLL_MS = 2000;

/**
 * Outbox → BullMQ. Rows are claimed with FOR UPDATE SKIP LOCKED inside a transaction, queued with
 * jobId = outbox id (a row is enqueued at most once while its job exists, even with two relays),
 * and marked enqueued in the same transaction. LISTEN/NOTIFY wakes it right after an insert
 * commits; a short poll covers a lost notification. The payload is the id only.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private listener?: pg.Client;
  private timer?: NodeJS.Timeout;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(NOTIFY_QUEUE) private readonly queue: Queue,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Relays one batch; returns how many rows it queued. */
  async relayBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows: Array<{ id: string }> = await manager.query(
        'SELECT id FROM outbox WHERE enqueued_at IS NULL ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED',
        [BATCH],
      );
      if (!rows.length) return 0;
      await this.queue.addBulk(
        rows.map((r) => ({
          name: DELIVER_JOB,
          data: { outboxId: r.id },
          opts: deliveryJobOptions(r.id, this.config.notifyBackoffMs, this.config.notifyAttempts),
        })),
      );
      await manager.query('UPDATE outbox SET enqueued_at = $2 WHERE id = ANY($1)', [rows.map((r) => r.id), this.clock.now()]);
      return rows.length;
    });
  }

  /** Runs batches until the outbox is empty; concurrent wake-ups coalesce into one more run. */
  async drain(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        while (!this.stopped && (await this.relayBatch()) === BATCH);
      } while (this.again && !this.stopped);
    } catch (error) {
      this.logger.error(`outbox relay failed (will retry): ${String(error)}`);
    } finally {
      this.running = false;
    }
  }

  /**
   * The outbox row is the truth, the BullMQ job only the wake-up (as for deadlines): an intent
   * queued more than `RECONCILE_AFTER_MS` ago and still not finished whose job is gone (Redis
   * flushed) or ended without finishing it (a job that stalled past BullMQ's limit, or a completed
   * job whose last update was lost) is queued again. Deliveries are idempotent per recipient, so a
   * second run sends only what is still unsent. Waiting, active and delayed (backing off) jobs are
   * left alone. Runs every minute on the maintenance queue; returns how many it queued again.
   */
  async reconcile(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - RECONCILE_AFTER_MS);
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM outbox WHERE enqueued_at IS NOT NULL AND finished_at IS NULL AND enqueued_at < $1 ORDER BY enqueued_at, id LIMIT $2`,
      [cutoff, RECONCILE_BATCH],
    );
    const requeue: string[] = [];
    for (const { id } of rows) {
      const job = await this.queue.getJob(id);
      const state = job ? await job.getState() : 'missing';
      if (state === 'waiting' || state === 'active' || state === 'delayed' || state === 'prioritized' || state === 'waiting-children') continue;
      if (job) await job.remove().catch(() => undefined);
      requeue.push(id);
    }
    if (!requeue.length) return 0;
    await this.queue.addBulk(
      requeue.map((id) => ({
        name: DELIVER_JOB,
        data: { outboxId: id },
        opts: deliveryJobOptions(id, this.config.notifyBackoffMs, this.config.notifyAttempts),
      })),
    );
    await this.dataSource.query('UPDATE outbox SET enqueued_at = $2 WHERE id = ANY($1)', [requeue, this.clock.now()]);
    this.logger.warn(`queued ${requeue.length} unfinished notification intent(s) again (their jobs were lost or ended unfinished)`);
    return requeue.length;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.relayEnabled) return;
    this.listener = new pg.Client({ connectionString: this.config.databaseUrl });
    this.listener.on('notification', () => void this.drain());
    this.listener.on('error', (error) => this.logger.warn(`outbox listener: ${String(error)}; polling continues`));
    await this.listener.connect();
    await this.listener.query('LISTEN outbox');
    this.timer = setInterval(() => void this.drain(), POLL_MS);
    void this.drain();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.listener?.end().catch(() => undefined);
    while (this.running) await new Promise((r) => setTimeout(r, 20));
  }
}
