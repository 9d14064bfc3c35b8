#!/usr/bin/env node
// First step of `npm start` and `npm test` on a fresh clone: install what is missing, nothing
// else. Plain Node with no dependencies, because it runs before node_modules exists.
//  1. npm packages: `npm ci` when node_modules is missing or older than package-lock.json
//     (onnxruntime-node's GPU download is skipped: .npmrc + ONNXRUNTIME_NODE_INSTALL=skip).
//  2. a browser: Chrome/Chromium/Edge if one is installed, else Debian's chromium via apt-get.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => process.stderr.write(`setup: ${m}\n`);

function run(cmd, args, env = {}, { fatal = true } = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0 && fatal) {
    say(`\`${cmd} ${args.join(' ')}\` failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  return r.status === 0;
}

// 1. npm packages
const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(marker) || statSync(marker).mtimeMs < statSync(lock).mtimeMs - 1000) {
  say('installing npm packages (npm ci)…');
  const env = { ONNXRUNTIME_NODE_INSTALL: 'skip' };
  if (!run('npm', ['ci', '--no-audit', '--no-fund'], env, { fatal: false })) {
    // An npm that writes lock files without other platforms' optional packages (rollup's, seen
    // with npm 11.19) makes its own `npm ci` refuse them as "not in sync"; `npm install` then
    // installs the same locked versions, adding the missing optional entries to the lock file
    // (commit that lock: `npm ci` accepts it).
    say('npm ci refused the lock file; installing the locked versions with npm install instead…');
    run('npm', ['install', '--no-audit', '--no-fund'], env);
  }
}

// 2. a browser
const browsers = [
  process.env.CHROME_PATH,
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/microsoft-edge',
  '/opt/google/chrome/chrome',
].filter(Boolean);
if (!browsers.some((b) => existsSync(b))) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const sudo = isRoot ? [] : ['sudo'];
  say('no Chrome/Chromium/Edge found: installing Debian chromium (apt-get)…');
  try {
    execFileSync(sudo[0] ?? 'apt-get', [...sudo.slice(1), ...(isRoot ? [] : ['apt-get']), 'update', '-qq'].filter(Boolean), { stdio: 'inherit' });
    execFileSync(sudo[0] ?? 'apt-get', [...(isRoot ? [] : ['apt-get']), 'install', '-y', '-qq', 'chromium'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    say('could not install chromium. Install it yourself (`apt-get install chromium`) or set CHROME_PATH.');
    process.exit(1);
  }
}
