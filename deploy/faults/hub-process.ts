/**
 * The hub as its own process, as production runs it, under a supervisor that can SIGKILL it and
 * start it again. Every line the hub writes goes to a log file (one per fault run, with a marker
 * per process run) and the last lines are kept for error reports. A hub that exits without being
 * killed is counted and started again, as an orchestrator would: that it had to be is a finding.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { guardChild, repoRoot } from '../local/process-util';

const TAIL_LINES = 400;

/** The hub's settings for a fault run: the Flevoland region, quiet logs, its own keys. */
export function hubEnv(o: { brokers: string; databaseUrl: string; prefix: string }): Record<string, string> {
  const key = () => randomBytes(32).toString('base64');
  return {
    KAFKA_BROKERS: o.brokers, DATABASE_URL: o.databaseUrl, KETENHUB_TOPIC_PREFIX: o.prefix, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'warn',
    REGION_DIR: 'config/regions/flevoland', RETENTION_INTERVAL_MS: '0',
    // A killed hub's group membership expires after this, so each restart rebalances within seconds
    // rather than the production default's 30 s (the broker's minimum is 6 s).
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    // Deadlines that fall due during the run fire within a second, with faults around them.
    TIMER_POLL_MS: '1000',
    BSN_HASH_KEY: key(), BSN_ENCRYPTION_KEY: key(), API_TOKEN_KEY: key(), PARTNER_SECRET_KEY: key(), AUDIT_CHAIN_KEY: key(),
    KETENHUB_ACTIVATED_BY: 'npm run faults',
  };
}

export interface HubExit {
  run: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  expected: boolean;
}

export class HubSupervisor {
  /** How many hub processes were started. */
  runs = 0;
  kills = 0;
  readonly unexpectedExits: HubExit[] = [];
  private child?: ChildProcess;
  private expectingExit = false;
  private stopping = false;
  private ready?: Promise<string>;
  private exited?: Promise<HubExit>;
  private readonly tail: string[] = [];
  private readonly log: fs.WriteStream;

  constructor(
    private readonly env: Record<string, string>,
    readonly logFile: string,
    private readonly say: (line: string) => void,
    /** How reports name this hub: 'the hub', or 'hub 2' among several. */
    readonly name = 'the hub',
  ) {
    this.log = fs.createWriteStream(logFile, { flags: 'a' });
  }

  /** Starts a new hub process; `waitReady` tells when it printed its ready line. */
  start(): void {
    const run = ++this.runs;
    this.expectingExit = false;
    const child = spawn(process.execPath, [path.join(repoRoot(), 'dist', 'apps', 'hub', 'src', 'main.js')], {
      cwd: repoRoot(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...this.env },
    });
    if (child.pid === undefined) throw new Error('could not start the hub (node did not start)');
    // Stops the hub when this process dies, even by SIGKILL: nothing is left running.
    guardChild(child.pid, 'TERM');
    this.child = child;
    this.keep(`--- hub run ${run} (pid ${child.pid}) started ${new Date().toISOString()}`);
    this.exited = new Promise<HubExit>((resolve) => child.once('exit', (code, signal) => {
      const exit = { run, code, signal, expected: this.expectingExit || this.stopping };
      this.keep(`--- hub run ${run} exited (code ${code}, signal ${signal}) ${new Date().toISOString()}`);
      if (!exit.expected) this.unexpected(exit);
      resolve(exit);
    }));
    this.ready = new Promise<string>((resolve, reject) => {
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        this.keep(line);
        const ready = /^ketenhub hub ready: health (\S+)\/health/.exec(line);
        if (ready) resolve(ready[1]);
      });
      readline.createInterface({ input: child.stderr! }).on('line', (line) => this.keep(line));
      void this.exited!.then(({ code, signal }) => reject(new Error(`hub run ${run} exited (code ${code}, signal ${signal}) before it was ready`)));
    });
    // Nobody may be waiting for readiness when a run is killed early; that is not an error.
    this.ready.catch(() => undefined);
  }

  /** The hub's base URL once the current run is ready, or an error naming why it is not. */
  async waitReady(timeoutMs: number): Promise<string> {
    if (!this.ready) throw new Error('the hub was never started');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`hub run ${this.runs} not ready within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.ready, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL, no chance to finish anything; then a new run. */
  async killAndRestart(): Promise<void> {
    if (this.isRunning()) {
      this.expectingExit = true;
      this.child!.kill('SIGKILL');
      await this.exited;
      this.kills++;
    }
    this.start();
  }

  /** A clean stop (SIGTERM), SIGKILL after timeoutMs. */
  async stop(timeoutMs = 20_000): Promise<void> {
    this.stopping = true;
    if (!this.isRunning()) return;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** For the hard time bound: no waiting. */
  killNow(): void {
    this.stopping = true;
    if (this.isRunning()) this.child!.kill('SIGKILL');
  }

  lastLines(n = 40): string[] {
    return this.tail.slice(-n);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.log.end(resolve));
  }

  private unexpected(exit: HubExit): void {
    this.unexpectedExits.push(exit);
    this.say(`${this.name} (run ${exit.run}) exited by itself (code ${exit.code}, signal ${exit.signal}); its last lines:\n${this.lastLines(15).join('\n')}`);
    if (this.stopping) return;
    // Started again, as an orchestrator would; the exit stays in the report.
    setTimeout(() => {
      if (!this.stopping && !this.isRunning()) this.start();
    }, 1_000);
  }

  private keep(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.splice(0, this.tail.length - TAIL_LINES);
    this.log.write(`${line}\n`);
  }
}

/**
 * Several hubs sharing one database and one consumer group, as a scaled-out deployment runs them
 * (the same keys and settings: one hub in several processes). With one member it behaves as that
 * one supervisor.
 */
export class HubFleet {
  readonly members: HubSupervisor[];

  constructor(count: number, env: Record<string, string>, logFile: (member: number) => string, say: (line: string) => void) {
    this.members = Array.from({ length: count }, (_, i) => new HubSupervisor(env, logFile(i), say, count === 1 ? 'the hub' : `hub ${i + 1}`));
  }

  get runs(): number {
    return this.members.reduce((n, m) => n + m.runs, 0);
  }

  get kills(): number {
    return this.members.reduce((n, m) => n + m.kills, 0);
  }

  get unexpectedExits(): Array<HubExit & { hub: string }> {
    return this.members.flatMap((m) => m.unexpectedExits.map((exit) => ({ ...exit, hub: m.name })));
  }

  start(): void {
    for (const m of this.members) m.start();
  }

  /** Every member's base URL once all are ready. */
  async waitReady(timeoutMs: number): Promise<string[]> {
    return Promise.all(this.members.map((m) => m.waitReady(timeoutMs)));
  }

  async stop(timeoutMs?: number): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop(timeoutMs)));
  }

  killNow(): void {
    for (const m of this.members) m.killNow();
  }

  /** The last lines of each member, each line marked with its hub when there are several. */
  lastLines(n = 40): string[] {
    if (this.members.length === 1) return this.members[0].lastLines(n);
    return this.members.flatMap((m) => m.lastLines(n).map((line) => `[${m.name}] ${line}`));
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.close()));
  }
}
