/** A synthetic approved note (no real PHI) with script-looking text that must stay text. */
import type { NoteLike } from '../../../extension/lib/ehr/render.ts';

export const HOSTILE = '<img src=x onerror="window.__pwned=1"> & <script>window.__pwned=2</script>';

export const NOTE: NoteLike = {
  sections: [
    {
      key: 'subjective',
      title: 'Subjective',
      statements: [
        { text: 'Right knee pain for three weeks, worse on stairs.' },
        { text: `Patient typed ${HOSTILE} into the portal message.` },
      ],
    },
    { key: 'objective', title: 'Objective', statements: [{ text: 'Mild effusion of the right knee; full range of motion.' }] },
    { key: 'assessment', title: 'Assessment', statements: [{ text: 'Likely patellofemoral pain syndrome.' }] },
    {
      key: 'plan',
      title: 'Plan',
      statements: [{ text: 'Ibuprofen 400 mg three times daily with food for 10 days.' }, { text: 'Physiotherapy referral; follow up in 4 weeks.' }],
    },
  ],
};

/** Phrases every full write must show through the app's own API (text form). */
export const MUST_TEXT = ['Right knee pain for three weeks', 'Likely patellofemoral pain syndrome.', 'Ibuprofen 400 mg three times daily', HOSTILE];
/** The same, as an HTML serialiser escapes them (getData/getContent/getHTML). */
export const MUST_HTML = ['Right knee pain for three weeks', 'Likely patellofemoral pain syndrome.', 'Ibuprofen 400 mg three times daily', '&lt;script&gt;window.__pwned=2&lt;/script&gt;'];
