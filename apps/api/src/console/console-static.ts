import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { CSP_NONCE_PLACEHOLDER, cspNonce } from '../http/security-headers.js';

/** Paths the API keeps for itself: never the console's, so an unknown /api path stays a 404 problem. */
const RESERVED = /^\/(api|docs|health|metrics|admin)(\/|$)/;

/** The built console (dist/web, `npm run build:web`), found from the repository root in the source tree and in dist/ alike. */
export function consoleDirectory(): string | undefined {
  // CONSOLE_DIR: a build elsewhere (the test runner builds into a folder of its run's own).
  const given = process.env.CONSOLE_DIR?.trim();
  if (given) return existsSync(join(given, 'index.html')) ? given : undefined;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
  const web = join(dir, 'dist', 'web');
  return existsSync(join(web, 'index.html')) ? web : undefined;
}

/**
 * The web console at `/`: its files, and index.html for any other GET outside the API's own
 * paths (the console routes in the browser: /incidents/{id}, /board, …). Nothing when the console
 * has not been built.
 */
export function consoleHandlers(directory = consoleDirectory()): Array<(req: Request, res: Response, next: NextFunction) => void> {
  if (!directory) return [];
  const files = express.static(directory, {
    index: false,
    fallthrough: true,
    setHeaders: (res, path) =>
      res.setHeader('Cache-Control', path.includes(`${join(directory, 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
  });
  // index.html carries this response's style nonce (the Content-Security-Policy's): read once, filled in per response.
  const index = readFileSync(join(directory, 'index.html'), 'utf8');
  const reserved = (req: Request) => RESERVED.test(req.path) || (req.method !== 'GET' && req.method !== 'HEAD');
  return [
    // index.html only through the handler below, which fills in the nonce.
    (req, res, next) => (reserved(req) || req.path === '/index.html' ? next() : files(req, res, next)),
    (req, res, next) => {
      if (reserved(req) || req.path.startsWith('/assets/')) return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.type('html').send(index.replaceAll(CSP_NONCE_PLACEHOLDER, cspNonce(res)));
    },
  ];
}
