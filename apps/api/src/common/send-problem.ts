import type { Request, Response } from 'express';
import { languageOf, problemBody, type Detail, type ProblemType } from './problem.js';

/**
 * A problem answered outside Nest's exception filter (body parsing, the queue dashboard's router):
 * in the language of Accept-Language (nobody is signed in yet at that point), with Content-Language.
 */
export function sendProblem(req: Request, res: Response, type: ProblemType, detail: Detail | undefined, extensions: Record<string, unknown> = {}): void {
  const language = languageOf(req.headers['accept-language']);
  const body = { ...problemBody(type, detail, language, extensions), instance: req.originalUrl.split('?')[0]! };
  res.setHeader('Content-Language', language);
  res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}
