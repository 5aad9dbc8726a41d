import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './package-paths';
import { freePort } from './process/free-port';

export interface ServiceProcessOptions {
  /** The service folder name: runs `node <repo>/services/<name>/dist/main.js`. */
  name: string;
  /** On top of this process's environment (which holds the stack's variables); `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** PORT of the service; default: a free port, kept across restarts. */
  port?: number;
  /** Entry point to run instead of services/<name>/dist/main.js. */
  entry?: string;
  /** Where <name>-<port>.log goes; default: <GEOPULSE_STACK_DIR>/services or a temp dir. */
  logDir?: string;
  /** Default '/healthz'. */
  healthPath?: string;
  /** How long start() waits for the health check; default 60 s (a loaded 2-core CI box needs more than 30). */
  startTimeoutMs?: number;
  /** How long stop() waits after the signal before SIGKILL; default 15 s. */
  stopTimeoutMs?: number;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const TAIL_LINES = 400;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** A test run that ends (or crashes) never leaves services behind. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * One of our Node services as a real child process, for integration tests: started with the
 * stack's environment, ready once GET /healthz answers 200, output captured to a log file and
 * kept in memory for failure messages.
 */
export class ServiceProcess {
  readonly name: string;
  private readonly options: ServiceProcessOptions;
  private child: ChildProcess | undefined;
  private exited: Promise<ServiceExit> | undefined;
  private lastExit: ServiceExit | undefined;
  private assignedPort: number | undefined;
  private log: fs.WriteStream | undefined;
  private readonly lines: string[] = [];
  private partialLine = '';
  private currentLogPath: string | undefined;

  constructor(options: ServiceProcessOptions) {
    this.name = options.name;
    this.options = options;
    this.assignedPort = options.port;
  }

  /** Creates and starts a service. */
  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    return new ServiceProcess(options).start();
  }

  get port(): number {
    if (this.assignedPort === undefined) throw new Error(`${this.name}: not started yet, no port`);
    return this.assignedPort;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get logPath(): string | undefined {
    return this.currentLogPath;
  }

  get isRunning(): boolean {
    return this.child !== undefined && this.lastExit === undefined;
  }

  /** How the last run ended; undefined while running or before the first start. */
  get exit(): ServiceExit | undefined {
    return this.lastExit;
  }

  /** The last `lines` lines the service printed (stdout and stderr interleaved). */
  logTail(lines = 60): string {
    const partial = this.partialLine ? [this.partialLine] : [];
    return [...this.lines, ...partial].slice(-lines).join('\n');
  }

  async start(): Promise<this> {
    if (this.isRunning) throw new Error(`${this.name} is already running (pid ${this.pid})`);
    this.assignedPort ??= await freePort();
    const entry = this.options.entry ?? path.join(repoRoot, 'services', this.name, 'dist', 'main.js');
    if (!fs.existsSync(entry)) {
      throw new Error(`${entry} is missing: build the service first (npx nx build ${this.name}).`);
    }
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries({ ...process.env, ...this.options.env, PORT: String(this.port) })) {
      if (value !== undefined) env[key] = value;
    }
    const logDir =
      this.options.logDir ??
      (process.env.GEOPULSE_STACK_DIR
        ? path.join(process.env.GEOPULSE_STACK_DIR, 'services')
        : path.join(os.tmpdir(), 'geopulse-services'));
    fs.mkdirSync(logDir, { recursive: true });
    this.currentLogPath = path.join(logDir, `${this.name}-${this.port}.log`);
    this.log = fs.createWriteStream(this.currentLogPath, { flags: 'a' });
    this.log.write(`\n=== ${new Date().toISOString()} starting ${entry} on port ${this.port}\n`);

    const child = spawn(process.execPath, [entry], { env, cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.lastExit = undefined;
    running.add(child);
    installExitHook();
    const log = this.log;
    child.stdout?.on('data', (chunk: Buffer) => this.capture(chunk, log));
    child.stderr?.on('data', (chunk: Buffer) => this.capture(chunk, log));
    this.exited = new Promise<ServiceExit>((resolve) => {
      child.once('error', (error) => {
        this.capture(Buffer.from(`spawn error: ${error.message}\n`), log);
      });
      child.once('close', (code, signal) => {
        running.delete(child);
        const exit = { code, signal };
        this.lastExit = exit;
        log.write(`=== exited with ${signal ?? `code ${code}`}\n`);
        resolve(exit);
      });
    });

    await this.waitHealthy();
    return this;
  }

  private capture(chunk: Buffer, log: fs.WriteStream): void {
    log.write(chunk);
    const text = this.partialLine + chunk.toString('utf8');
    const parts = text.split('\n');
    this.partialLine = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > TAIL_LINES) this.lines.splice(0, this.lines.length - TAIL_LINES);
  }

  private async waitHealthy(): Promise<void> {
    const timeoutMs = this.options.startTimeoutMs ?? 60_000;
    const url = `${this.baseUrl}${this.options.healthPath ?? '/healthz'}`;
    const started = Date.now();
    let lastProblem = 'no answer yet';
    for (;;) {
      if (this.lastExit) {
        const exit = await this.finish(this.lastExit);
        throw new Error(this.failure(`${this.name} exited during start-up with ${this.describeExit(exit)}`));
      }
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (response.status === 200) return;
        lastProblem = `answered ${response.status}`;
      } catch (error) {
        lastProblem = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
      }
      if (Date.now() - started > timeoutMs) {
        await this.kill();
        throw new Error(this.failure(`${this.name}: GET ${url} not 200 after ${timeoutMs} ms (${lastProblem})`));
      }
      await sleep(100);
    }
  }

  private describeExit(exit: ServiceExit): string {
    return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
  }

  private failure(message: string): string {
    return `${message}\n--- last output of ${this.name} (${this.currentLogPath}) ---\n${this.logTail()}\n---`;
  }

  /**
   * Sends `signal` (graceful shutdown) and resolves with how the process ended; SIGKILL after
   * stopTimeoutMs. Resolves at once when it is not running.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<ServiceExit> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) throw new Error(`${this.name} was never started`);
    if (this.lastExit) return this.lastExit;
    child.kill(signal);
    const timeoutMs = this.options.stopTimeoutMs ?? 15_000;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      exited,
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return this.finish(outcome);
    child.kill('SIGKILL');
    return this.finish(await exited);
  }

  /** SIGKILL: a crash, no graceful shutdown. */
  kill(): Promise<ServiceExit> {
    return this.stop('SIGKILL');
  }

  /** stop() then start() on the same port. */
  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<this> {
    if (this.isRunning) await this.stop(signal);
    return this.start();
  }

  private async finish(exit: ServiceExit): Promise<ServiceExit> {
    const log = this.log;
    this.log = undefined;
    if (log) await new Promise<void>((resolve) => log.end(() => resolve()));
    return exit;
  }
}
