// Element types the engine moves between TypeScript and ONNX Runtime. Layers are written once for a float dtype:
// float32 trains and serves, float64 runs the finite-difference checks.

export type FloatDtype = 'float32' | 'float64';
export type Dtype = FloatDtype | 'int64' | 'int32' | 'bool';

export type FloatArray = Float32Array | Float64Array;
export type DataArray = FloatArray | BigInt64Array | Int32Array | Uint8Array;

export function allocate(dtype: Dtype, length: number): DataArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'bool':
      return new Uint8Array(length);
  }
}

export function isArrayOf(dtype: Dtype, data: DataArray): boolean {
  switch (dtype) {
    case 'float32':
      return data instanceof Float32Array;
    case 'float64':
      return data instanceof Float64Array;
    case 'int64':
      return data instanceof BigInt64Array;
    case 'int32':
      return data instanceof Int32Array;
    case 'bool':
      return data instanceof Uint8Array;
  }
}

/** Copy numbers into a new array of the given float dtype. */
export function toFloat(dtype: FloatDtype, values: ArrayLike<number>): FloatArray {
  return dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
}

export function bytesOf(array: DataArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/**
 * Int32 view over an int64 array's words, to write ids without BigInt arithmetic: on a little-endian machine
 * word 2i is the low half of element i and word 2i+1 its sign extension (0 for the non-negative ids we write).
 */
export function int64Words(target: BigInt64Array): Int32Array {
  return new Int32Array(target.buffer, target.byteOffset, target.length * 2);
}
