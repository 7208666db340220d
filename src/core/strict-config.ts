// Strict validation for configs: unknown keys and wrong types fail with the path of the offending field, then
// the config is frozen. One small reader per field type keeps each parser declarative.
import { AdrankError } from './errors.js';

export type Path = string;

export function fail(path: Path, message: string, hint: string): never {
  throw new AdrankError('BAD_CONFIG', `${path}: ${message}`, { location: { field: path }, hint });
}

export function readObject(value: unknown, path: Path, allowed: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'expected an object', 'see the config type');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, 'unknown key', `allowed keys: ${allowed.join(', ')}`);
  }
  return record;
}

export function readInt(value: unknown, path: Path, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(path, `expected an integer ≥ ${min}`, 'fix the value');
  return value;
}

export function readNumber(value: unknown, path: Path, min: number, maxExclusive: number): number {
  if (typeof value !== 'number' || !(value >= min && value < maxExclusive)) {
    fail(path, `expected a number in [${min}, ${maxExclusive})`, 'fix the value');
  }
  return value;
}

export function readString(value: unknown, path: Path): string {
  if (typeof value !== 'string' || value.length === 0) fail(path, 'expected a non-empty string', 'fix the value');
  return value;
}

export function readArray<T>(value: unknown, path: Path, item: (v: unknown, p: Path) => T, minLength = 0): T[] {
  if (!Array.isArray(value) || value.length < minLength) fail(path, `expected an array of at least ${minLength}`, 'fix the value');
  return value.map((v, i) => item(v, `${path}[${i}]`));
}

/** Freeze a config and its nested arrays and objects. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

export function readBoolean(value: unknown, path: Path): boolean {
  if (typeof value !== 'boolean') fail(path, 'expected true or false', 'fix the value');
  return value;
}

export function readChoice<T extends string>(value: unknown, path: Path, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) fail(path, `expected one of ${choices.join(', ')}`, 'fix the value');
  return value as T;
}

/** Fails with the path of the first of `keys` that `raw` lacks. */
export function requireKeys(raw: Record<string, unknown>, path: Path, keys: readonly string[]): void {
  for (const key of keys) if (!(key in raw)) fail(`${path}.${key}`, 'missing', `required keys: ${keys.join(', ')}`);
}

/** `override` laid over `base`: objects merge key by key, anything else (arrays included) replaces. */
export function deepMerge(base: unknown, override: unknown): unknown {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(base) || !isObject(override)) return override === undefined ? base : override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) out[key] = deepMerge(base[key], value);
  return out;
}
