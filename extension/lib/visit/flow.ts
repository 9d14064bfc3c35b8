/**
 * The visit flow in the offscreen document: the one place where a visit's content moves between
 * the ASR, the vault, the minimizer, the network and the audit trail (visit.design.md).
 *
 *   capture.start ─► vault visit (+ consent, audit) ─► finals sealed into the vault as they come
 *   review.prepare ─► minimize (banner + marked identifiers) ─► exact request bytes, previewed
 *   review.generate(previewId) ─► those bytes to the note API (cloud) or the on-device extractor
 *        ─► restore placeholders on the device ─► StoredNote sealed in the vault
 *   review.save / review.approve / review.delete ─► vault + audit
 *
 * Every method throws CodedError with a code from shared/messages.ts ErrorCode, never content.
 * The network sees only a payload that went through review.prepare (the previewed bytes, sent
 * verbatim): there is no other fetch with content in the extension.
 */
import { z } from 'zod';
import { ApiError, LIMITS, NOTES_ROUTE, Note, NoteRequest, NoteResponse, type NoteRequestInput, type TemplateId } from '../../../shared/api.ts';
import { CodedError, type Channel, type ErrorCode } from '../../../shared/messages.ts';
import { noteProblems, noteIsSound } from '../../../shared/notes/check.ts';
import { extractNote } from '../../../shared/notes/extractor.ts';
import { PlaceholderMap } from '../../../shared/placeholder.ts';
import type { ReviewedNote } from '../../../shared/review.ts';
import type { TranscriptSegment } from '../../../shared/transcript.ts';
import { AuditTrail, privacyReport, type AuditSigner, type PrivacyReport } from '../audit/index.ts';
import type { AuditAction, AuditCode, AuditDetails, AuditEvent, AuditOutcome } from '../audit/record.ts';
import { SYSTEM_ACTOR } from '../audit/record.ts';
import { log } from '../log/index.ts';
import { minimizeVisit, restore, type Banner, type Highlight } from '../minimize/index.ts';
import { defaultPolicy, EffectivePolicySchema, type EffectivePolicy } from '../policy/index.ts';
import { VaultAuditStore, isVaultError, type JsonContent, type Vault, type VisitSummary } from '../vault/index.ts';
import { StoredNote, type NoteMode } from './stored.ts';
import { vaultSettingsFromPolicy } from '../vault/policy-settings.ts';

export interface FlowDeps {
  vault: Vault;
  fetch: typeof fetch;
  now?: () => number;
  /** the install's audit signing key (IndexedDB key store in the offscreen document) */
  openSigner: () => Promise<AuditSigner>;
  /** SHA-256 hex of a string (WebCrypto) */
  sha256: (s: string) => Promise<string>;
  /** optional digests of the banner's name tokens for the API's PHI guard (shared helper) */
  bannerHashes?: (name: string) => Promise<string[]>;
  /** request timeout for the note API (ms) */
  apiTimeoutMs?: number;
  /** told when sealing finals starts failing (STORAGE: disk full) or works again */
  onStorageState?: (failed: boolean) => void;
}

export interface EgressPreview {
  previewId: string;
  visitId: string;
  /** the exact bytes that review.generate(cloud) sends */
  body: string;
  bytes: number;
  placeholderCount: number;
  segmentCount: number;
  /** minimized turns (what the body carries) with each replacement's position */
  turns: Array<{ id: string; speaker: string; text: string }>;
  highlights: Highlight[];
  /** 'device' when policy is offline-only */
  mode: NoteMode;
  /** where a cloud send goes (origin only) */
  apiOrigin: string;
  template: TemplateId;
}

export interface ReviewState {
  visit: VisitSummary;
  meta: VisitMeta;
  segments: TranscriptSegment[];
  note: StoredNote | null;
}

export const VisitMeta = z
  .object({
    channel: z.enum(['in_person', 'telehealth']).optional(),
    startedAt: z.number().optional(),
    stoppedAt: z.number().optional(),
    consent: z.boolean().optional(),
    template: z.string().optional(),
  })
  .catchall(z.unknown());
export type VisitMeta = z.infer<typeof VisitMeta>;

interface Prepared {
  visitId: string;
  body: string;
  request: NoteRequest;
  map: PlaceholderMap;
  placeholderCount: number;
  createdAt: number;
}

/** A preview older than this must be prepared again (the transcript may have changed). */
const PREVIEW_TTL_MS = 30 * 60_000;
const MAX_PREVIEWS = 16;

const code = (c: ErrorCode): CodedError => new CodedError(c);

/** vault failures → flow codes (never content) */
function vaultCode(e: unknown): ErrorCode {
  if (e instanceof CodedError) return e.code;
  if (isVaultError(e)) {
    if (e.code === 'LOCKED') return 'vault_locked';
    if (e.code === 'NOT_INITIALIZED') return 'vault_not_set_up';
    if (e.code === 'NOT_FOUND' || e.code === 'SHREDDED') return 'visit_not_found';
  }
  return 'storage_failed';
}

export class VisitFlow {
  #policy: EffectivePolicy = defaultPolicy();
  readonly #vault: Vault;
  readonly #deps: FlowDeps;
  readonly #now: () => number;
  #trail: AuditTrail | null = null;
  #trailOpening: Promise<AuditTrail | null> | null = null;
  #lastAuditPrune = -Infinity;
  /** audit events that arrived while the vault was locked (content-free), appended on unlock */
  #auditBuffer: Array<{ event: AuditEvent; at: Date }> = [];
  /** finals not yet sealed (vault locked mid-visit), per visit */
  #pending = new Map<string, TranscriptSegment[]>();
  #writes: Promise<unknown> = Promise.resolve();
  /** the last seal of a final failed with STORAGE (the finals stay queued in memory) */
  #storageFailed = false;
  #previews = new Map<string, Prepared>();
  /** a cloud send in flight or done, per preview: the same preview is never sent twice */
  #sends = new Map<string, Promise<StoredNote>>();
  #lastActor: string = SYSTEM_ACTOR;

  constructor(deps: FlowDeps) {
    this.#deps = deps;
    this.#vault = deps.vault;
    this.#now = deps.now ?? (() => Date.now());
    this.#vault.onLock(() => {
      this.#trail = null; // its head is re-read from the vault on the next unlock
      this.#previews.clear(); // minimized text and maps are content: dropped with the keys
      this.#audit('vault_locked', { outcome: 'ok' });
    });
  }

  get policy(): EffectivePolicy {
    return this.#policy;
  }

  // ── policy ─────────────────────────────────────────────────────────────────────────────────

  /** The background's effective policy (the offscreen document cannot read chrome.storage). */
  applyPolicy(raw: unknown, changed: readonly string[]): void {
    const p = EffectivePolicySchema.safeParse(raw);
    if (!p.success) throw code('bad_message');
    this.#policy = p.data as EffectivePolicy;
    try {
      this.#vault.reconfigure(vaultSettingsFromPolicy(this.#policy));
    } catch {
      log('warn', 'flow.policy_vault_config_refused');
    }
    if (changed.length > 0) this.#audit('policy_changed', { outcome: 'ok', details: { count: changed.length } });
  }

  // ── audit ──────────────────────────────────────────────────────────────────────────────────

  async #openTrail(): Promise<AuditTrail | null> {
    if (this.#trail !== null) return this.#trail;
    if (!this.#vault.isUnlocked) return null;
    this.#trailOpening ??= AuditTrail.open(new VaultAuditStore(this.#vault), { now: () => new Date(this.#now()) })
      .then((t) => (this.#vault.isUnlocked ? (this.#trail = t) : null))
      .then((t) => {
        // audit retention (policy auditRetentionDays): at most once a day, when the trail opens
        if (t !== null && this.#now() - this.#lastAuditPrune >= 86_400_000) {
          this.#lastAuditPrune = this.#now();
          void t.prune(this.#policy.auditRetentionDays);
        }
        return t;
      })
      .catch(() => null)
      .finally(() => (this.#trailOpening = null));
    return this.#trailOpening;
  }

  #actor(): string {
    const id = this.#vault.profileId;
    if (id !== null) this.#lastActor = id;
    return this.#lastActor;
  }

  /** Appends one content-free record (buffered while locked). Never throws. */
  #audit(action: AuditAction, e: { visitId?: string | undefined; outcome: AuditOutcome; details?: AuditDetails; actor?: string }): void {
    const event: AuditEvent = {
      actor: e.actor ?? this.#actor(),
      action,
      outcome: e.outcome,
      ...(e.visitId !== undefined ? { visitId: e.visitId } : {}),
      ...(e.details !== undefined ? { details: e.details } : {}),
    };
    this.#auditBuffer.push({ event, at: new Date(this.#now()) });
    if (this.#auditBuffer.length > 1_000) this.#auditBuffer.shift();
    void this.flushAudit();
  }

  /** Writes buffered audit records once the vault is unlocked (called after every unlock, too). */
  async flushAudit(): Promise<void> {
    const run = this.#writes.then(async () => {
      const trail = await this.#openTrail();
      if (trail === null) return;
      while (this.#auditBuffer.length > 0) {
        const next = this.#auditBuffer[0]!;
        const r = await trail.append(next.event, { at: next.at });
        if (!r.ok && r.code === 'store_error') return; // still locked / storage failing: keep it
        this.#auditBuffer.shift(); // appended, or refused as invalid (a bug: never loops)
        if (!r.ok) log('error', 'flow.audit_invalid_event');
      }
    });
    this.#writes = run.catch(() => undefined);
    return run;
  }

  /** Called by the host after a vault command: audits unlock outcomes and flushes what waited. */
  async afterVaultCommand(cmd: string, ok: boolean, errCode?: string): Promise<void> {
    if (cmd === 'vault.unlock' || cmd === 'vault.setup') {
      if (ok) {
        this.#audit('vault_unlocked', { outcome: 'ok' });
        await this.flushAudit();
        await this.#flushPending();
      } else {
        // WIPED: this unlock was the last wrong PIN the policy allows and destroyed the vault (the
        // record waits in the buffer and opens the new vault's trail once a PIN is set)
        const c: AuditCode = errCode === 'BACKOFF' ? 'locked_out' : errCode === 'WRONG_PIN' ? 'bad_pin' : errCode === 'WIPED' ? 'vault_wiped' : 'unknown_error';
        this.#audit('vault_unlock_failed', { outcome: 'denied', details: { code: c } });
      }
    }
  }

  // ── capture ────────────────────────────────────────────────────────────────────────────────

  /**
   * A visit is about to be captured: the vault must be open (finals are sealed as they arrive),
   * consent must be attested when policy requires it. Returns the new visit's id.
   */
  async beginVisit(opts: { consent: boolean; channel: Channel }): Promise<string> {
    let status;
    try {
      status = await this.#vault.status();
    } catch {
      throw code('storage_failed');
    }
    if (!status.initialized) throw code('vault_not_set_up');
    if (!status.unlocked) throw code('vault_locked');
    if (this.#policy.consentRequired && !opts.consent) {
      this.#audit('consent_attested', { outcome: 'denied', details: { code: 'consent_missing', channel: opts.channel } });
      throw code('consent_required');
    }
    let visitId: string;
    try {
      visitId = await this.#vault.createVisit({ channel: opts.channel, startedAt: this.#now(), consent: opts.consent, template: this.#policy.defaultTemplate });
    } catch (e) {
      throw code(vaultCode(e));
    }
    this.#audit('visit_created', { visitId, outcome: 'ok', details: { channel: opts.channel } });
    if (opts.consent) {
      const sha256 = await this.#deps.sha256(this.#policy.consentWording);
      this.#audit('consent_attested', { visitId, outcome: 'ok', details: { channel: opts.channel, sha256 } });
    }
    this.#audit('capture_started', { visitId, outcome: 'ok', details: { channel: opts.channel } });
    return visitId;
  }

  /** A segment from the ASR: finals are sealed into the vault (queued while it is locked). */
  onSegment(visitId: string | null, seg: TranscriptSegment): void {
    if (visitId === null || !seg.final) return;
    const q = this.#pending.get(visitId) ?? [];
    q.push(seg);
    this.#pending.set(visitId, q);
    void this.#flushPending();
  }

  /**
   * Seals every queued final; what fails stays queued: locked → until the next unlock; storage
   * (disk full) → until a later attempt succeeds (the next final, retryPending, unlock).
   */
  #flushPending(): Promise<void> {
    const run = this.#writes.then(async () => {
      for (const [visitId, q] of this.#pending) {
        while (q.length > 0) {
          try {
            await this.#vault.putSegment(visitId, q[0]!);
            q.shift();
            this.#setStorageFailed(false);
          } catch (e) {
            const c = vaultCode(e);
            if (c === 'vault_locked') return;
            if (c === 'storage_failed') {
              if (!this.#storageFailed) log('warn', 'flow.segment_store_failed', { pending: q.length }, visitId);
              this.#setStorageFailed(true);
              return;
            }
            // the visit is gone (deleted/expired): nothing to keep
            log('warn', 'flow.segment_dropped', { pending: q.length }, visitId);
            q.length = 0;
          }
        }
        this.#pending.delete(visitId);
      }
    });
    this.#writes = run.catch(() => undefined);
    return run;
  }

  #setStorageFailed(failed: boolean): void {
    if (this.#storageFailed === failed) return;
    this.#storageFailed = failed;
    this.#deps.onStorageState?.(failed);
  }

  /** 'storage_failed' while queued finals cannot be sealed (disk full), else null. */
  get storageError(): ErrorCode | null {
    return this.#storageFailed && this.pendingCount() > 0 ? 'storage_failed' : null;
  }

  /** Tries the queued finals again (the panel polls this while it waits for the transcript). */
  retryPending(): Promise<void> {
    return this.pendingCount() > 0 ? this.#flushPending() : Promise.resolve();
  }

  /** Finals still waiting for the vault (shown to the clinician: "unlock to save"). */
  pendingCount(): number {
    let n = 0;
    for (const q of this.#pending.values()) n += q.length;
    return n;
  }

  captureStopped(visitId: string, info: { durationMs: number }): void {
    this.#audit('capture_stopped', { visitId, outcome: 'ok', details: { durationMs: Math.max(0, Math.round(info.durationMs)) } });
  }

  /** After the ASR's last final of a stopped visit: seal what is queued and pack the pages. */
  async finishVisit(visitId: string): Promise<void> {
    await this.#flushPending();
    // locked or failing: the loose rows read the same; packing them is an optimisation
    await this.#vault.compactSegments(visitId).catch(() => 0);
  }

  // ── review ─────────────────────────────────────────────────────────────────────────────────

  async list(): Promise<VisitSummary[]> {
    try {
      return await this.#vault.listVisits();
    } catch (e) {
      throw code(vaultCode(e));
    }
  }

  async #summary(visitId: string): Promise<VisitSummary> {
    const v = (await this.list()).find((s) => s.id === visitId);
    if (v === undefined) throw code('visit_not_found');
    return v;
  }

  async #storedNote(visitId: string): Promise<StoredNote | null> {
    let raw;
    try {
      raw = await this.#vault.getNote(visitId);
    } catch (e) {
      throw code(vaultCode(e));
    }
    if (raw === null) return null;
    const p = StoredNote.safeParse(raw);
    if (!p.success) throw code('note_invalid');
    return p.data;
  }

  async #segments(visitId: string): Promise<TranscriptSegment[]> {
    try {
      const all = await this.#vault.listSegments(visitId);
      return all.filter((s) => s.final && s.text.trim() !== '').sort((a, b) => a.t0 - b.t0 || a.t1 - b.t1);
    } catch (e) {
      throw code(vaultCode(e));
    }
  }

  /** The visit as the review panel shows it (audited: transcript viewed, note viewed). */
  async get(visitId: string): Promise<ReviewState> {
    const visit = await this.#summary(visitId);
    let meta: VisitMeta = {};
    try {
      const m = VisitMeta.safeParse(await this.#vault.getVisitMeta(visitId));
      if (m.success) meta = m.data;
    } catch (e) {
      throw code(vaultCode(e));
    }
    const segments = await this.#segments(visitId);
    const note = await this.#storedNote(visitId);
    this.#audit('transcript_viewed', { visitId, outcome: 'ok', details: { segmentCount: segments.length } });
    if (note !== null) this.#audit('note_viewed', { visitId, outcome: 'ok' });
    return { visit, meta, segments, note };
  }

  /**
   * Minimizes the visit's transcript and builds the exact request the note API would receive.
   * The identifier map is sealed into the vault; the preview (minimized text + highlights) is
   * what the clinician reviews before anything is sent.
   */
  async prepare(visitId: string, template: TemplateId, banner?: Banner, extraIdentifiers?: string[]): Promise<EgressPreview> {
    if (!this.#policy.templatesEnabled.includes(template)) throw code('bad_message');
    const visit = await this.#summary(visitId);
    if (visit.state === 'approved') throw code('already_approved');
    const segs = (await this.#segments(visitId)).slice(0, LIMITS.maxSegments);
    if (segs.length === 0) throw code('no_transcript');
    let res;
    try {
      res = minimizeVisit(
        segs.map((s) => ({ id: s.id, speaker: s.speaker, text: s.text })),
        {
          ...(banner !== undefined && Object.keys(banner).length > 0 ? { banner } : {}),
          strictness: this.#policy.minimizerStrictness,
          ...(extraIdentifiers !== undefined && extraIdentifiers.length > 0 ? { extraIdentifiers } : {}),
        },
      );
    } catch {
      throw code('handler_failed');
    }
    const bannerNameHashes = banner?.name && this.#deps.bannerHashes ? await this.#deps.bannerHashes(banner.name).catch(() => []) : [];
    const input: NoteRequestInput = {
      visitId,
      template,
      segments: segs.map((s, i) => ({ id: s.id, speaker: s.speaker, t0: s.t0, t1: s.t1, text: res.turns[i]!.text })),
      options: { omitEmptySections: true, ...(bannerNameHashes.length > 0 ? { bannerNameHashes } : {}) },
    };
    const parsed = NoteRequest.safeParse(input);
    if (!parsed.success) throw code('no_transcript');
    const body = JSON.stringify(input);
    const previewId = await this.#deps.sha256(body);
    try {
      await this.#vault.putPhiMap(visitId, res.map as unknown as JsonContent);
    } catch (e) {
      throw code(vaultCode(e));
    }
    const placeholderCount = Object.keys(res.map.entries).length;
    this.#previews.set(previewId, { visitId, body, request: parsed.data, map: res.map, placeholderCount, createdAt: this.#now() });
    while (this.#previews.size > MAX_PREVIEWS) this.#previews.delete(this.#previews.keys().next().value!);
    return {
      previewId,
      visitId,
      body,
      bytes: new TextEncoder().encode(body).length,
      placeholderCount,
      segmentCount: segs.length,
      turns: res.turns.map((t) => ({ id: t.id, speaker: t.speaker, text: t.text })),
      highlights: res.highlights,
      mode: this.#policy.providerMode === 'offline-only' ? 'device' : 'cloud',
      apiOrigin: new URL(this.#policy.apiBaseUrl).origin,
      template,
    };
  }

  /**
   * Makes the note from a prepared preview: `cloud` sends exactly the previewed bytes (once per
   * preview: a repeat returns the same note), `device` runs the extractor here and sends nothing.
   */
  async generate(visitId: string, previewId: string, mode: NoteMode): Promise<StoredNote> {
    const prepared = this.#previews.get(previewId);
    if (prepared === undefined || prepared.visitId !== visitId || this.#now() - prepared.createdAt > PREVIEW_TTL_MS) throw code('preview_expired');
    if (mode === 'cloud' && this.#policy.providerMode === 'offline-only') {
      this.#audit('egress_sent', { visitId, outcome: 'denied', details: { code: 'offline_only', providerMode: 'offline-only' } });
      throw code('offline_only');
    }
    const key = `${mode}:${previewId}`;
    const existing = this.#sends.get(key);
    if (existing !== undefined) return existing;
    const run = (mode === 'cloud' ? this.#cloud(prepared) : this.#device(prepared)).then((r) => this.#store(prepared, r.note, mode, r.provider));
    this.#sends.set(key, run);
    // a failed attempt may be retried (an explicit click); a success is kept so it is never resent
    run.catch(() => this.#sends.delete(key));
    while (this.#sends.size > MAX_PREVIEWS) this.#sends.delete(this.#sends.keys().next().value!);
    return run;
  }

  async #device(p: Prepared): Promise<{ note: Note; provider: 'extractor' }> {
    const note = extractNote({ template: p.request.template, segments: p.request.segments });
    return { note, provider: 'extractor' };
  }

  async #cloud(p: Prepared): Promise<{ note: Note; provider: NoteResponse['provider'] }> {
    const url = `${this.#policy.apiBaseUrl}${NOTES_ROUTE}`;
    const origin = new URL(url).origin;
    const bytes = new TextEncoder().encode(p.body).length;
    const details = (c?: AuditCode): AuditDetails => ({ bytes, placeholderCount: p.placeholderCount, origin, providerMode: 'cloud', ...(c ? { code: c } : {}) });
    let res: Response;
    try {
      res = await this.#deps.fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.#policy.apiToken}` },
        body: p.body,
        signal: AbortSignal.timeout(this.#deps.apiTimeoutMs ?? 30_000),
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      const timedOut = e instanceof DOMException && (e.name === 'TimeoutError' || e.name === 'AbortError');
      this.#audit('egress_sent', { visitId: p.visitId, outcome: 'error', details: details(timedOut ? 'timeout' : 'network_error') });
      throw code(timedOut ? 'api_timeout' : 'api_unreachable');
    }
    // The bytes left the device (whatever the answer): that is what the audit records.
    if (!res.ok) {
      // the error body is codes only (ApiError); read at most its code, never echo it
      let apiCode: string | undefined;
      try {
        const e = ApiError.safeParse(JSON.parse((await readBounded(res, 4_096)).text));
        if (e.success) apiCode = e.data.error.code;
      } catch {
        apiCode = undefined;
      }
      // the service made a note and its own output check refused it: that is a bad answer, not an outage
      const rejected = res.status === 502 && apiCode === 'output_rejected';
      this.#audit('egress_sent', { visitId: p.visitId, outcome: 'error', details: details(res.status === 422 ? 'phi_guard' : rejected ? 'provider_error' : 'http_error') });
      throw code(rejected ? 'api_bad_response' : res.status >= 500 || res.status === 429 ? 'api_unreachable' : 'api_refused');
    }
    let json: unknown;
    try {
      // bounded like the request (the API's note for a 60-minute visit is tens of KB): a larger
      // answer is refused unread past the bound, never buffered whole
      const body = await readBounded(res, MAX_NOTE_RESPONSE_BYTES);
      json = body.complete ? JSON.parse(body.text) : undefined;
    } catch {
      json = undefined;
    }
    const parsed = NoteResponse.safeParse(json);
    // The device re-checks what matters for safety: every statement's evidence exists and no
    // placeholder appears that was not sent (empty sections may be omitted, so no layout check).
    if (!parsed.success || !noteIsSound(noteProblems(parsed.data.note, { segments: p.request.segments }))) {
      this.#audit('egress_sent', { visitId: p.visitId, outcome: 'error', details: details('schema_error') });
      throw code('api_bad_response');
    }
    this.#audit('egress_sent', { visitId: p.visitId, outcome: 'ok', details: details() });
    return { note: parsed.data.note, provider: parsed.data.provider };
  }

  /** Restores identifiers on the device, seals the note, audits. */
  async #store(p: Prepared, note: Note, mode: NoteMode, provider: StoredNote['provider']): Promise<StoredNote> {
    const unresolved = new Set<string>();
    const restored: ReviewedNote = {
      sections: note.sections.map((s) => ({
        ...s,
        statements: s.statements.map((st) => {
          const r = restore(st.text, p.map);
          for (const u of [...r.unknown, ...r.malformed]) unresolved.add(u.slice(0, 64));
          return { text: r.text.slice(0, LIMITS.maxStatementChars), evidence: st.evidence };
        }),
      })),
    };
    const stored: StoredNote = {
      v: 1,
      note: restored,
      template: p.request.template,
      mode,
      provider,
      generatedAt: this.#now(),
      editedAt: null,
      approvedAt: null,
      unresolved: [...unresolved].slice(0, 500),
    };
    const visit = await this.#summary(p.visitId);
    if (visit.state === 'approved') throw code('already_approved');
    try {
      await this.#vault.putNote(p.visitId, stored as unknown as JsonContent);
    } catch (e) {
      throw code(vaultCode(e));
    }
    this.#audit('note_generated', {
      visitId: p.visitId,
      outcome: 'ok',
      details: { template: p.request.template, providerMode: mode === 'cloud' ? 'cloud' : 'offline-only', segmentCount: p.request.segments.length },
    });
    return stored;
  }

  /** The clinician's edit (a draft only: an approved note is the record and stays as approved). */
  async save(visitId: string, note: ReviewedNote): Promise<StoredNote> {
    const visit = await this.#summary(visitId);
    if (visit.state === 'approved') throw code('already_approved');
    const stored = await this.#storedNote(visitId);
    if (stored === null) throw code('note_not_found');
    const next: StoredNote = { ...stored, note, editedAt: this.#now(), unresolved: stored.unresolved.filter((u) => JSON.stringify(note).includes(u)) };
    try {
      await this.#vault.putNote(visitId, next as unknown as JsonContent);
    } catch (e) {
      throw code(vaultCode(e));
    }
    this.#audit('note_edited', { visitId, outcome: 'ok' });
    return next;
  }

  /**
   * Approval: an explicit act on exactly the stored note. Refused while the note still holds a
   * placeholder the device could not restore (the clinician must resolve it first).
   */
  async approve(visitId: string): Promise<StoredNote> {
    const stored = await this.#storedNote(visitId);
    if (stored === null) throw code('note_not_found');
    const text = JSON.stringify(stored.note);
    if (stored.unresolved.some((u) => text.includes(u))) {
      this.#audit('note_approved', { visitId, outcome: 'denied', details: { code: 'review_required' } });
      throw code('note_invalid');
    }
    const next: StoredNote = { ...stored, approvedAt: this.#now(), unresolved: [] };
    try {
      await this.#vault.putNote(visitId, next as unknown as JsonContent);
      await this.#vault.approveVisit(visitId);
    } catch (e) {
      throw code(vaultCode(e));
    }
    this.#audit('note_approved', { visitId, outcome: 'ok' });
    return next;
  }

  async delete(visitId: string): Promise<boolean> {
    let ok: boolean;
    try {
      ok = await this.#vault.deleteVisit(visitId);
    } catch (e) {
      throw code(vaultCode(e));
    }
    this.#pending.delete(visitId);
    for (const [id, p] of this.#previews) if (p.visitId === visitId) this.#previews.delete(id);
    this.#audit('visit_deleted', { visitId, outcome: ok ? 'ok' : 'error', details: { code: 'user' } });
    return ok;
  }

  async deleteAll(): Promise<number> {
    let n: number;
    try {
      n = await this.#vault.deleteAll();
    } catch (e) {
      throw code(vaultCode(e));
    }
    this.#pending.clear();
    this.#previews.clear();
    this.#audit('visit_deleted', { outcome: 'ok', details: { code: 'user', count: n } });
    return n;
  }

  /** A record the background asks for (EHR insert, expiry): content-free by schema. */
  auditFromBackground(e: { action: 'note_inserted' | 'note_insert_undone' | 'policy_changed' | 'visit_expired'; visitId?: string | undefined; outcome: AuditOutcome; code?: string | undefined; origin?: string | undefined; count?: number | undefined }): void {
    const details: AuditDetails = {};
    if (e.code !== undefined) {
      const c = z.enum(['user', 'retention', 'policy', 'origin_not_allowed', 'review_required', 'target_not_found', 'frame_denied', 'unknown_error']).safeParse(e.code);
      details.code = c.success ? c.data : 'unknown_error';
    }
    if (e.origin !== undefined && /^https?:\/\/[A-Za-z0-9.[\]:-]{1,255}$/.test(e.origin)) details.origin = e.origin.toLowerCase();
    if (e.count !== undefined) details.count = e.count;
    this.#audit(e.action, { visitId: e.visitId, outcome: e.outcome, details, ...(e.action === 'visit_expired' ? { actor: SYSTEM_ACTOR } : {}) });
  }

  // ── privacy report, audit export ───────────────────────────────────────────────────────────

  async report(visitId: string): Promise<PrivacyReport> {
    await this.flushAudit();
    const trail = await this.#openTrail();
    if (trail === null) throw code('vault_locked');
    this.#audit('privacy_report_viewed', { visitId, outcome: 'ok' });
    await this.flushAudit();
    return privacyReport(await trail.forVisit(visitId), visitId, this.#policy);
  }

  /** The signed JSONL export, its record count, and the install key's thumbprint (what an auditor pins with --expect-key). */
  async exportAudit(): Promise<{ text: string; count: number; keyThumbprint: string }> {
    await this.flushAudit();
    const trail = await this.#openTrail();
    if (trail === null) throw code('vault_locked');
    let signer: AuditSigner;
    try {
      signer = await this.#deps.openSigner();
    } catch {
      throw code('storage_failed');
    }
    const r = await trail.export(signer, { allowed: this.#policy.auditExportAllowed, actor: this.#actor() });
    if (!r.ok) throw code(r.code === 'export_not_allowed' ? 'export_not_allowed' : r.code === 'chain_broken' ? 'audit_chain_broken' : 'storage_failed');
    return { text: r.text, count: r.count, keyThumbprint: signer.thumbprint };
  }
}

/** The largest note answer the device reads (4 MiB; the request itself is at most 1 MiB). */
export const MAX_NOTE_RESPONSE_BYTES = 4 * 1024 * 1024;

/**
 * At most the first `max` bytes of a response body as text, and whether that was all of it; the
 * rest is never read (the stream is cancelled), so a huge or endless body costs nothing. A
 * multi-byte character cut at the bound is dropped.
 */
export async function readBounded(res: Response, max: number): Promise<{ text: string; complete: boolean }> {
  const reader = res.body?.getReader();
  if (reader === undefined) return { text: '', complete: true };
  const parts: Uint8Array[] = [];
  let n = 0;
  let complete = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        complete = true;
        break;
      }
      if (n + value.length > max) {
        parts.push(value.subarray(0, max - n));
        n = max;
        break;
      }
      parts.push(value);
      n += value.length;
    }
  } finally {
    if (!complete) await reader.cancel().catch(() => undefined);
  }
  const all = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(all);
  return { text: complete ? text : text.replace(/\uFFFD$/, ''), complete };
}
