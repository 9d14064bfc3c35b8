import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWav, wavBytes } from './wav.ts';

export const DEV_AUDIO = join(import.meta.dirname, '../../../../shared/eval/dev/audio');

/**
 * A test clip cut from a synthetic dev visit: `seconds` of it starting at `fromS`, then
 * `padS` of silence (Chromium's fake device repeats the last 10 ms forever with %noloop).
 */
export function makeClip(file: string, fromS: number, seconds: number, padS = 2): { path: string; durationS: number; samples: Float32Array; sampleRate: number } {
  const w = readWav(join(DEV_AUDIO, file));
  const a = Math.floor(fromS * w.sampleRate);
  const body = w.samples.slice(a, a + Math.floor(seconds * w.sampleRate));
  const out = new Float32Array(body.length + Math.floor(padS * w.sampleRate));
  out.set(body);
  const dir = mkdtempSync(join(tmpdir(), 'scribe-clip-'));
  const path = join(dir, `${file.replace(/\.wav$/, '')}-${fromS}-${seconds}.wav`);
  writeFileSync(path, wavBytes(out, w.sampleRate));
  return { path, durationS: body.length / w.sampleRate, samples: body, sampleRate: w.sampleRate };
}
