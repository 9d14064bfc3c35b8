/**
 * Section layout per template. The layout is fixed: whatever the transcript says, a note of a given
 * template has exactly these sections in this order (empty ones included), so text in a segment can
 * never add, drop or reorder a section.
 */
import type { SectionKey, TemplateId } from '../api.ts';

export interface SectionSpec {
  key: SectionKey;
  title: string;
}

export const TEMPLATES: Readonly<Record<TemplateId, readonly SectionSpec[]>> = {
  soap: [
    { key: 'subjective', title: 'Subjective' },
    { key: 'objective', title: 'Objective' },
    { key: 'assessment', title: 'Assessment' },
    { key: 'plan', title: 'Plan' },
  ],
  hp: [
    { key: 'chief_complaint', title: 'Chief Complaint' },
    { key: 'hpi', title: 'History of Present Illness' },
    { key: 'pmh', title: 'Past Medical, Family and Social History' },
    { key: 'medications', title: 'Medications' },
    { key: 'allergies', title: 'Allergies' },
    { key: 'ros', title: 'Review of Systems' },
    { key: 'vitals', title: 'Vitals' },
    { key: 'exam', title: 'Physical Examination' },
    { key: 'results', title: 'Results' },
    { key: 'assessment', title: 'Assessment' },
    { key: 'plan', title: 'Plan' },
  ],
  progress: [
    { key: 'subjective', title: 'Interval History' },
    { key: 'medications', title: 'Current Medications' },
    { key: 'allergies', title: 'Allergies' },
    { key: 'vitals', title: 'Vitals' },
    { key: 'exam', title: 'Examination' },
    { key: 'results', title: 'Results' },
    { key: 'assessment', title: 'Assessment' },
    { key: 'plan', title: 'Plan' },
    { key: 'follow_up', title: 'Follow-up' },
  ],
  telehealth: [
    { key: 'visit_info', title: 'Visit Information' },
    { key: 'chief_complaint', title: 'Chief Complaint' },
    { key: 'hpi', title: 'History of Present Illness' },
    { key: 'medications', title: 'Medications' },
    { key: 'allergies', title: 'Allergies' },
    { key: 'vitals', title: 'Patient-Reported Vitals' },
    { key: 'exam', title: 'Observations (Video)' },
    { key: 'assessment', title: 'Assessment' },
    { key: 'plan', title: 'Plan' },
    { key: 'follow_up', title: 'Follow-up' },
  ],
  patient_instructions: [
    { key: 'chief_complaint', title: 'Why You Came In' },
    { key: 'assessment', title: 'What We Found' },
    { key: 'medications', title: 'Your Medicines' },
    { key: 'plan', title: 'What To Do Next' },
    { key: 'follow_up', title: 'Your Next Visit' },
    { key: 'instructions', title: 'When To Get Help' },
  ],
};

export function templateSections(template: TemplateId): readonly SectionSpec[] {
  return TEMPLATES[template];
}
