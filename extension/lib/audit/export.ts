import { z } from 'zod';
import { verifyChain, type ChainBreak } from './chain.ts';
import { AuditTimestamp, type AuditRecord } from './record.ts';
import { b64url, fromB64url, jwkThumbprint, PublicJwk, verifySignature, type AuditSigner } from './signer.ts';

/**
 * Export format: JSON Lines, UTF-8, "\n" line ends.
 *
 *   line 1      header     {"type":"scribe-audit-export","version":1,"alg":"ES256",...,"publicKeyJwk":{...},
 *                           "firstSeq","firstPrev","count","headHash"}
 *   lines 2..   records    one AuditRecord per line, in seq order, with their chain fields
 *   last line   signature  {"type":"signature","alg":"ES256","sig":"<base64url r||s>"}
 *
 * The signature covers every byte before the signature line (header and records, each with its
 * "\n"). The header pins where the chain starts (firstSeq/firstPrev: an export may start after
 * pruned records), how many records follow and the last record's hash, so truncation and
 * appended records are caught even when the remaining chain is consistent.
 */

export const EXPORT_TYPE = 'scribe-audit-export';
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

export const ExportHeader = z
  .object({
    type: z.literal(EXPORT_TYPE),
    version: z.literal(1),
    alg: z.literal('ES256'),
    exportedAt: AuditTimestamp,
    publicKeyJwk: PublicJwk,
    keyThumbprint: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    firstSeq: z.number().int().min(0),
    firstPrev: Hex64,
    count: z.number().int().min(0),
    headHash: Hex64,
  })
  .strict();
export type ExportHeader = z.infer<typeof ExportHeader>;

const SignatureLine = z.object({ type: z.literal('signature'), alg: z.literal('ES256'), sig: z.string().max(200) }).strict();

const enc = new TextEncoder();

/** Field order used when writing records (readability only; the hash uses canonicalRecord). */
function recordLine(r: AuditRecord): string {
  const o: Record<string, unknown> = { v: r.v, seq: r.seq, ts: r.ts, actor: r.actor, action: r.action };
  if (r.visitId !== undefined) o.visitId = r.visitId;
  o.outcome = r.outcome;
  o.details = r.details;
  o.prev = r.prev;
  o.hash = r.hash;
  return JSON.stringify(o);
}

/** Builds the signed JSONL text for a contiguous run of records (already verified by the caller). */
export async function buildExport(
  records: readonly AuditRecord[],
  signer: AuditSigner,
  opts: { exportedAt: string; firstPrev: string; firstSeq: number },
): Promise<string> {
  const last = records[records.length - 1];
  const header: ExportHeader = {
    type: EXPORT_TYPE,
    version: 1,
    alg: 'ES256',
    exportedAt: opts.exportedAt,
    publicKeyJwk: signer.publicJwk,
    keyThumbprint: signer.thumbprint,
    firstSeq: records[0]?.seq ?? opts.firstSeq,
    firstPrev: records[0]?.prev ?? opts.firstPrev,
    count: records.length,
    headHash: last?.hash ?? opts.firstPrev,
  };
  let body = JSON.stringify(header) + '\n';
  for (const r of records) body += recordLine(r) + '\n';
  const sig = await signer.sign(enc.encode(body));
  return body + JSON.stringify({ type: 'signature', alg: 'ES256', sig: b64url(sig) }) + '\n';
}

export type ExportVerifyCode = 'ok' | 'malformed_export' | 'chain_broken' | 'bad_signature' | 'unexpected_key';

export interface ExportVerification {
  readonly ok: boolean;
  readonly code: ExportVerifyCode;
  readonly records: number;
  readonly signature: 'valid' | 'invalid' | 'missing';
  readonly chain: 'valid' | 'broken' | 'unchecked';
  readonly keyThumbprint?: string;
  /** first broken link; `line` is the 1-based line number in the file (header is line 1) */
  readonly firstBreak?: ChainBreak & { readonly line: number };
  readonly firstSeq?: number;
  readonly lastSeq?: number;
}

function tryJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return null;
  }
}

/**
 * Verifies an export: header, chain (naming the first broken link), signature, and optionally that
 * the signing key is the one the auditor expects. Never throws.
 */
export async function verifyExport(text: string, opts: { expectKeyThumbprint?: string } = {}): Promise<ExportVerification> {
  try {
    return await verifyUnsafe(text, opts);
  } catch {
    return { ok: false, code: 'malformed_export', records: 0, signature: 'missing', chain: 'unchecked' };
  }
}

async function verifyUnsafe(text: string, opts: { expectKeyThumbprint?: string }): Promise<ExportVerification> {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const header = ExportHeader.safeParse(tryJson(lines[0] ?? ''));
  if (!header.success) return { ok: false, code: 'malformed_export', records: 0, signature: 'missing', chain: 'unchecked' };
  const h = header.data;

  const sigParsed = lines.length >= 2 ? SignatureLine.safeParse(tryJson(lines[lines.length - 1] ?? '')) : null;
  const hasSig = sigParsed?.success === true;
  const recordLines = hasSig ? lines.slice(1, -1) : lines.slice(1);

  let signature: ExportVerification['signature'] = 'missing';
  if (sigParsed?.success) {
    const signedLen = text.lastIndexOf('\n', text.length - 2) + 1; // start of the signature line
    const sig = fromB64url(sigParsed.data.sig);
    const valid = sig !== null && (await verifySignature(h.publicKeyJwk, enc.encode(text.slice(0, signedLen)), sig));
    signature = valid ? 'valid' : 'invalid';
  }

  const thumb = await jwkThumbprint({ kty: 'EC', crv: 'P-256', x: h.publicKeyJwk.x, y: h.publicKeyJwk.y });
  const chain = await verifyChain(recordLines.map(tryJson), { firstSeq: h.firstSeq, firstPrev: h.firstPrev, count: h.count, headHash: h.headHash });
  const base = {
    records: recordLines.length,
    signature,
    keyThumbprint: thumb,
    firstSeq: h.firstSeq,
    lastSeq: h.firstSeq + h.count - 1,
  };
  if (!chain.ok && chain.firstBreak) {
    return { ok: false, code: 'chain_broken', ...base, chain: 'broken', firstBreak: { ...chain.firstBreak, line: chain.firstBreak.index + 2 } };
  }
  if (signature !== 'valid') return { ok: false, code: 'bad_signature', ...base, chain: 'valid' };
  if (thumb !== h.keyThumbprint || (opts.expectKeyThumbprint !== undefined && opts.expectKeyThumbprint !== thumb)) {
    return { ok: false, code: 'unexpected_key', ...base, chain: 'valid' };
  }
  return { ok: true, code: 'ok', ...base, chain: 'valid' };
}
