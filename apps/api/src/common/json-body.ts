import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { prefersEnglish, problemBody, type ProblemType } from './problem.js';

function sendProblem(req: Request, res: Response, type: ProblemType, detail: string, extensions: Record<string, unknown> = {}): void {
  const body = { ...problemBody(type, detail, prefersEnglish(req.headers['accept-language']), extensions), instance: req.path };
  res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}

/** The first string (or key) holding a NUL character, which PostgreSQL text cannot store. */
function findNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const hit = findNul(value[i], `${path}.${i}`);
      if (hit) return hit;
    }
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\u0000')) return `${path}.${k}`;
      const hit = findNul(v, path === 'body' ? k : `${path}.${k}`);
      if (hit) return hit;
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
      return sendProblem(req, res, 'unsupported-media-type', `send the body as application/json, not ${req.headers['content-type'] ?? 'no content type'}`);
    }
    next();
  };
  const parseErrors = (error: unknown, req: Request, res: Response, next: NextFunction) => {
    const e = error as { type?: string; status?: number; limit?: number };
    if (e?.type === 'entity.too.large')
      return sendProblem(req, res, 'payload-too-large', `the body must be at most ${limitBytes} bytes`, { limit: limitBytes });
    if (e?.type === 'entity.parse.failed') return sendProblem(req, res, 'malformed-json', 'the body is not valid JSON');
    if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
      return sendProblem(req, res, 'unsupported-media-type', 'the body must be UTF-8 JSON');
    if (e?.status && e.status >= 400 && e.status < 500) return sendProblem(req, res, 'validation-error', 'the body could not be read');
    next(error);
  };
  const rejectNul: RequestHandler = (req, res, next) => {
    const field = req.body === undefined ? undefined : findNul(req.body, 'body');
    if (field)
      return sendProblem(req, res, 'validation-error', `${field}: text must not contain NUL characters`, {
        errors: [{ field, rule: 'noNul', message: 'must not contain NUL characters' }],
      });
    next();
  };
  return [requireJson, parse, parseErrors as unknown as RequestHandler, rejectNul];
}
