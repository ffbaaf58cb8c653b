import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';

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
  const reserved = (req: Request) => RESERVED.test(req.path) || (req.method !== 'GET' && req.method !== 'HEAD');
  return [
    (req, res, next) => (reserved(req) ? next() : files(req, res, next)),
    (req, res, next) => {
      if (reserved(req) || req.path.startsWith('/assets/')) return next();
      res.setHeader('Cache-Control', 'no-cache');
      // Relative to the root: a dot folder above it (.local/…) is not refused as a dot file.
      res.sendFile('index.html', { root: directory });
    },
  ];
}
