/**
 * Small clinical word lists for the offline extractor. Generic vocabulary only (common drug names,
 * allergens, symptoms, body systems); nothing here is patient data. Lower case; multi-word entries
 * are matched as phrases.
 */

/** Common outpatient drugs (generic and brand). Not exhaustive: a word followed by a dose is also
 * taken as a drug name by the extractor; this list makes that safer and catches dose-less mentions. */
export const DRUGS: readonly string[] = [
  'acetaminophen', 'tylenol', 'ibuprofen', 'advil', 'motrin', 'naproxen', 'aleve', 'aspirin', 'celecoxib', 'meloxicam',
  'diclofenac', 'ketorolac', 'tramadol', 'oxycodone', 'hydrocodone', 'morphine', 'codeine', 'gabapentin', 'pregabalin',
  'lyrica', 'neurontin', 'cyclobenzaprine', 'flexeril', 'methocarbamol', 'tizanidine', 'baclofen', 'duloxetine',
  'cymbalta', 'amitriptyline', 'nortriptyline', 'sertraline', 'zoloft', 'fluoxetine', 'prozac', 'citalopram',
  'escitalopram', 'lexapro', 'paroxetine', 'paxil', 'venlafaxine', 'effexor', 'bupropion', 'wellbutrin', 'mirtazapine',
  'trazodone', 'buspirone', 'lorazepam', 'ativan', 'alprazolam', 'xanax', 'clonazepam', 'klonopin', 'diazepam',
  'zolpidem', 'ambien', 'melatonin', 'quetiapine', 'seroquel', 'aripiprazole', 'abilify', 'risperidone', 'olanzapine',
  'lithium', 'lamotrigine', 'levetiracetam', 'keppra', 'topiramate', 'topamax', 'valproate', 'carbamazepine',
  'sumatriptan', 'imitrex', 'rizatriptan', 'propranolol', 'metoprolol', 'metoprolol succinate', 'metoprolol tartrate',
  'toprol', 'lopressor', 'atenolol', 'carvedilol', 'coreg', 'bisoprolol', 'labetalol', 'lisinopril', 'zestril',
  'enalapril', 'ramipril', 'benazepril', 'losartan', 'cozaar', 'valsartan', 'irbesartan', 'olmesartan', 'telmisartan',
  'entresto', 'sacubitril', 'amlodipine', 'norvasc', 'nifedipine', 'diltiazem', 'verapamil', 'hydrochlorothiazide',
  'hctz', 'chlorthalidone', 'furosemide', 'lasix', 'torsemide', 'bumetanide', 'spironolactone', 'eplerenone',
  'hydralazine', 'clonidine', 'isosorbide', 'nitroglycerin', 'digoxin', 'amiodarone', 'atorvastatin', 'lipitor',
  'simvastatin', 'rosuvastatin', 'crestor', 'pravastatin', 'lovastatin', 'ezetimibe', 'fenofibrate', 'fish oil',
  'warfarin', 'coumadin', 'apixaban', 'eliquis', 'rivaroxaban', 'xarelto', 'dabigatran', 'clopidogrel', 'plavix',
  'ticagrelor', 'heparin', 'enoxaparin', 'lovenox', 'metformin', 'glucophage', 'glipizide', 'glyburide', 'glimepiride',
  'insulin', 'lantus', 'humalog', 'novolog', 'levemir', 'tresiba', 'basaglar', 'insulin glargine', 'januvia',
  'sitagliptin', 'jardiance', 'empagliflozin', 'farxiga', 'dapagliflozin', 'invokana', 'ozempic', 'semaglutide',
  'trulicity', 'dulaglutide', 'victoza', 'liraglutide', 'mounjaro', 'tirzepatide', 'pioglitazone', 'levothyroxine',
  'synthroid', 'methimazole', 'prednisone', 'prednisolone', 'methylprednisolone', 'medrol', 'dexamethasone',
  'hydrocortisone', 'triamcinolone', 'fluticasone', 'flonase', 'fluticasone inhaler', 'mometasone', 'budesonide',
  'symbicort', 'advair', 'albuterol', 'albuterol inhaler', 'proair', 'ventolin', 'tiotropium', 'spiriva',
  'montelukast', 'singulair', 'cetirizine', 'zyrtec', 'loratadine', 'claritin', 'fexofenadine', 'allegra',
  'diphenhydramine', 'benadryl', 'hydroxyzine', 'benzonatate', 'guaifenesin', 'dextromethorphan', 'pseudoephedrine',
  'omeprazole', 'prilosec', 'pantoprazole', 'protonix', 'esomeprazole', 'nexium', 'lansoprazole', 'famotidine',
  'pepcid', 'ranitidine', 'ondansetron', 'zofran', 'metoclopramide', 'docusate', 'senna', 'polyethylene glycol',
  'miralax', 'loperamide', 'dicyclomine', 'sucralfate', 'amoxicillin', 'augmentin', 'amoxicillin-clavulanate',
  'penicillin', 'cephalexin', 'keflex', 'cefdinir', 'ceftriaxone', 'cefuroxime', 'azithromycin', 'zithromax',
  'z-pack', 'clarithromycin', 'doxycycline', 'minocycline', 'ciprofloxacin', 'cipro', 'levofloxacin', 'levaquin',
  'nitrofurantoin', 'macrobid', 'trimethoprim', 'bactrim', 'sulfamethoxazole', 'clindamycin', 'metronidazole',
  'flagyl', 'vancomycin', 'fluconazole', 'diflucan', 'terbinafine', 'nystatin', 'acyclovir', 'valacyclovir',
  'valtrex', 'oseltamivir', 'tamiflu', 'paxlovid', 'hydroxychloroquine', 'methotrexate', 'allopurinol',
  'colchicine', 'febuxostat', 'alendronate', 'fosamax', 'calcium', 'vitamin d', 'vitamin d3', 'vitamin b12',
  'b12', 'folic acid', 'iron', 'ferrous sulfate', 'magnesium', 'potassium', 'potassium chloride', 'multivitamin',
  'tamsulosin', 'flomax', 'finasteride', 'oxybutynin', 'sildenafil', 'tadalafil', 'estradiol', 'progesterone',
  'medroxyprogesterone', 'birth control', 'carbidopa-levodopa', 'sinemet', 'donepezil', 'aricept', 'memantine',
  'ropinirole', 'pramipexole', 'adderall', 'methylphenidate', 'ritalin', 'naltrexone', 'buprenorphine', 'suboxone',
  'nicotine patch', 'varenicline', 'chantix', 'humira', 'adalimumab', 'lidocaine', 'mupirocin', 'bacitracin',
  'hydrocortisone cream', 'triamcinolone cream', 'ketoconazole', 'clotrimazole', 'latanoprost', 'timolol',
  'epinephrine', 'epipen', 'saline', 'tylenol with codeine', 'norco', 'percocet', 'toradol', 'robaxin',
];

/** Allergens that are not drugs (drugs above count too). */
export const ALLERGENS: readonly string[] = [
  'shellfish', 'peanuts', 'peanut', 'tree nuts', 'nuts', 'latex', 'sulfa', 'sulfa drugs', 'eggs', 'egg', 'milk',
  'dairy', 'soy', 'wheat', 'gluten', 'fish', 'bee stings', 'bees', 'iodine', 'contrast', 'contrast dye', 'adhesive',
  'tape', 'pollen', 'dust', 'cats', 'dogs', 'mold', 'nickel', 'strawberries', 'seasonal allergies',
];

/** Symptom words and phrases (for pertinent positives/negatives). */
export const SYMPTOMS: readonly string[] = [
  'pain', 'chest pain', 'shortness of breath', 'trouble breathing', 'cough', 'fever', 'fevers', 'chills', 'sweats',
  'night sweats', 'nausea', 'vomiting', 'diarrhea', 'constipation', 'abdominal pain', 'stomach pain', 'heartburn',
  'reflux', 'bloating', 'blood in the stool', 'blood in my stool', 'black stools', 'headache', 'headaches',
  'dizziness', 'dizzy', 'lightheaded', 'lightheadedness', 'fainting', 'passed out', 'palpitations', 'swelling',
  'rash', 'itching', 'hives', 'numbness', 'tingling', 'weakness', 'fatigue', 'tired', 'tiredness', 'weight loss',
  'weight gain', 'sore throat', 'congestion', 'runny nose', 'sneezing', 'ear pain', 'wheezing', 'sputum',
  'burning', 'urgency', 'frequency', 'blood in the urine', 'blood in my urine', 'back pain', 'joint pain', 'stiffness',
  'anxiety', 'anxious', 'depression', 'depressed', 'low mood', 'trouble sleeping', 'insomnia', 'thoughts of hurting myself',
  'suicidal thoughts', 'vision changes', 'blurry vision', 'double vision', 'bleeding', 'bruising', 'tremor', 'falls',
  'memory', 'confusion', 'cramping', 'spasms', 'discharge', 'tenderness', 'clicking', 'locking',
  'loss of appetite', 'appetite', 'thirst', 'sleepy', 'drowsy', 'pins and needles', 'ache', 'aches', 'sore',
];

/** Words that mark an administrative or identity exchange (not clinical content). */
export const ADMIN_WORDS = /\b(pharmacy|insurance|billing|bill|account|portal|e-?mail|fax|phone|number|address|license|plate|vin|serial|wi-?fi|router|ip\b|paperwork|disability|social security|social\b|member id|birthday|date of birth|full name|your name|spell|work note|prior auth|placard|car accident|emergency contact|who is this|who do we have|brought someone|sign(ed)? up|link|chart|mail-order|ship|records from|fmla|dmv|registration|front desk|reach you|contact info|card|adjuster|recall notice|how old|verify|login|log in|the screen says|and you are)\b/i;

/**
 * Common outpatient diagnoses and exam findings, spelt as a note writes them. Generic (the usual
 * primary-care problem list and physical-exam vocabulary); no evaluation visit was used to build it.
 * The ASR's term repair (extension/lib/asr/vocab.ts) respells Whisper's made-up words into these.
 */
export const CLINICAL_TERMS: readonly string[] = [
  // cardiovascular and metabolic
  'hypertension', 'hypotension', 'hyperlipidemia', 'hypercholesterolemia', 'paroxysmal atrial fibrillation',
  'atrial fibrillation', 'atrial flutter', 'tachycardia', 'bradycardia', 'palpitations', 'congestive heart failure',
  'cardiomyopathy', 'coronary artery disease', 'angina', 'myocardial infarction', 'peripheral arterial disease',
  'deep vein thrombosis', 'pulmonary embolism', 'thrombosis', 'diabetes mellitus', 'prediabetes', 'hyperglycemia',
  'hypoglycemia', 'hypothyroidism', 'hyperthyroidism', 'obesity', 'anemia', 'osteoporosis', 'gout',
  // respiratory, ear, nose and throat
  'chronic obstructive pulmonary disease', 'exacerbation', 'asthma', 'pneumonia', 'bronchitis', 'bronchiolitis',
  'sinusitis', 'allergic rhinitis', 'rhinitis', 'pharyngitis', 'tonsillitis', 'laryngitis', 'otitis media',
  'otitis externa', 'influenza', 'upper respiratory infection', 'conjunctivitis',
  // gastrointestinal and genitourinary
  'gastroesophageal reflux disease', 'gastritis', 'gastroenteritis', 'diverticulitis', 'cholecystitis',
  'pancreatitis', 'appendicitis', 'hepatitis', 'irritable bowel syndrome', 'hemorrhoids', 'urinary tract infection',
  'cystitis', 'pyelonephritis', 'prostatitis', 'nephrolithiasis', 'chronic kidney disease', 'hematuria',
  'incontinence',
  // musculoskeletal and neurological
  'osteoarthritis', 'rheumatoid arthritis', 'sciatica', 'radiculopathy', 'lumbar strain', 'lumbar radiculopathy',
  'cervical radiculopathy', 'paraspinal', 'paraspinals', 'tendinitis', 'tendonitis', 'bursitis', 'plantar fasciitis',
  'carpal tunnel syndrome', 'fibromyalgia', 'migraine', 'neuropathy', 'peripheral neuropathy', 'vertigo', 'syncope',
  'concussion', 'seizure', 'epilepsy', 'dementia',
  // skin and infection
  'cellulitis', 'abscess', 'erythema', 'fluctuance', 'induration', 'dermatitis', 'eczema', 'psoriasis', 'urticaria',
  'impetigo', 'herpes zoster', 'shingles', 'onychomycosis', 'laceration', 'contusion',
  // mental health and sleep
  'depression', 'major depressive disorder', 'generalized anxiety disorder', 'panic disorder', 'insomnia',
  'obstructive sleep apnea', 'attention deficit hyperactivity disorder', 'bipolar disorder',
  // exam findings
  'auscultation', 'palpation', 'tenderness', 'crackles', 'rhonchi', 'wheezing', 'wheezes', 'murmur', 'edema',
  'lymphadenopathy', 'effusion', 'ecchymosis', 'bilateral', 'bilaterally', 'unremarkable', 'irregularly irregular rhythm',
];
