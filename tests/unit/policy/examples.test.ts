import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { POLICY_KEYS, resolvePolicy } from '../../../extension/lib/policy/index.ts';

const read = (name: string) => readFileSync(new URL(`../../../docs/policy-examples/${name}`, import.meta.url), 'utf8');

/** The example files an admin copies must resolve without a single warning. */
describe('docs/policy-examples', () => {
  it('scribe-policy.values.json sets every key, all accepted', () => {
    const res = resolvePolicy(JSON.parse(read('scribe-policy.values.json')));
    expect(res.warningCount).toBe(0);
    expect(res.entries.every((e) => e.source === 'managed')).toBe(true);
  });

  it.each(['linux-managed-policy.json', 'linux-offline-only.json'])('%s: 3rdparty values accepted', (f) => {
    const doc = JSON.parse(read(f)) as { '3rdparty': { extensions: Record<string, unknown> } };
    const res = resolvePolicy(doc['3rdparty'].extensions.EXTENSION_ID);
    expect(res.warningCount).toBe(0);
  });

  it('linux-offline-only.json really is offline-only', () => {
    const doc = JSON.parse(read('linux-offline-only.json')) as { '3rdparty': { extensions: Record<string, unknown> } };
    expect(resolvePolicy(doc['3rdparty'].extensions.EXTENSION_ID).effective.providerMode).toBe('offline-only');
  });

  it.each(['windows-chrome.reg', 'windows-edge.reg', 'macos-chrome.mobileconfig', 'macos-edge.mobileconfig'])('%s names every policy key', (f) => {
    const text = read(f);
    for (const k of POLICY_KEYS) expect(text, k).toContain(k);
  });
});
