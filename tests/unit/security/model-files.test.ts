import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diagnose } from '../../../extension/lib/asr/diagnose.ts';
import { applyTransforms } from '../../../scripts/whisper-context.ts';
import modelsManifest from '../../../models.manifest.json';
import { AsrStatus } from '../../../shared/messages.ts';

/**
 * Damaged model files (issue #10): copies of the staged models that are truncated, corrupted in
 * place, replaced with JSON, emptied or missing. Both places that judge a model file must name the
 * file and say what is wrong in a closed vocabulary, with no stack trace and none of the file's
 * content: the build (scripts/stage-models.ts, exit 1 + one message) and the extension after a
 * failed load (extension/lib/asr/diagnose.ts, {code, file}). tests/unit/asr/stage-models.test.ts
 * already covers one flipped byte in silero-vad; this adds the other damage kinds, JSON files, and
 * the no-stack/no-content rules.
 */

const ROOT = resolve(import.meta.dirname, '../../..');
const SHARED = resolve(ROOT, '../shared/models');
/** Sentinel written into every fake file: it must never come back in a message. */
const SENTINEL = 'ZQXmodelContent';
const STACK = /^\s+at .+(:\d+:\d+\)?|\(native\))$|node:internal|StageError|Error:/m;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A models tree that links every real file, with `damage` applied to one of them. */
function treeWith(model: string, file: string, damage: (p: string) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'models-dmg-'));
  dirs.push(root);
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const dst = join(root, model, relative(join(SHARED, model), p));
        mkdirSync(dirname(dst), { recursive: true });
        symlinkSync(p, dst);
      }
    }
  };
  walk(join(SHARED, model));
  const target = join(root, model, file);
  rmSync(target, { force: true });
  damage(target);
  return root;
}

const DAMAGE: Record<string, { apply: (real: string) => (p: string) => void; reason: RegExp }> = {
  truncated: { apply: (real) => (p) => writeFileSync(p, readFileSync(real).subarray(0, Math.floor(statSync(real).size / 2))), reason: /altered: size differs/ },
  corrupt: {
    apply: (real) => (p) => {
      const b = Buffer.from(readFileSync(real));
      b[Math.floor(b.length / 3)] = (b[Math.floor(b.length / 3)] ?? 0) ^ 0x5a;
      writeFileSync(p, b);
    },
    reason: /altered: sha256 differs/,
  },
  json: { apply: () => (p) => writeFileSync(p, JSON.stringify({ error: 'Entry not found', note: SENTINEL })), reason: /altered: size differs/ },
  empty: { apply: () => (p) => writeFileSync(p, ''), reason: /altered: size differs/ },
  missing: { apply: () => () => undefined, reason: /\(missing\)/ },
};

function stage(only: string, shared: string): { code: number; stdout: string; stderr: string } {
  const env: Record<string, string | undefined> = { ...process.env, SCRIBE_STAGE_OFFLINE: '1', SCRIBE_SHARED_MODELS: shared, SCRIBE_STAGE_OUT: join(shared, '.out') };
  delete env.SCRIBE_MODELS_DIR;
  try {
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/stage-models.ts'), '--only', only, '--check'], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('stage-models: damaged model files stop the build with one clear message', () => {
  const cases: Array<[string, string, keyof typeof DAMAGE]> = [
    ['whisper-tiny', 'config.json', 'json'],
    ['whisper-tiny', 'tokenizer.json', 'truncated'],
    ['whisper-tiny', 'preprocessor_config.json', 'corrupt'],
    ['whisper-tiny', 'onnx/encoder_model_quantized.onnx', 'empty'],
    ['whisper-tiny', 'vocab.json', 'missing'],
    ['silero-vad', 'silero_vad_v5.onnx', 'json'],
  ];
  it.each(cases)('%s/%s %s: exit 1, names the file and the reason, no stack, no content', (model, file, kind) => {
    const d = DAMAGE[kind]!;
    const r = stage(model, treeWith(model, file, d.apply(join(SHARED, model, file))));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`model file ${model}/${file} not found or altered`);
    expect(r.stderr).toMatch(d.reason);
    expect(r.stderr).toContain(`Put the original file at $SCRIBE_MODELS_DIR/${model}/${file}`);
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).not.toContain(SENTINEL);
    // The message is about paths and hashes only: no bytes of the file (a JSON file's text).
    expect(r.stderr).not.toContain('Entry not found');
    expect(r.stderr.split('\n').length).toBeLessThan(12);
  });

  it('negative: the intact tree passes (so the failures above are the damage, not the setup)', () => {
    const r = stage('whisper-tiny', treeWith('whisper-tiny', 'config.json', (p) => symlinkSync(join(SHARED, 'whisper-tiny/config.json'), p)));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('files verified');
  });

  it('a large JSON replacement is not echoed either (the message names the file, never its bytes)', () => {
    const big = JSON.stringify({ note: SENTINEL.repeat(10_000) });
    const r = stage('whisper-tiny', treeWith('whisper-tiny', 'generation_config.json', (p) => writeFileSync(p, big)));
    expect(r.code).toBe(1);
    expect(r.stderr.length).toBeLessThan(2_000);
    expect(r.stderr).not.toContain(SENTINEL);
  });
});

/**
 * What the extension ships at models/<rel>: the upstream file, or the file the build derives from
 * it (models.manifest.json `derived`: the Whisper encoders and decoders), made here the same way.
 */
const derivedCache = new Map<string, Uint8Array>();
function shipped(rel: string): Uint8Array {
  const [model = '', ...rest] = rel.split('/');
  const derived = (modelsManifest.models as Record<string, { derived?: Record<string, { transform: string | string[] }> }>)[model]?.derived?.[rest.join('/')];
  const upstream = readFileSync(join(SHARED, rel));
  if (!derived) return upstream;
  let d = derivedCache.get(rel);
  if (!d) derivedCache.set(rel, (d = applyTransforms(derived.transform, upstream)));
  return d;
}

/** A fetch over a models tree (what the extension serves at chrome-extension://<id>/models/). */
function serve(overrides: Record<string, Uint8Array | 404 | 'throw' | 'stream-error'>): typeof fetch {
  return (async (input: RequestInfo | URL) => {
    const url = String(input);
    const rel = url.replace(/^.*?\/models\//, '');
    const o = overrides[rel];
    if (o === 'throw') throw new TypeError('Failed to fetch');
    if (o === 404) return new Response('Not found', { status: 404 });
    if (o === 'stream-error') {
      return new Response(new ReadableStream({ pull: (c) => c.error(new Error(SENTINEL)) }), { status: 200 });
    }
    const src = o ?? shipped(rel);
    const bytes = new Uint8Array(src.length); // an ArrayBuffer-backed copy (BodyInit)
    bytes.set(src);
    return new Response(bytes, { status: 200 });
  }) as typeof fetch;
}

const real = (model: string, file: string) => new Uint8Array(readFileSync(join(SHARED, model, file)));
const json = new TextEncoder().encode(JSON.stringify({ note: SENTINEL }));
const notJson = new TextEncoder().encode(`{"note": "${SENTINEL}", `);

describe('diagnose (extension, after a failed model load): names the file with a closed code', () => {
  const BASE = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/';
  const DAMAGED: Record<string, () => Uint8Array | 404 | 'throw'> = {
    'not JSON': () => notJson,
    'other valid JSON': () => json,
    'JSON instead of ONNX': () => json,
    'truncated to 1 kB': () => real('whisper-tiny', 'tokenizer.json').subarray(0, 1_000),
    'truncated to 4 kB': () => real('whisper-tiny', 'onnx/encoder_model_quantized.onnx').subarray(0, 4_096),
    empty: () => new Uint8Array(0),
    '404': () => 404,
    'network error': () => 'throw',
  };
  const cases: Array<[string, string, keyof typeof DAMAGED, string]> = [
    ['whisper-tiny', 'config.json', 'not JSON', 'model_file_wrong_format'],
    ['whisper-tiny', 'config.json', 'other valid JSON', 'model_file_corrupt'],
    ['whisper-tiny', 'tokenizer.json', 'truncated to 1 kB', 'model_file_wrong_format'],
    ['whisper-tiny', 'onnx/encoder_model_quantized.onnx', 'JSON instead of ONNX', 'model_file_wrong_format'],
    ['whisper-tiny', 'onnx/encoder_model_quantized.onnx', 'truncated to 4 kB', 'model_file_corrupt'],
    ['whisper-tiny', 'merges.txt', 'empty', 'model_file_corrupt'],
    ['whisper-tiny', 'vocab.json', '404', 'model_file_missing'],
    ['whisper-tiny', 'added_tokens.json', 'network error', 'model_file_missing'],
    ['silero-vad', 'silero_vad_v5.onnx', 'not JSON', 'model_file_wrong_format'],
  ];

  it.each(cases)('%s/%s %s -> %s', async (model, file, damage, code) => {
    const d = await diagnose(BASE, model as 'whisper-tiny', serve({ [`${model}/${file}`]: DAMAGED[damage]!() }));
    expect(d).toEqual({ code, file: `${model}/${file}` });
    // It fits the status the side panel shows (closed code, file name pattern), and holds no content.
    expect(AsrStatus.shape.error.safeParse(d).success).toBe(true);
    expect(JSON.stringify(d)).not.toContain(SENTINEL);
  });

  it('negative: intact files diagnose as null (nothing to blame)', async () => {
    expect(await diagnose(BASE, 'whisper-tiny', serve({}))).toBeNull();
  });

  it('a body that fails mid-read: diagnose rejects (recorded gap: the file is not named)', async () => {
    // worker.ts calls diagnose(...).catch(() => null) and then reports model_load_failed with
    // file null, so this damage is shown without the file's name. Recorded, not fixed here.
    const err = await diagnose(BASE, 'whisper-tiny', serve({ 'whisper-tiny/preprocessor_config.json': 'stream-error' })).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
  });
});
