// adrank's command line: `adrank <command> [options]`. Exit codes: 0 ok, 2 bad input, 1 internal error.
// The machinery every command shares: parsing, --help and --version, JSON summaries, typed errors for bad
// input and for the file-system trouble of the user's environment, and output that survives a closed pipe.
import { withPath } from '../core/atomic-write.js';
import { AdrankError, isAdrankError } from '../core/errors.js';
import { formatHelp, parseArgs } from './args.js';
import type { Command, CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';
import { guardedStream, type OutputStream } from './output.js';
import { fromSystemError } from './system-errors.js';
import { packageVersion } from './version.js';

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** true when progress bars may be drawn on stderr */
  interactive: boolean;
}

export function processIo(): CliIo {
  return { stdout: guardedStream(process.stdout), stderr: guardedStream(process.stderr), interactive: Boolean(process.stderr.isTTY) };
}

function usage(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: adrank <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary.split('. ')[0].replace(/\.$/, '')}`),
    '',
    'adrank <command> --help shows the options of a command; adrank --version its version.',
  ].join('\n');
}

export async function runCli(argv: readonly string[], io: CliIo = processIo(), commands: readonly Command[] = COMMANDS): Promise<number> {
  const code = await runCommand(argv, io, commands);
  await io.stdout.flush();
  const failure = io.stdout.failure;
  if (failure) {
    const error = fromSystemError(withPath(failure, 'stdout')) ?? new AdrankError('IO_ERROR', `cannot write stdout: ${failure.message}`);
    io.stderr.write(`adrank: ${error.describe()}\n`);
    return 2;
  }
  return code;
}

async function runCommand(argv: readonly string[], io: CliIo, commands: readonly Command[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version') {
    io.stdout.write(`adrank ${packageVersion()}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === 'help') {
    io.stdout.write(usage(commands) + '\n');
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  const json = rest.includes('--json');
  try {
    if (!command) {
      throw new AdrankError('BAD_ARGUMENT', `unknown command "${name}"`, { hint: `commands: ${commands.map((c) => c.name).join(', ')}` });
    }
    const args = parseArgs(rest, command.options, command.positionals);
    if (args.flag('help')) {
      io.stdout.write(formatHelp(command.name, command.summary, command.options, command.positionals) + '\n');
      return 0;
    }
    const ctx: CommandContext = {
      print: (text) => {
        if (!json) io.stdout.write(text + '\n');
      },
      interactive: io.interactive,
    };
    const summary = await command.run(args, ctx);
    if (json) io.stdout.write(JSON.stringify({ ok: true, command: command.name, ...(summary as object) }) + '\n');
    return 0;
  } catch (e) {
    return reportError(e, json, io);
  }
}

function reportError(e: unknown, json: boolean, io: CliIo): number {
  const known = isAdrankError(e) ? e : fromSystemError(e);
  if (known) {
    if (json) io.stdout.write(JSON.stringify({ ok: false, error: known.toJSON() }) + '\n');
    io.stderr.write(`adrank: ${known.describe()}\n`);
    return 2;
  }
  if (json) io.stdout.write(JSON.stringify({ ok: false, error: { code: 'INTERNAL', message: String(e) } }) + '\n');
  io.stderr.write(`adrank: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 1;
}
