import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from './config/app-config.js';
import { PinoNestLogger, createLogger } from './logging/logger.js';
import { installGracefulShutdown } from './worker/graceful-shutdown.js';
import { WorkerModule } from './worker.module.js';

/**
 * The worker: `npm run start:worker`. A Nest application context without HTTP. SIGTERM or SIGINT
 * stops taking jobs, lets the in-flight ones finish, closes every connection and exits 0, all
 * within SHUTDOWN_TIMEOUT_MS; past it the worker logs what it abandons and exits 1 (see
 * worker/graceful-shutdown.ts).
 */
export async function startWorker(env: NodeJS.ProcessEnv = process.env, options: { shutdownHooks?: boolean } = {}) {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, 'worker');
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { logger: new PinoNestLogger(logger) });
  if (options.shutdownHooks !== false) installGracefulShutdown(app, { timeoutMs: config.shutdownTimeoutMs, logger });
  logger.info({ shutdownTimeoutMs: config.shutdownTimeoutMs }, 'worker started');
  return app;
}

const isEntryPoint = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) {
  startWorker().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof ConfigError ? 'configuration error: ' : 'worker failed to start: '}${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
