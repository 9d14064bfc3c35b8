import { z } from 'zod';
import { PhiType } from '../../../shared/phi-patterns.ts';
import { Banner, type MinimizeTurn } from './index.ts';

/**
 * One line of an evaluation file (`../shared/eval/<set>/visits.jsonl`). Only the fields the CLI and
 * the benchmark read are required; the rest of the line (facts, audio, ...) is accepted and ignored.
 */
const EvalSpan = z.object({ turn: z.number().int().nonnegative(), start: z.number().int().nonnegative(), end: z.number().int().nonnegative() });

export const EvalVisit = z.object({
  id: z.string().min(1).max(128),
  turns: z.array(z.object({ speaker: z.string().max(64), text: z.string().max(200_000) })).max(20_000),
  banner: Banner.nullish(),
  phi: z.array(EvalSpan.extend({ type: PhiType, text: z.string().optional() })).optional(),
  nonphi: z.array(EvalSpan.extend({ kind: z.string().max(64), text: z.string().optional() })).optional(),
});
export type EvalVisit = z.infer<typeof EvalVisit>;

export type ParseLine = { ok: true; visit: EvalVisit } | { ok: false; code: 'invalid_json' | 'invalid_visit' };

export function parseVisitLine(line: string): ParseLine {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return { ok: false, code: 'invalid_json' };
  }
  const v = EvalVisit.safeParse(json);
  return v.success ? { ok: true, visit: v.data } : { ok: false, code: 'invalid_visit' };
}

export function toTurns(v: EvalVisit): MinimizeTurn[] {
  return v.turns.map((t, i) => ({ id: `t${i}`, speaker: t.speaker.length > 0 ? t.speaker : 'unlabelled', text: t.text }));
}
