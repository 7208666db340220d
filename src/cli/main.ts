#!/usr/bin/env node
// adrank's command line: `adrank <command> [options]`. Exit codes: 0 ok, 2 bad input, 1 internal error.
import { AdrankError, isAdrankError } from '../core/errors.js';
import { formatHelp, parseArgs } from './args.js';
import type { Command, CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: adrank <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary.split('. ')[0].replace(/\.$/, '')}`),
    '',
    'adrank <command> --help shows the options of a command.',
  ].join('\n');
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  const command: Command | undefined = COMMANDS.find((c) => c.name === name);
  const json = rest.includes('--json');
  try {
    if (!command) {
      throw new AdrankError('BAD_ARGUMENT', `unknown command "${name}"`, { hint: `commands: ${COMMANDS.map((c) => c.name).join(', ')}` });
    }
    const args = parseArgs(rest, command.options, command.positionals);
    if (args.flag('help')) {
      process.stdout.write(formatHelp(command.name, command.summary, command.options, command.positionals) + '\n');
      return 0;
    }
    const ctx: CommandContext = {
      print: (text) => {
        if (!json) process.stdout.write(text + '\n');
      },
      interactive: Boolean(process.stderr.isTTY),
    };
    const summary = await command.run(args, ctx);
    if (json) process.stdout.write(JSON.stringify({ ok: true, command: command.name, ...(summary as object) }) + '\n');
    return 0;
  } catch (e) {
    if (isAdrankError(e)) {
      if (json) process.stdout.write(JSON.stringify({ ok: false, error: e.toJSON() }) + '\n');
      process.stderr.write(`adrank: ${e.describe()}\n`);
      return 2;
    }
    if (json) process.stdout.write(JSON.stringify({ ok: false, error: { code: 'INTERNAL', message: String(e) } }) + '\n');
    process.stderr.write(`adrank: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`adrank: internal error: ${String(e)}\n`);
    process.exitCode = 1;
  },
);
