import browser from 'webextension-polyfill';
import { watchPolicy, type PolicyResolution } from '../policy/index.ts';

/**
 * The managed policy as this page sees it, live (storage.onChanged, no browser restart).
 * "Installed by policy" counts as managed even when no key is set (fail-closed origin list).
 */
export function watchEffectivePolicy(onChange: (r: PolicyResolution) => void): () => void {
  const w = watchPolicy(chrome.storage as unknown as Parameters<typeof watchPolicy>[0], (u) => onChange(u.resolution), {
    adminInstalled: async () => (await browser.management?.getSelf?.())?.installType === 'admin',
  });
  return () => w.stop();
}
