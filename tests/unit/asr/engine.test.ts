import { describe, expect, it } from 'vitest';
import { AsrEngine, cleanText, percentile, speakerFor, type SegmentOut, type Transcriber } from '../../../extension/lib/asr/engine.ts';
import { EnergyVad, SAMPLE_RATE } from '../../../extension/lib/asr/vad.ts';

function tone(seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  for (let i = 0; i < out.length; i++) out[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / SAMPLE_RATE);
  return out;
}
const silence = (s: number) => new Float32Array(Math.round(s * SAMPLE_RATE));

/** fake decoder: text = utterance length in tenths of a second; takes `ms` per call */
class FakeTranscriber implements Transcriber {
  calls: { n: number; kind: string }[] = [];
  constructor(private readonly ms = 5) {}
  async transcribe(audio: Float32Array, kind: 'final' | 'partial'): Promise<string> {
    this.calls.push({ n: audio.length, kind });
    await new Promise((r) => setTimeout(r, this.ms));
    return `len ${Math.round(audio.length / 1600)}`;
  }
}

async function feed(engine: AsrEngine, source: 'mic' | 'tab', audio: Float32Array, realtime = false): Promise<void> {
  for (let i = 0; i < audio.length; i += 1600) {
    await engine.push(source, audio.slice(i, i + 1600));
    if (realtime) await new Promise((r) => setTimeout(r, 2));
  }
}

describe('AsrEngine', () => {
  it('emits one final per utterance, in time order, never decoding silence', async () => {
    const t = new FakeTranscriber();
    const out: SegmentOut[] = [];
    const e = new AsrEngine({ speakerMode: 'unlabelled', partials: false, partialEveryS: 2 }, t, () => new EnergyVad(), (s) => out.push(s));
    await feed(e, 'mic', silence(1));
    await feed(e, 'mic', tone(2));
    await feed(e, 'mic', silence(1.5));
    await feed(e, 'mic', tone(1));
    await feed(e, 'mic', silence(3));
    await e.flush();
    const finals = out.filter((s) => s.final);
    expect(finals).toHaveLength(2);
    expect(finals[0]!.t0).toBeLessThan(finals[1]!.t0);
    expect(finals[0]!.t0).toBeCloseTo(1, 0);
    expect(finals.every((s) => s.speaker === 'unlabelled')).toBe(true);
    // total decoded audio ≈ speech + pre/post roll, far less than the 8.5 s fed
    const decodedS = t.calls.reduce((a, c) => a + c.n, 0) / SAMPLE_RATE;
    expect(decodedS).toBeLessThan(3 + 2 * 0.5 + 1.5);
    expect(e.stats.latencyMs.length).toBe(2);
  });

  it('uses the speculative decode as the final when no speech follows the pause', async () => {
    const t = new FakeTranscriber(1);
    const out: SegmentOut[] = [];
    const e = new AsrEngine({ speakerMode: 'source', partials: false, partialEveryS: 2 }, t, () => new EnergyVad(), (s) => out.push(s));
    await feed(e, 'mic', silence(0.5));
    await feed(e, 'mic', tone(1.5));
    await feed(e, 'mic', silence(1), true);
    await e.flush();
    expect(out.filter((s) => s.final)).toHaveLength(1);
    expect(e.stats.decodes.speculativeUsed).toBe(1);
    expect(t.calls).toHaveLength(1); // decoded once, not twice
    expect(out[0]!.speaker).toBe('clinician');
  });

  it('labels speakers by source in telehealth and keeps the sources apart', async () => {
    const t = new FakeTranscriber(1);
    const out: SegmentOut[] = [];
    const e = new AsrEngine({ speakerMode: 'source', partials: false, partialEveryS: 2 }, t, () => new EnergyVad(), (s) => out.push(s));
    await feed(e, 'mic', tone(1));
    await feed(e, 'tab', silence(1.5));
    await feed(e, 'tab', tone(1));
    await feed(e, 'mic', silence(2));
    await feed(e, 'tab', silence(1));
    await e.flush();
    const finals = out.filter((s) => s.final);
    expect(finals.map((s) => [s.source, s.speaker])).toEqual(expect.arrayContaining([['mic', 'clinician'], ['tab', 'remote']]));
  });

  it('emits partials for long speech, then a final with the same id', async () => {
    const t = new FakeTranscriber(1);
    const out: SegmentOut[] = [];
    const e = new AsrEngine({ speakerMode: 'unlabelled', partials: true, partialEveryS: 2 }, t, () => new EnergyVad(), (s) => out.push(s));
    await feed(e, 'mic', tone(7), true);
    await feed(e, 'mic', silence(1), true);
    await e.flush();
    const partials = out.filter((s) => !s.final);
    const finals = out.filter((s) => s.final);
    expect(partials.length).toBeGreaterThanOrEqual(1);
    expect(finals).toHaveLength(1);
    expect(partials.every((p) => p.id === finals[0]!.id)).toBe(true);
  });

  it('cleans non-speech tags and maps speakers', () => {
    expect(cleanText(' [BLANK_AUDIO] ')).toBe('');
    expect(cleanText('(music) Hello there.')).toBe('Hello there.');
    expect(speakerFor('tab', 'source')).toBe('remote');
    expect(speakerFor('mic', 'unlabelled')).toBe('unlabelled');
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('AsrEngine on a slow decoder', () => {
  it('skips live partials when decodes take longer than half the partial interval', async () => {
    let clock = 0;
    const slow: Transcriber = {
      transcribe: async () => {
        clock += 1500; // each decode "takes" 1.5 s of engine clock
        return 'x';
      },
    };
    const out: SegmentOut[] = [];
    const e = new AsrEngine({ speakerMode: 'unlabelled', partials: true, partialEveryS: 2 }, slow, () => new EnergyVad(), (s) => out.push(s), () => clock);
    for (let k = 0; k < 3; k++) {
      await feed(e, 'mic', tone(6), true);
      await feed(e, 'mic', silence(1), true);
    }
    await e.flush();
    expect(out.filter((s) => s.final)).toHaveLength(3);
    expect(e.stats.decodes.partial).toBeLessThanOrEqual(1); // at most the first, before any timing was known
  });
});
