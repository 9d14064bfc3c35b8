/**
 * Audit trail cost: append latency (p50/p95/p99 over N appends into the in-memory store; the
 * vault's encrypted store adds its own cost on top), full-chain verify time, and signed export +
 * export-verify time, for N = 100,000 records by default.
 *
 *   npx tsx bench/audit.ts [--records 100000]
 *
 * Prints ONE JSON object on stdout.
 */
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { AuditTrail, MemoryAuditStore, memoryKeyStore, openInstallSigner, verifyChain, verifyExport, type AuditEvent } from '../extension/lib/audit/index.ts';

const argi = process.argv.indexOf('--records');
const N = argi > 0 ? Number(process.argv[argi + 1]) : 100_000;

const ACTIONS: AuditEvent['action'][] = ['visit_created', 'consent_attested', 'transcript_viewed', 'note_generated', 'egress_sent', 'note_approved', 'note_inserted', 'vault_locked'];

function pct(sorted: number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}
const r3 = (x: number) => Math.round(x * 1000) / 1000;

const store = new MemoryAuditStore();
let t = Date.UTC(2026, 10, 23);
const trail = await AuditTrail.open(store, { now: () => new Date((t += 1000)) });

const lat: number[] = new Array<number>(N);
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const ev: AuditEvent = {
    actor: 'clin-0001',
    action: ACTIONS[i % ACTIONS.length] as AuditEvent['action'],
    visitId: `visit-${Math.floor(i / 8)}`,
    outcome: 'ok',
    details: i % 8 === 4 ? { bytes: 4000 + (i % 997), placeholderCount: i % 31, origin: 'https://api.example.org' } : {},
  };
  const a = performance.now();
  const r = await trail.append(ev);
  lat[i] = performance.now() - a;
  if (!r.ok) throw new Error(r.code);
}
const appendTotal = performance.now() - t0;
lat.sort((x, y) => x - y);

const rows = await store.list();
// CPU time next to wall time: on a shared machine wall time mostly measures the neighbours.
const cpuMs = (c: NodeJS.CpuUsage) => Math.round((c.user + c.system) / 1000);
const v0 = performance.now();
const vc0 = process.cpuUsage();
const chain = await verifyChain(rows);
const verifyMs = performance.now() - v0;
const verifyCpu = cpuMs(process.cpuUsage(vc0));

const signer = await openInstallSigner(memoryKeyStore());
const e0 = performance.now();
const exp = await trail.export(signer, { allowed: true, actor: 'clin-0001' });
const exportMs = performance.now() - e0;
if (!exp.ok) throw new Error(exp.code);
const x0 = performance.now();
const xc0 = process.cpuUsage();
const ver = await verifyExport(exp.text);
const exportVerifyMs = performance.now() - x0;
const exportVerifyCpu = cpuMs(process.cpuUsage(xc0));

console.log(
  JSON.stringify({
    bench: 'audit',
    records: N,
    append_ms: { p50: r3(pct(lat, 50)), p95: r3(pct(lat, 95)), p99: r3(pct(lat, 99)), max: r3(lat[N - 1] ?? NaN), mean: r3(appendTotal / N) },
    verify_chain_ms: Math.round(verifyMs),
    verify_chain_cpu_ms: verifyCpu,
    verify_chain_ok: chain.ok,
    export_ms: Math.round(exportMs),
    export_bytes: exp.text.length,
    export_verify_ms: Math.round(exportVerifyMs),
    export_verify_cpu_ms: exportVerifyCpu,
    export_verify_ok: ver.ok,
    store: 'memory',
    node: process.version,
    cpus: os.cpus().length,
    // the machine is shared: the 1-minute load average at the end of the run puts the timings in context
    loadavg_1m: Math.round(os.loadavg()[0] ?? 0),
  }),
);
