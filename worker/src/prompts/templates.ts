import type { SectionKey, TemplateId } from '../../../shared/api.ts';

/**
 * The sections each template may contain, in order, with the titles the server writes. A
 * provider's output is held to this list: a model cannot add, rename or reorder sections.
 */
export const SECTION_TITLES: Record<SectionKey, string> = {
  chief_complaint: 'Chief complaint',
  hpi: 'History of present illness',
  subjective: 'Subjective',
  ros: 'Review of systems',
  pmh: 'Past medical history',
  medications: 'Medications',
  allergies: 'Allergies',
  vitals: 'Vitals',
  exam: 'Physical exam',
  objective: 'Objective',
  results: 'Results',
  assessment: 'Assessment',
  plan: 'Plan',
  follow_up: 'Follow-up',
  instructions: 'Instructions',
  visit_info: 'Visit information',
};

export const TEMPLATE_SECTIONS: Record<TemplateId, readonly SectionKey[]> = {
  soap: ['chief_complaint', 'subjective', 'hpi', 'ros', 'medications', 'allergies', 'objective', 'vitals', 'exam', 'results', 'assessment', 'plan', 'follow_up'],
  hp: ['chief_complaint', 'hpi', 'pmh', 'medications', 'allergies', 'ros', 'vitals', 'exam', 'results', 'assessment', 'plan', 'follow_up'],
  progress: ['chief_complaint', 'subjective', 'medications', 'allergies', 'vitals', 'objective', 'exam', 'results', 'assessment', 'plan', 'follow_up'],
  telehealth: ['visit_info', 'chief_complaint', 'hpi', 'medications', 'allergies', 'vitals', 'exam', 'assessment', 'plan', 'follow_up'],
  patient_instructions: ['instructions', 'medications', 'allergies', 'plan', 'follow_up'],
};

export const TEMPLATE_NAMES: Record<TemplateId, string> = {
  soap: 'SOAP note',
  hp: 'History and physical (H&P)',
  progress: 'Progress note',
  telehealth: 'Telehealth visit note',
  patient_instructions: 'Patient instructions in plain language (grade 6 reading level, second person)',
};
