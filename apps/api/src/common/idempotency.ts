import { createHash } from 'node:crypto';
import { applyDecorators, Injectable, SetMetadata, UseInterceptors, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiHeader } from '@nestjs/swagger';
import type { Response } from 'express';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { canonicalJson } from '../audit/audit-chain.js';
import { Clock } from '../clock/clock.js';
import type { RequestWithUser } from '../identity/request-context.js';
import { Problems } from './problem.js';

/** An Idempotency-Key: 8–200 letters, digits or `._:-` (a UUID is a good choice). */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,200}$/;

export function assertIdempotencyKey(key: string | undefined): asserts key is string {
  if (!key || !IDEMPOTENCY_KEY.test(key))
    throw Problems.field('Idempotency-Key', 'isIdempotencyKey', 'send an Idempotency-Key header of 8–200 letters, digits or ._:- (a UUID is a good choice)');
}

/** The response headers a replay repeats. */
const REPLAYED_HEADERS = ['etag', 'location'] as const;

const OPERATION = Symbol('idempotent-operation');

/**
 * A creation that honours `Idempotency-Key`: the same key and body from the same user get the first
 * answer again (status, body, ETag, Location, and `Idempotent-Replayed: true`) and create nothing;
 * the same key with another body is refused (422); a key whose first request is still running (or
 * never finished) answers 409. Without the header the creation runs as usual.
 */
export function Idempotent(operation: string) {
  return applyDecorators(
    SetMetadata(OPERATION, operation),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'retry safely: the same key and body answer the first result again and create nothing; the same key with another body: 422',
      schema: { type: 'string', pattern: IDEMPOTENCY_KEY.source },
    }),
  );
}

interface KeyRow {
  request_hash: string;
  state: 'pending' | 'done';
  response_status: number | null;
  response_headers: Record<string, string> | null;
  response_body: unknown;
}

@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<RequestWithUser>();
    const res = context.switchToHttp().getResponse<Response>();
    const header = req.headers['idempotency-key'];
    const key = Array.isArray(header) ? header[0] : header;
    const operation = this.reflector.get<string | undefined>(OPERATION, context.getHandler());
    if (key === undefined || !operation || !req.user) return next.handle();
    assertIdempotencyKey(key);
    return from(this.once(req.user.id, operation, key, req, res, next));
  }

  private async once(userId: string, operation: string, key: string, req: RequestWithUser, res: Response, next: CallHandler): Promise<unknown> {
    const requestHash = createHash('sha256')
      .update(canonicalJson({ params: req.params ?? {}, body: (req.body as unknown) ?? null }))
      .digest('hex');
    const reserved: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_keys (user_id, operation, key, request_hash, state, created_at) VALUES ($1, $2, $3, $4, 'pending', $5)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [userId, operation, key, requestHash, this.clock.now()],
    );
    if (!reserved.length) return this.answerAgain(userId, operation, key, requestHash, res);
    let body: unknown;
    try {
      body = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      await this.dataSource.query('DELETE FROM idempotency_keys WHERE user_id = $1 AND operation = $2 AND key = $3', [userId, operation, key]);
      throw error;
    }
    const headers = Object.fromEntries(
      REPLAYED_HEADERS.flatMap((name) => {
        const value = res.getHeader(name);
        return value === undefined ? [] : [[name, String(value)]];
      }),
    );
    await this.dataSource.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = $4, response_headers = $5, response_body = $6, finished_at = $7
       WHERE user_id = $1 AND operation = $2 AND key = $3`,
      [userId, operation, key, res.statusCode, JSON.stringify(headers), JSON.stringify(body ?? null), this.clock.now()],
    );
    return body;
  }

  private async answerAgain(userId: string, operation: string, key: string, requestHash: string, res: Response): Promise<unknown> {
    const rows: KeyRow[] = await this.dataSource.query(
      'SELECT request_hash, state, response_status, response_headers, response_body FROM idempotency_keys WHERE user_id = $1 AND operation = $2 AND key = $3',
      [userId, operation, key],
    );
    const row = rows[0];
    if (!row) throw Problems.conflict('a request with this Idempotency-Key has just failed; send it again', { field: 'Idempotency-Key' });
    if (row.request_hash !== requestHash)
      throw Problems.unprocessable('this Idempotency-Key was used for a different request; use a new key for a new creation', { field: 'Idempotency-Key' });
    if (row.state === 'pending')
      throw Object.assign(
        Problems.conflict(
          'a request with this Idempotency-Key is still being carried out (or stopped before it answered); retry in a moment, or check whether it was created and use a new key',
          { field: 'Idempotency-Key' },
        ),
      );
    res.status(row.response_status ?? 200);
    for (const [name, value] of Object.entries(row.response_headers ?? {})) res.setHeader(name, value);
    res.setHeader('Idempotent-Replayed', 'true');
    return row.response_body;
  }
}
