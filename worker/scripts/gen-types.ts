/**
 * Regenerate worker/worker-configuration.d.ts (Workers runtime types, no Env: src/env.ts owns
 * that) and strip the directives the repo's lint rejects (a duplicate file-wide
 * `eslint-disable` and `eslint-disable-line` comments that report as unused).
 *   npx tsx worker/scripts/gen-types.ts
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const WORKER = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const OUT = join(WORKER, 'worker-configuration.d.ts');
execFileSync(process.execPath, [join(WORKER, '../node_modules/wrangler/bin/wrangler.js'), 'types', '--include-env=false', OUT], {
  cwd: WORKER,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
});
let seen = false;
const lines = readFileSync(OUT, 'utf8')
  .split('\n')
  .filter((l) => {
    if (l.trim() !== '/* eslint-disable */') return true;
    if (seen) return false;
    seen = true;
    return true;
  })
  .map((l) => l.replace(/\s*\/\/ eslint-disable-line\s*$/, ''));
writeFileSync(OUT, lines.join('\n'));
process.stdout.write(`${JSON.stringify({ written: OUT, lines: lines.length })}\n`);
