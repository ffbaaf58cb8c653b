#!/usr/bin/env node
/**
 * The whole test suite (npm test). Builds the project (the compiled service starter and migrations
 * are used from dist/), starts the real services when DATABASE_URL / REDIS_URL are not given,
 * migrates a template database once (each test file clones it: CREATE DATABASE … TEMPLATE), runs
 * Jest in native ESM mode, stops the services, and ends with the line CI reads:
 * `N passed, M failed` — exiting non-zero on any failure.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TEMPLATE_DB = 'app_template';

function summary(passed, failed, skipped = 0) {
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed > 0 ? 1 : 0);
}

// Type-check and compile into a folder of this run's own (parallel runs must not share dist/).
const buildDir = join(root, '.local', `test-build-${process.pid}`);
const results = join(root, '.local', `jest-results-${process.pid}.json`);
process.on('exit', () => {
  rmSync(buildDir, { recursive: true, force: true });
  rmSync(results, { force: true });
});
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const build = spawnSync(process.execPath, [tsc, '-p', join(root, 'apps', 'api', 'tsconfig.app.json'), '--outDir', buildDir], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('the build failed; no test ran');
  summary(0, 1);
}

// The console: its own type check (jsx, DOM), then one Vite build for the tests that serve it (test/console-*.test.ts).
const webDir = join(buildDir, 'web');
const webCheck = spawnSync(process.execPath, [tsc, '--noEmit', '-p', join(root, 'apps', 'web', 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
const webBuild =
  webCheck.status === 0
    ? spawnSync(
        process.execPath,
        [
          join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
          'build',
          '--config',
          join(root, 'apps', 'web', 'vite.config.ts'),
          '--outDir',
          webDir,
          '--logLevel',
          'warn',
        ],
        { cwd: root, stdio: 'inherit' },
      )
    : webCheck;
if (webBuild.status !== 0) {
  console.error('the console did not build; no test ran');
  summary(0, 1);
}

// Lint runs in CI as part of the suite: a lint failure counts as one failed check. `types` checks
// what the build does not compile: the tests, scripts and benchmarks (Jest strips their types).
const LINT_COMMANDS = {
  types: [tsc, '--noEmit', '-p', join(root, 'tsconfig.json')],
  eslint: [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.'],
  prettier: [join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '--log-level', 'warn', '.'],
};
const lintFailures = Object.entries(LINT_COMMANDS).filter(([tool, args]) => {
  const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) console.error(`${tool} failed`);
  return run.status !== 0;
}).length;

const dist = (p) => pathToFileURL(join(buildDir, p)).href;
const { startServices } = await import(dist('scripts/services.js'));
const { createDataSource } = await import(dist('db/data-source.js'));
const { default: pg } = await import('pg');

let services;
try {
  services = await startServices('test', { DATABASE_URL: process.env.DATABASE_URL, REDIS_URL: process.env.REDIS_URL });
  const admin = new pg.Client({ connectionString: services.databaseUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await admin.end();
  const templateUrl = new URL(services.databaseUrl);
  templateUrl.pathname = `/${TEMPLATE_DB}`;
  const dataSource = createDataSource(templateUrl.toString());
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
} catch (error) {
  console.error(`could not start the test services: ${error instanceof Error ? error.message : String(error)}`);
  await services?.stop();
  summary(0, 1);
}

// The browser tests (test/browser/) need Chromium: found, or installed as Redis is, before Jest starts.
const args = process.argv.slice(2);
const runsBrowserTests = args.filter((a) => !a.startsWith('-')).length === 0 || args.some((a) => a.includes('browser'));
let chromiumPath;
if (runsBrowserTests) {
  try {
    const { ensureChromium } = await import(pathToFileURL(join(root, 'scripts', 'ensure-chromium.mjs')).href);
    chromiumPath = ensureChromium();
  } catch (error) {
    console.error(`the browser tests cannot run: ${error instanceof Error ? error.message : String(error)}`);
    await services.stop();
    summary(0, 1);
  }
}

mkdirSync(dirname(results), { recursive: true });
rmSync(results, { force: true });
const jest = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
    '--json',
    `--outputFile=${results}`,
    ...args,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_ENV: 'test',
      TEST_DATABASE_SERVER_URL: services.databaseUrl,
      TEST_TEMPLATE_DATABASE: TEMPLATE_DB,
      TEST_REDIS_URL: services.redisUrl,
      // The compiled app, for tests that run a real entry point as a child process (test/worker-shutdown.test.ts).
      TEST_BUILD_DIR: buildDir,
      // The console this run built, served by the test apps.
      CONSOLE_DIR: webDir,
      ...(chromiumPath ? { CHROMIUM_PATH: chromiumPath } : {}),
    },
  },
);
await services.stop();

const report = existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : undefined;
const passed = report?.numPassedTests ?? 0;
let failed = (report ? report.numFailedTests + report.numRuntimeErrorTestSuites + (report.numTotalTests === 0 ? 1 : 0) : 1) + lintFailures;
const skipped = report ? report.numPendingTests + report.numTodoTests : 0;
if (jest.status !== 0 && failed === 0) failed = 1;
summary(passed, failed, skipped);
