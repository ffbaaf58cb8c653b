import type { Request, Response } from 'express';
import type { AppConfig } from '../config/app-config.js';

/**
 * The web console's session: the same opaque session token as a bearer client's, carried in an
 * HttpOnly, SameSite=Strict cookie (Secure behind https) so that no page script can read it.
 * Writes made with it must also pass the cross-site check (cross-site-check.ts).
 */
export const CONSOLE_SESSION_COOKIE = 'irbc_session';
/** The header the console sends on every request; a cross-site form or image cannot set it. */
export const CONSOLE_HEADER = 'x-irbc-console';

const TOKEN = /^[A-Za-z0-9_-]{20,200}$/;

function attributes(config: Pick<AppConfig, 'publicUrl'>, maxAgeSeconds: number): string {
  const secure = new URL(config.publicUrl).protocol === 'https:' ? '; Secure' : '';
  return `Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure}`;
}

/** `Set-Cookie` for a new console session, lasting as long as the session. */
export function consoleSessionCookie(token: string, config: Pick<AppConfig, 'publicUrl' | 'sessionTtlMs'>): string {
  return `${CONSOLE_SESSION_COOKIE}=${token}; ${attributes(config, Math.floor(config.sessionTtlMs / 1000))}`;
}

/** `Set-Cookie` that removes the console's cookie. */
export function clearedConsoleSessionCookie(config: Pick<AppConfig, 'publicUrl'>): string {
  return `${CONSOLE_SESSION_COOKIE}=; ${attributes(config, 0)}`;
}

export function setConsoleSessionCookie(res: Response, value: string): void {
  res.append('Set-Cookie', value);
}

/** The session token of the console's cookie, when the request carries a well-formed one. */
export function consoleSessionToken(req: Pick<Request, 'headers'>): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== CONSOLE_SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return TOKEN.test(value) ? value : undefined;
  }
  return undefined;
}
