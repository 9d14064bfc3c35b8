import { describe, expect, it } from 'vitest';
import { bannerMatches, pickField, readTabBanner, scanTab, undoWrite, writeNote, type InsertChrome } from '../../../extension/lib/ehr/insert.ts';
import { createInsertHandler, type InsertAuditEvent, type SessionStoreLike } from '../../../extension/lib/background/ehr.ts';
import { VaultError } from '../../../extension/lib/vault/errors.ts';
import type { ScanTarget } from '../../../extension/lib/ehr/messages.ts';

const SECRET = 'Zephyrine-canary-statement';
const T = (id: string, label: string, section: string | null, extra: Partial<ScanTarget> = {}): ScanTarget => ({
  id,
  kind: 'textarea',
  label,
  section,
  score: section === null ? 0 : 60,
  wholeNote: false,
  focused: false,
  multiline: true,
  ...extra,
});

interface FakeFrame {
  origin: string;
  targets: ScanTarget[];
  code?: 'ok' | 'origin_not_allowed';
  focusInChildFrame?: boolean;
  banner?: { name?: string; dob?: string; mrn?: string };
  pick?: { code: 'ok' | 'not_found'; target: ScanTarget | null; delayMs: number };
}

/** A fake tab: frames answering the content script's protocol; records every message sent. */
function fakeChrome(frames: Record<number, FakeFrame>, opts: { url?: string; injectThrows?: boolean; getThrows?: boolean } = {}) {
  const sent: Array<{ frameId: number; msg: Record<string, unknown> }> = [];
  let nextWrite = 1;
  const api: InsertChrome = {
    scripting: {
      executeScript: async () => {
        if (opts.injectThrows) throw new Error('Cannot access contents of the page');
        return Object.keys(frames).map((k) => ({ frameId: Number(k) }));
      },
    },
    tabs: {
      get: async () => {
        if (opts.getThrows) throw new Error('No tab with id');
        return opts.url === undefined ? {} : { url: opts.url };
      },
      sendMessage: async (_tabId, message, { frameId }) => {
        const msg = message as Record<string, unknown>;
        sent.push({ frameId, msg });
        const f = frames[frameId];
        if (f === undefined) throw new Error('Could not establish connection');
        if (f.code === 'origin_not_allowed' && msg.cmd !== 'ehr.pick.cancel') {
          if (msg.cmd === 'ehr.scan') return { code: 'origin_not_allowed', origin: f.origin, top: frameId === 0, focusInChildFrame: false, targets: [], refused: 0 };
          return { code: 'origin_not_allowed' };
        }
        switch (msg.cmd) {
          case 'ehr.scan':
            return { code: 'ok', origin: f.origin, top: frameId === 0, focusInChildFrame: f.focusInChildFrame ?? false, targets: f.targets, refused: 1 };
          case 'ehr.write': {
            const writes = msg.writes as Array<{ target: { id: string }; blocks: unknown[] }>;
            return {
              code: 'ok',
              writeId: `w${nextWrite++}`,
              results: writes.map((w) => ({ id: w.target.id, kind: 'textarea', code: 'ok', ms: 1, chars: JSON.stringify(w.blocks).length })),
            };
          }
          case 'ehr.undo':
            return { code: 'ok', writeId: msg.writeId, results: [{ id: 't1', kind: 'textarea', code: 'ok', ms: 1, chars: 0 }] };
          case 'ehr.banner':
            return f.banner === undefined ? { code: 'not_found', via: null, patient: null } : { code: 'ok', via: 'selector', patient: f.banner };
          case 'ehr.pick':
            if (f.pick === undefined) return new Promise(() => undefined);
            await new Promise((r) => setTimeout(r, f.pick!.delayMs));
            return { code: f.pick.code, target: f.pick.target };
          case 'ehr.pick.cancel':
            return { code: 'ok' };
        }
        return { code: 'bad_message' };
      },
    },
  };
  return { api, sent };
}

const NOTE = {
  sections: [
    { key: 'subjective', title: 'Subjective', statements: [{ text: `${SECRET} one` }] },
    { key: 'assessment', title: 'Assessment', statements: [{ text: `${SECRET} two` }] },
    { key: 'plan', title: 'Plan', statements: [{ text: `${SECRET} three` }, { text: 'four' }] },
    { key: 'objective', title: 'Objective', statements: [] },
  ],
};
const ALLOWED = ['https://ehr.example.org', 'https://frames.example.org'];
const EHR = 'https://ehr.example.org';

function soapPage(): Record<number, FakeFrame> {
  return {
    0: { origin: EHR, targets: [T('t1', 'Subjective', 'subjective'), T('t2', 'Full note', null, { wholeNote: true, score: 40 }), T('t3', 'Password hint', null, { kind: 'input', multiline: false })] },
    4: { origin: 'https://frames.example.org', targets: [T('t1', 'Plan', 'plan')] },
  };
}

describe('insert: scan', () => {
  it('reports frames, fields, the focused / whole-note / auto field and the section mapping — labels, never values', async () => {
    const { api } = fakeChrome(soapPage(), { url: `${EHR}/chart/123?patient=9` });
    const r = await scanTab(api, 7, ALLOWED, NOTE);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.origin).toBe(EHR); // origin only, never the path or query
    expect(r.value.frames.map((f) => [f.frameId, f.origin, f.fields])).toEqual([
      [0, EHR, 3],
      [4, 'https://frames.example.org', 1],
    ]);
    expect(r.value.focused).toBeNull();
    expect(r.value.wholeNote).toEqual({ frameId: 0, targetId: 't2' });
    expect(r.value.auto).toEqual({ frameId: 0, targetId: 't2' });
    expect(r.value.mapping).toEqual([
      { key: 'subjective', field: { frameId: 0, targetId: 't1' } },
      { key: 'assessment', field: null },
      { key: 'plan', field: { frameId: 4, targetId: 't1' } },
    ]);
    expect(JSON.stringify(r)).not.toContain(SECRET);
  });

  it('prefers the focused field for auto, including one inside a child frame', async () => {
    const frames = soapPage();
    frames[0]!.focusInChildFrame = true;
    frames[4]!.targets = [T('t1', 'Plan', 'plan', { focused: true })];
    const { api } = fakeChrome(frames, { url: EHR });
    const r = await scanTab(api, 7, ALLOWED);
    expect(r.ok && r.value.auto).toEqual({ frameId: 4, targetId: 't1' });
    // without a note, the mapping lists every section a field is labelled for
    expect(r.ok && r.value.mapping.map((m) => m.key)).toEqual(['subjective', 'plan']);
  });

  it('refuses a tab whose origin policy does not allow, before injecting anything', async () => {
    const { api, sent } = fakeChrome(soapPage(), { url: 'https://evil.example.com/x' });
    let injected = false;
    const orig = api.scripting.executeScript;
    api.scripting.executeScript = async (i) => {
      injected = true;
      return orig(i);
    };
    expect(await scanTab(api, 7, ALLOWED)).toEqual({ ok: false, code: 'origin_not_allowed', origin: 'https://evil.example.com' });
    expect(injected).toBe(false);
    expect(sent).toEqual([]);
    // an empty allowed list (policy: writing disabled) refuses too
    expect((await scanTab(fakeChrome(soapPage(), { url: EHR }).api, 7, [])).ok).toBe(false);
  });

  it('refuses when the top frame itself refuses, and leaves refused child frames out', async () => {
    const top = fakeChrome({ 0: { origin: EHR, targets: [], code: 'origin_not_allowed' } });
    expect(await scanTab(top.api, 1, ALLOWED)).toMatchObject({ ok: false, code: 'origin_not_allowed' });
    const frames = soapPage();
    frames[4] = { origin: 'https://ads.example.net', targets: [T('t1', 'Plan', 'plan')], code: 'origin_not_allowed' };
    const r = await scanTab(fakeChrome(frames, { url: EHR }).api, 1, ALLOWED, NOTE);
    expect(r.ok && r.value.deniedFrames).toBe(1);
    expect(r.ok && r.value.fields.every((f) => f.frameId === 0)).toBe(true);
  });

  it('says no_access when the extension may not run in the tab (no activeTab grant)', async () => {
    expect(await scanTab(fakeChrome(soapPage(), { injectThrows: true }).api, 1, ALLOWED)).toMatchObject({ ok: false, code: 'no_access' });
    expect(await scanTab(fakeChrome(soapPage(), { getThrows: true }).api, 1, ALLOWED)).toMatchObject({ ok: false, code: 'no_access' });
  });
});

describe('insert: write', () => {
  it("auto writes the whole note with headings into the best whole-note field and reports verified per field", async () => {
    const { api, sent } = fakeChrome(soapPage(), { url: EHR });
    const r = await writeNote(api, 3, NOTE, { mode: 'auto' }, ALLOWED);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.code).toBe('ok');
    expect(r.value.results.map((x) => [x.frameId, x.origin, x.targetId, x.label, x.verified])).toEqual([[0, EHR, 't2', 'Full note', true]]);
    expect(r.value.undo).toEqual({ tabId: 3, frames: [{ frameId: 0, writeId: 'w1', origin: EHR }] });
    const w = sent.find((s) => s.msg.cmd === 'ehr.write')!;
    expect(w.frameId).toBe(0);
    const blocks = (w.msg.writes as Array<{ blocks: Array<{ type: string }> }>)[0]!.blocks;
    expect(blocks.filter((b) => b.type === 'heading')).toHaveLength(3);
    expect(w.msg.allowedOrigins).toEqual(ALLOWED);
    // the outcome carries lengths, never the text
    const { undo: _u, ...reported } = r.value;
    expect(JSON.stringify(reported)).not.toContain(SECRET);
    expect(r.value.results[0]!.chars).toBeGreaterThan(0);
  });

  it('auto with only: one section, no heading, into the focused field', async () => {
    const frames = soapPage();
    frames[0]!.targets[0] = T('t1', 'Subjective', 'subjective', { focused: true });
    const { api, sent } = fakeChrome(frames, { url: EHR });
    const r = await writeNote(api, 3, NOTE, { mode: 'auto', only: ['assessment'] }, ALLOWED);
    expect(r.ok && r.value.results.map((x) => x.targetId)).toEqual(['t1']);
    const blocks = (sent.find((s) => s.msg.cmd === 'ehr.write')!.msg.writes as Array<{ blocks: unknown[] }>)[0]!.blocks;
    expect(blocks).toEqual([{ type: 'paragraph', text: `${SECRET} two` }]);
  });

  it('sections maps each section to its labelled field across frames and lists the unmapped ones', async () => {
    const { api, sent } = fakeChrome(soapPage(), { url: EHR });
    const r = await writeNote(api, 3, NOTE, { mode: 'sections' }, ALLOWED);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.results.map((x) => [x.frameId, x.label, x.section, x.verified])).toEqual([
      [0, 'Subjective', 'subjective', true],
      [4, 'Plan', 'plan', true],
    ]);
    expect(r.value.unmapped).toEqual(['assessment']);
    expect(r.value.undo?.frames.map((f) => f.frameId)).toEqual([0, 4]);
    expect(r.value.origins).toEqual([EHR, 'https://frames.example.org']);
    expect(sent.filter((s) => s.msg.cmd === 'ehr.write').map((s) => s.frameId)).toEqual([0, 4]);
    // only one section
    const one = await writeNote(fakeChrome(soapPage(), { url: EHR }).api, 3, NOTE, { mode: 'sections', only: ['plan'] }, ALLOWED);
    expect(one.ok && one.value.results.map((x) => x.label)).toEqual(['Plan']);
    // nothing mappable
    expect(await writeNote(fakeChrome(soapPage(), { url: EHR }).api, 3, NOTE, { mode: 'sections', only: ['assessment'] }, ALLOWED)).toMatchObject({ ok: false, code: 'no_mapping' });
  });

  it('target writes into the given field only when that frame scanned it', async () => {
    const { api } = fakeChrome(soapPage(), { url: EHR });
    const r = await writeNote(api, 3, NOTE, { mode: 'target', frameId: 4, targetId: 't1' }, ALLOWED);
    expect(r.ok && r.value.results.map((x) => [x.frameId, x.label])).toEqual([[4, 'Plan']]);
    expect(await writeNote(api, 3, NOTE, { mode: 'target', frameId: 4, targetId: 't9' }, ALLOWED)).toMatchObject({ ok: false, code: 'target_not_found' });
    expect(await writeNote(api, 3, NOTE, { mode: 'target', frameId: 9, targetId: 't1' }, ALLOWED)).toMatchObject({ ok: false, code: 'target_not_found' });
  });

  it('auto with no focused, whole-note or single multi-line field asks for a pick', async () => {
    const frames = soapPage();
    frames[0]!.targets = [T('t1', 'Subjective', 'subjective')];
    const r = await writeNote(fakeChrome(frames, { url: EHR }).api, 3, NOTE, { mode: 'auto' }, ALLOWED);
    expect(r).toMatchObject({ ok: false, code: 'no_focused_target' });
  });

  it('an empty note or an only-list naming no written section writes nothing', async () => {
    const { api, sent } = fakeChrome(soapPage(), { url: EHR });
    expect(await writeNote(api, 3, { sections: [] }, { mode: 'auto' }, ALLOWED)).toMatchObject({ ok: false, code: 'no_section_target' });
    expect(await writeNote(api, 3, NOTE, { mode: 'auto', only: ['objective'] }, ALLOWED)).toMatchObject({ ok: false, code: 'no_section_target' });
    expect(sent).toEqual([]);
  });

  it('undo sends each frame its writeId and keeps conflicted frames for a forced retry', async () => {
    const { api, sent } = fakeChrome(soapPage(), { url: EHR });
    const r = await undoWrite(api, { tabId: 3, frames: [{ frameId: 0, writeId: 'w1', origin: EHR }, { frameId: 4, writeId: 'w2', origin: 'https://frames.example.org' }] }, ALLOWED, true);
    expect(r.ok && r.value.code).toBe('ok');
    expect(r.ok && r.value.remaining).toBeNull();
    expect(sent.map((s) => [s.frameId, s.msg.writeId, s.msg.force])).toEqual([
      [0, 'w1', true],
      [4, 'w2', true],
    ]);
  });
});

describe('insert: banner and pick', () => {
  it('reads the banner from the first frame that has one, and compares it with the visit', async () => {
    const frames = soapPage();
    frames[4]!.banner = { name: 'DOE, Jane', dob: '04/12/1961', mrn: 'A-1234567' };
    const r = await readTabBanner(fakeChrome(frames, { url: EHR }).api, 1, ALLOWED);
    expect(r.ok && r.value).toEqual({ patient: { name: 'DOE, Jane', dob: '04/12/1961', mrn: 'A-1234567' }, via: 'selector', frameId: 4 });
    const chart = r.ok ? r.value.patient : null;
    expect(bannerMatches(chart, { name: 'Jane Doe', dob: '1961-04-12', mrn: 'a1234567' })).toBe('match');
    expect(bannerMatches(chart, { mrn: 'A1234568' })).toBe('mismatch');
    expect(bannerMatches(chart, {})).toBe('unknown');
    expect(bannerMatches(null, { mrn: 'A1234567' })).toBe('unknown');
    const none = await readTabBanner(fakeChrome(soapPage(), { url: EHR }).api, 1, ALLOWED);
    expect(none.ok && none.value).toEqual({ patient: null, via: null, frameId: null });
  });

  it('pick: the first frame clicked wins and the others are cancelled; Esc anywhere cancels', async () => {
    const frames = soapPage();
    frames[4]!.pick = { code: 'ok', target: T('t1', 'Plan', 'plan'), delayMs: 5 };
    const { api, sent } = fakeChrome(frames, { url: EHR });
    const r = await pickField(api, 1, ALLOWED, 5_000);
    expect(r.ok && [r.value.frameId, r.value.targetId, r.value.label]).toEqual([4, 't1', 'Plan']);
    expect(sent.filter((s) => s.msg.cmd === 'ehr.pick.cancel').map((s) => s.frameId)).toEqual([0]);
    const esc = soapPage();
    esc[0]!.pick = { code: 'not_found', target: null, delayMs: 1 };
    expect(await pickField(fakeChrome(esc, { url: EHR }).api, 1, ALLOWED)).toMatchObject({ ok: false, code: 'not_found' });
  });
});

// ── the background sub-protocol ────────────────────────────────────────────────────────────

const VISIT = 'visit_0001';
function stored(over: Record<string, unknown> = {}) {
  const ev = ['s1'];
  return {
    v: 1,
    note: { sections: NOTE.sections.filter((s) => s.statements.length > 0).map((s) => ({ ...s, statements: s.statements.map((st) => ({ ...st, evidence: ev })) })) },
    template: 'soap',
    mode: 'device',
    provider: 'extractor',
    generatedAt: 1000,
    editedAt: null,
    approvedAt: 2000,
    unresolved: [],
    ...over,
  };
}
function fakeVault(state: 'draft' | 'approved', note: unknown, err?: VaultError) {
  return {
    listVisits: async () => {
      if (err) throw err;
      return [{ id: VISIT, state, createdAt: 1, updatedAt: 2, approvedAt: state === 'approved' ? 2000 : null, expiresAt: 9e12 }];
    },
    getNote: async () => note as never,
  };
}
function memSession(): SessionStoreLike & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return { data, get: async (k) => (data.has(k) ? { [k]: data.get(k) } : {}), set: async (o) => void Object.entries(o).forEach(([k, v]) => data.set(k, v)), remove: async (k) => void data.delete(k) };
}
function handler(vault: ReturnType<typeof fakeVault>, frames = soapPage(), url = `${EHR}/chart/42`) {
  const audit: InsertAuditEvent[] = [];
  const fake = fakeChrome(frames, { url });
  const session = memSession();
  const h = createInsertHandler({ vault, chrome: fake.api, allowedOrigins: async () => ALLOWED, session, onAudit: (e) => audit.push(e) });
  return { h, audit, sent: fake.sent, session };
}
const msg = (cmd: string, body: Record<string, unknown>) => ({ target: 'background', cmd, ...body });

describe('background insert.* handler', () => {
  it('insert.write reads the approved note from the vault, writes it, audits origin only, and undo restores', async () => {
    const { h, audit, sent, session } = handler(fakeVault('approved', stored()));
    const r = await h.handle(msg('insert.write', { tabId: 3, visitId: VISIT, mode: 'auto' }));
    expect(r).toMatchObject({ ok: true, value: { code: 'ok', mode: 'auto', undoable: true, unmapped: [] } });
    expect(r.ok && (r.value as { results: Array<{ label: string; verified: boolean }> }).results.map((x) => [x.label, x.verified])).toEqual([['Full note', true]]);
    expect(JSON.stringify(r)).not.toContain(SECRET);
    expect(audit).toEqual([{ action: 'note_inserted', visitId: VISIT, outcome: 'ok', origin: EHR }]);
    expect(JSON.stringify([...session.data])).not.toContain(SECRET);
    const u = await h.handle(msg('insert.undo', { tabId: 3, visitId: VISIT }));
    expect(u).toMatchObject({ ok: true, value: { code: 'ok', conflict: false } });
    expect(audit[1]).toEqual({ action: 'note_insert_undone', visitId: VISIT, outcome: 'ok', origin: EHR });
    expect(sent.filter((s) => s.msg.cmd === 'ehr.undo').map((s) => s.msg.writeId)).toEqual(['w1']);
    expect(await h.handle(msg('insert.undo', { tabId: 3, visitId: VISIT }))).toEqual({ ok: false, code: 'nothing_to_undo' });
  });

  it('refuses not_approved: a draft visit, a note without approvedAt, or one edited after approval — nothing sent to the page', async () => {
    for (const [state, note] of [
      ['draft', stored()],
      ['approved', stored({ approvedAt: null })],
      ['approved', stored({ editedAt: 3000 })],
    ] as const) {
      const { h, audit, sent } = handler(fakeVault(state, note));
      expect(await h.handle(msg('insert.write', { tabId: 3, visitId: VISIT, mode: 'auto' }))).toEqual({ ok: false, code: 'not_approved' });
      expect(sent).toEqual([]);
      expect(audit).toEqual([{ action: 'note_inserted', visitId: VISIT, outcome: 'denied', code: 'not_approved', origin: EHR }]);
    }
  });

  it('maps vault states to codes: no note, unknown visit, locked', async () => {
    expect(await handler(fakeVault('approved', null)).h.handle(msg('insert.write', { tabId: 3, visitId: VISIT, mode: 'auto' }))).toEqual({ ok: false, code: 'no_note' });
    expect(await handler(fakeVault('approved', { text: 'not a StoredNote' })).h.handle(msg('insert.write', { tabId: 3, visitId: VISIT, mode: 'auto' }))).toEqual({ ok: false, code: 'no_note' });
    expect(await handler(fakeVault('approved', stored())).h.handle(msg('insert.write', { tabId: 3, visitId: 'other_visit', mode: 'auto' }))).toEqual({ ok: false, code: 'visit_not_found' });
    expect(await handler(fakeVault('approved', stored(), new VaultError('LOCKED'))).h.handle(msg('insert.write', { tabId: 3, visitId: VISIT, mode: 'auto' }))).toEqual({ ok: false, code: 'vault_locked' });
  });

  it('refuses an origin policy does not allow, and audits the denial with the origin only', async () => {
    const { h, audit, sent } = handler(fakeVault('approved', stored()), soapPage(), 'https://evil.example.com/chart?mrn=1');
    expect(await h.handle(msg('insert.write', { tabId: 3, visitId: VISIT, mode: 'auto' }))).toEqual({ ok: false, code: 'origin_not_allowed' });
    expect(sent).toEqual([]);
    expect(audit).toEqual([{ action: 'note_inserted', visitId: VISIT, outcome: 'denied', code: 'origin_not_allowed', origin: 'https://evil.example.com' }]);
  });

  it('a failed policy read fails closed', async () => {
    const fake = fakeChrome(soapPage(), { url: EHR });
    const h = createInsertHandler({ vault: fakeVault('approved', stored()), chrome: fake.api, allowedOrigins: async () => Promise.reject(new Error('x')), session: memSession() });
    expect(await h.handle(msg('insert.write', { tabId: 3, visitId: VISIT, mode: 'auto' }))).toEqual({ ok: false, code: 'origin_not_allowed' });
  });

  it('parses strictly: no note text accepted, unknown keys and bad shapes are bad_message', async () => {
    const { h, sent } = handler(fakeVault('approved', stored()));
    for (const bad of [
      msg('insert.write', { tabId: 3, visitId: VISIT, mode: 'auto', note: { sections: [] } }),
      msg('insert.write', { tabId: 3, visitId: VISIT, mode: 'target' }),
      msg('insert.write', { tabId: 3, visitId: VISIT, mode: 'auto', frameId: 0, targetId: 't1' }),
      msg('insert.write', { tabId: -1, visitId: VISIT, mode: 'auto' }),
      msg('insert.write', { tabId: 3, visitId: '../x', mode: 'auto' }),
      msg('insert.scan', { tabId: 3, __proto__: { x: 1 }, extra: 1 }),
      { cmd: 'insert.scan', tabId: 3 },
      msg('insert.nope', { tabId: 3 }),
      null,
      'insert.scan',
    ]) expect(await h.handle(bad)).toEqual({ ok: false, code: 'bad_message' });
    expect(sent).toEqual([]);
  });

  it('insert.scan, insert.banner and insert.pick answer through the same parse', async () => {
    const frames = soapPage();
    frames[0]!.banner = { name: 'Nair, Walter', mrn: 'MRN-4471920' };
    frames[0]!.pick = { code: 'ok', target: T('t1', 'Subjective', 'subjective'), delayMs: 1 };
    const { h } = handler(fakeVault('approved', stored()), frames);
    const s = await h.handle(msg('insert.scan', { tabId: 3, visitId: VISIT }));
    expect(s.ok && (s.value as { mapping: unknown[] }).mapping).toHaveLength(3);
    expect(await h.handle(msg('insert.banner', { tabId: 3 }))).toEqual({ ok: true, value: { patient: { name: 'Nair, Walter', mrn: 'MRN-4471920' }, via: 'selector', frameId: 0 } });
    expect(await h.handle(msg('insert.pick', { tabId: 3, timeoutMs: 2_000 }))).toMatchObject({ ok: true, value: { frameId: 0, targetId: 't1', label: 'Subjective' } });
    expect(await h.handle(msg('insert.pick.cancel', { tabId: 3 }))).toEqual({ ok: true, value: null });
  });
});
