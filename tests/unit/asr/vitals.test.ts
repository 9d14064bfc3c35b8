import { describe, expect, it } from 'vitest';
import { repairVitals } from '../../../extension/lib/asr/vitals.ts';

describe('repairVitals', () => {
  it('puts back "temp" that Whisper heard as 10 or ten among the vitals', () => {
    expect(repairVitals('So today your blood pressure is 127 over 78, heart rate 71, 10 98, oxygen saturation 96%.')).toBe(
      'So today your blood pressure is 127 over 78, heart rate 71, temp 98, oxygen saturation 96%.',
    );
    expect(repairVitals('Pulse 88, ten 99.1, respirations 16.')).toBe('Pulse 88, temp 99.1, respirations 16.');
    expect(repairVitals('Heart rate 64, 10, 101.2 this morning.')).toBe('Heart rate 64, temp 101.2 this morning.');
    expect(repairVitals('Pulse 90, 10 37.8, sats 95.')).toBe('Pulse 90, temp 37.8, sats 95.'); // °C
  });

  it('splits "temp" glued to a temperature with its decimal', () => {
    expect(repairVitals('Blood pressure is 131 over 85, 184, 1098.6, oxygen saturation 92%.')).toBe(
      'Blood pressure is 131 over 85, 184, temp 98.6, oxygen saturation 92%.',
    );
  });

  it('reads a misheard "B P" directly before a pressure as BP, and nothing else', () => {
    expect(repairVitals('VP 133 over 88, pulse 94.')).toBe('BP 133 over 88, pulse 94.');
    expect(repairVitals('Your PP, 122/79 today.')).toBe('Your BP, 122/79 today.');
    for (const s of ['The VP said 133 people came.', 'vp 133 over 88', 'VPN 133 over 88', 'BP 133 over 88', 'VP 13 over 8'])
      expect(repairVitals(s)).toBe(s);
  });

  it('repairs only the sentence that reads vitals', () => {
    expect(repairVitals('Take 10 98 pills. Heart rate 70, 10 97.5.')).toBe('Take 10 98 pills. Heart rate 70, temp 97.5.');
  });

  it('leaves everything else alone', () => {
    for (const s of [
      'I walked 10 98 steps.', // no vitals in the sentence
      'Heart rate 72, temp 98.6, oxygen saturation 97%.', // already right
      'Oxygen saturation went from 10 95% to 98%.', // a percentage
      'Blood pressure 10 98 over 60.', // a pressure, not a temperature
      'Heart rate 110, 98 on room air.', // 110 is a rate, not "10"
      'Heart rate 72, 10 93 is not a temperature we use.', // out of the 94-105.9 range
      'Heart rate 72, 10 985 steps.', // not a temperature value
      'Heart rate 72, 1098 readings.', // glued without a decimal: ambiguous, left
      'Pulse 80, 10 98.65 units.', // more than one decimal digit
      'Pulse 80, 10 36 and counting.', // a °C value needs its decimal
      '',
    ]) {
      expect(repairVitals(s)).toBe(s);
    }
  });
});
