// Encoding with a FeatureMap: raw feature rows → embedding row ids and standardised numericals.
// Two paths with identical results: `encodeTable` for millions of rows in DuckDB (one pass, typed arrays),
// and `FeatureEncoder` for single rows (serving).
// Legend: N rows, F categorical fields (10 attributes + user_id + ad_id), M numerical columns (7).
import type { DuckDBDataChunk } from '@duckdb/node-api';
import { sqlIdent, type Db } from '../data/duckdb.js';
import { CATEGORICAL_FIELDS, NUMERICAL_COLUMNS, type FeatureMap, type NumericalColumn } from './feature-map.js';
import { compileIdEncoder } from './id-encoder.js';

/** Encoded rows in event order. */
export interface EncodedFeatures {
  n: number;
  /** F columns of (N) row ids, in embedding order */
  categorical: Int32Array[];
  /** (N, M) row-major, standardised */
  numerical: Float32Array;
  clicked: Float32Array; // (N)
  converted: Float32Array; // (N)
}

/** The raw values of one row, as in the feature table (categoricals as strings or numbers). */
export type RawFeatureRow = Record<(typeof CATEGORICAL_FIELDS)[number], string | number> & Record<NumericalColumn, number> & { user_id: number; ad_id: number };

export class FeatureEncoder {
  readonly map: FeatureMap;
  private readonly vocab: Map<string, number>[];
  readonly userRow: (id: number) => number;
  readonly adRow: (id: number) => number;
  private readonly mean: Float64Array;
  private readonly invStd: Float64Array;

  constructor(map: FeatureMap) {
    this.map = map;
    this.vocab = map.vocabularies.map((v) => new Map(v.values.map((value, i) => [value, i])));
    this.userRow = compileIdEncoder(map.ids.user_id);
    this.adRow = compileIdEncoder(map.ids.ad_id);
    this.mean = Float64Array.from(map.numerical, (s) => s.mean);
    this.invStd = Float64Array.from(map.numerical, (s) => (s.std > 0 ? 1 / s.std : 0));
  }

  /** Row of categorical field f (index into CATEGORICAL_FIELDS) for a raw value; unknown → OOV. */
  category(f: number, value: string | number): number {
    return this.vocab[f].get(String(value)) ?? this.map.vocabularies[f].oovIndex;
  }

  /** Standardised value of numerical column m: (x − mean) / std, or 0 for a constant column. */
  standardize(m: number, x: number): number {
    return this.invStd[m] === 0 ? 0 : (x - this.mean[m]) * this.invStd[m];
  }

  /** Encodes rows one by one (the serving path). */
  encodeRows(rows: readonly RawFeatureRow[]): Omit<EncodedFeatures, 'clicked' | 'converted'> {
    const n = rows.length;
    const F = CATEGORICAL_FIELDS.length;
    const categorical = Array.from({ length: F + 2 }, () => new Int32Array(n));
    const numerical = new Float32Array(n * NUMERICAL_COLUMNS.length);
    rows.forEach((row, i) => {
      CATEGORICAL_FIELDS.forEach((field, f) => (categorical[f][i] = this.category(f, row[field])));
      categorical[F][i] = this.userRow(row.user_id);
      categorical[F + 1][i] = this.adRow(row.ad_id);
      NUMERICAL_COLUMNS.forEach((col, m) => (numerical[i * NUMERICAL_COLUMNS.length + m] = this.standardize(m, row[col])));
    });
    return { n, categorical, numerical };
  }
}

/**
 * Encodes a feature table (event_idx + the seed's columns) in one pass. Text columns are read as their
 * ENUM codes and translated through a small lookup table; rows land at their event_idx, so the result is
 * in event order without sorting in DuckDB.
 */
export async function encodeTable(db: Db, table: string, map: FeatureMap): Promise<EncodedFeatures> {
  const encoder = new FeatureEncoder(map);
  const n = Number(await db.scalar(`SELECT count(*) FROM ${table}`));
  const F = CATEGORICAL_FIELDS.length;
  const M = NUMERICAL_COLUMNS.length;
  const out: EncodedFeatures = {
    n,
    categorical: Array.from({ length: F + 2 }, () => new Int32Array(n)),
    numerical: new Float32Array(n * M),
    clicked: new Float32Array(n),
    converted: new Float32Array(n),
  };
  // Per categorical field: an expression giving a small integer, and a lookup from it to the vocabulary row.
  const codeOf: { expr: string; lookup: (code: number) => number }[] = [];
  for (let f = 0; f < F; f++) {
    const column = sqlIdent(CATEGORICAL_FIELDS[f]);
    const type = String(await db.scalar(`SELECT typeof(${column}) FROM ${table} LIMIT 1`));
    if (type.startsWith('ENUM')) {
      const codes = await db.rows(`SELECT DISTINCT enum_code(${column}) AS c, CAST(${column} AS VARCHAR) AS v FROM ${table}`);
      const lut = new Int32Array(codes.reduce((m, r) => Math.max(m, Number(r.c) + 1), 0));
      for (const r of codes) lut[Number(r.c)] = encoder.category(f, String(r.v));
      codeOf.push({ expr: `enum_code(${column})`, lookup: (c) => lut[c] });
    } else {
      const cache = new Map<number, number>();
      codeOf.push({
        expr: column,
        lookup: (v) => {
          let row = cache.get(v);
          if (row === undefined) cache.set(v, (row = encoder.category(f, v)));
          return row;
        },
      });
    }
  }
  // ids as DOUBLE: BIGINT would come back as BigInt, several times slower to convert (exact below 2^53, as all ids are)
  const sql = `SELECT event_idx, ${codeOf.map((c) => c.expr).join(', ')}, user_id::DOUBLE, ad_id::DOUBLE, ${NUMERICAL_COLUMNS.join(', ')}, clicked, converted FROM ${table}`;
  const encodeChunk = (chunk: DuckDBDataChunk): void => {
    const rows = chunk.rowCount;
    const idx = chunk.getColumnVector(0);
    const at = new Int32Array(rows);
    for (let r = 0; r < rows; r++) at[r] = idx.getItem(r) as number;
    for (let f = 0; f < F; f++) {
      const vector = chunk.getColumnVector(1 + f);
      const target = out.categorical[f];
      const lookup = codeOf[f].lookup;
      for (let r = 0; r < rows; r++) target[at[r]] = lookup(vector.getItem(r) as number);
    }
    for (const [k, encode] of [[F, encoder.userRow], [F + 1, encoder.adRow]] as const) {
      const vector = chunk.getColumnVector(1 + k);
      const target = out.categorical[k];
      for (let r = 0; r < rows; r++) target[at[r]] = encode(vector.getItem(r) as number);
    }
    for (let m = 0; m < M; m++) {
      const vector = chunk.getColumnVector(3 + F + m);
      for (let r = 0; r < rows; r++) out.numerical[at[r] * M + m] = encoder.standardize(m, vector.getItem(r) as number);
    }
    const clicked = chunk.getColumnVector(3 + F + M);
    const converted = chunk.getColumnVector(4 + F + M);
    for (let r = 0; r < rows; r++) {
      out.clicked[at[r]] = clicked.getItem(r) as number;
      out.converted[at[r]] = converted.getItem(r) as number;
    }
  };
  const result = await db.connection.stream(sql);
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) encodeChunk(chunk);
  return out;
}
