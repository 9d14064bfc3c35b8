/**
 * `npm run package`: turns the built extension (.output/chrome-mv3, from `wxt build`) into what a
 * clinic admin deploys, in out/package/:
 *
 *   scribe-overlay-<version>-chrome.zip   Chrome Web Store upload (manifest without key/update_url)
 *   scribe-overlay-<version>-edge.zip     Microsoft Edge Add-ons upload (same rules)
 *   scribe-overlay-<version>.crx          signed CRX3 for self-hosting (manifest with update_url + key)
 *   updates.xml                            update manifest for ExtensionInstallForcelist
 *   SHA256SUMS                             checksums of the above
 *
 * Signing key (RSA, PKCS#8 PEM): the path in SCRIBE_CRX_KEY. Without it a THROWAWAY key is
 * generated in a temp directory (the extension id then changes every run — fine for a test, never
 * for a deployment) and the output says so. The private key is never written into the repo.
 *
 * Options:  --build           run `wxt build` first
 *           --base-url URL    where the clinic serves the .crx and updates.xml
 *                             (default $SCRIBE_UPDATE_BASE_URL or https://extensions.example.org/scribe-overlay/)
 *           --input DIR       built extension dir (default .output/chrome-mv3)
 *           --out DIR         output dir (default out/package)
 *           --chromium        pack the CRX with `chromium --pack-extension` instead of in Node
 *
 * Prints one JSON summary on stdout; progress and warnings go to stderr. Exit 2 on failure.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as rsaSign, verify as rsaVerify, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

// ---------- arguments ----------
const argv = process.argv.slice(2).filter((a) => a !== '--');
const opt = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const root = process.cwd();
const input = opt('--input') ?? join(root, '.output', 'chrome-mv3');
const outDir = opt('--out') ?? join(root, 'out', 'package');
let baseUrl = opt('--base-url') ?? process.env.SCRIBE_UPDATE_BASE_URL ?? 'https://extensions.example.org/scribe-overlay/';
if (!baseUrl.endsWith('/')) baseUrl += '/';

function fail(code: string, message: string): never {
  console.error(`package: ${message}`);
  console.log(JSON.stringify({ ok: false, code }));
  process.exit(2);
}

try {
  const u = new URL(baseUrl);
  if (u.protocol !== 'https:' && !['127.0.0.1', 'localhost'].includes(u.hostname)) fail('insecure_base_url', 'the update base URL must be https (http only for localhost tests)');
} catch {
  fail('bad_base_url', `--base-url is not a URL`);
}

if (argv.includes('--build')) {
  console.error('package: running wxt build');
  execFileSync('npx', ['wxt', 'build'], { stdio: ['ignore', 'inherit', 'inherit'] });
}
if (!existsSync(join(input, 'manifest.json'))) fail('no_build', `${input}/manifest.json not found: run \`npx wxt build\` first (or pass --build)`);

// ---------- files ----------
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

/** A deterministic ZIP (fixed timestamps, sorted entries, deflate) — same input, same bytes. */
function zip(entries: { name: string; data: Buffer }[]): Buffer {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  const DOS_TIME = 0; // 00:00:00
  const DOS_DATE = (2020 - 1980) << 9 | 1 << 5 | 1; // 2020-01-01
  for (const { name, data } of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const deflated = deflateRawSync(data, { level: 9 });
    const useDeflate = deflated.length < data.length;
    const body = useDeflate ? deflated : data;
    const crc = crc32(data) >>> 0;
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(0x0800, 6); // UTF-8 names
    h.writeUInt16LE(useDeflate ? 8 : 0, 8);
    h.writeUInt16LE(DOS_TIME, 10);
    h.writeUInt16LE(DOS_DATE, 12);
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(body.length, 18);
    h.writeUInt32LE(data.length, 22);
    h.writeUInt16LE(nameBuf.length, 26);
    h.writeUInt16LE(0, 28);
    local.push(h, nameBuf, body);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt16LE(useDeflate ? 8 : 0, 10);
    c.writeUInt16LE(DOS_TIME, 12);
    c.writeUInt16LE(DOS_DATE, 14);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(data.length, 24);
    c.writeUInt16LE(nameBuf.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, nameBuf);
    offset += 30 + nameBuf.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, cd, end]);
}

// ---------- key and id ----------
let keyPath = process.env.SCRIBE_CRX_KEY;
let throwawayKey = false;
let tempKeyDir: string | undefined;
if (keyPath === undefined || keyPath === '') {
  tempKeyDir = mkdtempSync(join(tmpdir(), 'scribe-crx-key-'));
  keyPath = join(tempKeyDir, 'throwaway.pem');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  throwawayKey = true;
  console.error(`package: WARNING SCRIBE_CRX_KEY is not set: signed with a THROWAWAY key (${keyPath}); the extension id will differ on every run. Use a real key for deployment (docs/deploy.md#signing-key).`);
}
let privateKey: KeyObject;
try {
  privateKey = createPrivateKey(readFileSync(keyPath));
} catch {
  fail('bad_key', 'SCRIBE_CRX_KEY is not a readable PEM private key');
}
if (privateKey.asymmetricKeyType !== 'rsa') fail('bad_key', 'the CRX signing key must be RSA (Chrome Web Store and Chromium use RSA-2048+)');
const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
const crxId = createHash('sha256').update(spki).digest().subarray(0, 16);
/** Chrome's extension id: the first 128 bits of sha256(SPKI), hex digits mapped 0-f → a-p. */
const extensionId = [...crxId.toString('hex')].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');

// ---------- manifests ----------
const manifest = JSON.parse(readFileSync(join(input, 'manifest.json'), 'utf8')) as Record<string, unknown>;
const version = String(manifest.version ?? '0.0.0');
if (!/^\d+(\.\d+){0,3}$/.test(version)) fail('bad_version', 'manifest version must be 1-4 dot-separated integers');
if (typeof manifest.key === 'string' && manifest.key !== spki.toString('base64')) {
  console.error('package: note: the build\'s manifest key (SCRIBE_EXTENSION_KEY) is not the public half of SCRIBE_CRX_KEY; the CRX uses the signing key\'s public half so the id stays ' + extensionId);
}
const storeManifest = { ...manifest };
delete storeManifest.key; // the stores assign the id and reject a `key` field
delete storeManifest.update_url; // store-hosted extensions update from the store
const crxManifest = { ...manifest, key: spki.toString('base64'), update_url: `${baseUrl}updates.xml` };

const files = listFiles(input).filter((f) => f !== 'manifest.json');
const withManifest = (m: Record<string, unknown>) => [
  { name: 'manifest.json', data: Buffer.from(JSON.stringify(m, null, 2)) },
  ...files.map((f) => ({ name: f, data: readFileSync(join(input, f)) })),
];

mkdirSync(outDir, { recursive: true });
const base = `scribe-overlay-${version}`;
const outputs: string[] = [];
const write = (name: string, data: Buffer | string) => {
  writeFileSync(join(outDir, name), data);
  outputs.push(name);
};

// ---------- store zips ----------
write(`${base}-chrome.zip`, zip(withManifest(storeManifest)));
const edgeDir = join(root, '.output', 'edge-mv3');
if (existsSync(join(edgeDir, 'manifest.json')) && opt('--input') === undefined) {
  // `wxt build -b edge` output, when the lead's build made one
  const em = JSON.parse(readFileSync(join(edgeDir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  delete em.key;
  delete em.update_url;
  const ef = listFiles(edgeDir).filter((f) => f !== 'manifest.json');
  write(`${base}-edge.zip`, zip([{ name: 'manifest.json', data: Buffer.from(JSON.stringify(em, null, 2)) }, ...ef.map((f) => ({ name: f, data: readFileSync(join(edgeDir, f)) }))]));
} else {
  // Edge runs the Chrome MV3 build as is (same Chromium engine, same APIs we use).
  write(`${base}-edge.zip`, zip(withManifest(storeManifest)));
}

// ---------- CRX3 ----------
function pbVarint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const pbBytes = (field: number, data: Buffer) => Buffer.concat([pbVarint((field << 3) | 2), pbVarint(data.length), data]);

/**
 * CRX3 (components/crx_file/crx3.proto):
 *   "Cr24" | uint32le 3 | uint32le headerLen | CrxFileHeader | zip
 *   CrxFileHeader { repeated AsymmetricKeyProof sha256_with_rsa = 2; bytes signed_header_data = 10000 }
 *   AsymmetricKeyProof { bytes public_key = 1; bytes signature = 2 }
 *   SignedData { bytes crx_id = 1 }   (crx_id = first 16 bytes of sha256(public key))
 * The RSA-SHA256 (PKCS#1 v1.5) signature covers
 *   "CRX3 SignedData\x00" | uint32le len(signed_header_data) | signed_header_data | zip
 */
function crx3(archive: Buffer): Buffer {
  const signedData = pbBytes(1, crxId);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(signedData.length);
  const toSign = Buffer.concat([Buffer.from('CRX3 SignedData\x00', 'latin1'), len, signedData, archive]);
  const signature = rsaSign('sha256', toSign, privateKey);
  const proof = Buffer.concat([pbBytes(1, spki), pbBytes(2, signature)]);
  const header = Buffer.concat([pbBytes(2, proof), pbBytes(10000, signedData)]);
  const pre = Buffer.alloc(12);
  pre.write('Cr24', 0, 'latin1');
  pre.writeUInt32LE(3, 4);
  pre.writeUInt32LE(header.length, 8);
  return Buffer.concat([pre, header, archive]);
}

/** Independent reader used to check whichever packer ran: parses the header and verifies the signature. */
function checkCrx3(buf: Buffer): { ok: boolean; id?: string; reason?: string } {
  if (buf.toString('latin1', 0, 4) !== 'Cr24' || buf.readUInt32LE(4) !== 3) return { ok: false, reason: 'not_crx3' };
  const hlen = buf.readUInt32LE(8);
  const header = buf.subarray(12, 12 + hlen);
  const archive = buf.subarray(12 + hlen);
  const fields = (b: Buffer) => {
    const out: { field: number; data: Buffer }[] = [];
    let i = 0;
    const varint = () => {
      let n = 0;
      let mul = 1;
      for (;;) {
        const byte = b[i++] as number;
        n += (byte & 0x7f) * mul;
        if (byte < 0x80) return n;
        mul *= 128;
      }
    };
    while (i < b.length) {
      const key = varint();
      if ((key & 7) !== 2) throw new Error('unexpected wire type');
      const l = varint();
      out.push({ field: Math.floor(key / 8), data: b.subarray(i, i + l) });
      i += l;
    }
    return out;
  };
  const top = fields(header);
  const signed = top.find((f) => f.field === 10000)?.data;
  if (!signed) return { ok: false, reason: 'no_signed_data' };
  const id = fields(signed).find((f) => f.field === 1)?.data;
  const len = Buffer.alloc(4);
  len.writeUInt32LE(signed.length);
  const msg = Buffer.concat([Buffer.from('CRX3 SignedData\x00', 'latin1'), len, signed, archive]);
  for (const p of top.filter((f) => f.field === 2)) {
    const parts = fields(p.data);
    const pub = parts.find((f) => f.field === 1)?.data;
    const sig = parts.find((f) => f.field === 2)?.data;
    if (!pub || !sig) continue;
    const pubId = createHash('sha256').update(pub).digest().subarray(0, 16);
    if (id && pubId.equals(id) && rsaVerify('sha256', msg, createPublicKey({ key: pub, format: 'der', type: 'spki' }), sig)) {
      return { ok: true, id: [...id.toString('hex')].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('') };
    }
  }
  return { ok: false, reason: 'bad_signature' };
}

let crx: Buffer;
let packer = 'node';
if (argv.includes('--chromium')) {
  const bin = process.env.SCRIBE_CHROMIUM ?? '/usr/lib/chromium/chromium';
  const stage = mkdtempSync(join(tmpdir(), 'scribe-crx-stage-'));
  try {
    const dir = join(stage, 'ext');
    mkdirSync(dir);
    for (const f of withManifest(crxManifest)) {
      mkdirSync(join(dir, f.name, '..'), { recursive: true });
      writeFileSync(join(dir, f.name), f.data);
    }
    execFileSync(bin, ['--headless', '--no-sandbox', `--pack-extension=${dir}`, `--pack-extension-key=${keyPath}`], { stdio: 'ignore', timeout: 120_000 });
    crx = readFileSync(join(stage, 'ext.crx'));
    packer = 'chromium';
  } catch {
    fail('chromium_pack_failed', `${bin} --pack-extension failed`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
} else {
  crx = crx3(zip(withManifest(crxManifest)));
}
const check = checkCrx3(crx);
if (!check.ok || check.id !== extensionId) fail('crx_check_failed', `the CRX does not verify (${check.reason ?? 'id mismatch'})`);
write(`${base}.crx`, crx);

// ---------- update manifest ----------
const xmlAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');
write(
  'updates.xml',
  `<?xml version='1.0' encoding='UTF-8'?>
<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>
  <app appid='${extensionId}'>
    <updatecheck codebase='${xmlAttr(`${baseUrl}${base}.crx`)}' version='${version}' />
  </app>
</gupdate>
`,
);

const sums = outputs.map((n) => `${createHash('sha256').update(readFileSync(join(outDir, n))).digest('hex')}  ${n}`).join('\n') + '\n';
write('SHA256SUMS', sums);

console.log(
  JSON.stringify({
    ok: true,
    extensionId,
    version,
    outDir: relative(root, outDir) || '.',
    files: outputs.map((n) => ({ name: n, bytes: statSync(join(outDir, n)).size })),
    updateUrl: `${baseUrl}updates.xml`,
    forcelistEntry: `${extensionId};${baseUrl}updates.xml`,
    packer,
    throwawayKey,
    ...(throwawayKey ? { throwawayKeyPath: keyPath } : {}),
  }),
);
