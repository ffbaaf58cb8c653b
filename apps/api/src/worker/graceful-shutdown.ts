import { WorkerHost } from '@nestjs/bullmq';
import type { INestApplicationContext } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';
import type { Logger } from 'pino';

export interface InFlightJob {
  queue: string;
  jobId: string;
}

export interface GracefulShutdownOptions {
  /** Bound on the whole shutdown (SHUTDOWN_TIMEOUT_MS). */
  timeoutMs: number;
  logger: Logger;
  /** How the process ends when the bound is reached (tests replace it). */
  exit?: (code: number) => void;
  signals?: NodeJS.Signals[];
  /** What is stopping, for the log ('worker' or 'api'). */
  name?: string;
}

export interface GracefulShutdown {
  /** Starts the shutdown as a signal would; resolves when the application is closed (or never, when abandoned). */
  shutdown(reason: string): Promise<void>;
  /** Removes the signal handlers (for an application closed another way). */
  dispose(): void;
}

/** Every BullMQ worker of the application: one per @Processor class, wherever it is provided. */
export function bullWorkers(app: INestApplicationContext): Worker[] {
  const discovery = app.get(DiscoveryService, { strict: false });
  return discovery
    .getProviders()
    .map((wrapper) => wrapper.instance as unknown)
    .filter((instance): instance is WorkerHost => instance instanceof WorkerHost)
    .map((host) => host.worker);
}

/**
 * The jobs a worker is processing now. BullMQ keeps them in its lock manager (the locks it renews);
 * that is not public API, so a BullMQ without it reports none rather than failing the shutdown.
 */
export function inFlightJobs(workers: readonly Worker[]): InFlightJob[] {
  return workers.flatMap((worker) => {
    const locks = (worker as unknown as { lockManager?: { getTrackedJobIds?: () => string[] } }).lockManager;
    const ids = typeof locks?.getTrackedJobIds === 'function' ? locks.getTrackedJobIds() : [];
    return ids.map((jobId) => ({ queue: worker.name, jobId }));
  });
}

/**
 * SIGTERM/SIGINT for the worker process, in place of Nest's shutdown hooks (which re-raise the
 * signal, so the process never exits 0, and which wait without bound: with Redis gone, ioredis
 * queues BullMQ's closing commands and reconnects forever, and the process never exits).
 *
 * 1. Every BullMQ worker stops taking jobs at once (`close()` on all of them together) and waits
 *    for its in-flight jobs to finish and be recorded.
 * 2. The application closes: the outbox relay, the queues' and workers' Redis connections, the
 *    database pool and the pooled SMTP transport. Nothing is left open, so the event loop empties
 *    and the process exits 0 by itself.
 * 3. The whole of it is bounded by `timeoutMs`. Past it (or on a second signal) the process logs
 *    the jobs it abandons and what it was waiting for, and exits 1. Nothing is lost: an abandoned
 *    job's lock is no longer renewed, and once it lapses BullMQ's stalled-job check (run by every
 *    worker on the queue) moves the job back to waiting; the jobs are idempotent (deliveries are
 *    recorded per recipient, deadlines re-checked under lock), so running one again is safe.
 *
 * The deadline timer is unref'd: it does not keep the process alive after a clean close, and fires
 * only if something still holds the event loop open, which it then reports.
 */
export function installGracefulShutdown(app: INestApplicationContext, options: GracefulShutdownOptions): GracefulShutdown {
  const { timeoutMs, logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const workers = bullWorkers(app);
  let started: number | undefined;
  let running: Promise<void> | undefined;
  let waitingFor = 'nothing';
  let closed = false;
  let ended = false;

  const abandon = (why: string) => {
    if (ended) return;
    ended = true;
    const elapsedMs = started === undefined ? 0 : Date.now() - started;
    if (closed) {
      logger.error(
        { why, elapsedMs, openResources: process.getActiveResourcesInfo() },
        'shutdown: the application closed but something still holds the event loop open; exiting',
      );
    } else {
      const abandoned = inFlightJobs(workers);
      logger.error(
        { why, elapsedMs, waitingFor, abandonedJobs: abandoned },
        `shutdown did not finish (${why}): exiting with ${abandoned.length} in-flight job(s) abandoned; ` +
          "their locks lapse and BullMQ's stalled-job check returns them to the queue",
      );
    }
    exit(1);
  };

  const shutdown = (reason: string): Promise<void> => {
    if (running) {
      if (!closed) abandon(`${reason} during shutdown`);
      return running;
    }
    started = Date.now();
    const timer = setTimeout(() => abandon(`SHUTDOWN_TIMEOUT_MS (${timeoutMs} ms) elapsed`), timeoutMs);
    timer.unref();
    const inFlight = inFlightJobs(workers);
    logger.info({ reason, timeoutMs, inFlightJobs: inFlight }, `shutting down: taking no new jobs, waiting for ${inFlight.length} in-flight job(s)`);
    running = (async () => {
      try {
        waitingFor = `in-flight jobs of the queue workers (${workers.map((w) => w.name).join(', ')}) to finish`;
        await Promise.all(workers.map((w) => w.close()));
        logger.info({ elapsedMs: Date.now() - started! }, 'queue workers closed: no job in flight');
        waitingFor = 'the application to close (outbox relay, queues, database, SMTP)';
        await app.close();
        closed = true;
        waitingFor = 'nothing';
        for (const signal of signals) process.removeListener(signal, onSignal);
        logger.info({ elapsedMs: Date.now() - started! }, `${options.name ?? 'worker'} stopped`);
        process.exitCode = 0;
      } catch (error) {
        logger.error({ err: error }, 'shutdown failed');
        abandon(`error: ${error instanceof Error ? error.message : String(error)}`);
      }
    })();
    return running;
  };

  function onSignal(signal: NodeJS.Signals): void {
    void shutdown(signal);
  }

  for (const signal of signals) process.on(signal, onSignal);
  return {
    shutdown,
    dispose: () => {
      for (const signal of signals) process.removeListener(signal, onSignal);
    },
  };
}
