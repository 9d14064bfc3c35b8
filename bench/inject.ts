/**
 * bench/inject: time to write a 1,500-word approved note into each EHR target kind, in headless
 * Chromium, through lib/ehr (scan → write → read-back verification). Prints ONE JSON object.
 *
 *   npx tsx bench/inject.ts [--runs 20]
 *
 * `write_ms` is measured inside the page by the agent (render + write + the editor's own update +
 * read-back); `roundtrip_ms` adds the message hop from Node (an upper bound for the
 * tabs.sendMessage hop the extension makes). Target: p95 write < 150 ms per kind.
 */
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
import { AGENT_BUNDLE, buildFixtures, serveFixtures } from '../tests/e2e/ehr/fixtures.ts';
import { noteToBlocks, type NoteLike } from '../extension/lib/ehr/render.ts';
import { findBrowser, BASE_ARGS } from '../tests/e2e/lib/browser.ts';

const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 20;
const WARMUP = 2;
const WORDS = 1_500;

const VOCAB = 'patient reports right knee pain worse on stairs mild effusion noted full range of motion ibuprofen with food physiotherapy referral follow up in four weeks no fever denies trauma sleep affected walking tolerance improved'.split(' ');

/** A deterministic synthetic note of exactly `words` words over four sections. */
function makeNote(words: number, salt: number): NoteLike {
  const keys = [
    ['subjective', 'Subjective'],
    ['objective', 'Objective'],
    ['assessment', 'Assessment'],
    ['plan', 'Plan'],
  ] as const;
  const perSection = Math.floor(words / keys.length);
  let k = salt;
  return {
    sections: keys.map(([key, title], si) => {
      const n = si === keys.length - 1 ? words - perSection * (keys.length - 1) : perSection;
      const statements: { text: string }[] = [];
      let left = n;
      while (left > 0) {
        const len = Math.min(left, 12 + (k % 9));
        const w: string[] = [];
        for (let i = 0; i < len; i++) w.push(VOCAB[(k++ * 7 + i) % VOCAB.length]!);
        statements.push({ text: `${w.join(' ')}.` });
        left -= len;
      }
      return { key, title, statements };
    }),
  };
}

const KINDS: Array<{ kind: string; page: string; label?: string; frame?: string }> = [
  { kind: 'textarea', page: 'plain.html', label: 'Clinical note' },
  { kind: 'input', page: 'plain.html', label: 'Chief complaint' },
  { kind: 'contenteditable', page: 'contenteditable.html', label: 'Progress note' },
  { kind: 'textarea', page: 'react.html', label: 'Assessment' },
  { kind: 'ckeditor5', page: 'ckeditor.html' },
  { kind: 'tinymce', page: 'tinymce.html' },
  { kind: 'quill', page: 'quill.html' },
  { kind: 'prosemirror', page: 'tiptap.html' },
  { kind: 'textarea', page: 'shadow.html', label: 'Assessment' },
  { kind: 'textarea', page: 'iframe-same.html', frame: '/inner.html' },
];

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! * 10) / 10;
}

await buildFixtures();
const server = await serveFixtures();
const browser = await chromium.launch({ executablePath: findBrowser(), headless: true, args: BASE_ARGS });
const agent = readFileSync(AGENT_BUNDLE, 'utf8');
const notes = [makeNote(WORDS, 1), makeNote(WORDS, 2)].map((n) => noteToBlocks(n));
const allowed = [server.origin, server.crossOrigin];
const results: Record<string, unknown> = {};
let pass = true;
try {
  for (const k of KINDS) {
    const page = await browser.newPage();
    await page.goto(server.url(k.page));
    await page.waitForSelector('html[data-ready="1"]');
    for (const f of page.frames()) await f.evaluate(agent);
    const frame = k.frame === undefined ? page.mainFrame() : page.frames().find((f) => f.url().endsWith(k.frame!))!;
    type Handle = { __ehr: { handle(m: unknown): Promise<{ code: string; targets?: Array<{ id: string; kind: string; label: string }>; results?: Array<{ code: string; ms: number }> }> } };
    const scan = await frame.evaluate((a) => (window as unknown as Handle).__ehr.handle({ cmd: 'ehr.scan', allowedOrigins: a }), allowed);
    const target = scan.targets!.find((t) => t.kind === k.kind && (k.label === undefined || t.label === k.label))!;
    const write: number[] = [];
    const rt: number[] = [];
    let failures = 0;
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const msg = { cmd: 'ehr.write', allowedOrigins: allowed, writes: [{ target: { by: 'id', id: target.id }, blocks: notes[i % 2] }] };
      const t0 = performance.now();
      const r = await frame.evaluate((m) => (window as unknown as Handle).__ehr.handle(m), msg);
      const t1 = performance.now();
      const res = r.results?.[0];
      if (res?.code !== 'ok') failures++;
      if (i >= WARMUP && res !== undefined) {
        write.push(res.ms);
        rt.push(t1 - t0);
      }
    }
    const name = `${k.kind}@${k.page.replace('.html', '')}`;
    const p95 = pct(write, 95);
    if (p95 >= 150 || failures > 0) pass = false;
    results[name] = { p50_ms: pct(write, 50), p95_ms: p95, max_ms: pct(write, 100), roundtrip_p95_ms: pct(rt, 95), failures };
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(
  JSON.stringify({
    bench: 'inject',
    words: WORDS,
    runs: RUNS,
    chromium: browser.version(),
    target_p95_ms: 150,
    pass,
    kinds: results,
  }),
);
