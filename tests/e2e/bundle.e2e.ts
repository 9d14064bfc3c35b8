import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_PUBLIC_KEY } from '../../extension-id.ts';
import { EXTENSION_DIR, launchWithExtension, type Launched } from './lib/browser.ts';

/**
 * What the BUILT extension grants and ships (issue #10 part 2). Reads EXTENSION_DIR
 * (`$SCRIBE_OUT_DIR/chrome-mv3`, default `.output/chrome-mv3`), so build first:
 *   SCRIBE_OUT_DIR=.out-sec npx wxt build
 *   SCRIBE_OUT_DIR=.out-sec npx vitest run --config vitest.e2e.config.ts tests/e2e/bundle.e2e.ts
 *
 * 1. Manifest snapshot: the security-relevant fields are compared with bundle.snapshot.json; any
 *    change fails naming the field. A deliberate change: UPDATE_BUNDLE_SNAPSHOT=1 rewrites it.
 * 2. Bundle scan over every file: URLs only from the allowlist below, no remote code, eval-like
 *    constructs only where recorded (vendored WASM glue), no source maps, model files exactly the
 *    pinned bytes.
 * 3. Real Chromium: the extension CSP refuses eval/new Function in an extension page and the
 *    service worker, and is served on the ASR worker script, so the vendored `new Function`
 *    cannot run.
 * Each check also runs against a mutated copy to show it can fail.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SNAPSHOT = join(import.meta.dirname, 'bundle.snapshot.json');

// ---------------------------------------------------------------------------------------------
// 1. Manifest snapshot

/** Manifest fields that widen what the extension can reach or run. Absent fields are null. */
export const SNAPSHOT_FIELDS = [
  'permissions',
  'optional_permissions',
  'host_permissions',
  'optional_host_permissions',
  'content_security_policy',
  'web_accessible_resources',
  'externally_connectable',
  'content_scripts',
  'key',
  'cross_origin_embedder_policy',
  'cross_origin_opener_policy',
  'sandbox',
  'update_url',
] as const;

type Manifest = Record<string, unknown>;

function pick(manifest: Manifest): Record<string, unknown> {
  return Object.fromEntries(SNAPSHOT_FIELDS.map((f) => [f, manifest[f] ?? null]));
}

const stable = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x));
const short = (v: unknown) => {
  const s = stable(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

/** One line per changed field; empty when the manifest matches the snapshot. */
export function diffManifest(snapshot: Record<string, unknown>, manifest: Manifest): string[] {
  const got = pick(manifest);
  const out: string[] = [];
  for (const f of SNAPSHOT_FIELDS) {
    if (stable(snapshot[f] ?? null) !== stable(got[f])) out.push(`manifest field "${f}" changed: snapshot ${short(snapshot[f] ?? null)} -> built ${short(got[f])}`);
  }
  return out;
}

const UPDATE_HINT =
  'If the change is deliberate, review it (README.md#permissions says why each grant is there), then rerun with UPDATE_BUNDLE_SNAPSHOT=1 and commit tests/e2e/bundle.snapshot.json.';

// ---------------------------------------------------------------------------------------------
// 2. Bundle scan

/**
 * Every http(s) URL that may appear in shipped code, and why it is harmless. A URL in the bundle
 * that matches none of these fails the test. `${` marks a template literal in minified code.
 */
export const URL_ALLOWLIST: ReadonlyArray<{ re: RegExp; why: string }> = [
  // Our own configuration: the only endpoint the extension calls is the policy's apiBaseUrl.
  { re: /^http:\/\/127\.0\.0\.1:8787\.?$/, why: 'apiBaseUrl default for local dev (extension/lib/policy/keys.ts); https is required for any other host' },
  { re: /^(https:\/\/\*|http:\/\/localhost:\*|http:\/\/127\.0\.0\.1:\*)$/, why: 'apiBaseUrl origin patterns the policy accepts (policy/keys.ts), a matcher, not a request' },
  { re: /^https:\/\/(\*\.)?(ehr\.)?example\.org(:8443)?[.,]?$/, why: 'example origins in policy descriptions (managed_schema.json text, options page)' },
  // Namespace / schema identifiers, never fetched.
  { re: /^http:\/\/www\.w3\.org\/1999\/xhtml$/, why: 'XHTML namespace URI (Svelte DOM runtime)' },
  { re: /^https?:\/\/json-schema\.org\/(draft-0[47]\/schema#|draft\/2020-12\/schema)$/, why: '$schema ids in zod toJSONSchema' },
  { re: /^http:\/\/\[\$\{e\}\]$/, why: 'zod IPv6 check: builds `new URL("http://[" + value + "]")` to parse, no request' },
  // Documentation links inside vendored error/warning strings, never fetched.
  { re: /^https:\/\/svelte\.dev\/e\/[a-z_]+$/, why: 'Svelte runtime error/warning doc links' },
  { re: /^http:\/\/bit\.ly\/2kdckMn$/, why: 'Dexie PrematureCommit error message link' },
  { re: /^https:\/\/tinyurl\.com\/y2uuvskb$/, why: 'Dexie MissingAPI error message link' },
  { re: /^https:\/\/gist\.github\.com\/hollance\/42e32852f24243b748ae6bc1f985b13a$/, why: 'transformers.js error text (Whisper alignment heads)' },
  { re: /^https:\/\/github\.com\/huggingface\/transformers\.js\/issues\/new\/choose$/, why: 'transformers.js error text' },
  { re: /^https:\/\/huggingface\.co\/docs\/transformers(\.js)?\/[a-z/_.-]+$/, why: 'transformers.js error text doc links' },
  { re: /^https:\/\/developer\.mozilla\.org\/en-US\/docs\/Web\/API\/Cache$/, why: 'transformers.js error text' },
  { re: /^https:\/\/web\.dev\/cross-origin-isolation-guide\/$/, why: 'onnxruntime-web warning text' },
  // Vendored defaults that our code overrides before use (checked in "remote defaults are overridden").
  { re: /^https:\/\/huggingface\.co\/$/, why: 'transformers.js env.remoteHost default; extension/lib/asr/worker.ts sets env.allowRemoteModels = false' },
  {
    re: /^https:\/\/cdn\.jsdelivr\.net\/npm\/onnxruntime-web@\$\{[A-Za-z_$.]+\}\/dist\/$/,
    why: 'onnxruntime-web wasmPaths default, used only when wasmPaths is unset; asr/worker.ts sets it to ort/ (and script-src self would refuse a CDN import)',
  },
];

const TEXT_EXT = /\.(m?js|html|css|json)$/;
const CODE_EXT = /\.(m?js|html)$/;
/** Every kind of file the build may contain. */
const KNOWN_EXT = /\.(m?js|html|css|json|wasm|onnx|txt|png|svg|ico)$/;
const URL_RE = /https?:\/\/[^\s"'`<>\\)]*/g;

/** Remote code: a script or module loaded from the network. */
const REMOTE_CODE: ReadonlyArray<{ name: string; re: RegExp }> = [
  { name: 'import(remote)', re: /\bimport\s*\(\s*["'`]\s*(https?:)?\/\//g },
  { name: 'importScripts(remote)', re: /\bimportScripts\s*\(\s*["'`]\s*(https?:)?\/\//g },
  { name: 'static import from remote', re: /\bfrom\s*["'`](https?:)?\/\//g },
  { name: 'script src remote', re: /<script[^>]*\ssrc\s*=\s*["']?(https?:)?\/\//gi },
  { name: 'link href remote', re: /<link[^>]*\shref\s*=\s*["']?(https?:)?\/\//gi },
  { name: 'createElement(script)', re: /createElement\(\s*["'`]script["'`]\s*\)/g },
];

/**
 * eval-like constructs. The only ones allowed are Emscripten embind's emval method-caller
 * generator (`new Function(argNames, body)` building `methodCaller<...>`) in onnxruntime-web's
 * WASM glue, bundled twice: in ort/*.mjs (the runtime we ship) and inside the ASR worker chunk
 * (transformers.js bundles ort). Under `script-src 'self' 'wasm-unsafe-eval'` it throws EvalError
 * if ever reached; the browser test below proves the CSP refuses it.
 */
const EVAL_RE = /\bnew\s+Function\s*\(|(?<![\w$.])eval\s*\(|(?<![\w$.])Function\s*\(\s*["'`]|\bset(?:Timeout|Interval)\s*\(\s*["'`]/g;
export const EVAL_ALLOWLIST: ReadonlyArray<{ file: RegExp; context: RegExp; count: number; why: string }> = [
  { file: /^ort\/ort-wasm-simd-threaded\.asyncify\.mjs$/, context: /destructorsRef[\s\S]*new Function\(Object\.keys\(\w+\),\s*\w+\)[\s\S]*methodCaller</, count: 1, why: 'embind emval invoker (onnxruntime-web glue)' },
  { file: /^assets\/worker-[\w-]+\.js$/, context: /destructorsRef[\s\S]*new Function\(Object\.keys\(\w+\),\s*\w+\)[\s\S]*methodCaller</, count: 1, why: 'same glue, bundled by transformers.js into the ASR worker' },
];

export interface Finding {
  file: string;
  kind: 'url' | 'remote-code' | 'eval' | 'source-map' | 'unknown-file' | 'model-file';
  detail: string;
}

export interface ScannedFile {
  rel: string;
  bytes: Buffer;
}

export function listFiles(dir: string): ScannedFile[] {
  const out: ScannedFile[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push({ rel: relative(dir, p).split('\\').join('/'), bytes: readFileSync(p) });
    }
  };
  walk(dir);
  return out;
}

const modelsManifest = JSON.parse(readFileSync(join(ROOT, 'models.manifest.json'), 'utf8')) as {
  models: Record<string, { files: Record<string, { bytes: number; sha256: string }>; derived?: Record<string, { bytes: number; sha256: string }> }>;
  ort: { files: Record<string, { bytes: number; sha256: string }> };
};

/** Everything the scan refuses, as findings (file + short detail, never more than 80 chars of code). */
export function scanBundle(files: readonly ScannedFile[]): { findings: Finding[]; urls: Map<string, string[]>; evals: Map<string, number>; usedUrlRules: Set<number> } {
  const findings: Finding[] = [];
  const urls = new Map<string, string[]>();
  const evals = new Map<string, number>();
  const usedUrlRules = new Set<number>();
  for (const { rel, bytes } of files) {
    if (rel.endsWith('.map')) {
      findings.push({ file: rel, kind: 'source-map', detail: 'source map file shipped' });
      continue;
    }
    if (!KNOWN_EXT.test(rel)) findings.push({ file: rel, kind: 'unknown-file', detail: 'file type not expected in the build' });
    if (rel.startsWith('models/') || rel.startsWith('ort/')) {
      // Data and runtime: exactly the pinned bytes (the build checked them; this checks what shipped).
      const [model, ...rest] = rel.replace(/^models\//, '').split('/');
      const m = modelsManifest.models[model ?? ''];
      const want = rel.startsWith('ort/') ? modelsManifest.ort.files[rel.slice(4)] : (m?.derived?.[rest.join('/')] ?? m?.files[rest.join('/')]);
      if (!want) findings.push({ file: rel, kind: 'model-file', detail: 'not listed in models.manifest.json' });
      else if (bytes.length !== want.bytes || createHash('sha256').update(bytes).digest('hex') !== want.sha256) findings.push({ file: rel, kind: 'model-file', detail: 'differs from models.manifest.json' });
      if (rel.startsWith('models/')) continue;
    }
    if (!TEXT_EXT.test(rel)) {
      if (bytes.includes('sourceMappingURL')) findings.push({ file: rel, kind: 'source-map', detail: 'sourceMappingURL in a binary file' });
      continue;
    }
    const text = bytes.toString('utf8');
    if (/[#@]\s*sourceMappingURL\s*=/.test(text)) findings.push({ file: rel, kind: 'source-map', detail: 'sourceMappingURL comment' });
    if (/"sourcesContent"\s*:/.test(text) && /"mappings"\s*:/.test(text)) findings.push({ file: rel, kind: 'source-map', detail: 'inline source map with sourcesContent' });
    for (const m of text.matchAll(URL_RE)) {
      const u = m[0];
      const i = URL_ALLOWLIST.findIndex((r) => r.re.test(u));
      if (i < 0) findings.push({ file: rel, kind: 'url', detail: u.slice(0, 80) });
      else usedUrlRules.add(i);
      urls.set(u, [...new Set([...(urls.get(u) ?? []), rel])]);
    }
    if (!CODE_EXT.test(rel)) continue;
    for (const r of REMOTE_CODE) for (const m of text.matchAll(r.re)) findings.push({ file: rel, kind: 'remote-code', detail: `${r.name}: ${m[0].slice(0, 60)}` });
    const hits = [...text.matchAll(EVAL_RE)];
    if (hits.length === 0) continue;
    evals.set(rel, hits.length);
    const rule = EVAL_ALLOWLIST.find((a) => a.file.test(rel));
    const allowed = rule !== undefined && hits.length === rule.count && hits.every((h) => rule.context.test(text.slice(Math.max(0, (h.index ?? 0) - 400), (h.index ?? 0) + 200)));
    if (!allowed) for (const h of hits) findings.push({ file: rel, kind: 'eval', detail: text.slice(Math.max(0, (h.index ?? 0) - 30), (h.index ?? 0) + 40) });
  }
  return { findings, urls, evals, usedUrlRules };
}

const fmt = (fs: readonly Finding[]) => fs.map((f) => `${f.kind} in ${f.file}: ${f.detail}`).join('\n');

// ---------------------------------------------------------------------------------------------

describe(`built extension (${relative(ROOT, EXTENSION_DIR)})`, () => {
  let manifest: Manifest = {};
  let files: ScannedFile[] = [];
  beforeAll(() => {
    // Not skipped when missing: a security check that silently does not run is worse than a failure.
    if (!existsSync(join(EXTENSION_DIR, 'manifest.json'))) throw new Error(`extension not built at ${EXTENSION_DIR}: run \`npm run build\` (or SCRIBE_OUT_DIR=<dir> npx wxt build)`);
    manifest = JSON.parse(readFileSync(join(EXTENSION_DIR, 'manifest.json'), 'utf8')) as Manifest;
    files = listFiles(EXTENSION_DIR);
  });

  describe('manifest snapshot', () => {
    it('security-relevant manifest fields match tests/e2e/bundle.snapshot.json', () => {
      const current = pick(manifest);
      // A self-hosting clinic builds with its own key: compare with that instead of the dev key.
      const expectedKey = process.env.SCRIBE_EXTENSION_KEY ?? DEV_PUBLIC_KEY;
      if (process.env.UPDATE_BUNDLE_SNAPSHOT === '1') {
        const snap = { comment: 'Security-relevant fields of the built manifest (tests/e2e/bundle.e2e.ts). Update only on purpose: UPDATE_BUNDLE_SNAPSHOT=1.', fields: { ...current, key: DEV_PUBLIC_KEY } };
        writeFileSync(SNAPSHOT, `${JSON.stringify(snap, null, 2)}\n`);
      }
      const snap = (JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { fields: Record<string, unknown> }).fields;
      const diffs = diffManifest({ ...snap, key: snap.key === DEV_PUBLIC_KEY ? expectedKey : snap.key }, manifest);
      expect(diffs, `${diffs.join('\n')}\n${UPDATE_HINT}`).toEqual([]);
      // The snapshot itself states the policy the README documents.
      expect(snap.host_permissions).toEqual([]);
      expect(snap.content_scripts ?? []).toEqual([]);
      expect(snap.externally_connectable).toBeNull();
      expect(snap.web_accessible_resources).toBeNull();
      expect((snap.content_security_policy as { extension_pages: string }).extension_pages).toBe("script-src 'self' 'wasm-unsafe-eval'; object-src 'self'; connect-src 'self' https: http://127.0.0.1:* http://localhost:*");
    });

    it('negative: a mutated copy of the manifest is caught, naming each changed field', () => {
      const snap = (JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as { fields: Record<string, unknown> }).fields;
      const base: Manifest = { ...manifest, key: snap.key };
      expect(diffManifest(snap, base)).toEqual([]);
      const m = structuredClone(base);
      (m.permissions as string[]).push('tabs');
      m.host_permissions = ['<all_urls>'];
      m.content_security_policy = { extension_pages: "script-src 'self' 'unsafe-eval'" };
      m.web_accessible_resources = [{ resources: ['*'], matches: ['<all_urls>'] }];
      m.externally_connectable = { matches: ['https://*/*'] };
      const d = diffManifest(snap, m);
      expect(d.map((l) => /"(\w+)"/.exec(l)?.[1])).toEqual(['permissions', 'host_permissions', 'content_security_policy', 'web_accessible_resources', 'externally_connectable']);
      // reordering keys is not a change; reordering permissions is (order is what the store shows)
      const reordered: Manifest = { ...base, content_security_policy: { ...(base.content_security_policy as object) } };
      expect(diffManifest(snap, reordered)).toEqual([]);
    });
  });

  describe('bundle scan (every file in the build)', () => {
    it('no URL outside the allowlist, no remote code, eval only where recorded, no source maps, model files as pinned', () => {
      const { findings, urls, evals, usedUrlRules } = scanBundle(files);
      expect(findings, fmt(findings)).toEqual([]);
      // Every allowlist entry still matches something: a stale entry would hide a future URL.
      const unused = URL_ALLOWLIST.filter((_r, i) => !usedUrlRules.has(i)).map((r) => r.re.source);
      expect(unused, `allowlist entries that match nothing in the build (remove them): ${unused.join(', ')}`).toEqual([]);
      // The eval-like constructs are exactly the recorded vendored ones.
      expect(Object.fromEntries([...evals].map(([f, n]) => [f.replace(/-[\w-]{8}\.js$/, '-*.js'), n]))).toEqual({
        'ort/ort-wasm-simd-threaded.asyncify.mjs': 1,
        'assets/worker-*.js': 1,
      });
      expect(urls.size).toBeGreaterThan(0);
      // The build really shipped code and models (an empty dir would pass the scan).
      expect(files.filter((f) => /\.m?js$/.test(f.rel)).length).toBeGreaterThan(5);
      expect(files.some((f) => f.rel.startsWith('models/'))).toBe(true);
    });

    it('remote defaults in vendored code are overridden by our code', () => {
      const worker = readFileSync(join(ROOT, 'extension/lib/asr/worker.ts'), 'utf8');
      expect(worker).toMatch(/env\.allowRemoteModels\s*=\s*false/);
      expect(worker).toMatch(/wasm\.wasmPaths\s*=\s*\{[^\n]*\}ort\/\$\{runtimeFile\}\.mjs/);
      expect(worker).toMatch(/runtimeFile = `ort-wasm-simd-threaded\$\{wantGpu \? '\.asyncify' : ''\}`/);
    });

    it('negative: each rule catches a planted violation in a copy of the files', () => {
      const js = files.find((f) => f.rel === 'background.js');
      expect(js).toBeDefined();
      const plant = (rel: string, code: string): Finding[] => scanBundle([{ rel, bytes: Buffer.from(`${js?.bytes.toString('utf8') ?? ''}\n${code}`) }]).findings;
      expect(plant('background.js', '')).toEqual([]);
      expect(plant('background.js', 'fetch("https://telemetry.example.com/collect")').map((f) => f.kind)).toEqual(['url']);
      expect(plant('background.js', 'fetch("http://10.0.0.5:8080/x")').map((f) => f.kind)).toEqual(['url']);
      expect(plant('background.js', 'import("//cdn.example/x.js")').map((f) => f.kind)).toEqual(['remote-code']);
      expect(plant('background.js', 'importScripts("https://cdn.example/x.js")').map((f) => f.kind).sort()).toEqual(['remote-code', 'url']);
      expect(plant('background.js', 'const f = new Function("a", "return a")').map((f) => f.kind)).toEqual(['eval']);
      expect(plant('background.js', 'eval(x)').map((f) => f.kind)).toEqual(['eval']);
      expect(plant('background.js', 'setTimeout("go()", 1)').map((f) => f.kind)).toEqual(['eval']);
      expect(plant('background.js', '//# sourceMappingURL=background.js.map').map((f) => f.kind)).toEqual(['source-map']);
      expect(plant('sidepanel.html', '<script src="https://cdn.example/a.js"></script>').map((f) => f.kind).sort()).toEqual(['remote-code', 'url']);
      expect(scanBundle([{ rel: 'chunks/app.js.map', bytes: Buffer.from('{"version":3,"sourcesContent":["x"],"mappings":""}') }]).findings.map((f) => f.kind)).toEqual(['source-map']);
      // a second `new Function` in the vendored worker is not covered by its allowlist entry
      const w = files.find((f) => /^assets\/worker-[\w-]+\.js$/.test(f.rel));
      expect(w).toBeDefined();
      if (w) {
        expect(scanBundle([w]).findings).toEqual([]);
        expect(scanBundle([{ rel: w.rel, bytes: Buffer.concat([w.bytes, Buffer.from(';new Function("x")')]) }]).findings.map((f) => f.kind)).toContain('eval');
      }
      // a model file that is not the pinned bytes, or not in the manifest
      const model = files.find((f) => f.rel.startsWith('models/') && f.rel.endsWith('config.json'));
      expect(model).toBeDefined();
      if (model) {
        expect(scanBundle([{ rel: model.rel, bytes: Buffer.concat([model.bytes, Buffer.from(' ')]) }]).findings.map((f) => f.kind)).toEqual(['model-file']);
        expect(scanBundle([{ rel: 'models/extra/x.onnx', bytes: Buffer.from('x') }]).findings.map((f) => f.kind)).toEqual(['model-file']);
      }
      expect(scanBundle([{ rel: 'tools/run.sh', bytes: Buffer.from('#!/bin/sh') }]).findings.map((f) => f.kind)).toEqual(['unknown-file']);
    });

    it('the unpacked build holds no .map file and no zip with one (npm run package output, when present)', () => {
      expect(files.filter((f) => f.rel.endsWith('.map')).map((f) => f.rel)).toEqual([]);
      const outDir = resolve(EXTENSION_DIR, '..');
      const zips = existsSync(outDir) ? readdirSync(outDir).filter((f) => f.endsWith('.zip')) : [];
      for (const z of zips) {
        // zip central directory stores names uncompressed: a ".map" entry name would show up
        const bytes = readFileSync(join(outDir, z));
        expect(statSync(join(outDir, z)).size).toBeGreaterThan(0);
        expect(/\.js\.map|\.mjs\.map|\.css\.map/.test(bytes.toString('latin1')), `${z} contains a source map entry`).toBe(false);
      }
    });
  });

  describe('CSP in real Chromium', () => {
    let l: Launched;
    beforeAll(async () => {
      l = await launchWithExtension({ micWav: null, autoGrantMedia: false });
    });
    afterAll(async () => {
      await l?.close();
    });

    // CDP's Runtime.evaluate allows eval by default (`allowUnsafeEvalBlockedByCSP`), so the probe
    // defers itself with setTimeout: the deferred call runs as the page's own code, under its CSP.
    const probe = `new Promise((resolve) => setTimeout(() => {
      const r = {};
      try { r.eval = String(eval('1 + 1')); } catch (e) { r.eval = e && e.name; }
      try { r.newFunction = String(new Function('return 2')()); } catch (e) { r.newFunction = e && e.name; }
      try { r.wasm = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])) ? 'ok' : 'no'; } catch (e) { r.wasm = e && e.name; }
      resolve(r);
    }, 0))`;

    it('extension page and service worker refuse eval and new Function (EvalError); WebAssembly still compiles', async () => {
      const page = await l.context.newPage();
      await page.goto(`chrome-extension://${l.extensionId}/permission.html`);
      const inPage = (await page.evaluate(probe)) as Record<string, string>;
      expect(inPage).toEqual({ eval: 'EvalError', newFunction: 'EvalError', wasm: 'ok' });
      const inSw = (await l.serviceWorker.evaluate(probe)) as Record<string, string>;
      expect(inSw).toEqual({ eval: 'EvalError', newFunction: 'EvalError', wasm: 'ok' });
      // Negative control: the same probe on a page without that CSP does run eval.
      const plain = await l.context.newPage();
      await plain.setContent('<p>x</p>');
      expect(((await plain.evaluate(probe)) as Record<string, string>).eval).toBe('2');
      await plain.close();
      await page.close();
    });

    it('connect-src: plain http to the network and ws: are refused by the CSP; loopback http and the extension itself are not', async () => {
      const page = await l.context.newPage();
      await page.goto(`chrome-extension://${l.extensionId}/permission.html`);
      const outcome = (await page.evaluate(async () => {
        const violations: string[] = [];
        document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
        const tryFetch = async (u: string) => {
          try {
            await fetch(u, { signal: AbortSignal.timeout(3_000) });
            return 'ok';
          } catch (e) {
            return (e as Error).name;
          }
        };
        const r: Record<string, string> = {};
        r.self = await tryFetch('/manifest.json');
        r.network = await tryFetch('http://10.255.255.1:9/x'); // never routable here; refused before any packet
        r.loopback = await tryFetch('http://127.0.0.1:9/x'); // closed port: a network error, not a CSP refusal
        try {
          new WebSocket('ws://127.0.0.1:9/x');
          r.ws = 'opened';
        } catch (e) {
          r.ws = (e as Error).name;
        }
        await new Promise((res) => setTimeout(res, 300));
        return { r, violations };
      })) as { r: Record<string, string>; violations: string[] };
      expect(outcome.r.self).toBe('ok');
      expect(outcome.r.network).toBe('TypeError');
      expect(outcome.violations.some((v) => v.startsWith('connect-src http://10.255.255.1'))).toBe(true);
      expect(outcome.violations.some((v) => v.includes('127.0.0.1:9/x') && v.startsWith('connect-src http:'))).toBe(false);
      expect(outcome.violations.some((v) => v.startsWith('connect-src ws://127.0.0.1'))).toBe(true);
      await page.close();
    });

    it('the vendored files with `new Function` are served under the extension CSP', async () => {
      const page = await l.context.newPage();
      await page.goto(`chrome-extension://${l.extensionId}/permission.html`);
      const targets = files.filter((f) => EVAL_ALLOWLIST.some((a) => a.file.test(f.rel))).map((f) => f.rel);
      expect(targets.length).toBe(2);
      for (const rel of targets) {
        const csp = await page.evaluate(async (u) => (await fetch(u)).headers.get('content-security-policy'), `/${rel}`);
        expect(csp, rel).toContain("script-src 'self' 'wasm-unsafe-eval'");
        expect(csp).not.toMatch(/(^|[\s;])'unsafe-eval'/);
      }
      await page.close();
    });
  });
});
