// Sampled softmax over in-batch and mixed negatives with the logQ correction (Yi et al. 2019, "Sampling-Bias-
// Corrected Neural Modeling for Large Corpus Item Recommendations"; Yang et al. 2020, "Mixed Negative Sampling"):
// row b's positive is column b; every column of the batch is a candidate for every row. Each column's score is
// corrected by −log q_j (its probability under the sampling distribution), so the model learns the full softmax
// rather than one biased toward frequent ads, and columns that hold row b's own positive ad again (accidental
// hits) are masked out of row b's softmax.
// Legend: B rows (users), P ≥ B columns (ads: the B positives first, then sampled negatives), O vector dim.
import type { GraphBuilder } from '../onnx/graph-builder.js';
import { floatType } from '../onnx/schema.js';
import { inverseBatch } from './batch-mean.js';

export interface InBatchSoftmaxApplied {
  /** mean loss, scalar */
  loss: string;
  /** scores after correction and masking (B,P) */
  scores: string;
  /** d loss / d user vectors (B,O) */
  dUser: string;
  /** d loss / d ad vectors (P,O) */
  dAd: string;
}

/**
 * user (B,O), ad (P,O), columnLogQ (P) log sampling probability of each column's ad, positiveKey (B) and
 * columnKey (P): an id of each row's positive ad and of each column's ad, to find accidental hits.
 */
export function inBatchSoftmax(g: GraphBuilder, user: string, ad: string, columnLogQ: string, positiveKey: string, columnKey: string): InBatchSoftmaxApplied {
  const float = floatType(g.float);
  const raw = g.op('MatMul', [user, g.op('Transpose', [ad], { perm: [1, 0] })]); // (B,P)
  // accidental hits: column j ≠ b holding row b's positive ad
  const rows = g.op('Shape', [user], { start: 0, end: 1 });
  const columns = g.op('Shape', [ad], { start: 0, end: 1 });
  const zero = g.op('Squeeze', [g.ints([0]), g.ints([0])]); // int64 scalars for Range
  const one = g.op('Squeeze', [g.ints([1]), g.ints([0])]);
  const rowIndex = g.op('Range', [zero, g.op('Squeeze', [rows, g.ints([0])]), one]); // (B)
  const columnIndex = g.op('Range', [zero, g.op('Squeeze', [columns, g.ints([0])]), one]); // (P)
  const diagonal = g.op('Equal', [g.op('Unsqueeze', [rowIndex, g.ints([1])]), g.op('Unsqueeze', [columnIndex, g.ints([0])])]); // (B,P)
  const sameAd = g.op('Equal', [g.op('Unsqueeze', [positiveKey, g.ints([1])]), g.op('Unsqueeze', [columnKey, g.ints([0])])]); // (B,P)
  const hit = g.op('And', [sameAd, g.op('Not', [diagonal])]);
  const corrected = g.op('Sub', [raw, g.op('Unsqueeze', [columnLogQ, g.ints([0])])]);
  const scores = g.op('Where', [hit, g.scalar(-1e4), corrected]); // (B,P)
  const logProb = g.op('LogSoftmax', [scores], { axis: 1 });
  const eye = g.op('Cast', [diagonal], { to: float }); // (B,P)
  const picked = g.op('ReduceSum', [g.op('Mul', [logProb, eye]), g.ints([1])], { keepdims: 0 }); // (B)
  const loss = g.op('Neg', [g.op('ReduceMean', [picked], { keepdims: 0 })]);
  // d scores = (softmax − e_b) / B; masked columns have softmax ≈ 0, so no gradient flows to them
  const dScores = g.op('Mul', [g.op('Sub', [g.op('Softmax', [scores], { axis: 1 }), eye]), inverseBatch(g, user)]); // (B,P)
  const dUser = g.op('MatMul', [dScores, ad]); // (B,O)
  const dAd = g.op('MatMul', [g.op('Transpose', [dScores], { perm: [1, 0] }), user]); // (P,O)
  return { loss, scores, dUser, dAd };
}
