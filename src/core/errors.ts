// Typed errors: every problem with the user's input carries a stable code, where it happened and a hint.
// Bugs are assertions (plain Error); only the CLI turns errors into exit codes.

export type ErrorCode =
  | 'FILE_NOT_FOUND'
  | 'MISSING_COLUMN'
  | 'MISSING_VALUE'
  | 'MALFORMED_ROW'
  | 'EMPTY_TABLE'
  | 'BAD_TYPE'
  | 'OUT_OF_RANGE'
  | 'BAD_BID'
  | 'CONVERTED_WITHOUT_CLICK'
  | 'DUPLICATE_ID'
  | 'UNKNOWN_REFERENCE'
  | 'BAD_ROWS'
  | 'BAD_ARGUMENT'
  | 'IO_ERROR'
  | 'BAD_CONFIG'
  | 'BAD_ARTIFACT'
  | 'UNKNOWN_USER'
  | 'STORE_UNAVAILABLE'
  | 'NUMERIC_DIVERGENCE'
  | 'LOCKED'
  | 'UNEXPECTED_COLUMN';

/** Where a problem is: any subset of file, row (1-based data row, header excluded), column, value, field. */
export interface ErrorLocation {
  file?: string;
  row?: number;
  column?: string;
  value?: string;
  field?: string;
}

export class AdrankError extends Error {
  readonly code: ErrorCode;
  readonly location: ErrorLocation;
  readonly hint: string;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, opts: { location?: ErrorLocation; hint?: string; details?: unknown } = {}) {
    super(message);
    this.name = 'AdrankError';
    this.code = code;
    this.location = opts.location ?? {};
    this.hint = opts.hint ?? '';
    this.details = opts.details;
  }

  /** One human-readable paragraph: code, message, location and hint. */
  describe(): string {
    const where = formatLocation(this.location);
    const lines = [`[${this.code}] ${this.message}${where ? ` (${where})` : ''}`];
    if (this.hint) lines.push(`  hint: ${this.hint}`);
    return lines.join('\n');
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.location, hint: this.hint, details: this.details };
  }
}

export function formatLocation(loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(`file ${loc.file}`);
  if (loc.row !== undefined) parts.push(`row ${loc.row}`);
  if (loc.column !== undefined) parts.push(`column ${loc.column}`);
  if (loc.field !== undefined) parts.push(`field ${loc.field}`);
  if (loc.value !== undefined) parts.push(`value ${JSON.stringify(loc.value)}`);
  return parts.join(', ');
}

export function isAdrankError(e: unknown): e is AdrankError {
  return e instanceof AdrankError;
}

/** Invariant check for programming errors (not for user input). */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}
