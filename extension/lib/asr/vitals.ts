/**
 * Vital-sign repair for Whisper's output: "heart rate 71, 10 98, oxygen saturation 96%" → "heart
 * rate 71, temp 98, oxygen saturation 96%". Whisper (base, q8) hears the spoken "temp" before a
 * body temperature as "10" (or "ten"), and sometimes glues it to the value ("1098.6"). In a
 * record that loses the temperature and puts a wrong number among the vitals.
 *
 * Narrow by construction, because a changed number in a record is worse than a garbled one:
 * - only inside a sentence that is already reading vitals (heart rate, pulse, blood pressure,
 *   "N over M", oxygen, saturation, sats, respirations, BP);
 * - only "10"/"ten" directly before a body temperature (94–105.9 °F, or 35.0–41.9 °C with its
 *   decimal), optionally after a comma; or a glued "10" + temperature with its decimal
 *   ("1098.6"), which is not a vital sign at all; and never before "%", "percent" or "over";
 * - only the word "temp" is inserted: the value is left exactly as Whisper wrote it.
 * And "VP 133 over 88" → "BP 133 over 88" (below). Pure; never throws; no content leaves it.
 */

const CUE = /\b(?:heart rate|pulse|blood pressure|\d{2,3} over \d{2,3}|oxygen|saturation|sats|respirations?|BP)\b/i;
/** a body temperature: 94–105.9 °F, or 35.0–41.9 °C (with its decimal, so "10 36" is left alone) */
const F = '(?:9[4-9]|10[0-5])';
const C = '(?:3[5-9]|4[01])';
/** the value ends there (no more digits) and is not a percentage or a pressure */
const END = '(?!\\.?\\d)(?!\\.?\\s*(?:%|percent|over\\b))';
/** "10 98", "ten, 98.6": the "10" is the misheard "temp" */
const SPLIT = new RegExp(`(^|[\\s,(])(?:10|[Tt]en),?\\s+(${F}(?:\\.\\d)?|${C}\\.\\d)${END}`, 'g');
/** "1098.6": "temp" glued to the value (with its decimal, so it cannot be a plain number) */
const GLUED = new RegExp(`(^|[\\s,(])10((?:${F}|${C})\\.\\d)${END}`, 'g');

/**
 * "VP 133 over 88": Whisper hears the spoken letters "B P" before a pressure as another pair of
 * voiced/unvoiced lip sounds. Only an upper-case pair directly before "N over N" (or "N/N") is
 * read as "BP"; the numbers are untouched.
 */
const BP_HEARD = /\b(?:VP|PP|BB|PB|VB|DP)(?=[,:]?\s+\d{2,3}\s*(?:over\b|\/)\s*\d{2,3}\b)/g;

export function repairVitals(text: string): string {
  return repairTemp(/[VPBD][PB]/.test(text) ? text.replace(BP_HEARD, 'BP') : text);
}

function repairTemp(text: string): string {
  if (!/10|ten/i.test(text)) return text;
  // sentences: a full stop, "?" or "!" followed by a space (decimals such as 98.6 have none)
  return text
    .split(/(?<=[.?!])(?=\s)/)
    .map((s) => (CUE.test(s) ? s.replace(SPLIT, '$1temp $2').replace(GLUED, '$1temp $2') : s))
    .join('');
}
