import manifest from '../../../models.manifest.json';
import type { AsrErrorCode, ModelId } from './protocol.ts';

/**
 * When a model fails to load, find which file is at fault: fetch each file the manifest lists for
 * that model and compare its size and sha256 (WebCrypto). Costs nothing on the happy path (only runs
 * after a failure). Returns the first bad file, or null when every file is intact.
 */
export interface Diagnosis {
  code: AsrErrorCode;
  file: string | null;
}

type Files = Record<string, { bytes: number; sha256: string }>;

/** the files the extension ships for a model: upstream files, with build-time derived ones in their place */
export function manifestFiles(model: ModelId | 'silero-vad'): Files {
  const m = (manifest.models as Record<string, { files: Files; derived?: Files } | undefined>)[model];
  return { ...(m?.files ?? {}), ...(m?.derived ?? {}) };
}

const hex = (buf: ArrayBuffer): string => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** wrong format = not what the file type should look like (JSON that does not parse, ONNX without a protobuf header) */
export function looksWrongFormat(name: string, bytes: Uint8Array): boolean {
  if (name.endsWith('.json')) {
    try {
      JSON.parse(new TextDecoder().decode(bytes));
      return false;
    } catch {
      return true;
    }
  }
  // An ONNX ModelProto starts with field 1 (ir_version, varint): tag byte 0x08.
  if (name.endsWith('.onnx')) return bytes.length < 16 || bytes[0] !== 0x08;
  return false;
}

export async function diagnose(baseUrl: string, model: ModelId | 'silero-vad', fetchFn: typeof fetch = fetch): Promise<Diagnosis | null> {
  const files = manifestFiles(model);
  // Small files first: a broken tokenizer is found before hashing 50 MB of decoder.
  const names = Object.keys(files).sort((a, b) => (files[a]?.bytes ?? 0) - (files[b]?.bytes ?? 0));
  for (const name of names) {
    const want = files[name];
    if (!want) continue;
    const file = `${model}/${name}`;
    let res: Response;
    try {
      res = await fetchFn(`${baseUrl}models/${file}`);
    } catch {
      return { code: 'model_file_missing', file };
    }
    if (!res.ok) return { code: 'model_file_missing', file };
    const buf = await res.arrayBuffer();
    const bytes = new Uint8Array(buf);
    if (buf.byteLength === want.bytes && hex(await crypto.subtle.digest('SHA-256', buf)) === want.sha256) continue;
    return { code: looksWrongFormat(name, bytes) ? 'model_file_wrong_format' : 'model_file_corrupt', file };
  }
  return null;
}
