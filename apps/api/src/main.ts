import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ApiModule } from './app.module.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { configureHttpApp } from './http-app.js';
import { PinoNestLogger, createLogger } from './logging/logger.js';
import { installGracefulShutdown } from './worker/graceful-shutdown.js';

/**
 * The HTTP API: `npm run start:api`, configured only by the environment. SIGTERM/SIGINT close it
 * within SHUTDOWN_TIMEOUT_MS (see worker/graceful-shutdown.ts).
 */
export async function startApi(env: NodeJS.ProcessEnv = process.env, options: { shutdownHooks?: boolean } = {}) {
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel, 'api');
  const app = await NestFactory.create(ApiModule.forRoot(config), { logger: new PinoNestLogger(logger), bodyParser: false });
  configureHttpApp(app, config, logger);
  // The same bounded stop as the worker's: with Redis gone, closing the queues would otherwise wait forever.
  if (options.shutdownHooks !== false) installGracefulShutdown(app, { timeoutMs: config.shutdownTimeoutMs, logger, name: 'api' });
  await app.listen(config.port, '0.0.0.0');
  logger.info({ port: config.port }, `API listening on ${config.publicUrl}`);
  return app;
}

const isEntryPoint = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isEntryPoint) {
  startApi().catch((error: unknown) => {
    process.stderr.write(
      `${error instanceof ConfigError ? 'configuration error: ' : 'API failed to start: '}${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
