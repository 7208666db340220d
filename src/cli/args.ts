// Command-line parsing: each command declares its options once; unknown flags and bad values are
// errors with the flag's name and a hint, never silently ignored.
import { AdrankError } from '../core/errors.js';

export type OptionType = 'string' | 'int' | 'number' | 'boolean';

export interface OptionSpec {
  name: string; // without the leading dashes, kebab-case
  type: OptionType;
  help: string;
  choices?: readonly string[];
  default?: string | number | boolean;
  required?: boolean;
  /** allowed range for numbers */
  min?: number;
}

export interface PositionalSpec {
  name: string;
  help: string;
  required: boolean;
}

export type OptionValue = string | number | boolean | undefined;

export class ParsedArgs {
  constructor(
    readonly options: Readonly<Record<string, OptionValue>>,
    readonly positionals: readonly string[],
  ) {}

  string(name: string): string | undefined {
    const v = this.options[name];
    return v === undefined ? undefined : String(v);
  }

  requireString(name: string): string {
    const v = this.string(name);
    if (v === undefined) throw new AdrankError('BAD_ARGUMENT', `--${name} is required`, { location: { field: `--${name}` }, hint: 'see --help' });
    return v;
  }

  number(name: string): number | undefined {
    const v = this.options[name];
    return v === undefined ? undefined : Number(v);
  }

  flag(name: string): boolean {
    return this.options[name] === true;
  }
}

export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', type: 'boolean', help: 'print a JSON summary on stdout (for scripts)' },
  { name: 'help', type: 'boolean', help: 'show this help' },
];

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], positionalSpecs: readonly PositionalSpec[]): ParsedArgs {
  const all = [...specs, ...COMMON_OPTIONS];
  const byName = new Map(all.map((s) => [s.name, s]));
  const options: Record<string, OptionValue> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('--')) {
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = token.slice(2, eq < 0 ? undefined : eq);
    const spec = byName.get(name);
    if (!spec) {
      throw new AdrankError('BAD_ARGUMENT', `unknown option --${name}`, {
        location: { field: token },
        hint: `options here: ${all.map((s) => '--' + s.name).join(', ')}`,
      });
    }
    if (spec.type === 'boolean') {
      options[name] = eq < 0 ? true : parseBoolean(token.slice(eq + 1), name);
      continue;
    }
    const raw = eq < 0 ? argv[++i] : token.slice(eq + 1);
    if (raw === undefined) throw new AdrankError('BAD_ARGUMENT', `--${name} needs a value`, { location: { field: `--${name}` }, hint: spec.help });
    options[name] = convert(raw, spec);
  }
  if (options.help) return new ParsedArgs(options, positionals);
  for (const spec of all) {
    if (options[spec.name] === undefined && spec.default !== undefined) options[spec.name] = spec.default;
    if (options[spec.name] === undefined && spec.required) {
      throw new AdrankError('BAD_ARGUMENT', `--${spec.name} is required`, { location: { field: `--${spec.name}` }, hint: spec.help });
    }
  }
  const required = positionalSpecs.filter((p) => p.required).length;
  if (positionals.length < required || positionals.length > positionalSpecs.length) {
    throw new AdrankError('BAD_ARGUMENT', `expected ${positionalSpecs.map((p) => p.name).join(' ') || 'no positional arguments'}, got ${positionals.length ? positionals.join(' ') : 'none'}`, {
      hint: 'see --help',
    });
  }
  return new ParsedArgs(options, positionals);
}

function parseBoolean(raw: string, name: string): boolean {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new AdrankError('BAD_ARGUMENT', `--${name} takes true or false, got "${raw}"`, { location: { field: `--${name}`, value: raw } });
}

function convert(raw: string, spec: OptionSpec): string | number {
  if (spec.choices && !spec.choices.includes(raw)) {
    throw new AdrankError('BAD_ARGUMENT', `--${spec.name} must be one of ${spec.choices.join(', ')}`, { location: { field: `--${spec.name}`, value: raw }, hint: spec.help });
  }
  if (spec.type === 'string') return raw;
  const value = Number(raw);
  // Integers must be exact: past 2^53 a JavaScript number silently rounds to a neighbour.
  const ok = raw.trim() !== '' && Number.isFinite(value) && (spec.type === 'number' || Number.isSafeInteger(value)) && (spec.min === undefined || value >= spec.min);
  if (!ok) {
    const what = spec.type === 'int' ? 'an integer' : 'a number';
    const tooLarge = spec.type === 'int' && Number.isInteger(value) && !Number.isSafeInteger(value);
    const range = spec.type === 'int' ? ` from ${spec.min ?? -Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}` : spec.min !== undefined ? ` ≥ ${spec.min}` : '';
    throw new AdrankError('BAD_ARGUMENT', `--${spec.name} must be ${what}${range}, got "${raw}"${tooLarge ? ' (too large to be exact)' : ''}`, {
      location: { field: `--${spec.name}`, value: raw },
      hint: spec.help,
    });
  }
  return value;
}

export function formatHelp(command: string, summary: string, specs: readonly OptionSpec[], positionals: readonly PositionalSpec[]): string {
  const usage = `usage: adrank ${command}${positionals.map((p) => (p.required ? ` ${p.name}` : ` [${p.name}]`)).join('')} [options]`;
  const lines = [usage, '', summary, ''];
  for (const p of positionals) lines.push(`  ${p.name.padEnd(24)} ${p.help}`);
  if (positionals.length) lines.push('');
  lines.push('options:');
  for (const s of [...specs, ...COMMON_OPTIONS]) {
    const flag = `--${s.name}${s.type === 'boolean' ? '' : ` ${s.choices ? s.choices.join('|') : s.type === 'string' ? 'VALUE' : 'N'}`}`;
    const extra = s.default !== undefined ? ` (default ${s.default})` : s.required ? ' (required)' : '';
    lines.push(`  ${flag.padEnd(24)} ${s.help}${extra}`);
  }
  return lines.join('\n');
}
