/**
 * Verifies a signed audit export (JSON Lines) and prints one JSON result.
 *
 *   npm run -s audit-verify -- <file.jsonl> [--expect-key <RFC7638 thumbprint>]
 *
 * Exit code: 0 valid; 1 tampered / bad signature / unexpected key; 2 usage or unreadable file.
 * The result holds codes, counts and the first broken link (index, seq, line, reason) — never
 * record content, though an audit record holds none anyway.
 */
import { readFileSync } from 'node:fs';
import { verifyExport } from '../extension/lib/audit/export.ts';

function usage(code: string): never {
  console.log(JSON.stringify({ ok: false, code, usage: 'audit-verify <file.jsonl> [--expect-key <thumbprint>]' }));
  process.exit(2);
}

const args = process.argv.slice(2).filter((a) => a !== '--');
let file: string | undefined;
let expectKey: string | undefined;
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  if (a === '--expect-key') expectKey = args[++i] ?? usage('missing_key_value');
  else if (a === '-h' || a === '--help') usage('help');
  else if (file === undefined) file = a;
  else usage('too_many_arguments');
}
if (file === undefined) usage('missing_file');

let text: string;
try {
  text = readFileSync(file, 'utf8');
} catch {
  console.log(JSON.stringify({ ok: false, code: 'unreadable_file' }));
  process.exit(2);
}

const result = await verifyExport(text, expectKey !== undefined ? { expectKeyThumbprint: expectKey } : {});
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
