// Encoding with a FeatureMap: raw feature rows → embedding row ids and standardised numericals.
// Two paths with identical results: `encodeTable` for millions of rows in DuckDB (one pass, typed columns per
// feature), and `FeatureEncoder` for single rows (serving). A model takes its columns by name (`selectColumns`).
// Legend: N rows, F categorical fields of a selection, M numerical features of a selection.
import type { DuckDBDataChunk } from '@duckdb/node-api';
import { sqlIdent, type Db } from '../data/duckdb.js';
import { compileIdEncoder } from './id-encoder.js';
import { SEED_CATEGORICAL, SEED_NUMERICAL, transformValue } from './feature-set.js';
import { standardizerOf, vocabularyOf, type FeatureMap, type IdEncoding, type Standardizer } from './feature-map.js';

/** The features a model reads, by name, in its order. */
export interface FeatureSelection {
  categorical: readonly string[];
  numerical: readonly string[];
}

export const SEED_SELECTION: FeatureSelection = { categorical: SEED_CATEGORICAL, numerical: SEED_NUMERICAL };

/** Every feature of a table, encoded, by name, in event order. */
export interface EncodedTable {
  n: number;
  /** row ids (N) of each categorical and id field */
  categorical: Map<string, Int32Array>;
  /** standardised values (N) of each numerical feature */
  numerical: Map<string, Float32Array>;
  clicked: Float32Array; // (N)
  converted: Float32Array; // (N)
  /** raw user and ad ids (N), for grouping and joins */
  userId: Float64Array;
  adId: Float64Array;
  /** the user's and the ad's impressions before the row (N): 0 for a new user or ad */
  userImpressions: Float32Array;
  adImpressions: Float32Array;
}

/** A model's view of encoded rows: its fields' columns and its numericals row-major. */
export interface EncodedFeatures {
  n: number;
  /** F columns of (N) row ids, in the selection's order */
  categorical: Int32Array[];
  /** (N, M) row-major, standardised */
  numerical: Float32Array;
  clicked: Float32Array; // (N)
  converted: Float32Array; // (N)
}

export function selectColumns(table: EncodedTable, selection: FeatureSelection): EncodedFeatures {
  const column = <T>(map: Map<string, T>, name: string): T => {
    const c = map.get(name);
    if (c === undefined) throw new Error(`assertion failed: no encoded column ${name}`);
    return c;
  };
  const categorical = selection.categorical.map((name) => column(table.categorical, name));
  const M = selection.numerical.length;
  const numerical = new Float32Array(table.n * M);
  selection.numerical.forEach((name, m) => {
    const values = column(table.numerical, name);
    for (let i = 0; i < table.n; i++) numerical[i * M + m] = values[i];
  });
  return { n: table.n, categorical, numerical, clicked: table.clicked, converted: table.converted };
}

/** The raw values of one row, as in the feature table (categoricals as strings or numbers). */
export type RawFeatureRow = Record<string, string | number>;

/** One compiled encoder per feature. */
export class FeatureEncoder {
  private readonly categoryRow = new Map<string, (value: string | number) => number>();
  private readonly idRow = new Map<string, { encode: (id: number) => number; encoding: IdEncoding }>();
  private readonly standardizers = new Map<string, { s: Standardizer; invStd: number }>();

  constructor(readonly map: FeatureMap) {
    for (const v of map.vocabularies) {
      const index = new Map(v.values.map((value, i) => [value, i]));
      this.categoryRow.set(v.name, (value) => index.get(String(value)) ?? v.oovIndex);
    }
    for (const encoding of map.ids) this.idRow.set(encoding.name, { encode: compileIdEncoder(encoding.spec), encoding });
    for (const s of map.numerical) this.standardizers.set(s.name, { s, invStd: s.std > 0 ? 1 / s.std : 0 });
  }

  /** Row of a categorical feature for a raw value; unknown → OOV. */
  category(name: string, value: string | number): number {
    const encode = this.categoryRow.get(name);
    return encode ? encode(value) : vocabularyOf(this.map, name).oovIndex;
  }

  /** Row of an id; `historyCount` 0 (no earlier event) sends it to OOV when the map says cold rows do. */
  id(name: string, id: number, historyCount = 1): number {
    return this.idEncoder(name)(id, historyCount);
  }

  /** The compiled id encoder of an id field: (id, history count) → row. */
  idEncoder(name: string): (id: number, historyCount: number) => number {
    const entry = this.idRow.get(name);
    if (!entry) throw new Error(`assertion failed: ${name} is not an id field of the FeatureMap`);
    const { encode, encoding } = entry;
    const oov = encoding.spec.oovIndex;
    return encoding.coldToOov ? (id, history) => (history > 0 ? encode(id) : oov) : (id) => encode(id);
  }

  /** Transformed and standardised value of a numerical feature: (f(x) − mean) / std, or 0 for a constant one. */
  numerical(name: string, raw: number): number {
    return this.numericalEncoder(name)(raw);
  }

  /** The compiled standardiser of a numerical feature. */
  numericalEncoder(name: string): (raw: number) => number {
    const entry = this.standardizers.get(name) ?? { s: standardizerOf(this.map, name), invStd: 0 };
    const { invStd } = entry;
    const { mean, transform } = entry.s;
    if (invStd === 0) return () => 0;
    if (transform === 'none') return (x) => (x - mean) * invStd;
    return (x) => (transformValue(transform, x) - mean) * invStd;
  }

  /** Row of a field: a categorical value or an id with its history count. */
  field(name: string, row: RawFeatureRow): number {
    const id = this.idRow.get(name);
    if (id) return this.id(name, Number(row[id.encoding.column]), Number(row[historyColumn(name)]));
    return this.category(name, row[vocabularyOf(this.map, name).column]);
  }

  /** Encodes rows one by one (the serving path). */
  encodeRows(rows: readonly RawFeatureRow[], selection: FeatureSelection = SEED_SELECTION): Omit<EncodedFeatures, 'clicked' | 'converted'> {
    const n = rows.length;
    const categorical = selection.categorical.map(() => new Int32Array(n));
    const M = selection.numerical.length;
    const numerical = new Float32Array(n * M);
    const columns = selection.numerical.map((name) => standardizerOf(this.map, name).column);
    rows.forEach((row, i) => {
      selection.categorical.forEach((name, f) => (categorical[f][i] = this.field(name, row)));
      selection.numerical.forEach((name, m) => {
        const value = Number(row[columns[m]]);
        if (Number.isNaN(value)) throw new Error(`assertion failed: feature row ${i} has no number for ${columns[m]} (${String(row[columns[m]])})`);
        numerical[i * M + m] = this.numerical(name, value);
      });
    });
    return { n, categorical, numerical };
  }
}

/** The count column that says whether an id has history before the row (0: a cold row). */
export function historyColumn(idField: string): string {
  return idField === 'user_id' ? 'user_impressions' : 'ad_impressions';
}

/**
 * Encodes every feature of a feature table (event_idx + the feature columns) in one pass. Text columns are read as
 * their ENUM codes and translated through a small lookup table; rows land at their event_idx, so the result is in
 * event order without sorting in DuckDB.
 */
export async function encodeTable(db: Db, table: string, map: FeatureMap): Promise<EncodedTable> {
  const encoder = new FeatureEncoder(map);
  const n = Number(await db.scalar(`SELECT count(*) FROM ${table}`));
  const out: EncodedTable = {
    n, categorical: new Map(), numerical: new Map(),
    clicked: new Float32Array(n), converted: new Float32Array(n), userId: new Float64Array(n), adId: new Float64Array(n),
    userImpressions: new Float32Array(n), adImpressions: new Float32Array(n),
  };
  // Per categorical feature: an expression giving a small integer, and a lookup from it to the vocabulary row.
  const cats: { name: string; expr: string; lookup: (code: number) => number; target: Int32Array }[] = [];
  for (const v of map.vocabularies) {
    const column = sqlIdent(v.column);
    const type = String(await db.scalar(`SELECT typeof(${column}) FROM ${table} LIMIT 1`));
    const target = new Int32Array(n);
    out.categorical.set(v.name, target);
    if (type.startsWith('ENUM')) {
      const codes = await db.rows(`SELECT DISTINCT enum_code(${column}) AS c, CAST(${column} AS VARCHAR) AS v FROM ${table}`);
      const lut = new Int32Array(codes.reduce((m, r) => Math.max(m, Number(r.c) + 1), 0));
      for (const r of codes) lut[Number(r.c)] = encoder.category(v.name, String(r.v));
      cats.push({ name: v.name, expr: `enum_code(${column})`, lookup: (c) => lut[c], target });
    } else {
      const cache = new Map<number, number>();
      const lookup = (value: number): number => {
        let row = cache.get(value);
        if (row === undefined) cache.set(value, (row = encoder.category(v.name, value)));
        return row;
      };
      cats.push({ name: v.name, expr: `${column}::DOUBLE`, lookup, target });
    }
  }
  for (const id of map.ids) out.categorical.set(id.name, new Int32Array(n));
  const nums = map.numerical.map((s) => ({ s, encode: encoder.numericalEncoder(s.name), target: new Float32Array(n) }));
  for (const { s, target } of nums) out.numerical.set(s.name, target);
  // ids as DOUBLE: BIGINT would come back as BigInt, several times slower to convert (exact below 2^53, as all ids are)
  const rawColumns = [...new Set(map.numerical.map((s) => s.column).concat(map.ids.map((i) => historyColumn(i.name))))];
  const sql = `SELECT event_idx, ${cats.map((c) => c.expr).join(', ')}, user_id::DOUBLE, ad_id::DOUBLE, ${rawColumns.map((c) => `${sqlIdent(c)}::DOUBLE`).join(', ')}, clicked, converted FROM ${table}`;
  const rawAt = new Map(rawColumns.map((c, k) => [c, 3 + cats.length + k]));
  const idEncoders = map.ids.map((id) => ({ id, encode: encoder.idEncoder(id.name), target: out.categorical.get(id.name)! }));
  const encodeChunk = (chunk: DuckDBDataChunk): void => {
    const rows = chunk.rowCount;
    const idx = chunk.getColumnVector(0);
    const at = new Int32Array(rows);
    for (let r = 0; r < rows; r++) at[r] = idx.getItem(r) as number;
    cats.forEach((c, f) => {
      const vector = chunk.getColumnVector(1 + f);
      for (let r = 0; r < rows; r++) c.target[at[r]] = c.lookup(vector.getItem(r) as number);
    });
    const userVector = chunk.getColumnVector(1 + cats.length);
    const adVector = chunk.getColumnVector(2 + cats.length);
    for (let r = 0; r < rows; r++) {
      out.userId[at[r]] = userVector.getItem(r) as number;
      out.adId[at[r]] = adVector.getItem(r) as number;
    }
    for (const { id, encode, target } of idEncoders) {
      const ids = id.name === 'user_id' ? out.userId : out.adId;
      const counts = id.name === 'user_id' ? out.userImpressions : out.adImpressions;
      const history = chunk.getColumnVector(rawAt.get(historyColumn(id.name))!);
      for (let r = 0; r < rows; r++) {
        const count = history.getItem(r) as number;
        counts[at[r]] = count;
        target[at[r]] = encode(ids[at[r]], count);
      }
    }
    for (const { s, encode, target } of nums) {
      const vector = chunk.getColumnVector(rawAt.get(s.column)!);
      for (let r = 0; r < rows; r++) target[at[r]] = encode(vector.getItem(r) as number);
    }
    const clicked = chunk.getColumnVector(3 + cats.length + rawColumns.length);
    const converted = chunk.getColumnVector(4 + cats.length + rawColumns.length);
    for (let r = 0; r < rows; r++) {
      out.clicked[at[r]] = clicked.getItem(r) as number;
      out.converted[at[r]] = converted.getItem(r) as number;
    }
  };
  const result = await db.connection.stream(sql);
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) encodeChunk(chunk);
  return out;
}
