import { webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CodedError } from '../../../shared/messages.ts';
import { memoryKeyStore, openInstallSigner, verifyExport } from '../../../extension/lib/audit/index.ts';
import { defaultPolicy } from '../../../extension/lib/policy/index.ts';
import { MAX_NOTE_RESPONSE_BYTES, VisitFlow, readBounded } from '../../../extension/lib/visit/flow.ts';
import { PIN, seg, unlockedVault } from '../vault/helpers.ts';

/**
 * The visit flow's decisions over a real Vault (fake-indexeddb) with a fake note API: consent
 * and vault gates, finals sealed (and queued while locked), send-once, offline-only, restore with
 * unresolved placeholders blocking approval, edits only on drafts, and the audit chain.
 */
const sha256 = async (s: string) => Buffer.from(await webcrypto.subtle.digest('SHA-256', new TextEncoder().encode(s))).toString('hex');

async function setup(api?: (body: string) => Response | Promise<Response>) {
  const { vault, clock } = await unlockedVault();
  const calls: string[] = [];
  const fetchFn = (async (_url: string, init?: RequestInit) => {
    calls.push(String(init?.body));
    if (!api) throw new TypeError('network down');
    return api(String(init?.body));
  }) as unknown as typeof fetch;
  const store = memoryKeyStore();
  const flow = new VisitFlow({ vault, fetch: fetchFn, now: () => clock.now(), openSigner: () => openInstallSigner(store), sha256 });
  return { vault, clock, flow, calls };
}

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'NO_THROW';
  } catch (e) {
    return e instanceof CodedError ? e.code : 'OTHER';
  }
};

/** A cloud answer built like the extractor's: one statement per segment, evidence = its id. */
function echoNote(body: string, extra?: string): Response {
  const req = JSON.parse(body) as { segments: { id: string; text: string }[] };
  const statements = req.segments.map((s) => ({ text: s.text, evidence: [s.id] }));
  if (extra) statements.push({ text: extra, evidence: [req.segments[0]!.id] });
  return new Response(JSON.stringify({ note: { sections: [{ key: 'subjective', title: 'Subjective', statements }] }, provider: 'extractor', timings: { totalMs: 1, providerMs: 1 } }), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });
}

async function visitWithTranscript(flow: VisitFlow) {
  const id = await flow.beginVisit({ consent: true, channel: 'in_person' });
  flow.onSegment(id, seg('s1', 0, 'Good morning Mr. Quillfeather, how is the knee?'));
  flow.onSegment(id, { ...seg('s2', 3, 'Take ibuprofen 400 mg three times a day.'), final: true });
  flow.onSegment(id, { ...seg('p1', 6, 'partial text'), final: false });
  await flow.finishVisit(id);
  return id;
}

describe('VisitFlow', () => {
  it('refuses to start without consent when policy requires it, and with the vault locked', async () => {
    const { flow, vault } = await setup();
    expect(await codeOf(flow.beginVisit({ consent: false, channel: 'in_person' }))).toBe('consent_required');
    vault.lock('manual');
    expect(await codeOf(flow.beginVisit({ consent: true, channel: 'in_person' }))).toBe('vault_locked');
  });

  it('seals finals only, and keeps finals that arrive while locked until the next unlock', async () => {
    const { flow, vault } = await setup();
    const id = await visitWithTranscript(flow);
    expect((await vault.listSegments(id)).map((s) => s.id)).toEqual(['s1', 's2']);
    vault.lock('system_locked');
    flow.onSegment(id, seg('s3', 9, 'Follow up in two weeks.'));
    await new Promise((r) => setTimeout(r, 20));
    expect(flow.pendingCount()).toBe(1);
    await vault.unlock(PIN);
    await flow.afterVaultCommand('vault.unlock', true);
    expect(flow.pendingCount()).toBe(0);
    expect((await vault.listSegments(id)).map((s) => s.id)).toEqual(['s1', 's2', 's3']);
  });

  it('previews minimized bytes, sends exactly those once, and restores on the device', async () => {
    const { flow, calls } = await setup((b) => echoNote(b));
    const id = await visitWithTranscript(flow);
    const p = await flow.prepare(id, 'soap', { name: 'Quillfeather, Ambrose' });
    expect(p.body).not.toContain('Quillfeather');
    expect(p.placeholderCount).toBeGreaterThan(0);
    const [a, b] = await Promise.all([flow.generate(id, p.previewId, 'cloud'), flow.generate(id, p.previewId, 'cloud')]);
    expect(calls).toEqual([p.body]); // the previewed bytes, once
    expect(a).toEqual(b);
    expect(JSON.stringify(a.note)).toContain('Quillfeather'); // restored here, never sent
    expect(a.mode).toBe('cloud');
  });

  it('network down → api_unreachable, nothing stored; device drafting still works', async () => {
    const { flow, calls } = await setup();
    const id = await visitWithTranscript(flow);
    const p = await flow.prepare(id, 'soap');
    expect(await codeOf(flow.generate(id, p.previewId, 'cloud'))).toBe('api_unreachable');
    expect((await flow.get(id)).note).toBeNull();
    const n = await flow.generate(id, p.previewId, 'device');
    expect(n.mode).toBe('device');
    expect(calls.length).toBe(1);
  });

  it('the API\'s answers map to what the clinician is told: its output check refusing → api_bad_response; 500/429 → api_unreachable; 401 → api_refused', async () => {
    const json = (status: number, code: string) => new Response(JSON.stringify({ error: { code, requestId: 'r1' } }), { status, headers: { 'content-type': 'application/json' } });
    const answers: Array<[Response | (() => Response), string]> = [
      [() => json(502, 'output_rejected'), 'api_bad_response'],
      [() => json(502, 'provider_failed'), 'api_unreachable'],
      [() => new Response('<html>bad gateway</html>', { status: 502 }), 'api_unreachable'],
      [() => json(500, 'internal'), 'api_unreachable'],
      [() => json(429, 'rate_limited'), 'api_unreachable'],
      [() => json(401, 'unauthorized'), 'api_refused'],
    ];
    for (const [answer, want] of answers) {
      const { flow } = await setup(() => (typeof answer === 'function' ? answer() : answer));
      const id = await visitWithTranscript(flow);
      const p = await flow.prepare(id, 'soap');
      expect(await codeOf(flow.generate(id, p.previewId, 'cloud'))).toBe(want);
      expect((await flow.get(id)).note).toBeNull();
    }
  });

  it('answers are read only up to a bound: an endless error body or note neither hangs the send nor fills memory', async () => {
    let pulls = 0;
    let cancelled = false;
    const endless = (status: number) => () =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(c) {
            pulls++;
            c.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
          },
          cancel() {
            cancelled = true;
          },
        }),
        { status, headers: { 'content-type': 'application/json' } },
      );
    const first = await readBounded(endless(502)(), 4_096);
    expect(first).toEqual({ text: 'x'.repeat(4_096), complete: false });
    expect(cancelled).toBe(true);
    expect(pulls).toBeLessThan(5);
    // a character cut at the bound is dropped, not turned into a replacement mark; a short body is whole
    expect(await readBounded(new Response('ab\u00e9'), 3)).toEqual({ text: 'ab', complete: false });
    expect(await readBounded(new Response('ab\u00e9'), 4)).toEqual({ text: 'ab\u00e9', complete: true });
    expect(await readBounded(new Response(null, { status: 502 }), 10)).toEqual({ text: '', complete: true });
    // through the flow: an endless error body is an outage; an endless 200 is a bad answer, read
    // no further than the bound
    for (const [status, want] of [[502, 'api_unreachable'], [200, 'api_bad_response']] as const) {
      pulls = 0;
      cancelled = false;
      const { flow } = await setup(endless(status));
      const id = await visitWithTranscript(flow);
      const p = await flow.prepare(id, 'soap');
      expect(await codeOf(flow.generate(id, p.previewId, 'cloud'))).toBe(want);
      expect(cancelled).toBe(true);
      expect(pulls * 64 * 1024).toBeLessThanOrEqual(MAX_NOTE_RESPONSE_BYTES + 2 * 64 * 1024);
    }
  });

  it('offline-only policy refuses a cloud send before any request', async () => {
    const { flow, calls } = await setup((b) => echoNote(b));
    flow.applyPolicy({ ...defaultPolicy(), providerMode: 'offline-only' }, ['providerMode']);
    const id = await visitWithTranscript(flow);
    const p = await flow.prepare(id, 'soap');
    expect(p.mode).toBe('device');
    expect(await codeOf(flow.generate(id, p.previewId, 'cloud'))).toBe('offline_only');
    expect(calls.length).toBe(0);
  });

  it('a note with a forged placeholder is refused; an unknown one blocks approval until edited', async () => {
    const forged = await setup((b) => echoNote(b, 'Patient is [NAME_77].'));
    const id1 = await visitWithTranscript(forged.flow);
    const p1 = await forged.flow.prepare(id1, 'soap');
    // [NAME_77] was not in the input: the device-side output check refuses the note
    expect(await codeOf(forged.flow.generate(id1, p1.previewId, 'cloud'))).toBe('api_bad_response');

    // a malformed placeholder cannot be restored: it is kept, listed, and blocks approval
    const { flow } = await setup((b) => echoNote(b, 'Seen again on [DATE_ 3].'));
    const id = await visitWithTranscript(flow);
    const p = await flow.prepare(id, 'soap');
    const n = await flow.generate(id, p.previewId, 'cloud');
    expect(n.unresolved.length).toBe(1);
    expect(await codeOf(flow.approve(id))).toBe('note_invalid');
    const edited = { sections: n.note.sections.map((sec) => ({ ...sec, statements: sec.statements.filter((st) => !st.text.includes('[DATE_')) })) };
    const saved = await flow.save(id, edited);
    expect(saved.editedAt).not.toBeNull();
    expect(saved.unresolved).toEqual([]);
    const approved = await flow.approve(id);
    expect(approved.approvedAt).not.toBeNull();
    expect(await codeOf(flow.save(id, edited))).toBe('already_approved');
    expect(await codeOf(flow.prepare(id, 'soap'))).toBe('already_approved');
  });

  it('audits each step in a chain that verifies and carries no content', async () => {
    const { flow } = await setup((b) => echoNote(b));
    const id = await visitWithTranscript(flow);
    await flow.get(id);
    const p = await flow.prepare(id, 'soap', { name: 'Quillfeather, Ambrose' });
    await flow.generate(id, p.previewId, 'cloud');
    await flow.approve(id);
    flow.auditFromBackground({ action: 'note_inserted', visitId: id, outcome: 'ok', origin: 'https://ehr.example.org' });
    const { text } = await flow.exportAudit();
    expect((await verifyExport(text)).code).toBe('ok');
    const actions = text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { action?: string }).action).filter(Boolean);
    expect(actions).toEqual(expect.arrayContaining(['visit_created', 'consent_attested', 'capture_started', 'transcript_viewed', 'egress_sent', 'note_generated', 'note_approved', 'note_inserted', 'audit_exported']));
    expect(text).not.toMatch(/Quillfeather|ibuprofen|knee/i);
  });

  it('audit retention: records older than auditRetentionDays are pruned when the trail opens, and the pruning is itself recorded', async () => {
    const { flow, vault, clock } = await setup((b) => echoNote(b));
    flow.applyPolicy({ ...defaultPolicy(), auditRetentionDays: 30 }, ['auditRetentionDays']);
    const id = await visitWithTranscript(flow);
    await flow.get(id);
    await flow.flushAudit();
    const before = (await flow.exportAudit()).text;
    expect(before).toContain('visit_created');
    clock.advance(31 * 86_400_000);
    await vault.unlock(PIN); // the idle lock fired meanwhile; the trail re-opens on unlock
    await flow.flushAudit();
    await new Promise((r) => setTimeout(r, 50)); // the prune runs beside the flush
    const { text } = await flow.exportAudit();
    const actions = text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { action?: string }).action).filter(Boolean);
    expect(actions).not.toContain('visit_created');
    expect(actions).toContain('audit_pruned');
    expect((await verifyExport(text)).code).toBe('ok');
  });
  it('policy pinWipeAfterFailures: the 5th wrong PIN wipes the vault, and the new vault\'s trail records why', async () => {
    const { flow, vault, clock } = await setup((b) => echoNote(b));
    flow.applyPolicy({ ...defaultPolicy(), pinWipeAfterFailures: 5 }, ['pinWipeAfterFailures']);
    const id = await visitWithTranscript(flow);
    vault.lock();
    const codes: string[] = [];
    for (let i = 0; i < 5; i++) {
      let c = 'OK';
      try {
        await vault.unlock(`wrong-pin-${i}`);
      } catch (e) {
        c = (e as { code: string }).code;
      }
      await flow.afterVaultCommand('vault.unlock', false, c);
      codes.push(c);
      clock.skip(16 * 60_000); // past the longest back-off
    }
    expect(codes).toEqual(['WRONG_PIN', 'WRONG_PIN', 'WRONG_PIN', 'WRONG_PIN', 'WIPED']);
    expect((await vault.status()).initialized).toBe(false);
    await vault.setup('another-pin-123');
    await flow.afterVaultCommand('vault.setup', true);
    expect(await codeOf(flow.get(id))).not.toBe('NO_THROW'); // the visit went with the old vault
    const { text } = await flow.exportAudit();
    const recs = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { action?: string; details?: { code?: string } });
    expect(recs.filter((r) => r.action === 'vault_unlock_failed').map((r) => r.details?.code)).toEqual(['bad_pin', 'bad_pin', 'bad_pin', 'bad_pin', 'vault_wiped']);
    expect((await verifyExport(text)).code).toBe('ok');
  });

  it('policy pinWipeAfterFailures 0 (the default) never wipes', async () => {
    const { flow, vault, clock } = await setup((b) => echoNote(b));
    flow.applyPolicy({ ...defaultPolicy(), pinWipeAfterFailures: 0 }, ['pinWipeAfterFailures']);
    vault.lock();
    for (let i = 0; i < 8; i++) {
      await vault.unlock(`wrong-pin-${i}`).catch(() => undefined);
      clock.skip(16 * 60_000);
    }
    expect((await vault.status()).initialized).toBe(true);
    await vault.unlock(PIN);
  });
  it('audit actor: the vault\'s profile id (clinician-<16 chars of its random id>), the same after lock/unlock, in every record', async () => {
    const { flow, vault } = await setup((b) => echoNote(b));
    const actor = vault.profileId;
    expect(actor).toMatch(/^clinician-[A-Za-z0-9]{16}$/);
    await visitWithTranscript(flow);
    vault.lock();
    expect(vault.profileId).toBeNull(); // no id while locked
    await vault.unlock(PIN);
    await flow.afterVaultCommand('vault.unlock', true);
    expect(vault.profileId).toBe(actor);
    const other = await setup();
    expect(other.vault.profileId).not.toBe(actor); // another vault, another id
    const { text } = await flow.exportAudit();
    const actors = new Set(text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { actor?: string }).actor).filter((a) => a !== undefined));
    expect([...actors]).toEqual([actor]);
  });
});
