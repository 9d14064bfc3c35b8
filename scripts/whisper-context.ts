/**
 * Build-time transform of a Whisper encoder (transformers.js ONNX export) so it accepts fewer than
 * 3,000 mel frames: "fitted context", whisper.cpp's `audio_ctx`.
 *
 * The export adds the whole positional-embedding table (1,500 × d) to the convolution output, so
 * any input but a 30 s window fails with a broadcast error. This inserts, before that Add, a Slice
 * of the table to the sequence length the convolutions produced:
 *
 *   Shape(x) → Slice([1:2]) → len;  Slice(embed_positions.weight, [0], len, axes [0]) → Add(x, ·)
 *
 * Nothing else changes: same weights, same opset, same outputs; a 3,000-frame input gives the same
 * numbers as before (tests/unit/asr/whisper-context.test.ts runs both). Encoder cost then follows the
 * audio (attention is quadratic in positions), and the decoder's cross-attention reads fewer
 * positions per step. The output is deterministic, so its sha256 is pinned in models.manifest.json
 * (`derived`) like any shipped file. Uses onnx-proto (ONNX's protobuf schema) only at build time.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** names of the transforms, recorded in models.manifest.json next to each output's sha256 */
export const CONTEXT_TRANSFORM = 'whisper-encoder-fitted-context/1';
export const LAST_LOGITS_TRANSFORM = 'whisper-decoder-last-logits/1';
export const NO_ATTENTIONS_TRANSFORM = 'whisper-no-attention-outputs/1';
export const SHARED_PROJECTION_TRANSFORM = 'whisper-decoder-shared-projection/1';
export const TRANSFORMS = {
  [CONTEXT_TRANSFORM]: (model: Uint8Array) => fitEncoderContext(model),
  [LAST_LOGITS_TRANSFORM]: (model: Uint8Array) => lastTokenLogits(model),
  [NO_ATTENTIONS_TRANSFORM]: (model: Uint8Array) => dropAttentionOutputs(model),
  [SHARED_PROJECTION_TRANSFORM]: (model: Uint8Array) => shareVocabProjection(model),
} as const;
export type TransformName = keyof typeof TRANSFORMS;

/**
 * Applies a models.manifest.json `derived` entry's transform(s), in order. Throws TransformError
 * naming the transform that failed, or the unknown name.
 */
export function applyTransforms(transform: string | readonly string[], model: Uint8Array): Uint8Array {
  let out = model;
  for (const name of typeof transform === 'string' ? [transform] : transform) {
    if (!Object.hasOwn(TRANSFORMS, name)) throw new TransformError(`unknown transform ${name} (this build knows ${Object.keys(TRANSFORMS).join(', ')})`);
    try {
      out = TRANSFORMS[name as TransformName](out);
    } catch (e) {
      throw new TransformError(`${name} failed: ${e instanceof TransformError ? e.message : String(e)}`);
    }
  }
  return out;
}

const POSITIONS = 'embed_positions.weight';

export class TransformError extends Error {}

function decodeModel(model: Uint8Array): InstanceType<typeof onnx.ModelProto> {
  try {
    return onnx.ModelProto.decode(model);
  } catch {
    throw new TransformError('not an ONNX model (protobuf decode failed)');
  }
}

/** a one-element INT64 initializer (Slice starts, ends and axes) */
function int64(name: string, v: number): InstanceType<typeof onnx.TensorProto> {
  return onnx.TensorProto.create({ name, dims: [1], dataType: onnx.TensorProto.DataType.INT64, int64Data: [v] });
}

export function fitEncoderContext(model: Uint8Array): Uint8Array {
  const m = decodeModel(model);
  const g = m.graph;
  if (!g?.node || !g.initializer) throw new TransformError('ONNX model has no graph');
  const nodes = g.node;
  const table = g.initializer.find((t) => t.name === POSITIONS);
  if (table?.dims?.length !== 2) throw new TransformError(`no 2-D ${POSITIONS} initializer: not a Whisper encoder export`);
  if (nodes.some((n) => n.name === 'fitctx/Shape')) throw new TransformError('encoder already transformed');
  const adds = nodes.filter((n) => n.opType === 'Add' && n.input?.[1] === POSITIONS);
  const add = adds[0];
  const x = add?.input?.[0];
  if (adds.length !== 1 || !add?.input || !x) throw new TransformError(`expected one Add of ${POSITIONS}, found ${adds.length}`);
  g.initializer.push(int64('fitctx/zero', 0), int64('fitctx/one', 1), int64('fitctx/two', 2));
  const slice = [
    onnx.NodeProto.create({ name: 'fitctx/Shape', opType: 'Shape', input: [x], output: ['fitctx/shape'] }),
    onnx.NodeProto.create({ name: 'fitctx/Length', opType: 'Slice', input: ['fitctx/shape', 'fitctx/one', 'fitctx/two', 'fitctx/zero'], output: ['fitctx/length'] }),
    onnx.NodeProto.create({ name: 'fitctx/Positions', opType: 'Slice', input: [POSITIONS, 'fitctx/zero', 'fitctx/length', 'fitctx/zero'], output: ['fitctx/positions'] }),
  ];
  add.input[1] = 'fitctx/positions';
  nodes.splice(nodes.indexOf(add), 0, ...slice);
  return onnx.ModelProto.encode(m).finish();
}

/**
 * Build-time transform of a Whisper merged decoder (optimum's `decoder_model_merged`: an If over
 * `use_cache_branch`) so its first run, the one without a cache, projects only the LAST position
 * onto the vocabulary. That run reads the whole decoder prompt (≈ 225 tokens with the clinical
 * vocabulary prompt), and its output projection (d × 51,865, fp32) for every prompt position was
 * most of its cost, for logits nobody reads: generation takes the last position's only. Inserted:
 * Slice(hidden, [-1], [2^31 - 1], axes [1]) before the projection MatMul of the no-cache branch.
 * The cached branch (one token per run) is untouched; the last position's logits are the same
 * numbers (the projection is a plain fp32 MatMul, row by row).
 */
export function lastTokenLogits(model: Uint8Array): Uint8Array {
  const m = decodeModel(model);
  const ifs = m.graph?.node?.filter((n) => n.opType === 'If') ?? [];
  const branch = ifs.length === 1 ? ifs[0]?.attribute?.find((a) => a.name === 'else_branch')?.g : undefined;
  if (!branch?.node) throw new TransformError('no If with an else_branch: not a merged Whisper decoder export');
  const nodes = branch.node;
  if (nodes.some((n) => n.name === 'lastlogits/Slice')) throw new TransformError('decoder already transformed');
  const proj = nodes.filter((n) => n.opType === 'MatMul' && n.output?.[0] === 'logits');
  const mm = proj[0];
  const hidden = mm?.input?.[0];
  if (proj.length !== 1 || !mm?.input || !hidden) throw new TransformError(`expected one MatMul making logits in the no-cache branch, found ${proj.length}`);
  branch.initializer = [...(branch.initializer ?? []), int64('lastlogits/minus_one', -1), int64('lastlogits/end', 2 ** 31 - 1), int64('lastlogits/one', 1)];
  nodes.splice(
    nodes.indexOf(mm),
    0,
    onnx.NodeProto.create({ name: 'lastlogits/Slice', opType: 'Slice', input: [hidden, 'lastlogits/minus_one', 'lastlogits/end', 'lastlogits/one'], output: ['lastlogits/hidden'] }),
  );
  mm.input[0] = 'lastlogits/hidden';
  return onnx.ModelProto.encode(m).finish();
}

type Graph = onnxProto.onnx.IGraphProto;

/** every value name read by the graph's nodes, and by the nodes of their subgraphs (If branches) */
function readNames(g: Graph, into = new Set<string>()): Set<string> {
  for (const n of g.node ?? []) {
    for (const i of n.input ?? []) if (i) into.add(i);
    for (const a of n.attribute ?? []) {
      if (a.g) readNames(a.g, into);
      for (const sub of a.graphs ?? []) readNames(sub, into);
    }
  }
  return into;
}

/** removes, until none is left, every node none of whose outputs is read or is a graph output */
function pruneDeadNodes(g: Graph): void {
  for (;;) {
    const wanted = new Set([...readNames(g), ...(g.output ?? []).map((o) => o.name ?? '')]);
    const keep = (g.node ?? []).filter((n) => (n.output ?? []).some((o) => o && wanted.has(o)));
    if (keep.length === (g.node ?? []).length) return;
    g.node = keep;
  }
}

/**
 * Build-time transform of a Whisper encoder or merged decoder: its attention maps stop being graph
 * outputs (`encoder_attentions.*`, `decoder_attentions.*`, `cross_attentions.*`). They are read only
 * for word-level timestamps, which we never ask for, and sessions.ts already leaves them unfetched;
 * but a graph output is kept whole until the run ends, fetched or not, so onnxruntime held every
 * layer's maps at once (whisper-base's encoder: 6 × 8 heads × 1500 × 1500 floats, 432 MB per 30 s
 * pass) instead of freeing each after its last use. In the merged decoder the If node's outputs and
 * both branches' outputs at the same positions go; nodes left computing nothing anyone reads are
 * removed. Every other output is the same computation on the same weights.
 */
export function dropAttentionOutputs(model: Uint8Array): Uint8Array {
  const m = decodeModel(model);
  const g = m.graph;
  if (!g?.node || !g.output) throw new TransformError('ONNX model has no graph');
  const isMap = (name: string | null | undefined): boolean => /(^|_)attentions\.\d+$/.test(name ?? '');
  const maps = g.output.filter((o) => isMap(o.name)).map((o) => o.name ?? '');
  if (maps.length === 0) throw new TransformError('no attention-map outputs: not a Whisper export, or already transformed');
  if (maps.length === g.output.length) throw new TransformError('every output is an attention map: not a Whisper encoder or decoder');
  g.output = g.output.filter((o) => !isMap(o.name));
  for (const n of g.node) {
    const at = (n.output ?? []).map((o, i) => (maps.includes(o) ? i : -1)).filter((i) => i >= 0);
    if (at.length === 0) continue;
    if (n.opType !== 'If') continue; // a plain node's extra output stays; nothing reads it
    for (const a of n.attribute ?? []) {
      if (!a.g?.output) continue;
      if (a.g.output.length !== (n.output ?? []).length) throw new TransformError(`If branch ${a.name ?? ''} has ${a.g.output.length} outputs for the node's ${(n.output ?? []).length}`);
      a.g.output = a.g.output.filter((_, i) => !at.includes(i));
    }
    n.output = (n.output ?? []).filter((_, i) => !at.includes(i));
    for (const a of n.attribute ?? []) if (a.g) pruneDeadNodes(a.g);
  }
  pruneDeadNodes(g);
  return onnx.ModelProto.encode(m).finish();
}

/**
 * Build-time transform of a Whisper merged decoder: the vocabulary projection's weight is made once,
 * before the If, instead of inside each branch. The export ties the projection to the token
 * embedding, stored once as uint8 ([vocab, d]); each branch read it through Transpose →
 * DequantizeLinear, so every decoder step (whisper-base: 26.5 M weights) transposed it and expanded
 * it to a 106 MB float32 matrix before its one-row MatMul. onnxruntime keeps DequantizeLinear out
 * of constant folding unless the session sets `session.disable_quant_qdq`, and with it set each
 * branch folds its own copy (two such matrices). Moved into the main graph, the two nodes read only
 * initializers, so with that option (the worker sets it, with `session.disable_prepacking`: whisper.ts
 * `WASM_SESSION_OPTIONS`) they are folded once at load into one float32 matrix both branches read.
 * Same numbers: the same nodes on the same inputs. (Folding it at build time instead would ship the
 * float32 matrix: +106 MB for base, +80 MB for tiny.)
 */
export function shareVocabProjection(model: Uint8Array): Uint8Array {
  const m = decodeModel(model);
  const g = m.graph;
  const ifs = g?.node?.filter((n) => n.opType === 'If') ?? [];
  const iff = ifs[0];
  if (!g?.node || !g.initializer || ifs.length !== 1 || !iff) throw new TransformError('no If: not a merged Whisper decoder export');
  if (g.node.some((n) => n.name === 'sharedproj/Transpose')) throw new TransformError('decoder already transformed');
  const weights = new Set(g.initializer.map((t) => t.name ?? ''));
  const key = (n: onnxProto.onnx.INodeProto): string => JSON.stringify([n.opType, n.input, n.output, n.attribute]);
  let pair: onnxProto.onnx.INodeProto[] | undefined;
  for (const a of iff.attribute ?? []) {
    const b = a.g;
    if (!b?.node) continue;
    const tr = b.node.filter((n) => n.opType === 'Transpose' && weights.has(n.input?.[0] ?? '') && /embed_tokens/.test(n.input?.[0] ?? ''));
    const t = tr[0];
    const dqs = b.node.filter((n) => n.opType === 'DequantizeLinear' && n.input?.[0] === t?.output?.[0]);
    const dq = dqs[0];
    if (tr.length !== 1 || !t || dqs.length !== 1 || !dq) throw new TransformError(`branch ${a.name ?? ''}: expected one Transpose → DequantizeLinear of the token embedding, found ${tr.length} / ${dqs.length}`);
    if (!(dq.input ?? []).slice(1).every((i) => weights.has(i))) throw new TransformError(`branch ${a.name ?? ''}: the projection's scale or zero point is not an initializer`);
    if (pair && (key(pair[0]!) !== key(t) || key(pair[1]!) !== key(dq))) throw new TransformError('the two branches make the projection differently');
    pair ??= [t, dq];
    b.node = b.node.filter((n) => n !== t && n !== dq);
  }
  if (!pair) throw new TransformError('no If branches');
  const [t, dq] = pair as [onnxProto.onnx.INodeProto, onnxProto.onnx.INodeProto];
  t.name = 'sharedproj/Transpose';
  dq.name = 'sharedproj/DequantizeLinear';
  g.node.splice(g.node.indexOf(iff), 0, t, dq);
  return onnx.ModelProto.encode(m).finish();
}
