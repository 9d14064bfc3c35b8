import { defineConfig } from 'wxt';
import { DEV_PUBLIC_KEY } from './extension-id.ts';
import { stagedPublicFiles } from './scripts/stage-models.ts';

// The extension's build. Everything the manifest grants is listed in README.md#permissions
// with the reason it is there; tests/e2e/bundle.e2e.ts snapshot-checks it against tests/e2e/bundle.snapshot.json.
export default defineConfig({
  srcDir: 'extension',
  // SCRIBE_OUT_DIR lets parallel builds (e.g. a benchmark beside the tests) not clobber each other.
  outDir: process.env.SCRIBE_OUT_DIR ?? '.output',
  publicDir: 'extension/public',
  modules: ['@wxt-dev/module-svelte', '@wxt-dev/webextension-polyfill'],
  manifestVersion: 3,
  hooks: {
    // Speech models + onnxruntime-web's WASM runtime, verified against models.manifest.json
    // (a missing or altered file stops the build naming it) and copied to models/ and ort/, so
    // nothing is fetched from a model hub or CDN at run time (scripts/stage-models.ts).
    'build:publicAssets': (_wxt, files) => {
      files.push(...stagedPublicFiles());
    },
    // The ASR engine runs in a module Web Worker that code-splits (transformers.js, onnxruntime-web).
    'vite:build:extendConfig': (_entrypoints, viteConfig) => {
      viteConfig.worker = { ...viteConfig.worker, format: 'es' };
    },
  },
  manifest: {
    name: 'Scribe Overlay',
    description: 'Privacy-first clinical scribe: on-device transcription, encrypted drafts, de-identified note generation.',
    // The public half of the extension's signing key pins the extension id, so managed policy
    // (3rdparty.extensions.<id>) and ExtensionInstallForcelist can name it. No private key is in the repo.
    key: process.env.SCRIBE_EXTENSION_KEY ?? DEV_PUBLIC_KEY,
    minimum_chrome_version: '116',
    permissions: ['offscreen', 'sidePanel', 'storage', 'tabCapture', 'alarms', 'activeTab', 'scripting', 'idle'],
    host_permissions: [],
    action: { default_title: 'Open Scribe' },
    side_panel: { default_path: 'sidepanel.html' },
    // Cross-origin isolation lets onnxruntime-web use SharedArrayBuffer (WASM threads) in the
    // offscreen document. See NOTES.md: the tab-capture stream id is therefore made in the side panel.
    cross_origin_embedder_policy: { value: 'require-corp' },
    cross_origin_opener_policy: { value: 'same-origin' },
    content_security_policy: {
      // wasm-unsafe-eval is the minimum WebAssembly needs; no remote code, no eval. connect-src:
      // the extension's own files, https, and plain http only to loopback (the apiBaseUrl rule of
      // lib/policy/keys.ts) — no ws:, no http to the network, even if code were tricked into it.
      extension_pages:
        "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'; connect-src 'self' https: http://127.0.0.1:* http://localhost:*",
    },
    storage: { managed_schema: 'managed_schema.json' },
  },
});
