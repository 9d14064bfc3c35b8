/**
 * Run the note API on loopback with `wrangler dev` (workerd underneath; or, for bench/api, the
 * workerd binary alone) and capture its logs.
 * For the e2e harness, the demo and bench/api.ts:
 *
 *   const api = await startApi({ port: 0 });        // env 'dev', extractor provider
 *   await fetch(`${api.url}/v1/notes`, { ... Authorization: `Bearer ${api.token}` ... });
 *   api.logs();                                      // every line wrangler/workerd printed
 *   api.records();                                   // the worker's JSON log records only
 *   await api.stop();
 *
 * The DEV token is public and only valid in the dev/bench environments of worker/wrangler.toml.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEV_TOKEN = 'dev-local-token-not-secret';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export interface StartApiOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** wrangler.toml environment: 'dev' (rate limit 600/min) or 'bench' (practically unlimited). */
  env?: 'dev' | 'bench';
  /** Extra vars, passed as `--var KEY:VALUE` (e.g. PROVIDER, OPENAI_BASE_URL, ALLOWED_ORIGINS). */
  vars?: Record<string, string>;
  /** Milliseconds to wait for /v1/health (default 90 s: the first start bundles with esbuild). */
  readyTimeoutMs?: number;
  /**
   * true (default): bundle once (`wrangler deploy --dry-run --outdir`) and serve that bundle with
   * `--no-bundle`, so edits to the source tree (other people's too) cannot reload the server in
   * the middle of a test or a load run. false: `wrangler dev` on the sources, with live reload.
   */
  frozen?: boolean;
  /**
   * 'wrangler' (default): `wrangler dev`, i.e. Miniflare's workerd behind wrangler's dev proxy
   * (a second workerd process). 'workerd': the same frozen bundle served by the workerd binary
   * itself, one process, configured from the same wrangler.toml environment (vars and the rate
   * limiter, which uses Miniflare's own in-memory module). Bench only: it shows what the runtime
   * does without the dev tooling in front of it.
   */
  runtime?: 'wrangler' | 'workerd';
}

export interface RunningApi {
  url: string;
  port: number;
  token: string;
  /** All stdout/stderr lines so far (wrangler's own lines included). */
  logs: () => string[];
  /** The worker's structured log records (JSON lines) so far. */
  records: () => Array<Record<string, unknown>>;
  /** Pids of wrangler and its descendants (workerd among them). */
  pids: () => number[];
  /** Resident memory (kB) of the workerd processes of this server, summed. */
  workerdRssKb: () => number;
  stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => resolvePort(p));
    });
  });
}

function children(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const txt = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (txt) out.push(...txt.split(/\s+/).map(Number));
    }
  } catch {
    // process gone
  }
  return out;
}

function descendants(pid: number): number[] {
  const all: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (const c of children(p)) {
      all.push(c);
      queue.push(c);
    }
  }
  return all;
}

function procName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const WRANGLER = join(ROOT, 'node_modules/wrangler/bin/wrangler.js');
const WRANGLER_ENV = { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1', FORCE_COLOR: '0', CI: '1' };

/** Bundle the worker once into `dir/dist` (index.js). */
function bundle(dir: string, env: string): string {
  const out = join(dir, 'dist');
  const r = spawnSync(process.execPath, [WRANGLER, 'deploy', '--dry-run', '--outdir', out, '-c', join(ROOT, 'worker/wrangler.toml'), '--env', env], {
    cwd: ROOT,
    env: WRANGLER_ENV,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`bundling the worker failed:\n${(r.stderr || r.stdout || '').slice(-2000)}`);
  return out;
}

/** Bundle the worker once into `dir` and write a wrangler.toml that serves that bundle as is. */
function freeze(dir: string, env: string): string {
  const out = bundle(dir, env);
  const toml = readFileSync(join(ROOT, 'worker/wrangler.toml'), 'utf8').replace(
    /^main = .*$/m,
    `main = ${JSON.stringify(join(out, 'index.js'))}\nno_bundle = true`,
  );
  const cfg = join(dir, 'wrangler.toml');
  writeFileSync(cfg, toml);
  return cfg;
}

/** Where wrangler's own runtime pieces are: the workerd binary and Miniflare's rate-limit module. */
function runtimeParts(): { workerd: string; ratelimitModule: string } {
  const fromWrangler = createRequire(join(ROOT, 'node_modules/wrangler/package.json'));
  const miniflareMain = fromWrangler.resolve('miniflare');
  const fromMiniflare = createRequire(miniflareMain);
  const wd = fromMiniflare('workerd') as { default?: string };
  const workerd = typeof wd.default === 'string' ? wd.default : '';
  // miniflare's main is dist/src/index.js; its bundled service workers sit beside it
  const ratelimitModule = join(dirname(miniflareMain), 'workers/ratelimit/ratelimit.worker.js');
  if (!workerd || !existsSync(workerd)) throw new Error('workerd binary not found (it comes with wrangler: run npm install)');
  if (!existsSync(ratelimitModule)) throw new Error(`Miniflare's rate-limit module not found at ${ratelimitModule} (wrangler version changed?)`);
  return { workerd, ratelimitModule };
}

/**
 * A workerd config (Cap'n Proto text) serving the frozen bundle in `dir/dist` with the vars and
 * rate limiters of `env` in worker/wrangler.toml, read by wrangler's own config reader.
 */
async function workerdConfig(dir: string, env: string, port: number, vars: Record<string, string>, ratelimitModule: string): Promise<string> {
  const { unstable_readConfig } = (await import('wrangler')) as {
    unstable_readConfig: (a: { config: string; env: string }) => {
      vars: Record<string, unknown>;
      ratelimits?: Array<{ name: string; simple: { limit: number; period: number } }>;
      compatibility_date?: string;
      compatibility_flags?: string[];
    };
  };
  const cfg = unstable_readConfig({ config: join(ROOT, 'worker/wrangler.toml'), env });
  const q = (v: string) => JSON.stringify(v); // a JSON string is a valid Cap'n Proto text literal
  const bindings: string[] = [];
  for (const [k, v] of Object.entries({ ...cfg.vars, ...vars })) {
    bindings.push(`(name = ${q(k)}, ${typeof v === 'string' ? `text = ${q(v)}` : `json = ${q(JSON.stringify(v))}`})`);
  }
  for (const rl of cfg.ratelimits ?? []) {
    const inner = [`(name = "namespaceId", json = ${q(JSON.stringify(rl.name))})`, `(name = "limit", json = ${q(String(rl.simple.limit))})`, `(name = "period", json = ${q(String(rl.simple.period))})`];
    bindings.push(`(name = ${q(rl.name)}, wrapped = (moduleName = "cloudflare-internal:ratelimit:module", innerBindings = [${inner.join(', ')}]))`);
  }
  copyFileSync(ratelimitModule, join(dir, 'ratelimit.worker.js'));
  const flags = (cfg.compatibility_flags ?? []).map(q).join(', ');
  const capnp = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = (
    modules = [ (name = "index.js", esModule = embed "dist/index.js") ],
    compatibilityDate = ${q(cfg.compatibility_date ?? '2026-04-01')},
    compatibilityFlags = [ ${flags} ],
    bindings = [ ${bindings.join(',\n      ')} ],
  )) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
  extensions = [ (modules = [ (name = "cloudflare-internal:ratelimit:module", esModule = embed "ratelimit.worker.js", internal = true) ]) ],
);
`;
  const file = join(dir, 'workerd.capnp');
  writeFileSync(file, capnp);
  return file;
}

export async function startApi(opts: StartApiOptions = {}): Promise<RunningApi> {
  const port = opts.port && opts.port > 0 ? opts.port : await freePort();
  const persist = mkdtempSync(join(tmpdir(), 'scribe-api-'));
  const env = opts.env ?? 'dev';
  const runtime = opts.runtime ?? 'wrangler';
  let config = join(ROOT, 'worker/wrangler.toml');
  let command: string = process.execPath;
  let args: string[];
  try {
    if (runtime === 'workerd') {
      if (opts.frozen === false) throw new Error("runtime 'workerd' serves the frozen bundle: frozen must not be false");
      const parts = runtimeParts();
      bundle(persist, env);
      command = parts.workerd;
      args = ['serve', await workerdConfig(persist, env, port, opts.vars ?? {}, parts.ratelimitModule)];
    } else {
      if (opts.frozen ?? true) config = freeze(persist, env);
      args = await wranglerArgs(config, env, port, persist, opts.vars ?? {});
    }
  } catch (e) {
    rmSync(persist, { recursive: true, force: true });
    throw e;
  }
  return run(command, args, port, persist, opts.readyTimeoutMs ?? 90_000, runtime);
}

async function wranglerArgs(config: string, env: string, port: number, persist: string, vars: Record<string, string>): Promise<string[]> {
  const args = [
    WRANGLER,
    'dev',
    '-c',
    config,
    '--env',
    env,
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--inspector-port',
    String(await freePort()),
    '--persist-to',
    join(persist, 'state'),
    '--show-interactive-dev-session=false',
    '--log-level',
    'log',
  ];
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  return args;
}

async function run(command: string, args: string[], port: number, persist: string, readyTimeoutMs: number, runtime: 'wrangler' | 'workerd'): Promise<RunningApi> {
  const name = runtime === 'workerd' ? 'workerd' : 'wrangler dev';
  const lines: string[] = [];
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    env: WRANGLER_ENV,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let partial = '';
  const onData = (buf: Buffer) => {
    partial += buf.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const p of parts) lines.push(p);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const url = `http://127.0.0.1:${port}`;
  const wrapperPid = child.pid ?? -1;
  const stop = async () => {
    if (!exited && wrapperPid > 0) {
      const known = [wrapperPid, ...descendants(wrapperPid)];
      try {
        process.kill(-wrapperPid, 'SIGTERM'); // our own process group (detached above)
      } catch {
        // already gone
      }
      const deadline = Date.now() + 5_000;
      while (!exited && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      for (const p of known) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    rmSync(persist, { recursive: true, force: true });
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited) {
      await stop();
      throw new Error(`${name} exited before it was ready:\n${lines.slice(-20).join('\n')}`);
    }
    try {
      const r = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(1_000) });
      if (r.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${name} not ready after ${readyTimeoutMs} ms:\n${lines.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  return {
    url,
    port,
    token: DEV_TOKEN,
    logs: () => [...lines],
    records: () =>
      lines.flatMap((l) => {
        const i = l.indexOf('{"ts":');
        if (i < 0) return [];
        try {
          return [JSON.parse(l.slice(i)) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    pids: () => (wrapperPid > 0 ? [wrapperPid, ...descendants(wrapperPid)] : []),
    workerdRssKb: () =>
      (wrapperPid > 0 ? [wrapperPid, ...descendants(wrapperPid)] : []).filter((p) => procName(p).startsWith('workerd')).reduce((s, p) => s + rssKb(p), 0),
    stop,
  };
}
