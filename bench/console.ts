/**
 * The web console's share of `npm run bench`: the size of what a browser downloads (JS and CSS,
 * raw and gzip) and the time until the board shows every open incident in Chromium (Debian's,
 * through playwright-core; no browser download).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

/** The board's page size (apps/web/src/incidents/BoardPage.tsx BOARD_PAGE_SIZE; the bench does not import the console's code). */
const BOARD_PAGE_SIZE = 50;

interface Size {
  files: number;
  raw: number;
  gzip: number;
}

export interface AssetSizes {
  /** Every chunk (each page is its own, fetched when first shown). */
  js: Size;
  /** What index.html loads before anything shows (the entry and the chunks it preloads): the sign-in screen. */
  firstJs: Size;
  css: Size;
}

/** The built console's JS and CSS (source maps left out: a browser does not fetch them). */
export function consoleAssetSizes(directory: string): AssetSizes {
  const sizes: AssetSizes = { js: { files: 0, raw: 0, gzip: 0 }, firstJs: { files: 0, raw: 0, gzip: 0 }, css: { files: 0, raw: 0, gzip: 0 } };
  const html = readFileSync(join(directory, 'index.html'), 'utf8');
  const first = new Set([...html.matchAll(/(?:src|href)="\/assets\/([^"]+\.js)"/g)].map((m) => m[1]));
  for (const name of readdirSync(join(directory, 'assets'))) {
    const kind = name.endsWith('.js') ? 'js' : name.endsWith('.css') ? 'css' : undefined;
    if (!kind) continue;
    const bytes = readFileSync(join(directory, 'assets', name));
    const gzip = gzipSync(bytes, { level: 9 }).length;
    for (const size of kind === 'js' && first.has(name) ? [sizes.js, sizes.firstJs] : [sizes[kind]]) {
      size.files++;
      size.raw += bytes.length;
      size.gzip += gzip;
    }
  }
  return sizes;
}

export function chromiumPath(): string | undefined {
  return spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).stdout.trim() || undefined;
}

/**
 * Signs in through the console's own login (cookie session), then times, `runs` times, from
 * navigating to /board until it counts `expectedRows` open incidents and shows its first page
 * (the most urgent 50, or all when fewer). Answers each run in ms.
 */
export async function boardTimes(base: string, login: { email: string; password: string }, expectedRows: number, runs: number): Promise<number[]> {
  const executablePath = chromiumPath();
  if (!executablePath) throw new Error('chromium is not on PATH (Debian: apt-get install -y chromium)');
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-TW' });
    const signIn = await context.request.post(`${base}/api/auth/console-login`, { headers: { 'X-IRBC-Console': '1', Origin: base }, data: login });
    if (!signIn.ok()) throw new Error(`console login ${signIn.status()} ${await signIn.text()}`);
    const page = await context.newPage();
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      await page.goto(`${base}/board`);
      await page.waitForFunction(
        `document.querySelector('[data-board-count="${expectedRows}"]') && document.querySelectorAll('main table tbody tr').length >= ${Math.min(expectedRows, BOARD_PAGE_SIZE)}`,
        undefined,
        { timeout: 120_000, polling: 50 },
      );
      times.push(performance.now() - started);
    }
    return times;
  } finally {
    await browser.close();
  }
}
