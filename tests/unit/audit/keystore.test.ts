import { IDBFactory } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import { indexedDbKeyStore, openInstallSigner, verifySignature } from '../../../extension/lib/audit/index.ts';

describe('indexedDbKeyStore', () => {
  it('persists the non-extractable install key pair across opens', async () => {
    const idb = new IDBFactory();
    const s1 = await openInstallSigner(indexedDbKeyStore(idb));
    const s2 = await openInstallSigner(indexedDbKeyStore(idb));
    expect(s2.thumbprint).toBe(s1.thumbprint);
    const data = new TextEncoder().encode('export body');
    expect(await verifySignature(s1.publicJwk, data, await s2.sign(data))).toBe(true);
    const pair = await indexedDbKeyStore(idb).load();
    expect(pair?.privateKey.extractable).toBe(false);
  });
});
