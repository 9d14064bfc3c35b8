/**
 * bench/capture: the capture stage in real Chromium with the built extension.
 * Prints JSON: capture CPU time per second of audio (whole browser, minus an idle baseline of
 * the same length), frame latency worklet → offscreen handler, and the offscreen document's JS heap.
 *   npm run bench:capture [-- --seconds 30]
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchWithExtension } from '../tests/e2e/lib/browser.ts';
import { makeClip } from '../tests/e2e/lib/clip.ts';
import { openPanel, startVisit, stopVisit, waitForSeconds, waitForState } from '../tests/e2e/lib/panel.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '30' } } });
const seconds = Number(values.seconds);
const TICK = 100; // USER_HZ

/** CPU seconds (user+sys) of this run's Chromium: the browser process with our profile and its descendants. */
function chromiumCpu(profileDir: string): number {
  const procs = new Map<number, { ppid: number; cpu: number; ours: boolean }>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      procs.set(Number(pid), { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICK, ours: cmd.includes(profileDir) });
    } catch {
      /* process went away */
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 20; hops++) {
      const e = procs.get(p);
      if (!e) return false;
      if (e.ours) return true;
      p = e.ppid;
    }
    return false;
  };
  let total = 0;
  for (const [pid, e] of procs) if (inTree(pid)) total += e.cpu;
  return total;
}

const clip = makeClip('a1-001.wav', 2, seconds);
const l = await launchWithExtension({ micWav: clip.path });
try {
  const page = await openPanel(l);
  await page.waitForTimeout(3000);
  const idle0 = chromiumCpu(l.profileDir);
  await page.waitForTimeout(seconds * 1000);
  const idleCpu = chromiumCpu(l.profileDir) - idle0;

  const c0 = chromiumCpu(l.profileDir);
  await startVisit(page, { mic: true });
  await waitForState(page, ['recording']);
  await waitForSeconds(page, 'mic', seconds, (seconds + 60) * 1000);
  const s = await stopVisit(page);
  const capCpu = chromiumCpu(l.profileDir) - c0;
  const mic = s.sources.find((x) => x.source === 'mic');
  const audioS = mic?.durationS ?? 0;
  console.log(
    JSON.stringify({
      bench: 'capture',
      audio_s: Number(audioS.toFixed(2)),
      input_sample_rate: mic?.inputSampleRate ?? null,
      frames: mic?.frames ?? 0,
      cpu_ms_per_audio_s_browser_total: Number(((capCpu / audioS) * 1000).toFixed(1)),
      cpu_ms_per_audio_s_idle_baseline: Number(((idleCpu / seconds) * 1000).toFixed(1)),
      cpu_ms_per_audio_s_capture: Number((((capCpu - idleCpu * (audioS / seconds)) / audioS) * 1000).toFixed(1)),
      cpu_ms_per_audio_s_offscreen_handler: s.cpuMsPerAudioS,
      frame_latency_ms: mic?.latencyMs ?? null,
      offscreen_js_heap_bytes: s.memoryBytes,
      note: 'CPU from /proc for this browser process tree; the ASR worker also runs during capture (model load + decoding), so the capture figure includes Whisper; cpu_ms_per_audio_s_offscreen_handler is the frame handler alone',
    }),
  );
} finally {
  await l.close();
}
