/**
 * Extractor CPU per note, measured in this process with process.cpuUsage (user+system, so a
 * busy machine inflates it less than wall time): dev-text visits one by one and the API bench's
 * long transcripts. Used by bench/notes.ts (`--speed`).
 */
import type { NoteSegment, TemplateId } from '../../shared/api.ts';
import { extractNote } from '../../shared/notes/extractor.ts';

function cpuMs(f: () => void, reps: number): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / reps;
}

export interface SpeedCase {
  name: string;
  visits: NoteSegment[][];
  reps: number;
}

export function extractorSpeed(cases: readonly SpeedCase[], template: TemplateId = 'soap'): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of cases) {
    // Warm up (JIT) on the same inputs, then measure.
    for (const v of c.visits) extractNote({ template, segments: v });
    // Best of 3 rounds per note: a shared machine only ever adds time.
    const per = c.visits
      .map((v) => Math.min(...[0, 1, 2].map(() => cpuMs(() => extractNote({ template, segments: v }), c.reps))))
      .sort((a, b) => a - b);
    const q = (p: number): number => Math.round((per[Math.min(per.length - 1, Math.floor(p * per.length))] ?? NaN) * 1000) / 1000;
    const mean = per.reduce((a, b) => a + b, 0) / Math.max(1, per.length);
    out[c.name] = {
      notes: per.length,
      segmentsMean: Math.round(c.visits.reduce((a, v) => a + v.length, 0) / Math.max(1, c.visits.length)),
      cpuMsPerNote: { mean: Math.round(mean * 1000) / 1000, p50: q(0.5), p95: q(0.95), max: q(1) },
    };
  }
  return out;
}
