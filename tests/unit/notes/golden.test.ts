import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GOLDEN_FILE, goldenCases, noteHash } from './golden.ts';

// The extractor's output on every eval visit is pinned by hash, so speed work cannot change a
// note by accident. A deliberate change regenerates the file (see golden.ts) in the same commit.
const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as { cases: Record<string, string> };
const cases = goldenCases();

describe('extractor golden outputs', () => {
  it.skipIf(cases.size === 0 || !existsSync(GOLDEN_FILE))('matches the checked-in hash for every case', () => {
    const changed: string[] = [];
    for (const [name, segs] of cases) {
      const want = golden.cases[name];
      if (want !== undefined && noteHash(segs) !== want) changed.push(name);
    }
    expect(changed).toEqual([]);
    // Every pinned case is still present (the data set did not shrink under the test).
    expect(Object.keys(golden.cases).filter((k) => !cases.has(k))).toEqual([]);
  });
});
