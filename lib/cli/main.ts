// The tflite-runtime CLI: inspect, run and bench TensorFlow Lite models. See docs/CLI.md. bin/tflite-runtime.js (the
// package's `bin`) starts it.
import * as path from 'path';
import { Command, CommanderError } from 'commander';
import { EXIT, CliError, addRuntimeOptions, type ExitCode } from './common';
import { register as registerInspect } from './inspect';
import { register as registerRun } from './run';
import { register as registerBench } from './bench';

/** The package's root: dist/cjs/cli/ → ../../.. */
const PACKAGE_ROOT = path.join(__dirname, '..', '..', '..');
const pkg = require(path.join(PACKAGE_ROOT, 'package.json')) as { version: string; homepage: string };

function program(): Command {
  const cli = new Command('tflite-runtime')
    .description(`TensorFlow Lite models from the command line (tflite-runtime ${pkg.version}, TFLite 2.14.1)`)
    .version(pkg.version, '-V, --version')
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`tflite-runtime: ${text.replace(/^error: /, '')}`) })
    .addHelpText('after', `
Exit codes: 0 ok, 1 the work failed (model, inputs, delegate, inference), 2 bad usage.
Run \`tflite-runtime <command> --help\` for a command's options; the details are in
${path.join(PACKAGE_ROOT, 'docs', 'CLI.md')} (in the package) and at
${pkg.homepage.replace(/#readme$/, '')}/blob/main/docs/CLI.md`);
  registerInspect(cli, addRuntimeOptions);
  registerRun(cli, addRuntimeOptions);
  registerBench(cli, addRuntimeOptions);
  for (const command of cli.commands) {
    command.exitOverride().showHelpAfterError('(add --help for usage)').configureOutput(cli.configureOutput());
  }
  return cli;
}

function report(error: unknown): ExitCode {
  if (error instanceof CommanderError) {
    // Help (`--help`, `help run`) and --version exit 0; help printed because of a usage error (commander sets
    // exitCode 1 then) and usage errors exit 2. Commander already printed its own message.
    if (['commander.helpDisplayed', 'commander.version'].includes(error.code)) return EXIT.OK;
    return error.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  }
  if (error instanceof CliError) {
    process.stderr.write(`tflite-runtime: ${error.message}\n`);
    return error.exitCode;
  }
  const e = error as { name?: unknown; code?: unknown; message?: unknown; stack?: unknown } | null | undefined;
  if (e && e.name === 'TfLiteError') {
    process.stderr.write(`tflite-runtime: [${e.code}] ${e.message}\n`);
    return EXIT.FAILED;
  }
  process.stderr.write(`tflite-runtime: unexpected error: ${e && e.stack ? e.stack : error}\n`);
  return EXIT.FAILED;
}

/** Runs the CLI on `argv` (process.argv's layout); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  const cli = program();
  if (argv.length <= 2) {
    cli.outputHelp({ error: true });
    return EXIT.USAGE;
  }
  try {
    await cli.parseAsync([...argv]);
    return EXIT.OK;
  } catch (error) {
    return report(error);
  }
}

/** What bin/tflite-runtime.js calls: main() on process.argv, its code as the exit code. */
export function start(): void {
  // `tflite-runtime inspect m.tflite | head` closes stdout early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.OK);
    throw error;
  });
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
