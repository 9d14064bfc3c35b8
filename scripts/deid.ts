/**
 * De-identify evaluation visits with exactly the extension's minimizer:
 *   npx tsx scripts/deid.ts --in visits.jsonl [--strict]
 * Reads JSON lines in the format of ../shared/eval/dev-text/visits.jsonl (turns + optional banner)
 * and prints one JSON line per visit: {id, spans:[{turn,start,end,type}], minimized:[turn texts]}.
 * Errors name the line number and a code, never any content; exit code 2 on bad input.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { minimizeVisit } from '../extension/lib/minimize/index.ts';
import { parseVisitLine, toTurns } from '../extension/lib/minimize/evalset.ts';

function fail(code: string, extra: Record<string, number> = {}): never {
  process.stderr.write(JSON.stringify({ error: code, ...extra }) + '\n');
  process.exit(2);
}

const args = process.argv.slice(2);
const inIdx = args.indexOf('--in');
const file = inIdx >= 0 ? args[inIdx + 1] : undefined;
const strict = args.includes('--strict');
if (!file || file.startsWith('--')) fail('usage: --in <visits.jsonl> [--strict]');
if (file !== '-' && !existsSync(file)) fail('input_not_found');

const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
input.on('error', () => fail('input_unreadable'));
const rl = createInterface({ input, crlfDelay: Infinity });
let lineNo = 0;
let bad = 0;
for await (const line of rl) {
  lineNo++;
  if (line.trim() === '') continue;
  const parsed = parseVisitLine(line);
  if (!parsed.ok) {
    bad++;
    process.stderr.write(JSON.stringify({ error: parsed.code, line: lineNo }) + '\n');
    continue;
  }
  const v = parsed.visit;
  const res = minimizeVisit(toTurns(v), { ...(v.banner ? { banner: v.banner } : {}), ...(strict ? { strictness: 'strict' as const } : {}) });
  const spans = res.spans.map((s) => ({ turn: s.turn, start: s.start, end: s.end, type: s.type }));
  process.stdout.write(JSON.stringify({ id: v.id, spans, minimized: res.turns.map((t) => t.text) }) + '\n');
}
if (bad > 0) fail('invalid_lines', { count: bad, lines: lineNo });
