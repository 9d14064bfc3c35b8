/** A labelled eval visit's reference: its turns and the PHI spans in them (character offsets into a turn's text). */
export interface LabelledVisit {
  id: string;
  turns?: { text: string }[];
  phi?: { turn: number; start: number; end: number }[];
}

/** The reference as pieces in and out of its PHI spans, or null when the visit has no labels. */
export function phiPieces(v: LabelledVisit | undefined): { text: string; tagged: boolean }[] | null {
  const phi = v?.phi;
  if (!v?.turns || !phi) return null;
  const pieces: { text: string; tagged: boolean }[] = [];
  v.turns.forEach((t, k) => {
    let at = 0;
    for (const s of phi.filter((x) => x.turn === k).sort((a, b) => a.start - b.start)) {
      if (s.start < at || s.end > t.text.length) throw new Error(`bench/asr: visit ${v.id} turn ${k}: PHI spans overlap or run past the turn`);
      pieces.push({ text: t.text.slice(at, s.start), tagged: false }, { text: t.text.slice(s.start, s.end), tagged: true });
      at = s.end;
    }
    pieces.push({ text: `${t.text.slice(at)} `, tagged: false });
  });
  return pieces;
}
