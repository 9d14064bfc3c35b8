import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isNoteEgress, makeCanaries, scanDir, scanTrace, variants } from '../../e2e/lib/canary.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'canary-test-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('makeCanaries', () => {
  it('is deterministic per seed, distinct across seeds, and shaped like the identifiers it stands for', () => {
    const a = makeCanaries(7);
    expect(makeCanaries(7)).toEqual(a);
    const b = makeCanaries(8);
    expect(b.all.filter((x) => a.all.includes(x))).toEqual([]);
    expect(a.surname).toMatch(/^Zorblatt[a-z]{3}$/);
    expect(a.fullName).toBe(`${a.given} ${a.surname}`);
    expect(a.mrn).toMatch(/^ZQ-\d{8}$/);
    expect(a.phone).toMatch(/^404-555-01\d\d$/);
    expect(a.email).toMatch(/@example\.invalid$/);
    expect(a.all).not.toContain(a.phrase);
    expect(a.all).toHaveLength(new Set(a.all).size);
  });
});

describe('scanDir', () => {
  it('finds UTF-8, UTF-16LE and case/URL variants in nested files, and lists the files it skipped', () => {
    const d = tmp();
    const c = makeCanaries(1);
    mkdirSync(join(d, 'a/b'), { recursive: true });
    writeFileSync(join(d, 'a/b/leveldb.ldb'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(`x${c.mrn}y`, 'utf16le')]));
    writeFileSync(join(d, 'plain.txt'), `hello ${c.fullName.toUpperCase()}`);
    writeFileSync(join(d, 'url.log'), `GET /?q=${encodeURIComponent(c.fullName)}`);
    writeFileSync(join(d, 'clean.bin'), 'nothing here');
    writeFileSync(join(d, 'big.bin'), Buffer.alloc(2048, c.phone));
    const r = scanDir(d, c.all, { maxBytes: 1024 });
    expect(r.files).toBe(4);
    expect(r.skipped).toEqual(['big.bin']);
    expect(r.hits).toContainEqual({ file: join('a/b/leveldb.ldb'), canary: c.mrn, encoding: 'utf16le', count: 1 });
    expect(r.hits.some((h) => h.file === 'plain.txt' && h.canary === c.fullName)).toBe(true);
    expect(r.hits.some((h) => h.file === 'url.log' && h.canary === c.fullName)).toBe(true);
    expect(r.hits.some((h) => h.file === 'clean.bin')).toBe(false);
    // exact mode: the upper-cased copy is no longer a hit
    expect(scanDir(d, [c.fullName], { variants: false }).hits.some((h) => h.file === 'plain.txt')).toBe(false);
    expect(variants('A b')).toEqual(['A b', 'a b', 'A B', 'A%20b', 'A+b']);
  });
});

describe('scanTrace', () => {
  const req = (o: Record<string, unknown>) => JSON.stringify({ t: '2026-01-01T00:00:00.000Z', method: 'GET', url: 'http://127.0.0.1:1/x', headers: {}, body: null, status: 200, error: null, resourceType: 'Fetch', context: 'sw-1', via: ['cdp'], ...o });

  it('splits request bodies from URLs/headers and allows only egress bodies when asked', () => {
    const d = tmp();
    const c = makeCanaries(3);
    writeFileSync(join(d, 'console-offscreen-1.log'), `# header\nline\n2026 log [console] ${c.surname}\n`);
    writeFileSync(
      join(d, 'requests.jsonl'),
      [
        req({ method: 'POST', url: 'http://127.0.0.1:1/v1/notes', body: JSON.stringify({ transcript: `${c.phrase} ${c.mrn}` }) }),
        req({ method: 'POST', url: 'http://127.0.0.1:1/v1/other', body: c.phrase }),
        req({ url: `http://127.0.0.1:1/v1/notes?who=${encodeURIComponent(c.fullName)}` }),
      ].join('\n') + '\n',
    );
    writeFileSync(join(d, 'api.log'), 'ready\n');

    const ids = scanTrace(d, c.all, { allowIn: ['egress'] });
    expect(ids.hits).toContainEqual(expect.objectContaining({ file: 'console-offscreen-1.log', canary: c.surname, line: 3, allowed: false }));
    expect(ids.hits).toContainEqual(expect.objectContaining({ file: 'requests.jsonl', where: 'body', line: 1, canary: c.mrn, allowed: true }));
    expect(ids.hits).toContainEqual(expect.objectContaining({ file: 'requests.jsonl', where: 'request', line: 3, canary: c.fullName, allowed: false }));
    expect(ids.disallowed).toBe(ids.hits.filter((h) => !h.allowed).length);
    expect(ids.hits.some((h) => h.file === 'api.log')).toBe(false);

    const content = scanTrace(d, [c.phrase], { allowIn: ['egress'] });
    expect(content.hits.map((h) => [h.line, h.allowed])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(scanTrace(d, [c.phrase]).allowed).toBe(0);
    expect(scanTrace(d, c.all, { allowIn: ['console-offscreen-1.log'] }).hits.find((h) => h.file === 'console-offscreen-1.log')?.allowed).toBe(true);
  });

  it('egress is a POST to /v1/notes only', () => {
    expect(isNoteEgress({ method: 'POST', url: 'https://api.example/v1/notes' })).toBe(true);
    expect(isNoteEgress({ method: 'GET', url: 'https://api.example/v1/notes' })).toBe(false);
    expect(isNoteEgress({ method: 'POST', url: 'https://api.example/v1/notes/x' })).toBe(false);
    expect(isNoteEgress({ method: 'POST', url: 'not a url' })).toBe(false);
  });
});
