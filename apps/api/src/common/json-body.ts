import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { sendProblem } from './send-problem.js';

/** Deepest nesting accepted in a JSON body; no request of this API needs more. */
export const MAX_JSON_DEPTH = 32;

/** Keys that mean something to JavaScript objects, never to this API: refused wherever they appear. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Walks the parsed body without recursion: the first place nested deeper than MAX_JSON_DEPTH, or
 * the first string or key holding a NUL character (which PostgreSQL text cannot store).
 */
function findUnacceptable(body: unknown): { field: string; rule: 'maxDepth' | 'noNul' | 'forbiddenKey' } | undefined {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: body, path: 'body', depth: 0 }];
  while (stack.length) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return { field: path, rule: 'noNul' };
      continue;
    }
    if (!value || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return { field: path, rule: 'maxDepth' };
    for (const [k, v] of Object.entries(value)) {
      const child = path === 'body' ? k : `${path}.${k}`;
      if (k.includes('\u0000')) return { field: child, rule: 'noNul' };
      if (FORBIDDEN_KEYS.has(k)) return { field: child, rule: 'forbiddenKey' };
      stack.push({ value: v, path: child, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * JSON request bodies only, with a size limit. Malformed JSON, an oversized body, a body that is
 * not JSON, and text that cannot be stored each get a problem response before any handler runs.
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const parse = express.json({ limit: limitBytes, strict: true, type: ['application/json', 'application/*+json'] });
  const requireJson: RequestHandler = (req, res, next) => {
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    if (hasBody && ['POST', 'PUT', 'PATCH'].includes(req.method) && !req.is(['application/json', 'application/*+json'])) {
      const sent = req.headers['content-type'] ?? 'no content type';
      return sendProblem(req, res, 'unsupported-media-type', {
        'zh-TW': `請以 application/json 送出內容，而不是 ${sent}`,
        en: `send the body as application/json, not ${sent}`,
      });
    }
    next();
  };
  const parseErrors = (error: unknown, req: Request, res: Response, next: NextFunction) => {
    const e = error as { type?: string; status?: number; limit?: number };
    if (e?.type === 'entity.too.large')
      return sendProblem(
        req,
        res,
        'payload-too-large',
        { 'zh-TW': `內容最多 ${limitBytes} 位元組`, en: `the body must be at most ${limitBytes} bytes` },
        { limit: limitBytes },
      );
    if (e?.type === 'entity.parse.failed') return sendProblem(req, res, 'malformed-json', { 'zh-TW': '內容不是有效的 JSON', en: 'the body is not valid JSON' });
    if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
      return sendProblem(req, res, 'unsupported-media-type', { 'zh-TW': '內容必須是 UTF-8 編碼的 JSON', en: 'the body must be UTF-8 JSON' });
    if (e?.status && e.status >= 400 && e.status < 500)
      return sendProblem(req, res, 'validation-error', { 'zh-TW': '無法讀取請求內容', en: 'the body could not be read' });
    next(error);
  };
  const rejectUnacceptable: RequestHandler = (req, res, next) => {
    const found = req.body === undefined ? undefined : findUnacceptable(req.body);
    if (found) {
      const message =
        found.rule === 'noNul'
          ? 'must not contain NUL characters'
          : found.rule === 'forbiddenKey'
            ? 'is not an allowed property name'
            : `must not be nested deeper than ${MAX_JSON_DEPTH} levels`;
      return sendProblem(req, res, 'validation-error', undefined, { errors: [{ field: found.field, rule: found.rule, message }] });
    }
    next();
  };
  return [requireJson, parse, parseErrors as unknown as RequestHandler, rejectUnacceptable];
}
