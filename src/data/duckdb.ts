// A thin wrapper over an embedded DuckDB database: SQL in, rows or typed columns out.
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

export type SqlRow = Record<string, DuckDBValue>;

/** Quote a string as a SQL literal. */
export function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Quote an identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export class Db {
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
  ) {}

  /** An in-memory database; `threads` defaults to the machine's cores. */
  static async open(options: { threads?: number; memoryLimit?: string } = {}): Promise<Db> {
    const config: Record<string, string> = {};
    if (options.threads !== undefined) config.threads = String(options.threads);
    if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
    const instance = await DuckDBInstance.create(':memory:', config);
    return new Db(instance, await instance.connect());
  }

  async run(sql: string): Promise<void> {
    await this.connection.run(sql);
  }

  async rows(sql: string): Promise<SqlRow[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjects();
  }

  async scalar(sql: string): Promise<DuckDBValue> {
    const rows = await this.rows(sql);
    const first = rows[0];
    return first === undefined ? null : Object.values(first)[0];
  }

  /**
   * Streams a query's result into preallocated typed arrays, one per column, in result order.
   * `targets` maps a result column name to the array that receives it (length ≥ the row count);
   * NULLs become NaN in float arrays and 0 in integer arrays. Returns the number of rows read.
   */
  async readInto(sql: string, targets: Record<string, { [i: number]: number; length: number }>): Promise<number> {
    const result = await this.connection.stream(sql);
    const names = result.columnNames();
    const slots = names.map((name) => targets[name]);
    let offset = 0;
    for (;;) {
      const chunk = await result.fetchChunk();
      if (!chunk || chunk.rowCount === 0) break;
      const rowCount = chunk.rowCount;
      for (let c = 0; c < slots.length; c++) {
        const target = slots[c];
        if (!target) continue;
        const vector = chunk.getColumnVector(c);
        for (let i = 0; i < rowCount; i++) {
          const v = vector.getItem(i);
          target[offset + i] = v === null ? NaN : typeof v === 'bigint' ? Number(v) : (v as number);
        }
      }
      offset += rowCount;
    }
    return offset;
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
