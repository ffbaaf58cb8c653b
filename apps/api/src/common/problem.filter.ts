import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { actorOf, type RequestWithUser } from '../identity/request-context.js';
import { PROBLEMS, ProblemException, languageOf, problemBody, type Detail, type ProblemType } from './problem.js';

const STATUS_TO_TYPE: Record<number, ProblemType> = {
  400: 'validation-error',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable',
  428: 'precondition-required',
  429: 'too-many-requests',
  503: 'service-unavailable',
};

/** PostgreSQL errors a client's input can still reach past validation: never a 500. */
const PG_CLIENT_ERRORS: Record<string, { type: ProblemType; detail: string }> = {
  '23505': { type: 'conflict', detail: 'a record with the same unique value exists' },
  '23503': { type: 'unprocessable', detail: 'a referenced record does not exist' },
  '22P02': { type: 'validation-error', detail: 'a value has the wrong format' },
  '22001': { type: 'validation-error', detail: 'a value is too long' },
  '22P05': { type: 'validation-error', detail: 'text contains a character that cannot be stored (NUL)' },
  '22021': { type: 'validation-error', detail: 'text contains a character that cannot be stored' },
  '54001': { type: 'validation-error', detail: 'the input is nested too deeply' },
  '22003': { type: 'validation-error', detail: 'a number is out of range' },
  '22007': { type: 'validation-error', detail: 'a date or time has the wrong format' },
  '22008': { type: 'validation-error', detail: 'a date or time is out of range' },
  '22009': { type: 'validation-error', detail: 'a time zone offset is out of range' },
  '40001': { type: 'conflict', detail: 'a concurrent change won; retry with fresh data' },
  '40P01': { type: 'conflict', detail: 'a concurrent change won; retry with fresh data' },
};

/** Statuses that are refusals of identity or scope: each is written to the audit log. */
const AUDITED_STATUSES = new Set([401, 403]);

/**
 * Every error becomes an RFC 9457 problem response (application/problem+json). Unexpected errors
 * are logged with the request id and answered with a generic 500 that reveals nothing.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  constructor(private readonly audit: AuditService) {}

  async catch(exception: unknown, host: ArgumentsHost): Promise<void> {
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<RequestWithUser>();
    const res = ctx.getResponse<Response>();
    const language = languageOf(req.headers['accept-language'], req.user?.locale);
    let type: ProblemType = 'internal-error';
    let detail: Detail | undefined;
    let extensions: Record<string, unknown> = {};
    let headers: Record<string, string> = {};

    if (exception instanceof ProblemException) {
      type = exception.problemType;
      detail = exception.detail;
      extensions = exception.extensions;
      headers = exception.headers;
    } else if (exception instanceof HttpException) {
      const status = exception.getStatus();
      type = STATUS_TO_TYPE[status] ?? (status >= 500 ? 'internal-error' : 'validation-error');
      const response = exception.getResponse();
      const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
      detail =
        status === 404 ? `no route ${req.method} ${req.path}` : Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : undefined;
      if (status === 503 && typeof response === 'object' && response && 'details' in response) {
        detail = 'a dependency is not ready';
        extensions = { checks: (response as { details: unknown }).details };
      }
    } else if (
      exception instanceof QueryFailedError &&
      typeof (exception as { code?: unknown }).code === 'string' &&
      PG_CLIENT_ERRORS[(exception as unknown as { code: string }).code]
    ) {
      const mapped = PG_CLIENT_ERRORS[(exception as unknown as { code: string }).code]!;
      type = mapped.type;
      detail = mapped.detail;
    } else {
      this.logger.error(
        `unhandled error on ${req.method} ${req.path} (request ${String(req.id)}): ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
      );
      detail = `an unexpected error occurred; quote request id ${String(req.id)} to the operators`;
    }

    const status = PROBLEMS[type].status;
    const alreadyAudited = exception instanceof ProblemException && exception.audited;
    const scopeRefusal = exception instanceof ProblemException && exception.scopeRefusal;
    if (!alreadyAudited && (AUDITED_STATUSES.has(status) || scopeRefusal)) {
      await this.audit.recordRefusal(actorOf(req), {
        action: 'http.refused',
        targetType: 'route',
        targetId: `${req.method} ${req.route?.path ?? req.path}`.slice(0, 300),
        details: { status, type, reason: extensions.reason ?? null, path: req.path.slice(0, 300) },
      });
    }
    const body = { ...problemBody(type, detail, language, extensions), instance: req.path };
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(status).type('application/problem+json').send(JSON.stringify(body));
  }
}
