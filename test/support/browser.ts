import { mkdirSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestingModule } from '@nestjs/testing';
import { seedIncidentWorld, type IncidentWorld } from './incident-fixture.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { waitFor } from './wait.js';
import { createTestApp, PASSWORD, startTestWorker, type TestApp } from './test-app.js';

/*
 * The console in a real browser: the API (with the console this run built, CONSOLE_DIR) listening
 * on a port of its own, optionally the real worker, a real SMTP sink the worker sends to, and
 * Debian's Chromium driven by playwright-core. Time moves, never waits: the server's ManualClock
 * and each page's clock move together (moveClocks).
 */

export type Language = 'zh-TW' | 'en';
export type Width = 1280 | 375;

/** Who is who in a browser run: the incident world of the API tests, by e-mail. */
export const USERS = {
  reporter: 'reporter@sub.gov.tw',
  manager: 'manager@sub.gov.tw',
  responder: 'responder@sub.gov.tw',
  ethics: 'ethics@sub.gov.tw',
  ciso: 'ciso@sub.gov.tw',
  supCiso: 'ciso@sup.gov.tw',
  othReporter: 'reporter@oth.gov.tw',
  auditor: 'auditor@sup.gov.tw',
} as const;

export interface ConsoleRun {
  t: TestApp;
  /** The console's origin, e.g. http://127.0.0.1:41234 (also the API's PUBLIC_URL: e-mail links point here). */
  url: string;
  mail: SmtpSink;
  browser: Browser;
  /** Agencies and API tokens of the seeded users (the same people as USERS). */
  world: IncidentWorld;
  worker?: TestingModule;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Chromium's flags on this machine: no network of its own, no GPU, no sandbox (root in CI). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-dev-shm-usage',
];

/** Debian's Chromium (scripts/ensure-chromium.mjs installs it; CHROMIUM_PATH names another). playwright-core gives each launch a fresh profile folder. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
}

export async function startConsole(options: { worker?: boolean; env?: Record<string, string> } = {}): Promise<ConsoleRun> {
  const mail = await startSmtpSink();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const queuePrefix = `{b${randomUUID().slice(0, 8)}}`;
  const t = await createTestApp({ PUBLIC_URL: url, SMTP_URL: mail.url, QUEUE_PREFIX: queuePrefix, SESSION_TTL: 'PT12H', ...options.env });
  await t.app.listen(port, '127.0.0.1');
  const world = await seedIncidentWorld(t);
  const worker = options.worker ? await startTestWorker(t, { QUEUE_PREFIX: queuePrefix, PUBLIC_URL: url, ...options.env }) : undefined;
  const browser = await launchChromium();
  return {
    t,
    url,
    mail,
    browser,
    world,
    worker,
    close: async () => {
      await browser.close();
      await worker?.close();
      await t.close();
      await mail.close();
    },
  };
}

const catalogs = new Map<Language, Record<string, string>>();

/** The console's own message catalog (apps/web/src/i18n), so tests find controls by the words the user reads. */
export async function catalog(language: Language): Promise<Record<string, string>> {
  if (!catalogs.has(language)) {
    const file = join(process.cwd(), 'apps', 'web', 'src', 'i18n', language === 'en' ? 'en.ts' : 'zh-TW.ts');
    const module = (await import(pathToFileURL(file).href)) as Record<string, Record<string, string>>;
    catalogs.set(language, language === 'en' ? module.en! : module.zhTW!);
  }
  return catalogs.get(language)!;
}

/** One text of the catalog, with its {placeholders} filled. */
export async function text(language: Language, key: string, values: Record<string, string | number> = {}): Promise<string> {
  const template = (await catalog(language))[key];
  if (template === undefined) throw new Error(`no message ${key} in the ${language} catalog`);
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** The text as a literal inside a regular expression. */
export function escaped(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regular expression matching the text exactly (for getByRole names). */
export function exactly(value: string): RegExp {
  return new RegExp(`^${escaped(value)}$`);
}

/** A field's label exactly, with or without the required mark (" *") Mantine adds. */
export function labelled(value: string): RegExp {
  return new RegExp(`^${escaped(value)}( \\*)?$`);
}

/**
 * A fresh browser context (no cookies, nothing stored) in the given language and width, in the
 * agencies' zone, with the page's clock installed at the server's time; signed in through the
 * real login form unless `email` is null.
 */
export async function openAs(run: ConsoleRun, options: { email: string | null; language?: Language; width?: Width; path?: string }): Promise<Page> {
  const language = options.language ?? 'zh-TW';
  const width = options.width ?? 1280;
  const context = await run.browser.newContext({
    locale: language === 'en' ? 'en-US' : 'zh-TW',
    timezoneId: 'Asia/Taipei',
    viewport: { width, height: width === 375 ? 812 : 900 },
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  watchContentSecurityPolicy(page);
  await page.clock.install({ time: run.t.clock.now() });
  if (options.email === null) {
    await page.goto(`${run.url}${options.path ?? '/'}`);
    return page;
  }
  await page.goto(`${run.url}/login?next=${encodeURIComponent(options.path ?? '/board')}`);
  await signIn(page, language, options.email);
  return page;
}

/** Fills and sends the login form; waits until the login form is gone. */
export async function signIn(page: Page, language: Language, email: string, password = PASSWORD): Promise<void> {
  await page.getByLabel(labelled(await text(language, 'login.email'))).fill(email);
  await page.getByLabel(labelled(await text(language, 'login.password'))).fill(password);
  await page.getByRole('button', { name: exactly(await text(language, 'login.submit')) }).click();
  await page.getByRole('heading', { name: exactly(await text(language, 'login.title')) }).waitFor({ state: 'detached' });
}

/** Moves the server's clock and every given page's clock forward together (timers due meanwhile fire in the page). */
export async function moveClocks(run: ConsoleRun, pages: Page[], ms: number): Promise<void> {
  run.t.clock.advance(ms);
  for (const page of pages) await page.clock.fastForward(ms);
}

const SCREENSHOTS = join(process.cwd(), '.local', 'screenshots');
const README_SCREENSHOTS = join(process.cwd(), 'docs', 'screenshots');

/**
 * A full-page screenshot at .local/screenshots/<name>-<width>.png; with UPDATE_SCREENSHOTS=1 the
 * main ones (readme) also go to docs/screenshots/, as the window shows them (what a reader of the
 * README can take in at a glance).
 */
export async function screenshot(page: Page, name: string, options: { readme?: boolean } = {}): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  const file = join(SCREENSHOTS, `${name}-${width}.png`);
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  if (options.readme && process.env.UPDATE_SCREENSHOTS === '1') {
    mkdirSync(README_SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: join(README_SCREENSHOTS, `${name}-${width}.png`), animations: 'disabled' });
  }
  return file;
}

/** What Chromium refused under the Content-Security-Policy, per page (it reports each refusal on the console). */
const cspViolations = new WeakMap<Page, string[]>();

export function watchContentSecurityPolicy(page: Page): void {
  const seen: string[] = [];
  cspViolations.set(page, seen);
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) seen.push(message.text());
  });
}

/** Throws when Chromium refused anything of the page under its Content-Security-Policy. */
export function expectNoCspViolation(page: Page): void {
  const seen = cspViolations.get(page) ?? [];
  if (seen.length) throw new Error(`Chromium refused ${seen.length} thing(s) on ${page.url()} under the Content-Security-Policy:\n${seen.join('\n')}`);
}

/** axe-core's WCAG 2.1 A and AA rules on the page as it is now: throws, naming each violation and where. */
export async function expectAccessible(page: Page): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  if (result.violations.length) {
    const lines = result.violations.flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} ${n.failureSummary ?? ''}`));
    throw new Error(`axe found ${result.violations.length} WCAG violation(s) on ${page.url()}:\n${lines.join('\n')}`);
  }
  // Every screen checked also runs under the Content-Security-Policy with nothing refused.
  expectNoCspViolation(page);
  // A phone must not have to scroll sideways to read the page.
  const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
  if (overflow > 0) throw new Error(`the page is ${overflow} px wider than the ${page.viewportSize()?.width} px window`);
}

/** What page scripts can read of the browser's storage: cookies visible to JS, localStorage and sessionStorage. */
export function scriptReadableState(page: Page): Promise<string> {
  // A string, not a function: the tests are type-checked without the DOM library.
  return page.evaluate<string>(`(() => {
    const dump = (s) => Array.from({ length: s.length }, (_, i) => s.key(i) + '=' + s.getItem(s.key(i))).join('\\n');
    return [document.cookie, dump(localStorage), dump(sessionStorage)].join('\\n');
  })()`);
}

/** Follows a link of the main navigation: in the banner on wide screens, behind the menu button on phones. */
export async function followNav(page: Page, language: Language, label: string): Promise<void> {
  const menu = page.getByRole('button', { name: exactly(await text(language, 'app.nav.menu')) });
  if (await menu.isVisible()) await menu.click();
  await page
    .getByRole('navigation', { name: exactly(await text(language, 'app.nav')) })
    .getByRole('link', { name: exactly(label) })
    .click();
}

/** The last e-mail to `to` whose subject matches, once the SMTP sink has it. */
export function mailTo(run: ConsoleRun, to: string, subject: RegExp, timeoutMs = 20_000) {
  return waitFor(
    `an e-mail to ${to} matching ${subject}`,
    async () => run.mail.messages.filter((m) => JSON.stringify(m.to ?? '').includes(to) && subject.test(m.subject ?? '')).at(-1),
    timeoutMs,
  );
}
