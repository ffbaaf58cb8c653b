import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import helmet, { strictTransportSecurity } from 'helmet';
import type { AppConfig } from '../config/app-config.js';

/** Where the console's index.html carries the page's style nonce (apps/web/index.html): replaced per response. */
export const CSP_NONCE_PLACEHOLDER = '__CSP_NONCE__';

/** The nonce of this response's Content-Security-Policy (the console's index.html gets it for the styles Mantine inserts). */
export function cspNonce(res: ServerResponse): string {
  return (res as Response).locals.cspNonce as string;
}

/** The API documentation page (Swagger UI) sets its styles inline: the one page allowed them. */
const DOCS = /^\/docs(\/|$)/;

/**
 * Security headers on every response (helmet): a Content-Security-Policy under which the console
 * runs with no inline script or style and no eval (the styles Mantine inserts carry a per-response
 * nonce), no framing by anyone (frame-ancestors 'none', X-Frame-Options DENY), nosniff, no
 * Referer leaving the system, same-origin opener and resources, and HSTS when the system is
 * reached over https (PUBLIC_URL or the request through the trusted proxy).
 */
export function securityHeaders(config: AppConfig): Array<(req: Request, res: Response, next: NextFunction) => void> {
  const httpsSite = new URL(config.publicUrl).protocol === 'https:';
  const nonce = (_req: IncomingMessage, res: ServerResponse) => `'nonce-${cspNonce(res)}'`;
  const base = {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", nonce],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    upgradeInsecureRequests: httpsSite ? [] : null,
  };
  const options = (styleSrc: Array<string | typeof nonce>) =>
    ({
      contentSecurityPolicy: { useDefaults: false, directives: { ...base, styleSrc } },
      strictTransportSecurity: false,
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
      crossOriginOpenerPolicy: { policy: 'same-origin' },
      crossOriginResourcePolicy: { policy: 'same-origin' },
    }) as const;
  const site = helmet(options(base.styleSrc));
  const docs = helmet(options(["'self'", "'unsafe-inline'"]));
  const hsts = strictTransportSecurity({ maxAge: 31_536_000, includeSubDomains: true });
  return [
    (req, res, next) => {
      res.locals.cspNonce = randomBytes(16).toString('base64');
      next();
    },
    (req, res, next) => (DOCS.test(req.path) ? docs(req, res, next) : site(req, res, next)),
    (req, res, next) => (httpsSite || req.secure ? hsts(req, res, next) : next()),
  ];
}
