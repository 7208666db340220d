// The builder's contract: a serialised model decodes to what was declared (opset, typed inputs with symbolic
// dims, initializers, attributes) and runs in ONNX Runtime; names are unique and constants are shared.
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { floatAttr, GraphBuilder } from './graph-builder.js';
import { ModelProto, OnnxDataType, OPSET_VERSION } from './schema.js';

function build(): GraphBuilder {
  const g = new GraphBuilder('affine', 'float32');
  const x = g.input('x', 'float32', ['B', 3]);
  const w = g.initializer('w', 'float32', [2, 3], Float32Array.from([1, 2, 3, 4, 5, 6]));
  const b = g.initializer('b', 'float32', [2], Float32Array.from([0.5, -0.5]));
  const y = g.op('Gemm', [x, w, b], { transB: 1, alpha: floatAttr(2) });
  g.output(g.rename(g.op('Relu', [y]), 'y'), 'float32', ['B', 2]);
  return g;
}

describe('GraphBuilder', () => {
  test('serialises a ModelProto with opset, symbolic dims, initializers and typed attributes', () => {
    const decoded = ModelProto.toObject(ModelProto.decode(build().serialize()), { longs: Number }) as {
      opsetImport: { version: number }[];
      graph: { input: { name: string; type: { tensorType: { elemType: number; shape: { dim: { dimParam?: string; dimValue?: number }[] } } } }[]; initializer: { name: string; dims: number[] }[]; node: { opType: string; attribute: { name: string; i?: number; f?: number }[] }[] };
    };
    expect(decoded.opsetImport[0].version).toBe(OPSET_VERSION);
    const input = decoded.graph.input[0];
    expect(input.type.tensorType.elemType).toBe(OnnxDataType.FLOAT);
    expect(input.type.tensorType.shape.dim).toEqual([{ dimParam: 'B' }, { dimValue: 3 }]);
    expect(decoded.graph.initializer.map((t) => [t.name, t.dims])).toEqual([['w', [2, 3]], ['b', [2]]]);
    const gemm = decoded.graph.node[0];
    expect(gemm.opType).toBe('Gemm');
    expect(gemm.attribute.find((a) => a.name === 'transB')?.i).toBe(1);
    expect(gemm.attribute.find((a) => a.name === 'alpha')?.f).toBe(2);
  });

  test('the model runs in ONNX Runtime: y = relu(2·x·Wᵀ + b)', async () => {
    const session = await ort.InferenceSession.create(build().serialize());
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.from([1, 0, 0, 0, 1, -1]), [2, 3]) });
    expect(Array.from(out.y.data as Float32Array)).toEqual([2.5, 7.5, 0, 0]);
  });

  test('fresh names never collide; equal constants are shared; bad references fail', () => {
    const g = new GraphBuilder('names', 'float64');
    const x = g.input('relu_0', 'float64', [2]);
    const a = g.op('Relu', [x]);
    const b = g.op('Relu', [a]);
    expect(new Set([x, a, b]).size).toBe(3);
    expect(g.scalar(1)).toBe(g.scalar(1));
    expect(g.ints([1, 2])).toBe(g.ints([1, 2]));
    expect(g.ints([1, 2])).not.toBe(g.ints([1, 2], 'int32'));
    expect(() => g.op('Relu', ['missing'])).toThrow(/unknown input/);
    expect(() => g.op('Gemm', [a, b], { alpha: 0.5 })).toThrow(/floatAttr/);
  });
});
