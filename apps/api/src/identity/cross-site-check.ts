import type { Request } from 'express';
import type { AppConfig } from '../config/app-config.js';
import { ProblemException } from '../common/problem.js';
import { CONSOLE_HEADER } from './console-session.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a request with this method changes nothing (the cookie alone is enough for it). */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method.toUpperCase());
}

/** The origins the console is served from: PUBLIC_URL's, or, when PUBLIC_URL is not set (development), the request's own host. */
function consoleOrigins(req: Request, config: Pick<AppConfig, 'publicUrl' | 'publicUrlConfigured'>): string[] {
  const origins = [new URL(config.publicUrl).origin];
  const host = req.get('host');
  if (!config.publicUrlConfigured && host) origins.push(`${req.protocol}://${host}`.toLowerCase());
  return origins;
}

/**
 * Login CSRF and cross-site writes: a write made with the console's cookie (and the console's
 * login itself) must carry `X-IRBC-Console: 1` and an `Origin` that is the console's own. A
 * cross-site page can make the browser send the cookie, but neither the header (it needs a CORS
 * preflight the API never answers) nor a matching Origin. Refused: 403, reason `cross-site`
 * (audited by the problem filter like every 403).
 */
export function assertConsoleRequest(req: Request, config: Pick<AppConfig, 'publicUrl' | 'publicUrlConfigured'>): void {
  const marked = req.headers[CONSOLE_HEADER] === '1';
  const origin = typeof req.headers.origin === 'string' ? req.headers.origin.toLowerCase() : undefined;
  const sameOrigin = origin !== undefined && consoleOrigins(req, config).includes(origin);
  if (marked && sameOrigin) return;
  const missing = !marked ? 'X-IRBC-Console: 1' : 'Origin';
  throw new ProblemException(
    'forbidden',
    {
      'zh-TW': `以主控台工作階段送出的變更須附 X-IRBC-Console: 1 標頭，且 Origin 須為本系統（${new URL(config.publicUrl).origin}）；此請求缺少或不符：${missing}`,
      en: `a change sent with the console's session needs the X-IRBC-Console: 1 header and an Origin of this system (${new URL(config.publicUrl).origin}); this request lacks or mismatches: ${missing}`,
    },
    { reason: 'cross-site' },
  );
}
