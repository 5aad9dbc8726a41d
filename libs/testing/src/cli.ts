import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMPONENT_NAMES, isComponentName, type ComponentName } from './components/component';
import { harnessBackend } from './harness';
import { repoRoot } from './package-paths';
import { componentControl, isStackRunning, loadStack, stackStatus, startStack, stopStack } from './stack';
import { renderExportLines } from './stack-env';
import { ENV_FILE, tryReadStackState } from './stack-state';

const USAGE = `usage: node tools/stack.js <command> [--dir DIR]

  up [--components kafka,redis,...]  start the stack detached; prints export lines (eval "$(... up)")
  down                               stop every component and remove the stack's data
  status                             each component: running / stopped, pid, ports
  env                                print the export lines again
  stop <component>                   stop one component (outage tests by hand)
  start <component>                  start it again on the same ports and data

DIR defaults to .geopulse/stack in the repository. Components: ${COMPONENT_NAMES.join(', ')}.
GEOPULSE_HARNESS=containers runs them in Docker containers (images: GEOPULSE_IMAGES=local|official).
The variables are also written to DIR/${ENV_FILE}.`;

interface ParsedArgs {
  command: string | undefined;
  positional: string[];
  dir: string;
  components: ComponentName[] | undefined;
}

function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  let dir = path.join(repoRoot, '.geopulse', 'stack');
  let components: ComponentName[] | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--dir') {
      const value = argv[++i];
      if (!value) throw new Error('--dir needs a directory');
      dir = path.resolve(value);
    } else if (arg === '--components') {
      const names = (argv[++i] ?? '').split(',').filter(Boolean);
      const unknown = names.filter((name) => !isComponentName(name));
      if (names.length === 0 || unknown.length > 0) {
        throw new Error(`--components: unknown ${unknown.join(', ') || '(empty)'}; known: ${COMPONENT_NAMES.join(', ')}`);
      }
      components = names as ComponentName[];
    } else if (arg === '-h' || arg === '--help') {
      positional.unshift('help');
    } else {
      positional.push(arg);
    }
  }
  return { command: positional.shift(), positional, dir, components };
}

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

async function up(args: ParsedArgs): Promise<number> {
  if (isStackRunning(args.dir)) {
    err(`stack already running in ${args.dir}`);
    out(renderExportLines(loadStack(args.dir).env));
    return 0;
  }
  if (tryReadStackState(args.dir)) {
    err(`stopping what is left of a previous stack in ${args.dir}`);
    await stopStack(args.dir);
  }
  const started = Date.now();
  const stack = await startStack({ dir: args.dir, components: args.components, log: (line) => err(`  ${line}`) });
  err(`stack up (${harnessBackend()}) in ${((Date.now() - started) / 1000).toFixed(1)} s: ${args.dir} (variables in ${path.join(args.dir, ENV_FILE)})`);
  out(renderExportLines({ ...stack.env, GEOPULSE_STACK_DIR: stack.dir }));
  return 0;
}

async function down(args: ParsedArgs): Promise<number> {
  if (!tryReadStackState(args.dir)) {
    err(`no stack in ${args.dir}`);
    return 0;
  }
  await stopStack(args.dir);
  fs.rmSync(args.dir, { recursive: true, force: true });
  err(`stack in ${args.dir} stopped`);
  return 0;
}

function status(args: ParsedArgs): number {
  if (!tryReadStackState(args.dir)) {
    out(`no stack in ${args.dir}`);
    return 1;
  }
  const rows = stackStatus(args.dir);
  for (const row of rows) {
    const ports = Object.entries(row.ports)
      .map(([name, port]) => `${name}=${port}`)
      .join(' ');
    out(`${row.name.padEnd(10)} ${(row.running ? 'running' : 'stopped').padEnd(8)} pid=${String(row.pid).padEnd(8)} ${ports}`);
  }
  return rows.every((row) => row.running) ? 0 : 1;
}

function componentArg(args: ParsedArgs): ComponentName {
  const name = args.positional[0];
  if (!name || !isComponentName(name)) throw new Error(`name a component: ${COMPONENT_NAMES.join(', ')}`);
  return name;
}

/** Runs the stack CLI; resolves with the exit code. */
export async function runCli(argv: string[]): Promise<number> {
  // `node tools/stack.js status | head -1` closes the pipe early: that is not an error.
  process.stdout.once('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(0);
  });
  const args = parseArgs(argv);
  switch (args.command) {
    case 'up':
      return up(args);
    case 'down':
      return down(args);
    case 'status':
      return status(args);
    case 'env':
      out(renderExportLines({ ...loadStack(args.dir).env, GEOPULSE_STACK_DIR: args.dir }));
      return 0;
    case 'stop':
      await componentControl(args.dir, componentArg(args)).stop();
      return 0;
    case 'start':
      await componentControl(args.dir, componentArg(args)).start();
      return 0;
    case 'help':
    case undefined:
      out(USAGE);
      return args.command ? 0 : 1;
    default:
      err(`unknown command "${args.command}"\n${USAGE}`);
      return 1;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      err(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
