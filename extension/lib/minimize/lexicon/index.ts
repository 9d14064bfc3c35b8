import { COMMON_WORDS_RAW, FIRST_NAMES_RAW } from './data.generated.ts';

/**
 * Word lists the detector consults. Two come from packages (see gen.ts): the 10,000 most common
 * English words (to tell a sentence-initial "Sure" from a sentence-initial "Tigist") and English
 * first names (to tell "Maria" from "Many"). The rest are short hand-kept lists of capitalised
 * words that are *not* identifiers: months, weekdays, honorifics, brand drugs, eponyms, acronyms.
 */

function toSet(raw: string | readonly string[]): Set<string> {
  const words = typeof raw === 'string' ? raw.split(' ') : raw;
  return new Set(words.filter((w) => w.length > 0));
}

/** First names that are also everyday words; at the start of a sentence they are words. */
const NAME_WORDS = toSet(
  'will may can mark bill hope grace rose joy faith art sue pat frank rich ray dawn june august april summer ' +
    'chance chase guy jack max miles sunny lane dean drew grant jean jay king major norm page price ' +
    'rusty sandy skip stone ward wade carol ivy jade olive iris holly heather daisy violet lily ginger amber ' +
    'crystal destiny honey lucky mercy misty patience precious rocky van nick rob hunter taylor bell hall hill ' +
    'wood bird fields field star sky storm angel prince bond gray grove shadow temple ebony charity candy ' +
    'clay mill hunt cash brand early christian royal happy fair worth minor buddy sterling pearl foster ' +
    'lay deck glad wake den marshall honor joy chip bone dot kit ring ford park',
);
/**
 * Given names and surnames that are frequent in the common-word list *because* they are names
 * (the name list above also holds ordinary words such as "my" and "any", so membership alone
 * cannot decide). At a sentence start these are names.
 */
const COMMON_NAMES = toSet(
  'john david james michael paul robert george thomas william peter mary richard martin mike tom chris steve jim ' +
    'louis joe harry gene dave kelly andrew joseph brian daniel ann henry dan eric victoria tim don stephen ' +
    'elizabeth jeff ben kevin jordan tony edward matt howard sam allen adam jennifer antonio sarah gary alan ' +
    'jason jose jane kim charlotte bruce simon patrick barbara alexander anne ryan susan alex lawrence anthony ' +
    'morgan andy christopher jon wayne tiffany larry steven greg ron russell roger lisa sean keith linda anna ' +
    'maria jonathan jessica terry stewart jerry rick laura fred billy craig johnny nancy walter carl arthur albert ' +
    'raymond gerald dorothy helen margaret ruth betty virginia smith jackson davis miller anderson moore harris ' +
    'clark nelson adams hamilton johnson williams wilson thompson martinez garcia rodriguez lopez gonzalez lee ' +
    'young white green black brown walker scott lewis robinson wright lincoln franklin madison sydney kent ' +
    'douglas gordon phil ross kerry dick les ed al jack ',
);
export const COMMON_WORDS: ReadonlySet<string> = toSet(COMMON_WORDS_RAW);
/** Frequency rank in the common-word list (0 = most frequent). */
const COMMON_RANK: ReadonlyMap<string, number> = new Map(COMMON_WORDS_RAW.split(' ').map((w, i) => [w, i] as const));
/** Conversational words missing from (or rare in) the written-English frequency list. */
const DISCOURSE = toSet(
  'alright alrighty okay ok hm hmm mm mhm mmhmm uh um uhm er ah oh ooh aha nope yep yup yeah yea nah gotcha huh oops ' +
    'wow ugh whoa bye goodbye sorry thanks honestly basically anyway anyways actually totally sure maybe perhaps ' +
    'definitely absolutely apparently luckily hopefully unfortunately fortunately meanwhile otherwise overall ' +
    'lately recently mostly mainly usually normally generally typically occasionally sometimes anything nothing ' +
    'everything something somebody nobody everybody someone anyone everyone cannot gonna wanna gotta kinda sorta ' +
    "y'all ma'am sir folks doc hey hi hello yes no not nor",
);
export const FIRST_NAMES: ReadonlySet<string> = toSet(FIRST_NAMES_RAW);

/** Exam and vitals vocabulary that templates and dictation capitalise after a comma or colon. */
const CLINICAL_WORDS = toSet(
  'abdomen abdominal cranial nerves decreased increased diminished slower faster mild moderate severe tender ' +
    'nontender soft lungs heart skin extremities neuro neurologic gait pupils throat ears nose neck chest back ' +
    'bilateral bilaterally reflexes strength sensation vibration temp temperature pulse oxygen sats saturation ' +
    'weight height exam examination assessment plan impression diagnosis history vitals labs irregular regular ' +
    'rhythm murmur wheezes wheezing crackles rales edema swelling rash lesion alert oriented afebrile ' +
    'appears appearance general constitutional cardiovascular respiratory musculoskeletal psychiatric mood affect ' +
    'negative positive unremarkable clear intact symmetric normal abnormal stable improved worse better ' +
    'left right upper lower anterior posterior lateral medial proximal distal',
);

/** Rank in the common-word list; Infinity when the word is not in it. */
export function commonRank(lower: string): number {
  return COMMON_RANK.get(lower) ?? Number.POSITIVE_INFINITY;
}

/** The most frequent words (articles, pronouns, auxiliaries): capitalised mid-sentence they are still words. */
export function isFunctionWord(lower: string): boolean {
  if (COMMON_NAMES.has(lower)) return false;
  const rank = COMMON_RANK.get(lower);
  return DISCOURSE.has(lower) || CLINICAL_WORDS.has(lower) || (rank !== undefined && rank < 1000);
}

/** A lower-cased word that is an ordinary English word (and not only a first name). */
export function isCommonWord(lower: string): boolean {
  if (NAME_WORDS.has(lower) || DISCOURSE.has(lower) || CLINICAL_WORDS.has(lower)) return true;
  if (COMMON_NAMES.has(lower)) return false;
  return COMMON_RANK.has(lower);
}

/** A first name or a name frequent enough to be in the common-word list. */
export function isKnownName(lower: string): boolean {
  return COMMON_NAMES.has(lower) || (FIRST_NAMES.has(lower) && !COMMON_RANK.has(lower));
}

export const MONTHS: ReadonlyMap<string, number> = new Map([
  ['january', 1], ['jan', 1], ['february', 2], ['feb', 2], ['march', 3], ['mar', 3], ['april', 4], ['apr', 4],
  ['may', 5], ['june', 6], ['jun', 6], ['july', 7], ['jul', 7], ['august', 8], ['aug', 8], ['september', 9],
  ['sept', 9], ['sep', 9], ['october', 10], ['oct', 10], ['november', 11], ['nov', 11], ['december', 12], ['dec', 12],
]);
export const MONTH_ALT =
  'January|February|March|April|May|June|July|August|September|October|November|December|Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept\\.?|Sep\\.?|Oct\\.?|Nov\\.?|Dec\\.?';

export const WEEKDAYS = toSet('monday tuesday wednesday thursday friday saturday sunday');

export const HONORIFIC_ALT = 'Mr|Mrs|Ms|Miss|Mx|Dr|Doctor|Prof|Professor|Nurse|Sister|Father|Pastor|Rabbi|Reverend|Rev|Officer|Judge|Coach';

/** Family and social roles that introduce a name: "my daughter Ximena", "Tigist, I'm her daughter". */
export const RELATION_ALT =
  'wife|husband|spouse|partner|son|daughter|child|kid|mother|father|mom|mum|mommy|dad|daddy|parent|grandmother|grandfather|' +
  'grandma|grandpa|granny|grandson|granddaughter|grandchild|aunt|auntie|uncle|brother|sister|sibling|cousin|niece|nephew|' +
  'stepson|stepdaughter|stepmother|stepfather|stepmom|stepdad|fiance|fiancee|fiancé|fiancée|girlfriend|boyfriend|friend|' +
  'neighbor|neighbour|roommate|caregiver|aide|nurse|doctor|physician|therapist|cardiologist|dermatologist|neurologist|' +
  'oncologist|surgeon|dentist|pharmacist|boss|supervisor|manager|coworker|colleague|landlord|pastor|guardian|' +
  'in-law|mother-in-law|father-in-law|son-in-law|daughter-in-law|brother-in-law|sister-in-law|great-grandmother|great-grandfather';

/**
 * Eponyms that are clinical on their own ("Parkinson's", "Apgar"). Other surnames count as eponyms
 * only when followed by a clinical noun ("Bell's palsy", "Graves' disease", "McMurray test").
 */
export const EPONYMS = toSet(
  [
    'parkinson', 'alzheimer', 'crohn', 'hashimoto', 'raynaud', 'babinski', 'apgar', 'tinel', 'phalen', 'mcmurray',
    'cushing', 'addison', 'graves', 'huntington', 'tourette', 'asperger', 'hodgkin', 'kawasaki', 'sjogren', 'sjögren',
    'meniere', 'ménière', 'guillain', 'barre', 'barré', 'lyme', 'dupuytren', 'heberden', 'bouchard', 'osgood', 'schlatter',
    'lachman', 'romberg', 'kernig', 'brudzinski', 'trendelenburg', 'valsalva', 'epley', 'hallpike', 'dix-hallpike',
    'finkelstein', 'quervain', 'spurling', 'mcburney', 'rovsing', 'chvostek', 'trousseau', 'kussmaul', 'korotkoff',
    'snellen', 'rinne', 'holter', 'foley', 'heimlich', 'marfan', 'ehlers-danlos', 'klinefelter', 'gaucher', 'fabry',
    'wernicke', 'korsakoff', 'creutzfeldt', 'jakob', 'munchausen', 'reye', 'kaposi', 'burkitt', 'ewing', 'wilms',
    'hirschsprung', 'meckel', 'tietze', 'osler', 'virchow', 'horner', 'lewy', 'mantoux', 'kegel', 'braxton', 'hicks',
    'doppler', 'fahrenheit', 'celsius', 'achilles', 'eustachian', 'fallopian', 'bartholin', 'barrett', 'paget', 'behcet',
    'behçet', 'takayasu', 'wegener', 'buerger', 'gilbert', 'peyronie', 'legg-calve-perthes', 'perthes', 'scheuermann',
    'bell', 'down', 'still', 'gehrig', 'lou', 'tay-sachs', 'niemann-pick', 'pompe', 'zenker', 'mallory-weiss',
    'stevens-johnson', 'wolff-parkinson-white', 'glasgow', 'ottawa', 'wells', 'gleason', 'breslow', 'apley', 'thessaly',
    'hawkins', 'neer', 'yergason', 'adson', 'faber', 'gaenslen', 'gowers', 'brugada', 'prinzmetal', 'ludwig', 'bell\'s',
    'coombs', 'gram', 'pap', 'ziehl-neelsen', 'whipple', 'nissen', 'roux-en-y', 'billroth', 'hartmann', 'swan-ganz',
  ],
);
export const EPONYM_NOUN_ALT =
  "disease|syndrome|palsy|sign|signs|test|tests|maneuver|manoeuvre|reflex|reflexes|phenomenon|ulcer|ulcers|node|nodes|" +
  "sarcoma|lymphoma|tumor|tumour|cyst|cysts|fracture|score|scale|criteria|rule|rules|classification|procedure|operation|" +
  "repair|catheter|monitor|stain|smear|disorder|dementia|chorea|esophagus|oesophagus|contracture|neuroma|neuralgia|" +
  "thyroiditis|tendon|tube|tubes|canal|exercises|contractions|triad|maneuvers|position|view|method|technique|law|" +
  "anomaly|malformation|arteritis|cell|cells|body|bodies|point|fundoplication|gland|glands|duct";

/** Brand (capitalised) drug and supplement names a clinician or patient may say. */
export const BRAND_DRUGS = toSet(
  [
    'eliquis', 'xarelto', 'pradaxa', 'coumadin', 'jantoven', 'plavix', 'brilinta', 'lipitor', 'crestor', 'zocor', 'pravachol',
    'zetia', 'repatha', 'praluent', 'norvasc', 'lasix', 'bumex', 'aldactone', 'toprol', 'lopressor', 'coreg', 'tenormin',
    'zestril', 'prinivil', 'vasotec', 'altace', 'cozaar', 'diovan', 'benicar', 'avapro', 'micardis', 'entresto', 'hydrodiuril',
    'cardizem', 'procardia', 'imdur', 'nitrostat', 'lanoxin', 'multaq', 'tikosyn', 'glucophage', 'januvia', 'janumet',
    'jardiance', 'farxiga', 'invokana', 'ozempic', 'wegovy', 'mounjaro', 'zepbound', 'trulicity', 'victoza', 'saxenda',
    'byetta', 'lantus', 'basaglar', 'toujeo', 'levemir', 'tresiba', 'humalog', 'novolog', 'admelog', 'fiasp', 'humulin',
    'novolin', 'glucotrol', 'amaryl', 'actos', 'synthroid', 'levoxyl', 'unithroid', 'armour', 'tapazole', 'zoloft',
    'prozac', 'paxil', 'celexa', 'lexapro', 'effexor', 'pristiq', 'cymbalta', 'wellbutrin', 'remeron', 'trazodone',
    'buspar', 'xanax', 'ativan', 'klonopin', 'valium', 'ambien', 'lunesta', 'restoril', 'seroquel', 'abilify', 'risperdal',
    'zyprexa', 'geodon', 'latuda', 'vraylar', 'rexulti', 'lamictal', 'depakote', 'tegretol', 'trileptal', 'keppra',
    'topamax', 'neurontin', 'lyrica', 'dilantin', 'vimpat', 'adderall', 'ritalin', 'concerta', 'vyvanse', 'strattera',
    'aricept', 'namenda', 'sinemet', 'rytary', 'mirapex', 'requip', 'azilect', 'imitrex', 'maxalt', 'zomig', 'relpax',
    'nurtec', 'ubrelvy', 'aimovig', 'ajovy', 'emgality', 'fioricet', 'tylenol', 'advil', 'motrin', 'aleve', 'naprosyn',
    'celebrex', 'mobic', 'voltaren', 'toradol', 'ultram', 'norco', 'vicodin', 'percocet', 'oxycontin', 'dilaudid',
    'suboxone', 'narcan', 'flexeril', 'robaxin', 'zanaflex', 'skelaxin', 'baclofen', 'prednisone', 'medrol', 'decadron',
    'flonase', 'nasacort', 'rhinocort', 'nasonex', 'allegra', 'claritin', 'clarinex', 'zyrtec', 'xyzal', 'benadryl',
    'singulair', 'sudafed', 'mucinex', 'delsym', 'robitussin', 'tessalon', 'proventil', 'ventolin', 'proair', 'xopenex',
    'symbicort', 'advair', 'breo', 'trelegy', 'spiriva', 'incruse', 'anoro', 'stiolto', 'dulera', 'flovent', 'qvar',
    'pulmicort', 'asmanex', 'arnuity', 'daliresp', 'prilosec', 'nexium', 'protonix', 'prevacid', 'aciphex', 'dexilant',
    'pepcid', 'zantac', 'tums', 'maalox', 'mylanta', 'gaviscon', 'zofran', 'phenergan', 'reglan', 'compazine', 'imodium',
    'miralax', 'dulcolax', 'colace', 'senokot', 'metamucil', 'linzess', 'amitiza', 'lomotil', 'bentyl', 'carafate',
    'humira', 'enbrel', 'remicade', 'stelara', 'skyrizi', 'rinvoq', 'xeljanz', 'otezla', 'cosentyx', 'taltz', 'dupixent',
    'plaquenil', 'arava', 'trexall', 'imuran', 'cellcept', 'prograf', 'entyvio', 'lialda', 'asacol', 'uceris', 'keflex',
    'augmentin', 'amoxil', 'zithromax', 'z-pak', 'zpak', 'cipro', 'levaquin', 'bactrim', 'macrobid', 'macrodantin',
    'doxycycline', 'vibramycin', 'cleocin', 'flagyl', 'diflucan', 'valtrex', 'zovirax', 'tamiflu', 'xofluza', 'paxlovid',
    'lagevrio', 'biktarvy', 'descovy', 'truvada', 'genvoya', 'triumeq', 'flomax', 'proscar', 'avodart', 'detrol',
    'ditropan', 'vesicare', 'myrbetriq', 'gemtesa', 'viagra', 'cialis', 'levitra', 'fosamax', 'boniva', 'actonel',
    'prolia', 'evista', 'premarin', 'estrace', 'provera', 'prometrium', 'yaz', 'loestrin', 'nexplanon',
    'mirena', 'depo-provera', 'clomid', 'androgel', 'zyloprim', 'uloric', 'colcrys', 'mitigare', 'k-dur', 'klor-con',
    'epipen', 'auvi-q', 'neosporin', 'bacitracin', 'lamisil', 'lotrimin', 'elidel', 'protopic', 'retin-a', 'differin',
    'accutane', 'latisse', 'xalatan', 'lumigan', 'timoptic', 'restasis', 'xiidra', 'visine', 'refresh', 'systane',
    'chantix', 'nicorette', 'nicoderm', 'antabuse', 'vivitrol', 'campral', 'keytruda', 'opdivo', 'herceptin', 'tamoxifen',
    'arimidex', 'femara', 'aromasin', 'gleevec', 'revlimid', 'xtandi', 'zytiga', 'lupron', 'procrit', 'neulasta',
    'ensure', 'glucerna', 'pedialyte', 'gatorade', 'centrum', 'excedrin', 'bayer', 'ecotrin', 'aspercreme', 'bengay',
    'icy', 'hot', 'vaseline', 'aquaphor', 'eucerin', 'cerave', 'cetaphil', 'preparation', 'pepto-bismol', 'pepto',
    'dramamine', 'bonine', 'unisom', 'zzzquil', 'nyquil', 'dayquil', 'theraflu', 'alka-seltzer', 'gas-x', 'beano',
    'lactaid', 'culturelle', 'align', 'florastor', 'vitamin', 'omega', 'fish', 'coq10', 'melatonin', 'biotin',
  ],
);

/**
 * Capitalised words that are neither names nor places: pronoun I, programmes, organisations and
 * everyday proper nouns a visit mentions ("Medicare", "Zoom", "Christmas", "Mediterranean").
 */
export const NON_PHI_CAPS = toSet(
  [
    'i', "i'm", "i've", "i'll", "i'd", 'ok', 'okay', 'medicare', 'medicaid', 'tricare', 'cobra', 'obamacare', 'aetna',
    'cigna', 'humana', 'kaiser', 'anthem', 'blue', 'cross', 'shield', 'unitedhealthcare', 'united', 'social', 'security',
    'zoom', 'facetime', 'skype', 'teams', 'google', 'apple', 'android', 'iphone', 'ipad', 'fitbit', 'dexcom', 'libre',
    'freestyle', 'omnipod', 'medtronic', 'tandem', 'abbott', 'mychart', 'epic', 'cerner', 'internet', 'wifi', 'wi-fi',
    'bluetooth', 'youtube', 'facebook', 'instagram', 'uber', 'lyft', 'amazon', 'walmart', 'target', 'costco', 'walgreens',
    'cvs', 'rite', 'aid', 'kroger', 'safeway', 'publix', 'starbucks', "mcdonald's", 'christmas', 'thanksgiving', 'easter',
    'hanukkah', 'ramadan', 'passover', 'halloween', 'new', 'year', "year's", 'fourth', 'memorial', 'labor', 'day',
    'mediterranean', 'dash', 'keto', 'atkins', 'weight', 'watchers', 'noom', 'english', 'spanish', 'french', 'german',
    'chinese', 'mandarin', 'cantonese', 'japanese', 'korean', 'vietnamese', 'tagalog', 'arabic', 'russian', 'portuguese',
    'italian', 'hindi', 'urdu', 'bengali', 'punjabi', 'polish', 'greek', 'hebrew', 'swahili', 'amharic', 'somali',
    'haitian', 'creole', 'asl', 'american', 'african', 'asian', 'hispanic', 'latino', 'latina', 'caucasian', 'native',
    'european', 'god', 'lord', 'jesus', 'bible', 'church', 'covid', 'covid-19', 'omicron', 'delta', 'pfizer', 'moderna',
    'novavax', 'johnson', 'janssen', 'shingrix', 'prevnar', 'pneumovax', 'gardasil', 'tdap', 'er', 'icu', 'urgent',
    'care', 'emergency', 'department', 'hospital', 'clinic', 'pharmacy', 'fmla', 'dmv', 'ada', 'va', 'hipaa', 'phq-9',
    'gad-7', 'celsius', 'fahrenheit', 'tylenol', 'advil', 'motrin', 'aleve', 'benadryl', 'fda', 'cdc', 'who', 'aa', 'na',
    'alcoholics', 'anonymous', 'ymca', 'tv', 'wii', 'xbox', 'playstation', 'netflix', 'covid19', 'ekg', 'ecg', 'mri',
    'ct', 'pet', 'x-ray', 'xray', 'ultrasound', 'echo', 'a1c', 'ldl', 'hdl', 'tsh', 'psa', 'bmi', 'bp', 'hr', 'rr', 'o2',
    'spo2', 'iv', 'im', 'po', 'prn', 'bid', 'tid', 'qid', 'otc', 'id', 'vin', 'mrn', 'ssn', 'ip', 'url', 'dob',
    'north', 'south', 'east', 'west', 'central', 'midwest', 'america', 'usa', 'us', 'u.s.', 'canada', 'mexico',
    'europe', 'asia', 'africa', 'india', 'china', 'japan', 'korea', 'vietnam', 'philippines', 'brazil', 'germany',
    'france', 'italy', 'spain', 'england', 'ireland', 'scotland', 'israel', 'egypt', 'nigeria', 'ethiopia', 'kenya',
    'ghana', 'iran', 'iraq', 'turkey', 'greece', 'russia', 'ukraine', 'poland', 'pakistan', 'bangladesh', 'australia',
    'caribbean', 'jamaica', 'haiti', 'cuba', 'puerto', 'rico', 'guatemala', 'honduras', 'colombia', 'peru', 'chile',
    'argentina', 'venezuela', 'dominican', 'republic', 'el', 'salvador',
  ],
);

/** US state names: not PHI under Safe Harbor (only subdivisions smaller than a state are). */
export const US_STATE_NAMES = toSet(
  'alabama alaska arizona arkansas california colorado connecticut delaware florida georgia hawaii idaho illinois ' +
    'indiana iowa kansas kentucky louisiana maine maryland massachusetts michigan minnesota mississippi missouri ' +
    'montana nebraska nevada ohio oklahoma oregon pennsylvania tennessee texas utah vermont virginia washington ' +
    'wisconsin wyoming carolina dakota hampshire jersey mexico york island',
);

/** Number words for spoken dates, ages and digit strings. */
export const UNITS: ReadonlyMap<string, number> = new Map([
  ['zero', 0], ['oh', 0], ['o', 0], ['one', 1], ['two', 2], ['three', 3], ['four', 4], ['five', 5], ['six', 6],
  ['seven', 7], ['eight', 8], ['nine', 9], ['ten', 10], ['eleven', 11], ['twelve', 12], ['thirteen', 13],
  ['fourteen', 14], ['fifteen', 15], ['sixteen', 16], ['seventeen', 17], ['eighteen', 18], ['nineteen', 19],
]);
export const TENS: ReadonlyMap<string, number> = new Map([
  ['twenty', 20], ['thirty', 30], ['forty', 40], ['fourty', 40], ['fifty', 50], ['sixty', 60], ['seventy', 70],
  ['eighty', 80], ['ninety', 90],
]);
export const ORDINALS: ReadonlyMap<string, number> = new Map([
  ['first', 1], ['second', 2], ['third', 3], ['fourth', 4], ['fifth', 5], ['sixth', 6], ['seventh', 7],
  ['eighth', 8], ['ninth', 9], ['tenth', 10], ['eleventh', 11], ['twelfth', 12], ['thirteenth', 13],
  ['fourteenth', 14], ['fifteenth', 15], ['sixteenth', 16], ['seventeenth', 17], ['eighteenth', 18],
  ['nineteenth', 19], ['twentieth', 20], ['thirtieth', 30],
]);
