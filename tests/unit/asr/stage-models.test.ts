import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const SHARED = resolve(ROOT, '../shared/models');
const manifest = JSON.parse(readFileSync(join(ROOT, 'models.manifest.json'), 'utf8')) as {
  models: Record<string, { files: Record<string, { bytes: number; sha256: string }>; derived?: Record<string, { bytes: number; sha256: string; transform: string | string[] }> }>;
};
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function stage(env: Record<string, string>, only = 'silero-vad'): { code: number; out: string } {
  try {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/stage-models.ts'), '--only', only], {
      cwd: ROOT,
      env: { ...process.env, SCRIBE_STAGE_OFFLINE: '1', ...env },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status: number; stderr: string };
    return { code: err.status, out: err.stderr };
  }
}

describe('stage-models', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('pins exactly the sizes and hashes that ../shared/models PROVENANCE.md lists', () => {
    for (const [model, m] of Object.entries(manifest.models)) {
      const prov = readFileSync(join(SHARED, model, 'PROVENANCE.md'), 'utf8');
      for (const [file, f] of Object.entries(m.files)) expect(prov).toContain(`| \`${file}\` | ${f.bytes} | \`${f.sha256}\` |`);
    }
  });

  it('stages verified files and stops on an altered one, naming it and where to put it', () => {
    const out = mkdtempSync(join(tmpdir(), 'stage-out-'));
    const bad = mkdtempSync(join(tmpdir(), 'stage-src-'));
    dirs.push(out, bad);
    const ok = stage({ SCRIBE_STAGE_OUT: out });
    expect(ok.code).toBe(0);
    expect(readFileSync(join(out, 'silero-vad/silero_vad_v5.onnx')).length).toBe(manifest.models['silero-vad']!.files['silero_vad_v5.onnx']!.bytes);

    mkdirSync(join(bad, 'silero-vad'));
    copyFileSync(join(SHARED, 'silero-vad/silero_vad_v5.onnx'), join(bad, 'silero-vad/silero_vad_v5.onnx'));
    const bytes = readFileSync(join(bad, 'silero-vad/silero_vad_v5.onnx'));
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    writeFileSync(join(bad, 'silero-vad/silero_vad_v5.onnx'), bytes);
    const r = stage({ SCRIBE_STAGE_OUT: join(out, 'b'), SCRIBE_SHARED_MODELS: bad });
    expect(r.code).toBe(1);
    expect(r.out).toContain('silero-vad/silero_vad_v5.onnx');
    expect(r.out).toContain('altered');
    expect(r.out).toContain('Put the original file at');
  });

  it('stages a Whisper encoder as the derived file its pin names, leaving the upstream file untouched', () => {
    const out = mkdtempSync(join(tmpdir(), 'stage-out-'));
    dirs.push(out);
    const file = 'onnx/encoder_model_quantized.onnx';
    const want = manifest.models['whisper-tiny']!.derived![file]!;
    const upstream = manifest.models['whisper-tiny']!.files[file]!;
    const r = stage({ SCRIBE_STAGE_OUT: out }, 'whisper-tiny');
    expect(r.code, r.out).toBe(0);
    const staged = readFileSync(join(out, 'whisper-tiny', file));
    expect(staged.length).toBe(want.bytes);
    expect(sha256(staged)).toBe(want.sha256);
    expect(sha256(readFileSync(join(SHARED, 'whisper-tiny', file)))).toBe(upstream.sha256);
    // a second run over the staged tree keeps it (and still never writes into ../shared)
    expect(stage({ SCRIBE_STAGE_OUT: out }, 'whisper-tiny').code).toBe(0);
    expect(sha256(readFileSync(join(SHARED, 'whisper-tiny', file)))).toBe(upstream.sha256);
  });
});
