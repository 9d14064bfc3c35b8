import { describe, expect, it } from 'vitest';
import { detectPatternIdentifiers, isValidIPv4, luhnValid, vinCheckDigitValid, isPlausibleMonthDay } from '../../../shared/phi-patterns.ts';

function found(text: string): Array<[string, string]> {
  return detectPatternIdentifiers(text).map((s) => [s.type, text.slice(s.start, s.end)]);
}

describe('shared/phi-patterns: shaped identifiers', () => {
  it.each([
    ['My social is 123-45-6789.', 'SSN', '123-45-6789'],
    ['Social security number 078 05 1120 on file.', 'SSN', '078 05 1120'],
    ['Call me at (412) 837-1234 tonight.', 'PHONE', '(412) 837-1234'],
    ['My cell is 412.837.1234.', 'PHONE', '412.837.1234'],
    ['Reach me on 412 837 1234 please.', 'PHONE', '412 837 1234'],
    ['Number is +1 412-837-1234 ext 22.', 'PHONE', '+1 412-837-1234 ext 22'],
    ['Their fax is 412-555-0199.', 'FAX', '412-555-0199'],
    ['Write to sam.lee77@example.org today.', 'EMAIL', 'sam.lee77@example.org'],
    ['It is jo dot smith at example dot com.', 'EMAIL', 'jo dot smith at example dot com'],
    ['Log in at https://portal.example.com/p/abc123.', 'URL', 'https://portal.example.com/p/abc123'],
    ['Go to www.myclinic.example.net for forms.', 'URL', 'www.myclinic.example.net'],
    ['The router said 192.168.14.201 again.', 'IP', '192.168.14.201'],
    ['Medical record number 4471-2290 is open.', 'MRN', '4471-2290'],
    ['The chart shows MR7741203.', 'MRN', 'MR7741203'],
    ['Member ID QX-551-204-18, group 7.', 'HEALTH_PLAN', 'QX-551-204-18'],
    ['The bill was under account 8812-0041-77.', 'ACCOUNT', '8812-0041-77'],
    ['License number is K4471209.', 'LICENSE', 'K4471209'],
    ['The plate on the car is 7KRD204.', 'VEHICLE', '7KRD204'],
    ['Serial number SN55120934 on the pump.', 'DEVICE', 'SN55120934'],
    ['I moved, zip code 02139.', 'ZIP', '02139'],
    ['Boston, MA 02139-4307 is the new one.', 'ZIP', '02139-4307'],
    ['Come back on 07/16/2026 at noon.', 'DATE', '07/16/2026'],
    ['Born 1/13/28 in the spring.', 'DATE', '1/13/28'],
    ['It ends in 4419, I think.', 'SSN', '4419'],
    ['I live at 4471 Larchmont Avenue, Apartment 3B now.', 'ADDRESS', '4471 Larchmont Avenue, Apartment 3B'],
  ])('%s → %s', (text, type, value) => {
    expect(found(text)).toContainEqual([type, value]);
  });

  it.each([
    'BP 127/78 and pulse 64.',
    'Carbidopa-levodopa 25/100 mg three times a day.',
    'A1c was 7.2 in 2019, LDL 168.',
    'PHQ-9 score 14, COVID-19 vaccine done.',
    'Take 2 puffs every 4 hours, 500 mg twice daily.',
    'Weight 214 pounds, temp 98.6, sats 97%.',
    'Vitamin B12 1000 mcg and vitamin D3 2000 units.',
  ])('clinical numbers survive: %s', (text) => {
    expect(found(text)).toEqual([]);
  });

  it('validators', () => {
    expect(isValidIPv4('10.0.0.255')).toBe(true);
    expect(isValidIPv4('10.0.0.256')).toBe(false);
    expect(isValidIPv4('1.2.3')).toBe(false);
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(vinCheckDigitValid('1M8GDM9AXKP042788')).toBe(true);
    expect(vinCheckDigitValid('1M8GDM9A1KP042788')).toBe(false);
    expect(isPlausibleMonthDay(2, 30)).toBe(false);
    expect(isPlausibleMonthDay(12, 31)).toBe(true);
  });

  it('never throws and returns sorted, non-overlapping spans', () => {
    const text = 'x@y.co 1.2.3.4 (412) 837-1234 123-45-6789 '.repeat(50);
    const spans = detectPatternIdentifiers(text);
    for (let i = 1; i < spans.length; i++) expect(spans[i]!.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
    expect(detectPatternIdentifiers('')).toEqual([]);
  });
});
