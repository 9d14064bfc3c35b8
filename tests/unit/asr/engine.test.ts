import { describe, expect, it } from 'vitest';
import { AsrEngine, assign, repeatsNeighbours, skipped, LIVE_PROBE_MAX_MS, LIVE_PROBE_MS, cleanText, pack, percentile, speakerFor, type SegmentOut, type TimedText, type Transcriber } from '../../../extension/lib/asr/engine.ts';
import { parseTimed } from '../../../extension/lib/asr/whisper.ts';
import { EnergyVad, SAMPLE_RATE } from '../../../extension/lib/asr/vad.ts';

function tone(seconds: number): Float32Array {
  const out = new Float32Array(Math.round(seconds * SAMPLE_RATE));
  for (let i = 0; i < out.length; i++) out[i] = 0.3 * Math.sin((2 * Math.PI * 220 * i) / SAMPLE_RATE);
  return out;
}
const silence = (s: number) => new Float32Array(Math.round(s * SAMPLE_RATE));

/**
 * fake decoder: live text = utterance length in tenths of a second; a window gives one timed piece
 * per run of non-silent audio ("w<start tenths>"), like Whisper's timestamps; takes `ms` per call
 */
class FakeTranscriber implements Transcriber {
  calls: { n: number; kind: string }[] = [];
  constructor(private readonly ms = 5) {}
  async transcribe(audio: Float32Array, kind: 'final' | 'partial'): Promise<string> {
    this.calls.push({ n: audio.length, kind });
    await new Promise((r) => setTimeout(r, this.ms));
    return `len ${Math.round(audio.length / 1600)}`;
  }
  async transcribeTimed(audio: Float32Array): Promise<TimedText[]> {
    this.calls.push({ n: audio.length, kind: 'window' });
    await new Promise((r) => setTimeout(r, this.ms));
    const out: TimedText[] = [];
    let start = -1;
    for (let i = 0; i <= audio.length; i += 160) {
      const loud = i < audio.length && Math.abs(audio[i] ?? 0) + Math.abs(audio[i + 40] ?? 0) > 0.01;
      if (loud && start < 0) start = i;
      if (!loud && start >= 0) {
        out.push({ start: start / SAMPLE_RATE, end: i / SAMPLE_RATE, text: `w${Math.round(start / 1600)}` });
        start = -1;
      }
    }
    return out;
  }
}

async function feed(engine: AsrEngine, source: 'mic' | 'tab', audio: Float32Array, realtime = false): Promise<void> {
  for (let i = 0; i < audio.length; i += 1600) {
    await engine.push(source, audio.slice(i, i + 1600));
    if (realtime) await new Promise((r) => setTimeout(r, 2));
  }
}

/** three 1.5 s utterances, 0.8 s apart, packed into one window by `t`; returns the engine and everything it emitted */
async function threeUtterances(t: Transcriber): Promise<{ e: AsrEngine; out: SegmentOut[] }> {
  const out: SegmentOut[] = [];
  const e = new AsrEngine({ speakerMode: 'unlabelled', partials: false, partialEveryS: 2, windowPauseMs: 3000, windowClose: 'pause' }, t, () => new EnergyVad(), (s) => out.push(s));
  for (let k = 0; k < 3; k++) {
    await feed(e, 'mic', tone(1.5));
    await feed(e, 'mic', silence(0.8));
  }
  await feed(e, 'mic', silence(4));
  await e.flush();
  return { e, out };
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
    expect(finals.every((s) => s.text.startsWith('w'))).toBe(true);
    // total decoded audio ≈ speech + pre/post roll, far less than the 8.5 s fed
    const decodedS = t.calls.filter((c) => c.kind === 'window').reduce((a, c) => a + c.n, 0) / SAMPLE_RATE;
    expect(decodedS).toBeLessThan(3 + 2 * 0.5 + 1.5);
    expect(e.stats.latencyMs.length).toBe(2);
  });

  it('counts apart the first text of utterances still without text when the visit stopped (textLatencyAtStopMs)', async () => {
    const e = new AsrEngine({ speakerMode: 'unlabelled', partials: false, partialEveryS: 2, windowPauseMs: 1000 }, new FakeTranscriber(), () => new EnergyVad(), () => undefined);
    await feed(e, 'mic', tone(2), true);
    await feed(e, 'mic', silence(2), true); // the window closes on the pause and is decoded while recording
    await new Promise((r) => setTimeout(r, 50));
    expect(e.stats.textLatencyMs).toHaveLength(1);
    await feed(e, 'mic', tone(2), true); // still speaking when the visit stops
    await e.flush();
    expect(e.stats.textLatencyMs).toHaveLength(2);
    expect(e.stats.textLatencyAtStopMs).toHaveLength(1);
    expect(e.stats.textLatencyMs).toContain(e.stats.textLatencyAtStopMs[0]);
  });

  it("repairs misheard drug names (loosely only with the model's word test), a glued clinical term and a misheard temp in the final text by default, and not when drugNames is false", async () => {
    class Says extends FakeTranscriber {
      override async transcribeTimed(audio: Float32Array): Promise<TimedText[]> {
        return (await super.transcribeTimed(audio)).map((x) => ({ ...x, text: 'I take met for min 500 milligrams and alacro 180 mg.' }));
      }
    }
    class SaysAndKnowsWords extends Says {
      isCommonWord(w: string): boolean {
        return ['i', 'take', 'and'].includes(w);
      }
    }
    const run = async (t: Transcriber, drugNames?: boolean) => {
      const out: SegmentOut[] = [];
      const e = new AsrEngine({ speakerMode: 'unlabelled', partials: false, partialEveryS: 2, ...(drugNames === undefined ? {} : { drugNames }) }, t, () => new EnergyVad(), (s) => out.push(s));
      await feed(e, 'mic', tone(2));
      await feed(e, 'mic', silence(3));
      await e.flush();
      return out.filter((s) => s.final).map((s) => s.text);
    };
    expect(await run(new Says())).toEqual(['I take metformin 500 milligrams and alacro 180 mg.']);
    expect(await run(new SaysAndKnowsWords())).toEqual(['I take metformin 500 milligrams and allegra 180 mg.']);
    expect(await run(new SaysAndKnowsWords(), false)).toEqual(['I take met for min 500 milligrams and alacro 180 mg.']);

    class ReadsVitals extends FakeTranscriber {
      override async transcribeTimed(audio: Float32Array): Promise<TimedText[]> {
        return (await super.transcribeTimed(audio)).map((x) => ({ ...x, text: 'Heart rate 71, 10 98, oxygen saturation 96%.' }));
      }
    }
    expect(await run(new ReadsVitals())).toEqual(['Heart rate 71, temp 98, oxygen saturation 96%.']);
    expect(await run(new ReadsVitals(), false)).toEqual(['Heart rate 71, 10 98, oxygen saturation 96%.']);

    class GluesATerm extends FakeTranscriber {
      override async transcribeTimed(audio: Float32Array): Promise<TimedText[]> {
        return (await super.transcribeTimed(audio)).map((x) => ({ ...x, text: 'I think this is proxysmolatrial fibrillation.' }));
      }
      isCommonWord(w: string): boolean {
        return ['i', 'think', 'this', 'is'].includes(w);
      }
    }
    expect(await run(new GluesATerm())).toEqual(['I think this is paroxysmal atrial fibrillation.']);
    expect(await run(new GluesATerm(), false)).toEqual(['I think this is proxysmolatrial fibrillation.']);
  });

  it('packs consecutive utterances into one window decode, and splits the text back per utterance', async () => {
    const t = new FakeTranscriber(1);
    const out: SegmentOut[] = [];
    const e = new AsrEngine({ speakerMode: 'source', partials: false, partialEveryS: 2, windowPauseMs: 3000, windowClose: 'pause' }, t, () => new EnergyVad(), (s) => out.push(s));
    await feed(e, 'mic', silence(0.5));
    for (let k = 0; k < 4; k++) {
      await feed(e, 'mic', tone(1.5));
      await feed(e, 'mic', silence(0.8));
    }
    await feed(e, 'mic', silence(4));
    await e.flush();
    const finals = out.filter((s) => s.final);
    expect(finals).toHaveLength(4);
    expect(t.calls.filter((c) => c.kind === 'window')).toHaveLength(1); // one encoder pass for 4 utterances
    expect(new Set(finals.map((s) => s.text)).size).toBe(4); // each got its own piece
    expect(finals.every((s, i) => i === 0 || s.t0 > finals[i - 1]!.t0)).toBe(true);
    expect(out[0]!.speaker).toBe('clinician');
  });

  it('carries utterances after the point where the decode stopped into the next window', async () => {
    const calls: number[] = [];
    // like Whisper's "seek": text only for the first second of each window
    const t: Transcriber = {
      transcribe: async () => 'x',
      transcribeTimed: async (audio) => {
        calls.push(audio.length);
        return [{ start: 0, end: 1, text: `piece${calls.length}` }];
      },
    };
    const out: SegmentOut[] = [];
    const e = new AsrEngine({ speakerMode: 'unlabelled', partials: false, partialEveryS: 2, windowPauseMs: 5000, windowClose: 'pause' }, t, () => new EnergyVad(), (s) => out.push(s));
    await feed(e, 'mic', tone(1));
    await feed(e, 'mic', silence(0.8));
    await feed(e, 'mic', tone(1));
    await feed(e, 'mic', silence(1));
    await e.flush();
    expect(calls.length).toBe(2); // the second utterance was decoded again, in a window of its own
    expect(e.stats.decodes.carried).toBe(1);
    expect(out.filter((s) => s.final).map((s) => s.text)).toEqual(['piece1', 'piece2']);
  });

  it('decodes again, on its own, an utterance the window decode skipped, and keeps the finals in order', async () => {
    const calls: string[] = [];
    // like Whisper skipping a short turn in a packed window: timed text over every run of audio but the second
    class Skips extends FakeTranscriber {
      override async transcribe(audio: Float32Array, kind: 'final' | 'partial'): Promise<string> {
        calls.push(kind);
        return kind === 'final' ? 'Where should the pharmacy ship this?' : super.transcribe(audio, kind);
      }
      override async transcribeTimed(audio: Float32Array): Promise<TimedText[]> {
        calls.push('window');
        const all = await super.transcribeTimed(audio);
        return all.filter((_, i) => i !== 1).map((x, i) => ({ ...x, text: `piece ${i}.` }));
      }
    }
    const { e, out } = await threeUtterances(new Skips(1));
    const finals = out.filter((s) => s.final);
    expect(calls).toEqual(['window', 'final']); // one window, then the skipped utterance alone
    expect(e.stats.decodes.recovered).toBe(1);
    expect(finals.map((s) => s.text)).toEqual(['piece 0.', 'Where should the pharmacy ship this?', 'piece 1.']);
    expect(finals.every((s, i) => i === 0 || s.t0 > finals[i - 1]!.t0)).toBe(true);
  });

  it('decodes again each utterance under a timed piece that left one of them almost without words', async () => {
    const calls: string[] = [];
    class Sparse extends FakeTranscriber {
      override async transcribe(audio: Float32Array, kind: 'final' | 'partial'): Promise<string> {
        calls.push(kind);
        return `alone ${Math.round(audio.length / SAMPLE_RATE)} s of speech here.`;
      }
      override async transcribeTimed(audio: Float32Array): Promise<TimedText[]> {
        calls.push('window');
        const all = await super.transcribeTimed(audio);
        // one piece over all three utterances, with words for the first and last only
        return [{ start: all[0]!.start, end: all.at(-1)!.end, text: 'Okay then. How long before I feel better?' }];
      }
    }
    const out: SegmentOut[] = [];
    const e = new AsrEngine({ speakerMode: 'unlabelled', partials: false, partialEveryS: 2, windowPauseMs: 3000, windowClose: 'pause' }, new Sparse(1), () => new EnergyVad(), (s) => out.push(s));
    await feed(e, 'mic', tone(1.2));
    await feed(e, 'mic', silence(0.8));
    await feed(e, 'mic', tone(8));
    await feed(e, 'mic', silence(0.8));
    await feed(e, 'mic', tone(2));
    await feed(e, 'mic', silence(4));
    await e.flush();
    expect(calls).toEqual(['window', 'final', 'final', 'final']);
    expect(e.stats.decodes.recovered).toBe(3);
    const finals = out.filter((s) => s.final);
    expect(finals).toHaveLength(3);
    expect(finals.every((s) => s.text.startsWith('alone'))).toBe(true);
    expect(finals.every((s, i) => i === 0 || s.t0 > finals[i - 1]!.t0)).toBe(true);
  });

  it('drops a re-decoded utterance that only repeats the text a neighbour already got', async () => {
    class Skips extends FakeTranscriber {
      override async transcribe(): Promise<string> {
        return 'The second one.';
      }
      override async transcribeTimed(audio: Float32Array): Promise<TimedText[]> {
        const all = await super.transcribeTimed(audio);
        // the second utterance's words came back inside the first one's timed piece
        return [{ ...all[0]!, text: 'The first one. The second one.' }, { ...all[2]!, text: 'The third one.' }];
      }
    }
    const { e, out } = await threeUtterances(new Skips(1));
    expect(e.stats.decodes.recovered).toBe(1);
    expect(out.filter((s) => s.final).map((s) => s.text)).toEqual(['The first one. The second one.', 'The third one.']);
  });

  it('skipped(): utterances with no text and at least RECOVER_MIN_S long, and sparse ones with the utterances sharing their piece', () => {
    const spans: [number, number][] = [[0, 2], [2.3, 4], [4.3, 4.6], [5, 7]];
    const pieces: TimedText[] = [{ start: 0, end: 2, text: 'a' }, { start: 5, end: 7, text: 'd' }];
    expect(skipped(pieces, spans, [2, 1.7, 0.3, 2], ['a', '', '', 'd'])).toEqual([{ i: 1, mode: 'fill' }]);
    // a piece reaching into the span whose words all went to the neighbour: decoded again too (repeatsNeighbours decides)
    expect(skipped([{ start: 0, end: 2.6, text: 'a b' }, pieces[1]!], spans, [2, 1.7, 0.3, 2], ['a b', '', '', 'd'])).toEqual([{ i: 1, mode: 'fill' }]);
    // one piece over three utterances whose 8 s middle got 2 words: all three are decoded again; the fourth is left alone
    const long: [number, number][] = [[0, 1], [1.3, 9.3], [9.6, 11.6], [12, 14]];
    const over: TimedText[] = [{ start: 0, end: 11.6, text: 'Okay. How long before I feel better?' }, { start: 12, end: 14, text: 'Fine then, see you.' }];
    expect(skipped(over, long, [1, 8, 2, 2], ['Okay.', 'How long', 'before I feel better?', 'Fine then, see you.'])).toEqual([
      { i: 0, mode: 'replace' },
      { i: 1, mode: 'replace' },
      { i: 2, mode: 'replace' },
    ]);
    // ordinary speech density (≥ 0.6 words/s) is never redone
    expect(skipped(over, long, [1, 8, 2, 2], ['Okay.', 'one two three four five', 'before I feel better?', 'Fine then, see you.'])).toEqual([]);
    expect(repeatsNeighbours('The second one.', ['The first one. The second one.', ''])).toBe(true);
    expect(repeatsNeighbours('Where should the pharmacy ship this?', ['Do you need the card?', 'Send it to the one on Main.'])).toBe(false);
    expect(repeatsNeighbours('', ['x'])).toBe(true);
  });

  it('closes a window when it fills', async () => {
    const t = new FakeTranscriber(1);
    const out: SegmentOut[] = [];
    const e = new AsrEngine({ speakerMode: 'unlabelled', partials: false, partialEveryS: 2, windowS: 6, windowPauseMs: 5000, windowClose: 'pause' }, t, () => new EnergyVad(), (s) => out.push(s));
    for (let k = 0; k < 6; k++) {
      await feed(e, 'mic', tone(1.5));
      await feed(e, 'mic', silence(0.7));
    }
    await e.flush();
    const windows = t.calls.filter((c) => c.kind === 'window');
    expect(out.filter((s) => s.final)).toHaveLength(6);
    expect(windows.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...windows.map((c) => c.n))).toBeLessThanOrEqual(6 * SAMPLE_RATE);
  });

  it('packs with short gaps and assigns timed text by overlap', () => {
    const u = (start: number, len: number) => ({ startSample: start, speechStart: start, speechEnd: start + len, audio: new Float32Array(len).fill(0.5), capped: false });
    const { audio, spans } = pack([u(0, 16000), u(48000, 8000)], 0.3);
    expect(audio.length).toBe(16000 + 4800 + 8000);
    expect(spans[1]![0]).toBeCloseTo(1.3, 5);
    expect(assign([{ start: 0, end: 1.1, text: 'a' }, { start: 1.2, end: 1.8, text: 'b' }, { start: 1.9, end: 2.2, text: 'c' }], spans)).toEqual(['a', 'b c']);
    expect(assign([], spans)).toEqual(['', '']);
    // one piece over both utterances: split by overlap time, at the sentence end
    expect(assign([{ start: 0, end: 1.8, text: 'Hello there. How are you?' }], spans)).toEqual(['Hello there.', 'How are you?']);
  });

  it('parses timestamp tokens into timed text', () => {
    const dec = (ids: number[]) => ids.map((i) => String.fromCharCode(96 + i)).join('');
    const B = 1000;
    // <0.00> a b <1.00><1.00> c <2.00> eot
    expect(parseTimed([B, 1, 2, B + 50, B + 50, 3, B + 100, 900], B, 900, 3, dec)).toEqual([
      { start: 0, end: 1, text: 'ab' },
      { start: 1, end: 2, text: 'c' },
    ]);
    // cut by max_new_tokens: the open piece ends at the end of the audio
    expect(parseTimed([B, 1, B + 50, 2], B, 900, 3, dec)).toEqual([
      { start: 0, end: 1, text: 'a' },
      { start: 1, end: 3, text: 'b' },
    ]);
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

  it("windowPauseScope 'conversation': turn-taking between two sources does not close a window at every turn", async () => {
    // mic and tab fed side by side in 100 ms chunks on one clock: mic 1.6 s, tab 2 s, … 4 turns each,
    // so each source alone is silent ≥ 1.8 s between its turns, the conversation never 1.5 s
    const run = async (scope: 'track' | 'conversation') => {
      const t = new FakeTranscriber(1);
      const out: SegmentOut[] = [];
      let now = 0;
      const e = new AsrEngine({ speakerMode: 'source', partials: false, partialEveryS: 2, windowPauseMs: 1500, windowMaxWaitS: 60, windowPauseScope: scope, windowClose: 'pause' }, t, () => new EnergyVad(), (s) => out.push(s), () => now);
      const mic: Float32Array[] = [];
      const tab: Float32Array[] = [];
      for (let k = 0; k < 4; k++) {
        mic.push(tone(1.6), silence(2.2));
        tab.push(silence(1.7), tone(2), silence(0.1));
      }
      mic.push(silence(4));
      tab.push(silence(4));
      const cat = (xs: Float32Array[]) => {
        const all = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
        let o = 0;
        for (const x of xs) {
          all.set(x, o);
          o += x.length;
        }
        return all;
      };
      const [m, b] = [cat(mic), cat(tab)];
      for (let i = 0; i < Math.max(m.length, b.length); i += 1600) {
        await e.push('mic', m.slice(i, i + 1600));
        await e.push('tab', b.slice(i, i + 1600));
        now += 100;
      }
      await e.flush();
      return { windows: t.calls.filter((c) => c.kind === 'window').length, finals: out.filter((s) => s.final) };
    };
    const track = await run('track');
    const conv = await run('conversation');
    expect(track.windows).toBe(8); // every turn decoded alone
    expect(conv.windows).toBe(2); // one window per source
    expect(conv.finals.filter((s) => s.source === 'mic')).toHaveLength(4);
    expect(conv.finals.filter((s) => s.source === 'tab')).toHaveLength(4);
    expect(conv.finals.every((s) => s.speaker === (s.source === 'mic' ? 'clinician' : 'remote'))).toBe(true);
  });

  it("windowClose 'idle': a free decoder decodes each utterance as soon as it ends, without waiting for a pause ('pause', the default, waits)", async () => {
    const t = new FakeTranscriber(1);
    const out: SegmentOut[] = [];
    // a 30 s pause rule and a 60 s wait bound: only the idle rule can close these windows
    const e = new AsrEngine({ speakerMode: 'unlabelled', partials: false, partialEveryS: 2, windowPauseMs: 30_000, windowMaxWaitS: 60, windowClose: 'idle' }, t, () => new EnergyVad(), (s) => out.push(s));
    for (let k = 0; k < 3; k++) {
      await feed(e, 'mic', tone(1.5));
      await feed(e, 'mic', silence(0.8));
      await new Promise((r) => setTimeout(r, 20)); // the decode (1 ms) finishes while the speaker draws breath
      expect(out.filter((s) => s.final)).toHaveLength(k + 1); // this utterance's final is out before the next one starts
    }
    expect(t.calls.filter((c) => c.kind === 'window')).toHaveLength(3); // one decode per utterance
    const pause = new FakeTranscriber(1);
    const held: SegmentOut[] = [];
    const p = new AsrEngine({ speakerMode: 'unlabelled', partials: false, partialEveryS: 2, windowPauseMs: 30_000, windowMaxWaitS: 60 }, pause, () => new EnergyVad(), (s) => held.push(s));
    await feed(p, 'mic', tone(1.5));
    await feed(p, 'mic', silence(0.8));
    await new Promise((r) => setTimeout(r, 20));
    expect(held).toHaveLength(0); // 'pause' waits for its pause rule
    await p.flush();
    expect(held.filter((s) => s.final)).toHaveLength(1);
  });

  it("windowClose 'idle' with windowIdlePauseMs: a free decoder still waits for that much silence after the source's last utterance", async () => {
    const t = new FakeTranscriber(1);
    const out: SegmentOut[] = [];
    const e = new AsrEngine({ speakerMode: 'unlabelled', partials: false, partialEveryS: 2, windowPauseMs: 30_000, windowMaxWaitS: 60, windowClose: 'idle', windowIdlePauseMs: 1000 }, t, () => new EnergyVad(), (s) => out.push(s));
    await feed(e, 'mic', tone(1.5));
    await feed(e, 'mic', silence(0.8)); // the VAD has closed the utterance; 0.8 s < 1 s of pause
    await new Promise((r) => setTimeout(r, 20));
    expect(out).toHaveLength(0);
    await feed(e, 'mic', tone(1.5)); // the speaker goes on: both utterances wait together
    await feed(e, 'mic', silence(1.5));
    await new Promise((r) => setTimeout(r, 20));
    expect(out.filter((s) => s.final)).toHaveLength(2);
    expect(t.calls.filter((c) => c.kind === 'window')).toHaveLength(1);
  });

  it("windowClose 'idle': utterances that end while the decoder is busy pack into the next window", async () => {
    // each decode takes 3 s of speech time: the 2nd-4th utterances end during the first decode
    let release: (() => void) | null = null;
    const calls: number[] = [];
    const t: Transcriber = {
      transcribe: async () => 'x',
      transcribeTimed: async (audio) => {
        calls.push(audio.length);
        await new Promise<void>((r) => (release = r));
        return [{ start: 0, end: audio.length / SAMPLE_RATE, text: `window${calls.length}` }];
      },
    };
    const out: SegmentOut[] = [];
    const e = new AsrEngine({ speakerMode: 'unlabelled', partials: false, partialEveryS: 2, windowClose: 'idle' }, t, () => new EnergyVad(), (s) => out.push(s));
    for (let k = 0; k < 4; k++) {
      await feed(e, 'mic', tone(1.5));
      await feed(e, 'mic', silence(0.8));
    }
    expect(calls).toHaveLength(1); // the first utterance, alone, as soon as it ended
    const r1 = release as (() => void) | null;
    r1?.();
    await new Promise((r) => setTimeout(r, 5));
    expect(calls).toHaveLength(2); // then the three that ended meanwhile, in one window
    expect(calls[1]).toBeGreaterThan(3 * 1.5 * SAMPLE_RATE);
    const r2 = release as (() => void) | null;
    r2?.();
    await e.flush();
    expect(out.filter((s) => s.final)).toHaveLength(4);
    expect(e.stats.decodes.utterances).toBe(4);
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

/**
 * An engine on a fake clock that only its decoder moves: each call advances it by
 * `cost(kind, live)` ms, `live` = live (partial-kind) decodes so far, this one included; `c.liveEnds`
 * holds the clock at the end of each live decode.
 */
function clockedEngine(cost: (kind: 'window' | 'final' | 'partial', live: number) => number, onSegment: (s: SegmentOut) => void = () => undefined) {
  const c = { now: 0, live: 0, liveEnds: [] as number[] };
  const t: Transcriber = {
    transcribe: async (_audio, kind) => {
      if (kind === 'partial') c.live++;
      c.now += cost(kind, c.live);
      if (kind === 'partial') c.liveEnds.push(c.now);
      return 'x';
    },
    transcribeTimed: async () => {
      c.now += cost('window', c.live);
      return [{ start: 0, end: 30, text: 'x' }];
    },
  };
  const e = new AsrEngine({ speakerMode: 'unlabelled', partials: true, partialEveryS: 2 }, t, () => new EnergyVad(), onSegment, () => c.now);
  return { e, c };
}

describe('AsrEngine on a slow decoder', () => {
  it('drafts an utterance that closed while a window was decoding before the next window (pause-closed windows)', async () => {
    const calls: string[] = [];
    const t: Transcriber = {
      transcribe: async () => {
        calls.push('draft');
        return 'draft text';
      },
      transcribeTimed: async (audio) => {
        calls.push('window');
        await new Promise((r) => setTimeout(r, 400)); // a window decode outlasts the next utterance and its pause
        return [{ start: 0, end: audio.length / SAMPLE_RATE, text: 'final text' }];
      },
    };
    const out: SegmentOut[] = [];
    const e = new AsrEngine({ speakerMode: 'unlabelled', partials: true, partialEveryS: 30, windowClose: 'pause' }, t, () => new EnergyVad(), (s) => out.push(s));
    await feed(e, 'mic', tone(1.5), true);
    await feed(e, 'mic', silence(2.5), true); // window 1 closes on the pause and starts decoding
    await feed(e, 'mic', tone(1.5), true);
    await feed(e, 'mic', silence(2.5), true); // window 2 queues behind it
    await new Promise((r) => setTimeout(r, 1500)); // both windows decode before the visit stops (a flush drafts nothing)
    await e.flush();
    const second = calls.indexOf('window', calls.indexOf('window') + 1);
    expect(second).toBeGreaterThan(0);
    // the second utterance's draft ran between the two windows
    expect(calls.slice(calls.indexOf('window') + 1, second)).toContain('draft');
    expect(out.filter((s) => s.final).map((s) => s.text)).toEqual(['final text', 'final text']);
  });

  it('skips live partials when decodes take longer than half the partial interval', async () => {
    const out: SegmentOut[] = [];
    const { e, c } = clockedEngine(() => 1500, (s) => out.push(s)); // each decode "takes" 1.5 s of engine clock
    for (let k = 0; k < 3; k++) {
      await feed(e, 'mic', tone(6), true);
      await feed(e, 'mic', silence(1), true);
    }
    await e.flush();
    expect(e.stats.decodes.utterances).toBe(3); // every utterance reached a final decode
    expect(out.filter((s) => s.final).length).toBeGreaterThanOrEqual(1);
    // live decodes stop once their times are known to be too slow: the first 3, and a probe at most every 10 s
    expect(e.stats.decodes.partial + e.stats.decodes.draft).toBeLessThanOrEqual(3 + Math.ceil(c.now / 10_000));
    const before = e.stats.decodes.partial + e.stats.decodes.draft;
    // the load passes: after the probe interval (at most LIVE_PROBE_MAX_MS) a probe decode runs, and live text comes back
    c.now += LIVE_PROBE_MAX_MS;
    await feed(e, 'mic', tone(6), true);
    await feed(e, 'mic', silence(1), true);
    expect(e.stats.decodes.partial + e.stats.decodes.draft).toBeGreaterThan(before);
  });

  it('keeps live text on after one slow live decode (the median of the last 3 decides, not the mean)', async () => {
    // the third live decode is a spike; the others are cheap
    const { e, c } = clockedEngine((kind, live) => (kind === 'partial' && live === 3 ? 3500 : 400));
    for (let k = 0; k < 8; k++) {
      await feed(e, 'mic', tone(3), true);
      await feed(e, 'mic', silence(1), true);
    }
    await e.flush();
    // the engine clock moves only with decodes (under 20 s here), so live text switched off after the
    // spike would not have been probed again: 3 live decodes in all
    expect(c.now).toBeLessThan(LIVE_PROBE_MS * 2);
    expect(c.live).toBeGreaterThanOrEqual(10);
  });

  it('probes live text 10 s after it went off, then backs off only after a probe that was still too slow', async () => {
    // live decodes cheap at first, then too slow for good; finals cost no engine time
    const { e, c } = clockedEngine((kind, live) => (kind !== 'partial' ? 0 : live <= 4 ? 400 : 3000));
    const utterance = async () => {
      await feed(e, 'mic', tone(3), true);
      await feed(e, 'mic', silence(1), true);
    };
    for (let k = 0; k < 12 && c.live < 6; k++) await utterance();
    // 4 cheap decodes, then 2 slow ones: the median of the last 3 is slow, live text is off
    expect(c.live).toBe(6);
    await utterance();
    expect(c.live).toBe(6);
    // 10 s after the last live decode, one probe runs (still slow)
    c.now = (c.liveEnds.at(-1) ?? 0) + LIVE_PROBE_MS;
    await utterance();
    expect(c.live).toBe(7);
    // that probe was too slow: the next waits 20 s
    c.now = (c.liveEnds.at(-1) ?? 0) + LIVE_PROBE_MS;
    await utterance();
    expect(c.live).toBe(7);
    c.now = (c.liveEnds.at(-1) ?? 0) + 2 * LIVE_PROBE_MS;
    await utterance();
    expect(c.live).toBe(8);
    await e.flush();
  });

  it('backs off its live probes while the decoder stays too slow (10 s, 20 s, 40 s, then every 80 s)', async () => {
    const { e, c } = clockedEngine(() => 15_000);
    for (let k = 0; k < 40; k++) {
      await feed(e, 'mic', tone(6), true);
      await feed(e, 'mic', silence(2), true);
    }
    await e.flush();
    const live = e.stats.decodes.partial + e.stats.decodes.draft;
    expect(c.now).toBeGreaterThan(400_000);
    // the 3 that measure the decoder, the ramp (10 + 20 + 40 s), then one per 80 s at most
    expect(live).toBeLessThanOrEqual(3 + 3 + Math.ceil(c.now / LIVE_PROBE_MAX_MS));
    // a fixed 10 s probe would have run about clock / 10 s of them
    expect(live).toBeLessThan(c.now / LIVE_PROBE_MS / 3);
  });
});
