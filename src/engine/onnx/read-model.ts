// Reading back what a serialised model holds: its metadata (without decoding the graph) and its float weights by
// name — what serving needs to rebuild a model's first layer split by request side (serve/split-dlrm.ts).
import { AdrankError } from '../../core/errors.js';
import { ModelMetadata, ModelProto, OnnxDataType } from './schema.js';

/** The metadata_props of a serialised model, read without decoding its graph. */
export function readModelMetadata(bytes: Uint8Array): Map<string, string> {
  const decoded = ModelMetadata.decode(bytes) as unknown as { metadataProps?: { key: string; value: string }[] };
  return new Map((decoded.metadataProps ?? []).map((p) => [p.key, p.value]));
}

export interface Weight {
  dims: number[];
  data: Float32Array;
}

/** Every float32 initializer of a model, by name (copied out of the buffer, so aligned). */
export function readFloatInitializers(bytes: Uint8Array): Map<string, Weight> {
  const model = ModelProto.decode(bytes) as unknown as { graph?: { initializer?: { name: string; dims: (number | { toNumber(): number })[]; dataType: number; rawData?: Uint8Array }[] } };
  const out = new Map<string, Weight>();
  for (const t of model.graph?.initializer ?? []) {
    if (t.dataType !== OnnxDataType.FLOAT || !t.rawData) continue;
    const raw = t.rawData;
    const data = new Float32Array(raw.byteLength / 4);
    new Uint8Array(data.buffer).set(raw);
    out.set(t.name, { dims: t.dims.map((d) => (typeof d === 'number' ? d : d.toNumber())), data });
  }
  if (out.size === 0) throw new AdrankError('BAD_ARTIFACT', 'the model holds no float weights', { hint: 'give a model exported by adrank' });
  return out;
}
