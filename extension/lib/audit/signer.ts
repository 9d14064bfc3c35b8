import { z } from 'zod';

/**
 * The per-install audit signing key: ECDSA P-256 with SHA-256 (WebCrypto), generated once per
 * install with a NON-extractable private key. The CryptoKey objects are persisted as they are
 * (IndexedDB stores CryptoKey by structured clone without exposing the key bytes), so the private
 * key never exists outside the browser's key store. Signatures are IEEE P1363 (r || s, 64 bytes),
 * which is what WebCrypto produces, base64url-encoded.
 *
 * The public key goes into every export header as a JWK; an auditor pins its RFC 7638 thumbprint
 * (shown on the options page) to know the export came from this install.
 */

export const ECDSA_GEN = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const ECDSA_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

export const PublicJwk = z
  .object({
    kty: z.literal('EC'),
    crv: z.literal('P-256'),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    y: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    ext: z.boolean().optional(),
    key_ops: z.array(z.string()).optional(),
  })
  .strip();
export type PublicJwk = { kty: 'EC'; crv: 'P-256'; x: string; y: string };

export interface AuditSigner {
  readonly publicJwk: PublicJwk;
  /** RFC 7638 JWK thumbprint (SHA-256, base64url) */
  readonly thumbprint: string;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** Persists the install key pair. The vault (or an IndexedDB helper below) implements it. */
export interface InstallKeyStore {
  load(): Promise<CryptoKeyPair | undefined>;
  save(pair: CryptoKeyPair): Promise<void>;
}

export function memoryKeyStore(): InstallKeyStore {
  let pair: CryptoKeyPair | undefined;
  return {
    load: () => Promise.resolve(pair),
    save: (p) => {
      pair = p;
      return Promise.resolve();
    },
  };
}

export function b64url(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i] as number);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromB64url(s: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) return null;
  try {
    const bin = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}

export async function jwkThumbprint(jwk: PublicJwk): Promise<string> {
  // RFC 7638 §3.2: required members only, lexicographic order, no whitespace.
  const canonical = `{"crv":"${jwk.crv}","kty":"${jwk.kty}","x":"${jwk.x}","y":"${jwk.y}"}`;
  const d = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
  return b64url(new Uint8Array(d));
}

function isUsablePair(p: unknown): p is CryptoKeyPair {
  if (typeof p !== 'object' || p === null) return false;
  const { privateKey, publicKey } = p as Partial<CryptoKeyPair>;
  return (
    typeof CryptoKey !== 'undefined' &&
    privateKey instanceof CryptoKey &&
    publicKey instanceof CryptoKey &&
    privateKey.algorithm.name === 'ECDSA' &&
    privateKey.usages.includes('sign')
  );
}

/** Loads the install key, creating (and saving) it on first use. */
export async function openInstallSigner(store: InstallKeyStore): Promise<AuditSigner> {
  let pair: unknown;
  try {
    pair = await store.load();
  } catch {
    pair = undefined;
  }
  if (!isUsablePair(pair)) {
    // extractable=false applies to the private key; the public key is always exportable.
    pair = await crypto.subtle.generateKey(ECDSA_GEN, false, ['sign', 'verify']);
    await store.save(pair as CryptoKeyPair);
  }
  return signerFromPair(pair as CryptoKeyPair);
}

export async function signerFromPair(pair: CryptoKeyPair): Promise<AuditSigner> {
  const raw = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const jwk = PublicJwk.parse(raw);
  const publicJwk: PublicJwk = { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  return {
    publicJwk,
    thumbprint: await jwkThumbprint(publicJwk),
    sign: async (data) => new Uint8Array(await crypto.subtle.sign(ECDSA_SIGN, pair.privateKey, data as Uint8Array<ArrayBuffer>)),
  };
}

export async function verifySignature(jwk: PublicJwk, data: Uint8Array, sig: Uint8Array): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, ECDSA_GEN, false, ['verify']);
    return await crypto.subtle.verify(ECDSA_SIGN, key, sig as Uint8Array<ArrayBuffer>, data as Uint8Array<ArrayBuffer>);
  } catch {
    return false;
  }
}

/**
 * An InstallKeyStore over a tiny IndexedDB database of its own (one object store, one row).
 * Browser contexts only (extension pages, service worker); pass `indexedDB` explicitly so tests can
 * hand in fake-indexeddb.
 */
export function indexedDbKeyStore(idb: IDBFactory, dbName = 'scribe-audit-key'): InstallKeyStore {
  const open = (): Promise<IDBDatabase> =>
    new Promise((resolve, reject) => {
      const req = idb.open(dbName, 1);
      req.onupgradeneeded = () => req.result.createObjectStore('keys');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(new Error('audit_key_store_open'));
    });
  const tx = async <T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> => {
    const db = await open();
    try {
      return await new Promise<T>((resolve, reject) => {
        const r = fn(db.transaction('keys', mode).objectStore('keys'));
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(new Error('audit_key_store_io'));
      });
    } finally {
      db.close();
    }
  };
  return {
    load: async () => (await tx<unknown>('readonly', (s) => s.get('install'))) as CryptoKeyPair | undefined,
    save: async (pair) => {
      await tx('readwrite', (s) => s.put({ privateKey: pair.privateKey, publicKey: pair.publicKey }, 'install'));
    },
  };
}
