// A small typed builder for ONNX graphs: declare inputs, initializers and nodes by name, then serialise a
// ModelProto. Values are referred to by their graph names (strings); every node output gets a unique name.
import { endianness } from 'node:os';
import { assert } from '../../core/errors.js';
import { bytesOf, toFloat, type DataArray, type Dtype, type FloatDtype } from '../dtype.js';
import {
  IR_VERSION,
  ModelProto,
  OnnxAttributeType,
  OnnxDataType,
  OPSET_VERSION,
  type AttributeProtoJson,
  type NodeProtoJson,
  type TensorProtoJson,
  type ValueInfoProtoJson,
} from './schema.js';

/** A dimension: a fixed size, or a symbolic name such as 'B' for the batch. */
export type Dim = number | string;

/** A FLOAT attribute (plain numbers are INT attributes, number arrays INTS, strings STRING). */
export interface FloatAttr {
  float: number;
}
export type AttrValue = number | number[] | string | FloatAttr;
export type Attrs = Readonly<Record<string, AttrValue>>;

const DATA_TYPE: Record<Dtype, number> = {
  float32: OnnxDataType.FLOAT,
  float64: OnnxDataType.DOUBLE,
  int64: OnnxDataType.INT64,
  int32: OnnxDataType.INT32,
  bool: OnnxDataType.BOOL,
};

assert(endianness() === 'LE', 'ONNX raw_data is little-endian; typed arrays are written as they lie in memory');

export function floatAttr(value: number): FloatAttr {
  return { float: value };
}

export class GraphBuilder {
  private readonly nodes: NodeProtoJson[] = [];
  private readonly initializers: TensorProtoJson[] = [];
  private readonly inputs: ValueInfoProtoJson[] = [];
  private readonly outputs: ValueInfoProtoJson[] = [];
  private readonly names = new Set<string>();
  private readonly constantCache = new Map<string, string>();
  private readonly metadata = new Map<string, string>();
  private counter = 0;

  /** `float` is the element type of the graph's activations: constants made by `scalar` use it. */
  constructor(
    readonly graphName: string,
    readonly float: FloatDtype,
  ) {}

  input(name: string, dtype: Dtype, shape: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** Mark an existing value as a graph output. */
  output(name: string, dtype: Dtype, shape: readonly Dim[]): void {
    assert(this.names.has(name), `output ${name} is not a value of the graph`);
    this.outputs.push(valueInfo(name, dtype, shape));
  }

  initializer(name: string, dtype: Dtype, dims: readonly number[], data: DataArray): string {
    const count = dims.reduce((a, b) => a * b, 1);
    assert(data.length === count, `initializer ${name}: ${data.length} values for dims [${dims.join(',')}]`);
    this.claim(name);
    this.initializers.push({ name, dims: [...dims], dataType: DATA_TYPE[dtype], rawData: bytesOf(data) });
    return name;
  }

  /** A float scalar constant of the graph's dtype, shared by every use of the same value. */
  scalar(value: number): string {
    return this.cachedConstant(`${this.float}:${value}`, () =>
      this.initializer(this.fresh('const'), this.float, [], toFloat(this.float, [value])),
    );
  }

  /** A 1-D integer constant (int64 for shapes, axes, indices), shared by every use of the same values. */
  ints(values: readonly number[], dtype: 'int64' | 'int32' = 'int64'): string {
    return this.cachedConstant(`${dtype}:${values.join(',')}`, () => {
      const data = dtype === 'int64' ? BigInt64Array.from(values.map(BigInt)) : Int32Array.from(values);
      return this.initializer(this.fresh('ints'), dtype, [values.length], data);
    });
  }

  /** A float constant tensor of the graph's dtype. */
  constant(dims: readonly number[], values: ArrayLike<number>): string {
    return this.initializer(this.fresh('const'), this.float, dims, toFloat(this.float, values));
  }

  /** Add a node with one output; returns the output's name (`outName` or a fresh one). */
  op(opType: string, inputs: readonly string[], attrs: Attrs = {}, outName?: string): string {
    return this.node(opType, inputs, attrs, [outName ?? this.fresh(opType.toLowerCase())])[0];
  }

  /** Add a node with several outputs, named or counted. */
  node(opType: string, inputs: readonly string[], attrs: Attrs, outputs: readonly string[] | number): string[] {
    for (const name of inputs) assert(name === '' || this.names.has(name), `${opType}: unknown input ${name}`);
    const outNames =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, () => this.claim(this.fresh(opType.toLowerCase())))
        : outputs.map((name) => this.claim(name));
    this.nodes.push({
      name: `n${this.nodes.length}_${opType}`,
      opType,
      domain: '',
      input: [...inputs],
      output: outNames,
      attribute: Object.entries(attrs).map(([name, value]) => attribute(name, value)),
    });
    return outNames;
  }

  /**
   * Give a node's output a chosen name (e.g. a graph output's), rewriting its uses: cheaper than an Identity
   * copy. Returns the new name.
   */
  rename(value: string, name: string): string {
    const producer = this.nodes.find((n) => n.output.includes(value));
    assert(producer !== undefined, `rename: ${value} is not produced by a node`);
    this.claim(name);
    this.names.delete(value);
    for (const node of this.nodes) {
      node.input = node.input.map((v) => (v === value ? name : v));
      node.output = node.output.map((v) => (v === value ? name : v));
    }
    return name;
  }

  /** A new unique value name starting with `prefix`. */
  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (this.names.has(name));
    return name;
  }

  /** A key/value pair stored in the model's metadata_props (e.g. the FeatureMap hash a model was trained with). */
  setMetadata(key: string, value: string): void {
    this.metadata.set(key, value);
  }

  serialize(): Uint8Array {
    const model = {
      irVersion: IR_VERSION,
      producerName: 'adrank',
      metadataProps: [...this.metadata].map(([key, value]) => ({ key, value })),
      opsetImport: [{ domain: '', version: OPSET_VERSION }],
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
    return ModelProto.encode(model).finish();
  }

  private claim(name: string): string {
    assert(!this.names.has(name), `value name ${name} is already used`);
    this.names.add(name);
    return name;
  }

  private cachedConstant(key: string, make: () => string): string {
    let name = this.constantCache.get(key);
    if (name === undefined) {
      name = make();
      this.constantCache.set(key, name);
    }
    return name;
  }
}

function valueInfo(name: string, dtype: Dtype, shape: readonly Dim[]): ValueInfoProtoJson {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: DATA_TYPE[dtype], shape: { dim } } } };
}

function attribute(name: string, value: AttrValue): AttributeProtoJson {
  if (typeof value === 'number') {
    assert(Number.isInteger(value), `attribute ${name}=${value}: use floatAttr() for FLOAT attributes`);
    return { name, type: OnnxAttributeType.INT, i: value };
  }
  if (typeof value === 'string') return { name, type: OnnxAttributeType.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: OnnxAttributeType.INTS, ints: value };
  return { name, type: OnnxAttributeType.FLOAT, f: value.float };
}

