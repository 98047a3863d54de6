#!/usr/bin/env node
// The tflite-runtime CLI: inspect, run and bench TensorFlow Lite models. See docs/CLI.md.
'use strict';
const { Command, CommanderError } = require('commander');
const { EXIT, CliError, addRuntimeOptions } = require('./cli/common');
const pkg = require('../package.json');

function program() {
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
${require('path').join(__dirname, '..', 'docs', 'CLI.md')} (in the package) and at
${pkg.homepage.replace(/#readme$/, '')}/blob/main/docs/CLI.md`);
  require('./cli/inspect').register(cli, addRuntimeOptions);
  require('./cli/run').register(cli, addRuntimeOptions);
  require('./cli/bench').register(cli, addRuntimeOptions);
  for (const command of cli.commands) {
    command.exitOverride().showHelpAfterError('(add --help for usage)').configureOutput(cli.configureOutput());
  }
  return cli;
}

function report(error) {
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
  if (error && error.name === 'TfLiteError') {
    process.stderr.write(`tflite-runtime: [${error.code}] ${error.message}\n`);
    return EXIT.FAILED;
  }
  process.stderr.write(`tflite-runtime: unexpected error: ${error && error.stack ? error.stack : error}\n`);
  return EXIT.FAILED;
}

async function main(argv) {
  const cli = program();
  if (argv.length <= 2) {
    cli.outputHelp({ error: true });
    return EXIT.USAGE;
  }
  try {
    await cli.parseAsync(argv);
    return EXIT.OK;
  } catch (error) {
    return report(error);
  }
}

// `tflite-runtime inspect m.tflite | head` closes stdout early: that is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(EXIT.OK);
  throw error;
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
