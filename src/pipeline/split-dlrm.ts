// A trained DLRM split by request side, for ranking ~1000 candidates of one request. In the seed's CTR model the
// user and context embeddings, their projections, their pairwise dots and their share of the first MLP layer are
// the same for every candidate of a request; the ad embeddings, projections, ad–ad dots and their share are the
// same for every request. So:
//   once per ad (at load)       s_a = W1_ad·e_a + W1_adnum·x_a + W1_aa·dots_aa,  and the ad projections p_a
//   once per request (here, JS)  r = b1 + W1_req·e_r + W1_reqnum·x_r + W1_rr·dots_rr, and the request projections p_r
//   per candidate (ONNX graph)   h1 = relu(r + s_a + W1_ra·(p_r · p_a) + W1_cross·x_cross) → the rest of the MLP
// which is the full model's arithmetic regrouped: the scores equal the exported model's (tested to 1e-5).
// Legend: F fields (Fr request-side, Fa ad-side), D embedding dim, Q projected dim, M numericals (Mr, Ma, Mc cross),
// H first hidden width, A ads, C candidates.
import * as ort from 'onnxruntime-node';
import { AdrankError } from '../core/errors.js';
import { createSession } from '../engine/onnx/runner.js';
import { GraphBuilder } from '../engine/onnx/graph-builder.js';
import { readFloatInitializers, type Weight } from '../engine/onnx/read-model.js';
import type { FeatureSide } from '../features/feature-set.js';


/** ads precomputed between two yields to the event loop (≈ 30 ms of work with the default CTR model) */
const YIELD_EVERY_ADS = 512;
export interface SplitFields {
  /** side of each embedded field and each numerical, in the model's order */
  fieldSides: readonly FeatureSide[];
  fieldRows: readonly number[];
  numericalSides: readonly FeatureSide[];
}

interface Layer {
  w: Float32Array; // (out, in)
  b: Float32Array;
  out: number;
  in: number;
}

const isRequest = (side: FeatureSide): boolean => side === 'user' || side === 'context';

export class SplitDlrm {
  readonly requestFields: number[] = [];
  readonly adFields: number[] = [];
  readonly requestNumericals: number[] = [];
  readonly adNumericals: number[] = [];
  readonly crossNumericals: number[] = [];
  /** pair k of fields (i, j), i < j, in the model's order */
  private readonly pairs: { i: number; j: number; k: number }[] = [];
  private readonly offsets: number[] = [];
  readonly D: number;
  readonly Q: number;
  readonly H: number;
  private readonly F: number;
  private readonly M: number;
  private session: ort.InferenceSession | null = null;
  private adCount = 0;
  /** the first layer transposed (in, H): a column of W1 is a contiguous row here */
  private readonly w1t: Float32Array;

  private constructor(
    private readonly arena: Float32Array,
    private readonly proj: Layer,
    private readonly layers: Layer[],
    fields: SplitFields,
  ) {
    this.F = fields.fieldSides.length;
    this.M = fields.numericalSides.length;
    this.D = proj.in;
    this.Q = proj.out;
    this.H = layers[0].out;
    let offset = 0;
    fields.fieldSides.forEach((side, f) => {
      (isRequest(side) ? this.requestFields : this.adFields).push(f);
      this.offsets.push(offset);
      offset += fields.fieldRows[f];
    });
    fields.numericalSides.forEach((side, m) => (side === 'cross' ? this.crossNumericals : isRequest(side) ? this.requestNumericals : this.adNumericals).push(m));
    let k = 0;
    for (let i = 0; i < this.F; i++) for (let j = i + 1; j < this.F; j++) this.pairs.push({ i, j, k: k++ });
    const expected = this.F * this.D + this.M + k;
    if (layers[0].in !== expected) throw new AdrankError('BAD_ARTIFACT', `the model's first layer reads ${layers[0].in} inputs, its fields make ${expected}`, { hint: 'the model and the FeatureMap do not belong together' });
    const first = layers[0];
    this.w1t = new Float32Array(first.in * first.out);
    for (let o = 0; o < first.out; o++) for (let c = 0; c < first.in; c++) this.w1t[c * first.out + o] = first.w[o * first.in + c];
  }

  /** Reads the weights of an exported DLRM (prefix '' for a CTR model, 'cvr.' for ESMM's CVR head). */
  static fromModel(bytes: Uint8Array, prefix: string, fields: SplitFields): SplitDlrm {
    const weights = readFloatInitializers(bytes);
    const get = (name: string): Weight => {
      const w = weights.get(name);
      if (!w) throw new AdrankError('BAD_ARTIFACT', `the model has no weight ${name}`, { hint: 'give a DLRM exported by adrank' });
      return w;
    };
    const layer = (name: string): Layer => {
      const w = get(`${name}.weight`);
      return { w: w.data, b: get(`${name}.bias`).data, out: w.dims[0], in: w.dims[1] };
    };
    // nn.Sequential positions: mlp.0, mlp.3, … with dropout, mlp.0, mlp.2, … without
    const layers: Layer[] = [];
    for (let index = 0; index < 64; index++) if (weights.has(`${prefix}mlp.${index}.weight`)) layers.push(layer(`${prefix}mlp.${index}`));
    return new SplitDlrm(get('embedding_rows').data, layer(`${prefix}projection`), layers, fields);
  }

  private embedding(f: number, id: number, out: Float32Array, at: number): void {
    const row = this.offsets[f] + id;
    out.set(this.arena.subarray(row * this.D, (row + 1) * this.D), at);
  }

  private project(e: Float32Array, eAt: number, out: Float32Array, at: number): void {
    const { D, Q } = this;
    const { w, b } = this.proj;
    for (let q = 0; q < Q; q++) {
      let s = b[q];
      for (let d = 0; d < D; d++) s += w[q * D + d] * e[eAt + d];
      out[at + q] = s;
    }
  }

  /** Column `col` of the first layer, times x, added into h[hAt, hAt + H). */
  private addColumn(h: Float32Array, col: number, x: number, hAt = 0): void {
    const { w1t, H } = this;
    const base = col * H;
    for (let o = 0; o < H; o++) h[hAt + o] += w1t[base + o] * x;
  }

  /**
   * The per-ad part s (A,H) and ad projections (A,Fa,Q) of every ad, from its field ids (A,Fa) and numericals (A,Ma).
   * It yields to the event loop every few hundred ads: at a million ads this is a minute of work, and a server
   * reloading a run must keep answering on the old one meanwhile.
   */
  async precomputeAds(adIds: Int32Array, adNumerical: Float32Array): Promise<{ s: Float32Array; projections: Float32Array }> {
    const { D, Q, H, F } = this;
    const Fa = this.adFields.length;
    const Ma = this.adNumericals.length;
    const A = adIds.length / Math.max(1, Fa);
    const s = new Float32Array(A * H);
    const projections = new Float32Array(A * Fa * Q);
    const e = new Float32Array(Fa * D);
    const isAd = new Int32Array(F).fill(-1);
    this.adFields.forEach((f, slot) => (isAd[f] = slot));
    const aaPairs = this.pairs.filter((p) => isAd[p.i] >= 0 && isAd[p.j] >= 0);
    for (let a = 0; a < A; a++) {
      if (a % YIELD_EVERY_ADS === YIELD_EVERY_ADS - 1) await new Promise((resolve) => setImmediate(resolve));
      this.adFields.forEach((f, slot) => {
        this.embedding(f, adIds[a * Fa + slot], e, slot * D);
        this.project(e, slot * D, projections, (a * Fa + slot) * Q);
        for (let d = 0; d < D; d++) this.addColumn(s, f * D + d, e[slot * D + d], a * H);
      });
      this.adNumericals.forEach((m, slot) => this.addColumn(s, F * D + m, adNumerical[a * Ma + slot], a * H));
      for (const { i, j, k } of aaPairs) {
        let dot = 0;
        const pi = (a * Fa + isAd[i]) * Q;
        const pj = (a * Fa + isAd[j]) * Q;
        for (let q = 0; q < Q; q++) dot += projections[pi + q] * projections[pj + q];
        this.addColumn(s, F * D + this.M + k, dot, a * H);
      }
    }
    this.adCount = A;
    return { s, projections };
  }

  /** The request part r (H) and the request projections (Fr,Q), from the request's field ids (Fr) and numericals (Mr). */
  request(requestIds: ArrayLike<number>, requestNumerical: ArrayLike<number>): { r: Float32Array; projections: Float32Array } {
    const { D, Q, H, F } = this;
    const Fr = this.requestFields.length;
    const r = Float32Array.from(this.layers[0].b);
    const e = new Float32Array(Fr * D);
    const projections = new Float32Array(Fr * Q);
    const slotOf = new Int32Array(F).fill(-1);
    this.requestFields.forEach((f, slot) => {
      slotOf[f] = slot;
      this.embedding(f, requestIds[slot], e, slot * D);
      this.project(e, slot * D, projections, slot * Q);
      for (let d = 0; d < D; d++) this.addColumn(r, f * D + d, e[slot * D + d]);
    });
    this.requestNumericals.forEach((m, slot) => this.addColumn(r, F * D + m, requestNumerical[slot]));
    for (const { i, j, k } of this.pairs) {
      if (slotOf[i] < 0 || slotOf[j] < 0) continue;
      let dot = 0;
      for (let q = 0; q < Q; q++) dot += projections[slotOf[i] * Q + q] * projections[slotOf[j] * Q + q];
      this.addColumn(r, F * D + this.M + k, dot);
    }
    return { r, projections };
  }

  /**
   * The per-candidate graph, with the per-ad tables as initializers: inputs r (1,H), pr (Fr,Q), candidates (C)
   * int64 catalogue rows, cross (C,Mc) → logit (C).
   */
  async compile(ads: { s: Float32Array; projections: Float32Array }, threads = 1): Promise<void> {
    const g = new GraphBuilder('dlrm_candidates', 'float32');
    const { H, Q, F, M } = this;
    const Fr = this.requestFields.length;
    const Fa = this.adFields.length;
    const Mc = this.crossNumericals.length;
    const A = this.adCount;
    const r = g.input('r', 'float32', [1, H]);
    const pr = g.input('pr', 'float32', [Fr, Q]);
    const candidates = g.input('candidates', 'int64', ['C']);
    const cross = g.input('cross', 'float32', ['C', Math.max(1, Mc)]);
    const sTable = g.initializer('ad_s', 'float32', [A, H], ads.s);
    const pTable = g.initializer('ad_p', 'float32', [A, Fa * Q], ads.projections);
    const s = g.op('Gather', [sTable, candidates], { axis: 0 }); // (C,H)
    const pa = g.op('Reshape', [g.op('Gather', [pTable, candidates], { axis: 0 }), g.ints([-1, Fa, Q])]); // (C,Fa,Q)
    const dots = g.op('Reshape', [g.op('MatMul', [pa, g.op('Transpose', [pr], { perm: [1, 0] })]), g.ints([-1, Fa * Fr])]); // (C,Fa·Fr)
    // W1 columns of the request × ad pairs, in (ad slot, request slot) order, and of the cross numericals
    const column = (col: number): Float32Array => this.w1t.subarray(col * H, (col + 1) * H);
    const wRa = new Float32Array(Fa * Fr * H);
    const pairK = new Map(this.pairs.map((p) => [`${p.i},${p.j}`, p.k]));
    this.adFields.forEach((fa, a) => this.requestFields.forEach((fr, q) => {
      const k = pairK.get(fa < fr ? `${fa},${fr}` : `${fr},${fa}`)!;
      wRa.set(column(F * this.D + M + k), (a * Fr + q) * H);
    }));
    const wCross = new Float32Array(Math.max(1, Mc) * H);
    this.crossNumericals.forEach((m, c) => wCross.set(column(F * this.D + m), c * H));
    let h = g.op('Add', [g.op('Add', [s, r]), g.op('MatMul', [dots, g.initializer('w_ra', 'float32', [Fa * Fr, H], wRa)])]);
    if (Mc > 0) h = g.op('Add', [h, g.op('MatMul', [cross, g.initializer('w_cross', 'float32', [Mc, H], wCross)])]);
    h = g.op('Relu', [h]);
    this.layers.slice(1).forEach((layer, l) => {
      h = g.op('Gemm', [h, g.initializer(`w${l + 1}`, 'float32', [layer.out, layer.in], layer.w), g.initializer(`b${l + 1}`, 'float32', [layer.out], layer.b)], { transB: 1 });
      if (l + 2 < this.layers.length) h = g.op('Relu', [h]);
    });
    g.output(g.op('Reshape', [h, g.ints([-1])], {}, 'logit'), 'float32', ['C']);
    this.session = await createSession(g.serialize(), { intraOpThreads: threads, optimization: 'all', memPattern: false });
  }

  /** Logits (C) of the candidates (catalogue rows) for a request. */
  async score(request: { r: Float32Array; projections: Float32Array }, candidates: BigInt64Array, cross: Float32Array): Promise<Float32Array> {
    if (!this.session) throw new Error('assertion failed: SplitDlrm.compile() first');
    const C = candidates.length;
    const Mc = this.crossNumericals.length;
    const out = await this.session.run({
      r: new ort.Tensor('float32', request.r, [1, this.H]),
      pr: new ort.Tensor('float32', request.projections, [this.requestFields.length, this.Q]),
      candidates: new ort.Tensor('int64', candidates, [C]),
      cross: new ort.Tensor('float32', Mc > 0 ? cross : new Float32Array(C), [C, Math.max(1, Mc)]),
    });
    return out.logit.data as Float32Array;
  }

  async release(): Promise<void> {
    await this.session?.release();
    this.session = null;
  }
}
