import type { SectionKey, TemplateId } from '../../../shared/api.ts';
import { TEMPLATES } from '../../../shared/notes/templates.ts';

/**
 * Section layout per template comes from shared/notes/templates.ts (one source of truth with the
 * extractor): fixed keys, order and titles. A provider's output is held to it — a model cannot
 * add, rename or reorder sections.
 */
export const TEMPLATE_SECTIONS: Record<TemplateId, readonly SectionKey[]> = {
  soap: TEMPLATES.soap.map((s) => s.key),
  hp: TEMPLATES.hp.map((s) => s.key),
  progress: TEMPLATES.progress.map((s) => s.key),
  telehealth: TEMPLATES.telehealth.map((s) => s.key),
  patient_instructions: TEMPLATES.patient_instructions.map((s) => s.key),
};

/** Plain-language description of each template for the LLM prompt. */
export const TEMPLATE_NAMES: Record<TemplateId, string> = {
  soap: 'SOAP note',
  hp: 'History and physical (H&P)',
  progress: 'Progress note',
  telehealth: 'Telehealth visit note',
  patient_instructions: 'Patient instructions in plain language (grade 6 reading level, second person)',
};
