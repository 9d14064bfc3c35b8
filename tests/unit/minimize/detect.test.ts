import { describe, expect, it } from 'vitest';
import { fullyMasked, masked, untouched } from './helpers.ts';

describe('minimize/detect: dates in the forms Whisper writes', () => {
  it.each([
    ['I was born July fifth, nineteen fifty.', 'July fifth, nineteen fifty'],
    ['Date of birth the 9th of December, 1982.', 'the 9th of December, 1982'],
    ['Come back 07/16/2026 please.', '07/16/2026'],
    ['My supervisor said the thirteenth of September.', 'the thirteenth of September'],
    ['Born December 28th, 1952 in the city.', 'December 28th, 1952'],
    ['It happened on 10 May 1958, I think.', '10 May 1958'],
    ['We will recheck on March 4.', 'March 4'],
    ['She was born January seventeenth, nineteen sixty-nine.', 'January seventeenth, nineteen sixty-nine'],
    ['Surgery was October twenty-seventh, two thousand and three.', 'October twenty-seventh, two thousand and three'],
    ['Birthday 11-03-1949 on the form.', '11-03-1949'],
    ['I have you down for 8/8. Any questions?', '8/8'],
    ['Admitted from the sixteenth of August to the 22nd of August.', 'the sixteenth of August'],
    ['See you on the 21st, then.', 'the 21st'],
    ['It started in March 2019.', 'March 2019'],
  ])('%s', (text, date) => {
    expect(fullyMasked(text, date)).toBe(true);
    expect(masked(text).some(([t]) => t === 'DATE')).toBe(true);
  });

  it.each([
    ['It started in 2019 and got worse.', '2019'],
    ['It began last Tuesday.', 'last Tuesday'],
    ['About two weeks ago, maybe three days ago.', 'two weeks ago'],
    ['You may take it twice a day.', 'may'],
    ['Follow up in a month.', 'a month'],
  ])('years and relative dates survive: %s', (text, keep) => {
    expect(untouched(text, keep)).toBe(true);
  });
});

describe('minimize/detect: ages over 89', () => {
  it.each([
    ["I'm 93 years old, Doctor.", '93'],
    ['My father is 101 and in a nursing home.', '101'],
    ['My grandmother is ninety-eight years old.', 'ninety-eight'],
    ['She turned 95 in the spring.', '95'],
    ['He lived to ninety-six.', 'ninety-six'],
    ['My aunt is a hundred and two.', 'a hundred and two'],
    ['She died at the age of 97 in her sleep.', '97'],
  ])('%s', (text, age) => {
    expect(fullyMasked(text, age)).toBe(true);
  });
  it.each([
    ["I'm 75 years old.", '75'],
    ['My mother is 89.', '89'],
    ['Oxygen is 97 percent.', '97'],
    ['Heart rate 96, weight 104 pounds.', '96'],
  ])('ages up to 89 and vitals survive: %s', (text, keep) => {
    expect(untouched(text, keep)).toBe(true);
  });
});

describe('minimize/detect: names', () => {
  it.each([
    ['My name is Oluwaseun Bergstrom.', 'Oluwaseun Bergstrom'],
    ['Good morning, Mrs. Albright.', 'Albright'],
    ["I'm Dr. Vasquez-Lindqvist.", 'Vasquez-Lindqvist'],
    ['Thanks, Doctor Okafor.', 'Okafor'],
    ["Tamsin, I'm her granddaughter.", 'Tamsin'],
    ['My son Florian drove me.', 'Florian'],
    ['Hello Ines, can you hear me?', 'Ines'],
    ['Sure. Rasmus Achterberg, born 4/9/1977.', 'Rasmus Achterberg'],
    ['And it is Chidi Dela Cruz on the form.', 'Chidi Dela Cruz'],
    ['Ms. O\'Donnell called about the results.', "O'Donnell"],
  ])('%s', (text, name) => {
    expect(fullyMasked(text, name)).toBe(true);
  });
  it('the honorific stays outside the name span', () => {
    expect(untouched('Good morning, Mr. Halvorsen.', 'Mr.')).toBe(true);
  });

  it.each([
    ["My mother had Parkinson's disease.", "Parkinson's"],
    ["She was diagnosed with Bell's palsy.", "Bell's palsy"],
    ['McMurray test was negative.', 'McMurray'],
    ["Grandpa had Alzheimer's.", "Alzheimer's"],
    ["Graves' disease runs in the family.", "Graves'"],
    ['I take Eliquis 5 mg twice a day.', 'Eliquis'],
    ['Allegra 180 mg helps a little.', 'Allegra'],
    ['She uses Flonase, 2 sprays each nostril.', 'Flonase'],
    ['Increase sertraline to 100 mg once daily.', 'sertraline to 100 mg'],
    ['Carbidopa-levodopa 25/100 milligrams.', '25/100 milligrams'],
    ['Blood pressure was 127 over 78, pulse 64.', '127 over 78'],
    ['Temp 98.6 degrees, oxygen 97%.', '98.6 degrees'],
    ['My LDL was 168 on the last test.', '168'],
    ['I have Medicare and Medicaid.', 'Medicare'],
    ['We talked on Zoom last Tuesday.', 'Zoom'],
  ])('clinical and everyday terms survive: %s', (text, keep) => {
    expect(untouched(text, keep)).toBe(true);
  });
});

describe('minimize/detect: places and ids', () => {
  it('address, city and ZIP are separate spans', () => {
    const text = 'Send it to 4471 Larchmont Avenue, Apartment 3B, Yellowknife Falls, zip code 60614.';
    const got = masked(text);
    expect(got).toContainEqual(['ADDRESS', '4471 Larchmont Avenue, Apartment 3B']);
    expect(got).toContainEqual(['CITY', 'Yellowknife Falls']);
    expect(got).toContainEqual(['ZIP', '60614']);
  });
  it('a city after "in" and the state kept', () => {
    const text = 'I was at the hospital in Tallowmere, Ohio for a week.';
    expect(fullyMasked(text, 'Tallowmere')).toBe(true);
    expect(untouched(text, 'Ohio')).toBe(true);
  });
  it.each([
    ['My number is 4 1 2, 8 3 7, 1 2 3 4.', '4 1 2, 8 3 7, 1 2 3 4'],
    ['It is nine one six four seven one one zero five.', 'nine one six four seven one one zero five'],
    ['The plate is K E 7 T 3 9.', 'K E 7 T 3 9'],
  ])('ids read character by character: %s', (text, id) => {
    expect(fullyMasked(text, id)).toBe(true);
  });
  it('counting is not an id', () => {
    expect(untouched('Breathe in, one, two, three.', 'one, two, three')).toBe(true);
  });
  it('strict mode also masks a bare month and a bare 5-digit number', () => {
    expect(masked('It got worse in March.', 'strict')).toContainEqual(['DATE', 'March']);
    expect(masked('It got worse in March.')).toEqual([]);
    expect(masked('The code was 60614.', 'strict')).toContainEqual(['ZIP', '60614']);
  });
});
