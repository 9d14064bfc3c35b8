import { describe, expect, it } from 'vitest';
import { comparePatients, normDate } from '../../../extension/lib/ehr/banner.ts';

describe('ehr banner comparison', () => {
  it('normalises common date forms', () => {
    expect(normDate('1961-04-12')).toBe('1961-04-12');
    expect(normDate('04/12/1961')).toBe('1961-04-12');
    expect(normDate('Apr 12, 1961')).toBe('1961-04-12');
    expect(normDate('12 April 1961')).toBe('1961-04-12');
    expect(normDate('yesterday')).toBeNull();
  });

  it('matches the same patient written differently', () => {
    expect(comparePatients({ name: 'Jane Q Doe', dob: '1961-04-12', mrn: 'a-1234567' }, { name: 'DOE, Jane Q', dob: '04/12/1961', mrn: 'A1234567' })).toBe('match');
  });

  it('any differing field is a mismatch; nothing comparable is unknown', () => {
    expect(comparePatients({ mrn: 'A1234567' }, { mrn: 'A1234568' })).toBe('mismatch');
    expect(comparePatients({ name: 'Jane Doe' }, { name: 'John Smith' })).toBe('mismatch');
    expect(comparePatients({ dob: '1961-04-12' }, { dob: '1961-04-13' })).toBe('mismatch');
    expect(comparePatients({ name: 'Jane Doe' }, { mrn: 'A1' })).toBe('unknown');
  });
});
