import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { builtinPlugins, loadPlugin } from '../../core/plugin-loader.js';
import { fixture } from '../helpers/paths.js';
import { RuntimeProcess } from '../helpers/runtime.js';

describe('switchboard (the command line)', () => {
  it('--help lists every command, including those of the built-in plugins, and exits 0', async () => {
    const result = await RuntimeProcess.run(['--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Switchboard \d+\.\d+\.\d+\S*: /);
    const commands = result.stdout.split('Commands:\n')[1]!.split('\n\n')[0]!.split('\n').map((l) => l.trim().split(/ {2,}/)[0]);
    const expected = ['start', 'validate', 'print-config', 'schema', 'replay'];
    for (const name of await builtinPlugins()) {
      const plugin = await loadPlugin(name, undefined, process.cwd());
      for (const command of Object.keys(plugin.commands ?? {})) expected.push(`${name} ${command}`);
    }
    assert.deepEqual(commands, expected);
    assert.match(result.stdout, /Exit status: 0 ok, 1 failure, 2 bad usage or configuration\./);
    assert.equal((await RuntimeProcess.run([])).stdout, result.stdout, 'no command: the same help');
  });

  it('--version and -v print the package version', async () => {
    const { version } = JSON.parse(await readFile(fixture('package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const result = await RuntimeProcess.run([flag]);
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `${version}\n`);
    }
  });

  it('help <command> and <command> --help show the command\'s usage and every option with its description', async () => {
    const help = await RuntimeProcess.run(['help', 'start']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Run Switchboard \(SIGINT\/SIGTERM stop it gracefully\)\.\n\nUsage: switchboard start \[--config FILE\]/);
    const options = help.stdout.split('Options:\n')[1]!.trimEnd().split('\n');
    assert.ok(options.includes('      --http-port PORT              http.port: Port to listen on (0: any free port).'), help.stdout);
    assert.ok(options.includes('  -c, --config FILE                 configuration file (default: runtime.config.json)'), help.stdout);
    for (const line of options) assert.match(line, /^ {2}(-\w, | {4})--[\w-]+( \S+)? +\S/, `described: ${line}`);
    const flag = await RuntimeProcess.run(['start', '--help']);
    assert.equal(flag.code, 0);
    assert.equal(flag.stdout, help.stdout);
    const short = await RuntimeProcess.run(['replay', '-h']);
    assert.match(short.stdout, /\nUsage: switchboard replay FILE /);
    assert.match(short.stdout, /\n {6}--rate N +messages per second; 0: as fast as possible \(default: 5\)\n/);
  });

  it('every command\'s --help describes every option, the plugins\' commands included', async function () {
    this.timeout(180000); // a process per command, on a busy machine
    const commands = [['start'], ['validate'], ['print-config'], ['schema'], ['replay']];
    for (const name of await builtinPlugins()) {
      const plugin = await loadPlugin(name, undefined, process.cwd());
      for (const command of Object.keys(plugin.commands ?? {})) commands.push([name, command]);
    }
    for (const command of commands) {
      const result = await RuntimeProcess.run([...command, '--help']);
      assert.equal(result.code, 0, `${command.join(' ')}: ${result.stderr}`);
      const options = result.stdout.split('\nOptions:\n')[1]?.trimEnd().split('\n') ?? [];
      assert.ok(options.some((line) => line.includes('--help')), `${command.join(' ')} --help lists its options`);
      for (const line of options) assert.match(line, /^ {2}(-\w, | {4})--[\w-]+( \S+)? {2,}\S/, `${command.join(' ')}: described: ${line}`);
    }
  });

  it('<plugin> --help lists the plugin\'s commands; <plugin> <command> --help describes one', async function () {
    this.timeout(180000); // a process per command, on a busy machine
    const homelink = await loadPlugin('homelink', undefined, process.cwd());
    for (const argv of [['homelink', '--help'], ['homelink', '-h'], ['help', 'homelink']]) {
      const result = await RuntimeProcess.run(argv);
      assert.equal(result.code, 0, `${argv.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, /^Usage: switchboard homelink <command> \[options\]\n\nhomelink \S+: /);
      const listed = result.stdout.split('Commands:\n')[1]!.split('\n\n')[0]!.split('\n').map((l) => l.trim().split(/ {2,}/)[0]);
      assert.deepEqual(listed, Object.keys(homelink.commands ?? {}));
    }
    const privacy = await RuntimeProcess.run(['privacy', 'test', '--help']);
    assert.equal(privacy.code, 0, privacy.stderr);
    assert.match(privacy.stdout, /^Show what the privacy rules make of a message or event read from stdin\.\n\nUsage: switchboard privacy test /);
    assert.equal((await RuntimeProcess.run(['help', 'privacy', 'test'])).stdout, privacy.stdout);
    const typo = await RuntimeProcess.run(['privacy', 'tset']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /^switchboard privacy: unknown command "tset" \(did you mean "test"\?\)/);
  });

  it('an unknown command exits 2 with a suggestion', async () => {
    const result = await RuntimeProcess.run(['strat']);
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'switchboard: unknown command "strat". Did you mean "start"? Run switchboard --help for the commands.\n');
    const far = await RuntimeProcess.run(['frobnicate']);
    assert.equal(far.code, 2);
    assert.equal(far.stderr, 'switchboard: unknown command "frobnicate". Run switchboard --help for the commands.\n');
  });

  it('an unknown option exits 2 with a suggestion; so does an unexpected argument', async () => {
    const typo = await RuntimeProcess.run(['validate', '--confg', 'x.json']);
    assert.equal(typo.code, 2);
    assert.equal(typo.stderr, 'switchboard validate: unknown option --confg (did you mean --config?)\n');
    const extra = await RuntimeProcess.run(['validate', 'one', 'two']);
    assert.equal(extra.code, 2);
    assert.equal(extra.stderr, 'switchboard validate: unexpected argument "one"\n');
    const missingValue = await RuntimeProcess.run(['validate', '--config']);
    assert.equal(missingValue.code, 2);
    assert.match(missingValue.stderr, /^switchboard validate: .*--config/);
  });
});
