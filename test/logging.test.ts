// TFLite's own stderr log (patch 0005, lib/log-level.ts): quiet below warnings by default, an option and an
// environment variable to change it. Each case runs in a child process, since the level is process-wide.
import { spawnSync } from 'child_process';
import path from 'path';
import { Interpreter, type InterpreterOptions } from '..';
import { fixture, wrongType } from './helpers';

const root = path.join(__dirname, '..');
function stderrOf(options: InterpreterOptions, env: Record<string, string> = {}): string {
  const script = `const { Interpreter } = require(${JSON.stringify(root)});
    const it = new Interpreter(${JSON.stringify(fixture('add.tflite'))}, ${JSON.stringify(options)});
    it.allocateTensors(); it.invoke(); it.dispose();`;
  const child = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, TFLITE_RUNTIME_LOG_LEVEL: '', ...env }, encoding: 'utf8' });
  expect(child.status).toBe(0);
  return child.stderr;
}

describe('TFLite log level', () => {
  test('default: no INFO line', () => {
    expect(stderrOf({})).not.toMatch(/INFO: Created TensorFlow Lite XNNPACK delegate/);
  });
  test("logLevel: 'info' shows it", () => {
    expect(stderrOf({ logLevel: 'info' })).toMatch(/INFO: Created TensorFlow Lite XNNPACK delegate/);
  });
  test('TFLITE_RUNTIME_LOG_LEVEL=verbose shows it; the option wins over the variable', () => {
    expect(stderrOf({}, { TFLITE_RUNTIME_LOG_LEVEL: 'verbose' })).toMatch(/INFO: Created/);
    expect(stderrOf({ logLevel: 'silent' }, { TFLITE_RUNTIME_LOG_LEVEL: 'info' })).not.toMatch(/INFO: Created/);
  });
  test('a bad level is ERR_TFLITE_ARGUMENT', () => {
    expect(() => new Interpreter(fixture('add.tflite'), { logLevel: wrongType('loud') })).toThrow(expect.objectContaining({ code: 'ERR_TFLITE_ARGUMENT' }));
  });
  test('errors still carry TFLite\'s message with the log silent', () => {
    const it = new Interpreter(fixture('custom_op.tflite'), { logLevel: 'silent' });
    expect(() => it.allocateTensors()).toThrow(/MatrixDeterminant/);
  });
});
