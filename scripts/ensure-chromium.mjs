#!/usr/bin/env node
/**
 * Finds Debian's Chromium for the browser tests and the console benchmark, installing it when
 * missing, as the services starter does with Redis: CHROMIUM_PATH when given, else `chromium` on
 * PATH; as root, `apt-get install -y chromium fonts-noto-cjk` (the CJK fonts so zh-TW pages render
 * and screenshots are legible); otherwise a clear message of what to install. No browser download:
 * playwright-core drives the system's Chromium.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { fileURLToPath } from 'node:url';

const PACKAGES = ['chromium', 'fonts-noto-cjk'];

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim();
}

/** The Chromium executable's path; throws saying what to do when there is none and it cannot be installed. */
export function ensureChromium(log = (line) => console.error(line)) {
  const given = process.env.CHROMIUM_PATH?.trim();
  if (given) {
    if (!existsSync(given)) throw new Error(`CHROMIUM_PATH=${given} does not exist`);
    return given;
  }
  const found = onPath('chromium');
  if (found) return found;
  if (userInfo().uid !== 0) {
    throw new Error(
      `Chromium is not on PATH. Install it (Debian: sudo apt-get install -y ${PACKAGES.join(' ')}) or set CHROMIUM_PATH to a Chromium executable.`,
    );
  }
  log(`chromium not found; installing it with apt-get (Debian packages ${PACKAGES.join(', ')})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', ...PACKAGES], { stdio: 'inherit', env });
  if (update.status !== 0 || install.status !== 0)
    throw new Error(`apt-get install -y ${PACKAGES.join(' ')} failed; install Chromium yourself or set CHROMIUM_PATH.`);
  const installed = onPath('chromium');
  if (!installed) throw new Error('chromium still not on PATH after apt-get install');
  return installed;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureChromium());
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
