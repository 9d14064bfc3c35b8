import { describe, expect, it } from 'vitest';
import { memoize, phoneticKey } from '../../../shared/fuzzy.ts';

describe('memoize (the bounded caches of the word matchers)', () => {
  it('calls the function once per key, and caches falsy results too', () => {
    const calls: string[] = [];
    const f = memoize((k: string) => {
      calls.push(k);
      return k === 'no' ? false : k.length;
    });
    expect([f('ab'), f('ab'), f('no'), f('no'), f('')]).toEqual([2, 2, false, false, 0]);
    f('');
    expect(calls).toEqual(['ab', 'no', '']);
  });
  it('never holds more than its cap of keys: it starts again when full', () => {
    let calls = 0;
    const f = memoize((k: string) => {
      calls++;
      return k;
    }, 3);
    for (const k of ['a', 'b', 'c', 'a']) f(k);
    expect(calls).toBe(3);
    f('d'); // full: cleared, then 'd' kept
    f('a');
    expect(calls).toBe(5);
  });
  it('gives the same answers as the uncached function', () => {
    expect(phoneticKey('Metformin')).toBe(phoneticKey('metphormin'));
    expect(phoneticKey('Metformin')).toBe(phoneticKey('Metformin'));
  });
});
