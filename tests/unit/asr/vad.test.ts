import { describe, expect, it } from 'vitest';
import { EnergyVad, Framer, SAMPLE_RATE, Segmenter, VAD_FRAME, type SegmenterEvent } from '../../../extension/lib/asr/vad.ts';

/** speech-like test signal: a 220 Hz tone with a 4 Hz envelope; silence = low noise */
function signal(plan: [kind: 'speech' | 'silence', seconds: number][], seed = 1): Float32Array {
  const total = plan.reduce((a, [, s]) => a + Math.round(s * SAMPLE_RATE), 0);
  const out = new Float32Array(total);
  let i = 0;
  let r = seed;
  const rnd = (): number => ((r = (r * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  for (const [kind, s] of plan) {
    const n = Math.round(s * SAMPLE_RATE);
    for (let k = 0; k < n; k++, i++) {
      const t = i / SAMPLE_RATE;
      out[i] = kind === 'speech' ? 0.3 * Math.sin(2 * Math.PI * 220 * t) * (0.6 + 0.4 * Math.sin(2 * Math.PI * 4 * t)) + 0.001 * rnd() : 0.001 * rnd();
    }
  }
  return out;
}

function run(audio: Float32Array, seg = new Segmenter(), vad = new EnergyVad()): SegmenterEvent[] {
  const framer = new Framer();
  const events: SegmenterEvent[] = [];
  for (let i = 0; i < audio.length; i += 1600) {
    for (const f of framer.push(audio.subarray(i, i + 1600))) events.push(...seg.push(f, vad.score(f)));
  }
  events.push(...seg.flush());
  return events;
}

const ends = (ev: SegmenterEvent[]) => ev.flatMap((e) => (e.type === 'end' ? [e.utterance] : []));

describe('EnergyVad', () => {
  it('scores digital silence 0 and a loud tone near 1, low noise low', () => {
    const v = new EnergyVad();
    expect(v.score(new Float32Array(VAD_FRAME))).toBe(0);
    const noise = signal([['silence', 1]]);
    let maxNoise = 0;
    for (let i = 0; i + VAD_FRAME <= noise.length; i += VAD_FRAME) maxNoise = Math.max(maxNoise, v.score(noise.subarray(i, i + VAD_FRAME)));
    expect(maxNoise).toBeLessThan(0.2);
    const tone = signal([['speech', 0.1]]);
    expect(v.score(tone.subarray(0, VAD_FRAME))).toBeGreaterThan(0.9);
  });
});

describe('Segmenter', () => {
  it('cuts one utterance per speech run, with the silence left out', () => {
    const audio = signal([['silence', 1], ['speech', 2], ['silence', 1], ['speech', 1.5], ['silence', 1]]);
    const utts = ends(run(audio));
    expect(utts).toHaveLength(2);
    const [a, b] = utts;
    expect(a!.speechStart / SAMPLE_RATE).toBeCloseTo(1, 1);
    expect(a!.speechEnd / SAMPLE_RATE).toBeCloseTo(3, 1);
    expect(b!.speechStart / SAMPLE_RATE).toBeCloseTo(4, 1);
    expect(b!.speechEnd / SAMPLE_RATE).toBeCloseTo(5.5, 1);
    // audio = pre-roll + speech + post-roll, never the surrounding seconds of silence
    expect(a!.audio.length / SAMPLE_RATE).toBeLessThan(2 + 0.5);
    expect(a!.audio.length / SAMPLE_RATE).toBeGreaterThan(2);
  });

  it('keeps short pauses inside an utterance but signals a settle point', () => {
    const ev = run(signal([['silence', 0.5], ['speech', 1], ['silence', 0.3], ['speech', 1], ['silence', 1]]));
    expect(ends(ev)).toHaveLength(1);
    expect(ev.filter((e) => e.type === 'settle').length).toBeGreaterThanOrEqual(2);
  });

  it('drops clicks shorter than minSpeechMs', () => {
    expect(ends(run(signal([['silence', 1], ['speech', 0.05], ['silence', 1]])))).toHaveLength(0);
  });

  it('caps utterances at maxUtteranceMs and loses no audio at the cut', () => {
    const audio = signal([['silence', 0.5], ['speech', 60], ['silence', 1]]);
    const utts = ends(run(audio));
    expect(utts.length).toBeGreaterThanOrEqual(3);
    for (const u of utts) expect(u.audio.length / SAMPLE_RATE).toBeLessThanOrEqual(25.5);
    // consecutive capped pieces are contiguous
    for (let i = 1; i < utts.length; i++) expect(utts[i]!.startSample).toBe(utts[i - 1]!.startSample + utts[i - 1]!.audio.length);
    const covered = utts.reduce((a, u) => a + (u.speechEnd - u.speechStart), 0) / SAMPLE_RATE;
    expect(covered).toBeGreaterThan(59.5);
  });

  it('holds bounded memory over a long visit (only the open utterance is kept)', () => {
    const seg = new Segmenter();
    const vad = new EnergyVad();
    const framer = new Framer();
    const chunk = signal([['speech', 3], ['silence', 2]]);
    let n = 0;
    for (let rep = 0; rep < 720; rep++) {
      // an hour of 5-second cycles
      for (const f of framer.push(chunk)) n += seg.push(f, vad.score(f)).filter((e) => e.type === 'end').length;
      const internal = seg as unknown as { frames: unknown[]; ring: unknown[] };
      expect(internal.frames.length + internal.ring.length).toBeLessThan(Math.ceil((25 * SAMPLE_RATE) / VAD_FRAME) + 20);
    }
    expect(n).toBe(720);
  });
});
