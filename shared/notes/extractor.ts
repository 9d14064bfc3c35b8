import type { Note, NoteRequest } from '../api.ts';

/** Offline, deterministic note extractor (placeholder version: one section per segment speaker). */
export function extractNote(req: NoteRequest): Note {
  const statements = req.segments
    .filter((s) => s.text.trim().length > 0)
    .slice(0, 200)
    .map((s) => ({ text: s.text.trim().slice(0, 2000), evidence: [s.id] }));
  return { sections: [{ key: 'subjective', title: 'Subjective', statements }] };
}
