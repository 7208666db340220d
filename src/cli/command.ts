// The shape of a CLI command: declared options, a run function returning a JSON-able summary,
// and a human rendering of that summary.
import type { OptionSpec, ParsedArgs, PositionalSpec } from './args.js';

export interface CommandContext {
  /** human-readable output (stdout); silent when --json is given */
  print(text: string): void;
  /** true when stderr is a terminal and progress bars may be drawn */
  interactive: boolean;
}

export interface Command {
  name: string;
  summary: string;
  options: readonly OptionSpec[];
  positionals: readonly PositionalSpec[];
  run(args: ParsedArgs, ctx: CommandContext): Promise<unknown>;
}
