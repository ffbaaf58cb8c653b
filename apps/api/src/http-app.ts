import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { jsonBody } from './common/json-body.js';
import { consoleHandlers } from './console/console-static.js';
import { securityHeaders } from './http/security-headers.js';
import type { AppConfig } from './config/app-config.js';
import { createHttpLogger } from './logging/logger.js';
import { QUEUE_DASHBOARD_PATH, QueueDashboard } from './operations/queue-dashboard.js';
import { buildOpenApiDocument } from './openapi/document.js';

/** Everything the HTTP app needs besides its module: body parsing, request ids, logs, the queue dashboard, OpenAPI. */
export function configureHttpApp(app: INestApplication, config: AppConfig, logger: Logger): OpenAPIObject {
  const http = app.getHttpAdapter().getInstance() as { disable?: (s: string) => void; set?: (k: string, v: unknown) => void };
  http.disable?.('x-powered-by');
  http.set?.('trust proxy', 'loopback');
  app.use(createHttpLogger(logger));
  for (const handler of securityHeaders(config)) app.use(handler);
  // Cross-origin callers: none unless CORS_ALLOWED_ORIGINS lists them, and then with bearer tokens only.
  if (config.corsAllowedOrigins.length)
    app.enableCors({
      origin: [...config.corsAllowedOrigins],
      credentials: false,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Accept', 'Accept-Language', 'If-Match', 'Idempotency-Key'],
      exposedHeaders: ['ETag', 'Location', 'Retry-After'],
      maxAge: 600,
    });
  for (const handler of jsonBody(config.bodyLimitBytes)) app.use(handler);
  // The BullMQ dashboard (admins, by a cookie traded for a ticket; see operations/queue-dashboard.ts).
  app.use(QUEUE_DASHBOARD_PATH, app.get(QueueDashboard).router());
  // The web console (dist/web) at `/`, with index.html for its own paths.
  for (const handler of consoleHandlers()) app.use(handler);
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'api/openapi.json' });
  return document;
}
