/**
 * Fuzzy word matching shared by the minimizer (banner names as the ASR spelt them) and the ASR's
 * drug-name repair: a phonetic key and a capped edit distance. Pure; no content is kept beyond a
 * bounded cache of keys.
 */

/**
 * `fn` (pure, one string argument) with a bounded cache: cleared whole once it holds `cap` keys, so
 * a long visit cannot grow it without bound. The keys are words of the transcript, kept only here.
 */
export function memoize<T>(fn: (key: string) => T, cap = 50_000): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    if (cache.has(key)) return cache.get(key) as T;
    const v = fn(key);
    if (cache.size >= cap) cache.clear();
    cache.set(key, v);
    return v;
  };
}

/** Simple phonetic key (consonant skeleton with common ASR confusions folded). */
export const phoneticKey: (word: string) => string = memoize(computePhoneticKey);

function computePhoneticKey(word: string): string {
  let s = word.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^a-z]/g, '');
  if (s.length === 0) return '';
  s = s
    .replace(/^kn|^gn|^pn|^wr/, (m) => m.slice(1))
    .replace(/ph/g, 'f')
    .replace(/ck|q/g, 'k')
    .replace(/c(?=[eiy])/g, 's')
    .replace(/c/g, 'k')
    .replace(/x/g, 'ks')
    .replace(/dg/g, 'j')
    .replace(/gh/g, 'g')
    .replace(/sch|sh|ch/g, 'x')
    .replace(/th/g, '0')
    .replace(/z/g, 's')
    .replace(/v/g, 'f')
    .replace(/(?<=.)[wh]/g, '')
    .replace(/d\b|dt/g, 't')
    .replace(/(.)\1+/g, '$1');
  const first = s[0] ?? '';
  const rest = s.slice(1).replace(/[aeiouy]/g, '');
  return (/[aeiouy]/.test(first) ? 'A' : first) + rest;
}

/** Damerau–Levenshtein (optimal string alignment) distance, capped at `max + 1`. */
export function editDistance(a: string, b: string, max = 3): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = a.length;
  const m = b.length;
  let prev2 = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= m; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, (prev2[j - 2] ?? 0) + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[m] ?? max + 1;
}
