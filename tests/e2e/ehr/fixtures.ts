/**
 * Builds the EHR fixture pages from the editors' real npm packages (esbuild) into
 * tests/fixtures/ehr/dist, plus a bundle of lib/ehr for injection tests, and serves them on two
 * loopback origins (the second one is the cross-origin iframe's).
 */
import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import { copyFile, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(here, '../../..');
export const FIXTURE_SRC = join(ROOT, 'tests/fixtures/ehr/src');
export const FIXTURE_DIST = join(ROOT, 'tests/fixtures/ehr/dist');
export const AGENT_BUNDLE = join(FIXTURE_DIST, '_agent.js');

const ENTRIES = ['react.jsx', 'vue.js', 'ckeditor.js', 'tinymce.js', 'quill.js', 'tiptap.js'];

async function newest(dir: string): Promise<number> {
  let t = 0;
  for (const f of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, f.name);
    t = Math.max(t, f.isDirectory() ? await newest(p) : (await stat(p)).mtimeMs);
  }
  return t;
}

/** Build unless dist is newer than every source (fixtures and lib/ehr). */
export async function buildFixtures(force = false): Promise<void> {
  const marker = join(FIXTURE_DIST, '.built');
  const srcTime = Math.max(await newest(FIXTURE_SRC), await newest(join(ROOT, 'extension/lib/ehr')));
  if (!force) {
    try {
      if ((await stat(marker)).mtimeMs > srcTime) return;
    } catch {
      /* not built yet */
    }
  }
  await mkdir(FIXTURE_DIST, { recursive: true });
  await build({
    entryPoints: ENTRIES.map((e) => join(FIXTURE_SRC, e)),
    outdir: FIXTURE_DIST,
    bundle: true,
    format: 'esm',
    target: 'chrome116',
    minify: true,
    jsx: 'automatic',
    loader: { '.svg': 'dataurl', '.woff2': 'dataurl', '.woff': 'dataurl', '.ttf': 'dataurl', '.png': 'dataurl' },
    define: { 'process.env.NODE_ENV': '"production"', __VUE_OPTIONS_API__: 'false', __VUE_PROD_DEVTOOLS__: 'false', __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false' },
    logLevel: 'error',
  });
  // lib/ehr as a page script (injection tests; the extension path uses the built content script)
  await build({
    entryPoints: [join(here, 'agent-entry.ts')],
    outfile: AGENT_BUNDLE,
    bundle: true,
    format: 'iife',
    minify: true,
    target: 'chrome116',
    logLevel: 'error',
  });
  for (const f of await readdir(FIXTURE_SRC)) if (f.endsWith('.html')) await copyFile(join(FIXTURE_SRC, f), join(FIXTURE_DIST, f));
  const { writeFile } = await import('node:fs/promises');
  await writeFile(marker, String(Date.now()));
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

export interface FixtureServer {
  /** http://127.0.0.1:A — the EHR page origin */
  origin: string;
  /** http://127.0.0.1:B — the cross-origin frame's origin */
  crossOrigin: string;
  url(page: string): string;
  close(): Promise<void>;
}

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  return new Promise((res) => {
    const s = createServer(handler);
    s.listen(0, '127.0.0.1', () => res(s));
  });
}

export async function serveFixtures(): Promise<FixtureServer> {
  let cross = '';
  const handler: Parameters<typeof createServer>[1] = (req, res) => {
    void (async () => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = resolve(FIXTURE_DIST, `.${path === '/' ? '/plain.html' : path}`);
      if (!file.startsWith(FIXTURE_DIST)) {
        res.writeHead(403).end();
        return;
      }
      try {
        let body: Buffer | string = await readFile(file);
        if (extname(file) === '.html') body = body.toString('utf8').replaceAll('__CROSS_ORIGIN__', cross);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    })();
  };
  const a = await listen(handler);
  const b = await listen(handler);
  const origin = `http://127.0.0.1:${(a.address() as AddressInfo).port}`;
  cross = `http://127.0.0.1:${(b.address() as AddressInfo).port}`;
  const close = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));
  return {
    origin,
    crossOrigin: cross,
    url: (p) => `${origin}/${p}`,
    close: async () => {
      a.closeAllConnections();
      b.closeAllConnections();
      await Promise.all([close(a), close(b)]);
    },
  };
}
