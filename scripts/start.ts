/**
 * npm start: the product on its embedded defaults.
 * With a display: the local note API (wrangler dev on loopback), the demo EHR page on localhost,
 * and Chromium with the built extension loaded (your real microphone; Chrome asks once).
 * Without a display: says so and runs the headless demo on a sample visit from ../shared/eval/dev.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchWithExtension } from '../tests/e2e/lib/browser.ts';
import { serveDirs } from '../tests/e2e/lib/serve.ts';
import { runDemo } from './demo.ts';

const ROOT = resolve(import.meta.dirname, '..');

async function headless(): Promise<void> {
  const audioDir = resolve(ROOT, '../shared/eval/dev/audio');
  const sample = join(audioDir, 'a1-008.wav');
  if (!existsSync(sample)) {
    console.error(`start: no display, and the sample visit ${sample} is missing. Run the demo on your own WAV: npm run demo -- --audio <file.wav> --out <dir>`);
    process.exit(1);
  }
  const out = join(ROOT, 'demo-out');
  console.log('start: no display found ($DISPLAY / $WAYLAND_DISPLAY unset) — running the headless demo on a sample visit instead.');
  console.log(`start: visit ${sample} (synthetic), outputs → ${out}`);
  const r = await runDemo({ audio: sample, out });
  if (!r.ok) {
    console.error(`start: demo stage ${r.stage} failed: ${r.error} (details in ${out}/summary.json)`);
    process.exit(1);
  }
  console.log(`start: done. Outputs in ${out}: capture.json, transcript.json, egress.json, note.json, ehr.json, audit.jsonl, summary.json`);
}

async function withDisplay(): Promise<void> {
  const { startApi } = await import('../tests/worker/dev-server.ts');
  const { DEV_EXTENSION_ID } = await import('../extension-id.ts');
  // CORS admits the dev build's pinned id (the note API answers only the extension's origin)
  const api = await startApi({ port: 8787, vars: { ALLOWED_ORIGINS: `chrome-extension://${DEV_EXTENSION_ID}` } });
  const server = await serveDirs({ '/ehr/': join(ROOT, 'tests/fixtures/demo-ehr'), '/': join(ROOT, 'tests/fixtures/pages') }, 8790);
  const l = await launchWithExtension({ headless: false, micWav: null, autoGrantMedia: false });
  const page = await l.context.newPage();
  await page.goto(`${server.url}/ehr/index.html`);
  console.log(`start: note API on ${api.url} (dev token: ${api.token}), demo EHR on ${server.url}/ehr/index.html`);
  console.log('start: on the EHR tab, click the Scribe toolbar button to open the side panel: set a PIN, tick consent, "Start visit", "Stop", then review, approve and "Write note". Close the browser to stop.');
  await new Promise<void>((r) => l.context.on('close', () => r()));
  await api.stop();
  await server.close();
}

if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) await withDisplay();
else await headless();
