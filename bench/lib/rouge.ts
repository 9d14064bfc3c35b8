/**
 * ROUGE-1/2/L F-measure as Google's `rouge_score` computes it (the scorer behind Hugging Face
 * `evaluate`'s "rouge", used by the ACI-Bench paper): lower-case, every run of characters outside
 * [a-z0-9] is a separator, no stemming; ROUGE-N on n-gram multisets (clipped counts), ROUGE-L on
 * the longest common subsequence of the whole token sequences; F = 2PR/(P+R).
 * `rougeLsum` (LCS over newline-separated sentences, union-LCS) is given too for reference.
 * Written here because the npm packages differ in tokenisation (js-rouge keeps punctuation rules
 * of its own), which would make figures incomparable with the published table.
 */

export interface Prf {
  precision: number;
  recall: number;
  f: number;
}

export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .filter((t) => t.length > 0);
}

function prf(overlap: number, predTotal: number, refTotal: number): Prf {
  const precision = predTotal === 0 ? 0 : overlap / predTotal;
  const recall = refTotal === 0 ? 0 : overlap / refTotal;
  const f = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f };
}

function ngrams(tokens: readonly string[], n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + n <= tokens.length; i++) {
    const k = tokens.slice(i, i + n).join(' ');
    out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

export function rougeN(reference: readonly string[], prediction: readonly string[], n: number): Prf {
  const r = ngrams(reference, n);
  const p = ngrams(prediction, n);
  let overlap = 0;
  for (const [k, c] of p) overlap += Math.min(c, r.get(k) ?? 0);
  return prf(overlap, Math.max(0, prediction.length - n + 1), Math.max(0, reference.length - n + 1));
}

/** LCS length with two rolling rows: O(|a|·|b|) time, O(|b|) memory. */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Uint32Array(b.length + 1);
  let cur = new Uint32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = ai === b[j - 1] ? (prev[j - 1] ?? 0) + 1 : Math.max(prev[j] ?? 0, cur[j - 1] ?? 0);
    }
    [prev, cur] = [cur, prev];
    cur.fill(0);
  }
  return prev[b.length] ?? 0;
}

export function rougeL(reference: readonly string[], prediction: readonly string[]): Prf {
  return prf(lcsLength(reference, prediction), prediction.length, reference.length);
}

/** LCS table backtrack: the indices of `a` on one LCS with `b`. */
function lcsIndices(a: readonly string[], b: readonly string[]): number[] {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const t = new Uint32Array(rows * cols);
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      t[i * cols + j] = a[i - 1] === b[j - 1] ? (t[(i - 1) * cols + j - 1] ?? 0) + 1 : Math.max(t[(i - 1) * cols + j] ?? 0, t[i * cols + j - 1] ?? 0);
    }
  }
  const out: number[] = [];
  let i = a.length;
  let j = b.length;
  while (i > 0 && j > 0) {
    if (a[i - 1] === b[j - 1]) {
      out.push(i - 1);
      i--;
      j--;
    } else if ((t[(i - 1) * cols + j] ?? 0) >= (t[i * cols + j - 1] ?? 0)) i--;
    else j--;
  }
  return out.reverse();
}

/** rouge_score's rougeLsum: summary-level union LCS over newline-separated sentences. */
export function rougeLsum(referenceText: string, predictionText: string): Prf {
  const refSents = referenceText.split('\n').map(tokenize).filter((s) => s.length > 0);
  const predSents = predictionText.split('\n').map(tokenize).filter((s) => s.length > 0);
  const refTotal = refSents.reduce((a, s) => a + s.length, 0);
  const predTotal = predSents.reduce((a, s) => a + s.length, 0);
  const refCounts = new Map<string, number>();
  const predCounts = new Map<string, number>();
  for (const s of refSents) for (const t of s) refCounts.set(t, (refCounts.get(t) ?? 0) + 1);
  for (const s of predSents) for (const t of s) predCounts.set(t, (predCounts.get(t) ?? 0) + 1);
  let hits = 0;
  for (const r of refSents) {
    const union = new Set<number>();
    for (const p of predSents) for (const idx of lcsIndices(r, p)) union.add(idx);
    for (const idx of [...union].sort((x, y) => x - y)) {
      const t = r[idx];
      if (t === undefined) continue;
      const rc = refCounts.get(t) ?? 0;
      const pc = predCounts.get(t) ?? 0;
      if (rc > 0 && pc > 0) {
        hits++;
        refCounts.set(t, rc - 1);
        predCounts.set(t, pc - 1);
      }
    }
  }
  return prf(hits, predTotal, refTotal);
}

export interface RougeScores {
  rouge1: number;
  rouge2: number;
  rougeL: number;
  rougeLsum: number;
}

/** F-measures for one (reference, prediction) pair. */
export function rouge(referenceText: string, predictionText: string, withLsum = false): RougeScores {
  const r = tokenize(referenceText);
  const p = tokenize(predictionText);
  return {
    rouge1: rougeN(r, p, 1).f,
    rouge2: rougeN(r, p, 2).f,
    rougeL: rougeL(r, p).f,
    rougeLsum: withLsum ? rougeLsum(referenceText, predictionText).f : NaN,
  };
}
