/**
 * Patient-banner names declared to the note API without sending them. The extension reads the
 * patient banner on the EHR page, calls `bannerNameHashes(name)` and sends the digests as
 * `options.bannerNameHashes`; the API's PHI guard hashes every distinct word of the minimized
 * transcript the same way and refuses (422 `phi_detected`) when one matches — a name the
 * minimizer missed is caught without the server ever learning the name.
 *
 * Digest = lowercase hex SHA-256 (WebCrypto) of `BANNER_HASH_PREFIX + token`. A token is a run of
 * letters after normalisation: NFKD, combining marks removed (so "José" and an ASR's "Jose"
 * agree), lower case, split at anything that is not a letter, 2+ letters. Pure, no I/O; runs in
 * the extension, the Worker and Node ≥ 20 (global `crypto.subtle`).
 */

export const BANNER_HASH_PREFIX = 'scribe-banner-v1:';
/** Most digests a request may carry (the contract bounds the array to this). */
export const MAX_BANNER_NAME_HASHES = 32;
/** Longest token hashed (longer runs of letters are not names; bounds the work per word). */
export const MAX_BANNER_TOKEN_CHARS = 64;

/**
 * Name tokens that are everyday English words: declaring one would refuse nearly every
 * transcript ("will", "may"), so the helper leaves them out (the on-device minimizer still
 * replaces banner names, whatever they are). Generic vocabulary, no patient data.
 */
const EVERYDAY_WORDS: ReadonlySet<string> = new Set([
  'will', 'may', 'can', 'mark', 'pat', 'sue', 'don', 'bill', 'rose', 'hope', 'grace', 'frank', 'guy', 'ray', 'jack',
  'dawn', 'faith', 'joy', 'june', 'april', 'august', 'chance', 'art', 'rich', 'sunny', 'penny', 'summer', 'early',
  'long', 'young', 'white', 'black', 'brown', 'green', 'gray', 'grey', 'hill', 'king', 'little', 'short', 'best',
  'page', 'day', 'way', 'well', 'so', 'an', 'de', 'la', 'le', 'van', 'von', 'del', 'da', 'di', 'du', 'el', 'al', 'st',
  'mr', 'mrs', 'ms', 'dr', 'jr', 'sr', 'ii', 'iii', 'iv', 'md', 'do', 'np', 'pa', 'rn',
]);

const MARKS = /\p{M}+/gu;
const NOT_LETTERS = /[^\p{L}]+/u;

/** The normalised letter tokens of a text, in order (duplicates kept). Same function on both sides. */
export function nameTokens(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(MARKS, '')
    .toLowerCase()
    .split(NOT_LETTERS)
    .filter((w) => w.length >= 2 && w.length <= MAX_BANNER_TOKEN_CHARS);
}

async function sha256Hex(s: string): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
  let out = '';
  for (const b of d) out += b.toString(16).padStart(2, '0');
  return out;
}

/** Digest of one already-normalised token. */
export async function hashBannerToken(token: string): Promise<string> {
  return sha256Hex(BANNER_HASH_PREFIX + token);
}

/**
 * What the extension sends as `options.bannerNameHashes` for the banner's patient name ("Sandberg,
 * Kenji" → digests of "sandberg" and "kenji"): distinct tokens, everyday words left out, at most
 * MAX_BANNER_NAME_HASHES. Never log the name or the result next to the visit.
 */
export async function bannerNameHashes(name: string): Promise<string[]> {
  const tokens = [...new Set(nameTokens(name.slice(0, 1_000)))].filter((t) => !EVERYDAY_WORDS.has(t)).slice(0, MAX_BANNER_NAME_HASHES);
  return Promise.all(tokens.map(hashBannerToken));
}

/** True when any word of the texts hashes to one of the digests (the guard's test). */
export async function containsBannerName(texts: readonly string[], digests: readonly string[]): Promise<boolean> {
  if (digests.length === 0) return false;
  const wanted = new Set(digests);
  const words = new Set<string>();
  for (const t of texts) for (const w of nameTokens(t)) words.add(w);
  const hashes = await Promise.all([...words].map(hashBannerToken));
  return hashes.some((h) => wanted.has(h));
}
