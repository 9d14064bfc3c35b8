// The main module's exports as seen through `import { exports } from 'cloudflare:workers'`.
declare global {
  namespace Cloudflare {
    interface GlobalProps {
      mainModule: typeof import('../../worker/src/index.ts');
    }
  }
}

export {};
