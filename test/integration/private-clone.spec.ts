/**
 * Issue 22 (Also): a clone in a folder only its owner can enter (`mktemp -d`, /root) must still
 * start the embedded PostgreSQL. As root the server runs as the `postgres` user, which could not
 * reach the binaries under the clone's node_modules (spawn .../initdb EACCES) nor a data folder
 * in the clone (`npm start`'s .local/devenv/pgdata).
 *
 * The "clone" is this tree's built dist/, deploy/local and node_modules, hard-linked (same inodes,
 * the clone's own paths) into a fresh `mkdtemp` folder (mode 0700), started as `npm test` (data
 * under the OS temp folder) and as `npm start` (data inside the clone) would.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');

/** Starts PostgreSQL from the clone's dist, asks it a question as the hub's login, stops it. */
const PROBE = `
const { startPostgres } = require(process.argv[1] + '/dist/deploy/local/postgres.js');
const { Client } = require(process.argv[1] + '/node_modules/pg');
(async () => {
  const pg = await startPostgres({ dataDir: process.argv[2], database: 'ketenhub', persistent: process.argv[3] === 'persistent' });
  try {
    const c = new Client({ connectionString: pg.hubUrl });
    await c.connect();
    const r = await c.query('SELECT current_user AS who');
    await c.end();
    process.stdout.write('UP ' + r.rows[0].who + ' ' + pg.version + ' ' + pg.dataDir + '\\n');
  } finally {
    await pg.stop();
  }
})().catch((e) => { process.stdout.write('FAILED ' + String(e && e.message).split('\\n')[0] + '\\n'); process.exit(1); });
`;

describe('a clone in a folder only its owner can enter', () => {
  let privateDir: string;
  let clone: string;
  const standIns = new Set<string>();

  beforeAll(async () => {
    privateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ketenhub-private-'));
    expect(fs.statSync(privateDir).mode & 0o777).toBe(0o700);
    clone = path.join(privateDir, 'repo');
    fs.mkdirSync(path.join(clone, 'deploy'), { recursive: true });
    await run('cp', ['-al', path.join(root, 'node_modules'), path.join(clone, 'node_modules')]);
    await run('cp', ['-al', path.join(root, 'dist'), path.join(clone, 'dist')]);
    await run('cp', ['-al', path.join(root, 'deploy', 'local'), path.join(clone, 'deploy', 'local')]);
  });

  afterAll(() => {
    if (privateDir) fs.rmSync(privateDir, { recursive: true, force: true });
    for (const dir of standIns) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function probe(dataDir: string, mode: 'ephemeral' | 'persistent'): Promise<string> {
    try {
      const { stdout } = await run(process.execPath, ['-e', PROBE, clone, dataDir, mode], { timeout: 90_000 });
      const inUse = stdout.trim().split(' ')[3];
      if (inUse && inUse !== dataDir) standIns.add(inUse);
      return stdout.trim();
    } catch (error) {
      // What failed, to read in the test's output (on the old code: spawn .../initdb EACCES).
      const { stdout, stderr } = error as { stdout?: string; stderr?: string };
      return `${stdout ?? ''} ${(stderr ?? String(error)).split('\n').find((l) => /Error|EACCES/.test(l)) ?? ''}`.trim();
    }
  }

  it('starts PostgreSQL as npm test does (data under the OS temp folder)', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ketenhub-devenv-'));
    fs.chmodSync(dataDir, 0o755);
    try {
      expect(await probe(path.join(dataDir, 'pgdata'), 'ephemeral')).toMatch(/^UP ketenhub_hub \d+/);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('starts PostgreSQL as npm start does (data inside the clone), and again on the same data', async () => {
    const dataDir = path.join(clone, '.local', 'devenv', 'pgdata');
    expect(await probe(dataDir, 'persistent')).toMatch(/^UP ketenhub_hub \d+/);
    expect(await probe(dataDir, 'persistent')).toMatch(/^UP ketenhub_hub \d+/);
  });
});
