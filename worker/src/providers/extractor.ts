import { extractNote } from '../../../shared/notes/extractor.ts';
import type { NoteProvider } from './types.ts';

/** Default provider: the offline, deterministic extractor from shared/ (same code as on device). */
export const extractorProvider: NoteProvider = {
  id: 'extractor',
  async generate(req) {
    try {
      return { ok: true, note: extractNote(req), attempts: 1 };
    } catch {
      return { ok: false, failure: 'binding_error', attempts: 1 };
    }
  },
};
