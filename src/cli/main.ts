/** The `prunequant` command: dispatches to a subcommand and turns errors into one clear line. */
import { UsageError } from './args.js';
import { evalCommand, evalUsage } from './commands/eval.js';
import { train, trainUsage } from './commands/train.js';
import { quantizeCommand, quantizeUsage } from './commands/quantize.js';
import { prune, pruneUsage } from './commands/prune.js';
import { sensitivity, sensitivityUsage } from './commands/sensitivity.js';
import { exportCommand, exportUsage } from './commands/export.js';
import { benchCommand, benchUsage } from './commands/bench.js';
import { runCommand, runUsage } from './commands/run.js';
import { reportCommand, reportUsage } from './commands/report.js';
import { inspectCommand, inspectUsage } from './commands/inspect.js';

const COMMANDS: Record<string, { run: (argv: readonly string[]) => Promise<void>; usage: string }> = {
  train: { run: train, usage: trainUsage },
  eval: { run: evalCommand, usage: evalUsage },
  quantize: { run: quantizeCommand, usage: quantizeUsage },
  prune: { run: prune, usage: pruneUsage },
  sensitivity: { run: sensitivity, usage: sensitivityUsage },
  export: { run: exportCommand, usage: exportUsage },
  bench: { run: benchCommand, usage: benchUsage },
  run: { run: runCommand, usage: runUsage },
  report: { run: reportCommand, usage: reportUsage },
  inspect: { run: inspectCommand, usage: inspectUsage },
};

const USAGE = `usage: prunequant <command> [options]\n\ncommands:\n${Object.entries(COMMANDS).map(([k, c]) => `  ${k.padEnd(8)} ${c.usage.split('\n')[0]}`).join('\n')}\n\nRun 'prunequant <command> --help' for its options.`;

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 1 : 0;
  }
  const cmd = COMMANDS[name];
  if (cmd === undefined) {
    process.stderr.write(`prunequant: unknown command '${name}'; known: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    await cmd.run(rest);
    return 0;
  } catch (e) {
    const err = e as Error;
    // Commands already prefix their own usage errors with their name; say it once.
    const message = err.message.startsWith(`${name}: `) ? err.message.slice(name.length + 2) : err.message;
    process.stderr.write(`prunequant ${name}: ${message}\n`);
    if (process.env['PRUNEQUANT_DEBUG']) process.stderr.write(`${err.stack}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
