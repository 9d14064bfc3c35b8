import { describe, expect, it } from 'vitest';
import { formatPlaceholder, parsePlaceholder, scanPlaceholders, PlaceholderMap } from '../../../shared/placeholder.ts';
import { PHI_TYPES } from '../../../shared/phi-patterns.ts';

describe('shared/placeholder', () => {
  it('formats and parses every type', () => {
    for (const t of PHI_TYPES) {
      const p = formatPlaceholder(t, 7);
      expect(p).toBe(`[${t}_7]`);
      expect(parsePlaceholder(p)).toEqual({ type: t, n: 7 });
    }
  });
  it('rejects out-of-range numbers', () => {
    expect(() => formatPlaceholder('NAME', 0)).toThrow('placeholder_index_out_of_range');
    expect(parsePlaceholder('[NAME_0]')).toBeNull();
  });
  it.each(['[name_1]', '[NAME 1]', '[NAME_01]', '[NAME-1]', '[NAME_]', '[PATIENT_1]', '[[NAME_1]]', '[NAME_1', 'NAME_1]', 'DATE_3', '{NAME_1}'])(
    'flags malformed %s',
    (token) => {
      const scan = scanPlaceholders(`Seen by ${token} today.`);
      expect(scan.valid).toEqual([]);
      expect(scan.malformed.length).toBeGreaterThan(0);
    },
  );
  it('finds well-formed placeholders with offsets, ignores prose brackets', () => {
    const text = 'Patient [NAME_1] seen [DATE_2] (see plan) [sic] member [HEALTH_PLAN_1].';
    const scan = scanPlaceholders(text);
    expect(scan.valid.map((v) => v.token)).toEqual(['[NAME_1]', '[DATE_2]', '[HEALTH_PLAN_1]']);
    for (const v of scan.valid) expect(text.slice(v.start, v.end)).toBe(v.token);
    expect(scan.malformed).toEqual([]);
  });
  it('map schema is strict', () => {
    expect(PlaceholderMap.safeParse({ version: 1, entries: { '[NAME_1]': { type: 'NAME', value: 'A B', variants: ['A B'] } } }).success).toBe(true);
    expect(PlaceholderMap.safeParse({ version: 1, entries: { '[NAME_1]': { type: 'NAME', value: 'A', variants: [], extra: 1 } } }).success).toBe(false);
    expect(PlaceholderMap.safeParse({ version: 1, entries: { 'NAME_1': { type: 'NAME', value: 'A', variants: [] } } }).success).toBe(false);
  });
});
