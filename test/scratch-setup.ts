/**
 * One temp folder for the whole test run, removed at its end: the folders and files tests make
 * with os.tmpdir() (region copies, candidate configs, certificates, retention files) and those of
 * the hub processes they start land in it, instead of being left behind in /tmp run after run.
 * TMPDIR is what os.tmpdir() reads, in this process and in every process started after this.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const SCRATCH_ENV = 'KETENHUB_TEST_SCRATCH';

export default async function scratchSetup(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ketenhub-test-'));
  // PostgreSQL runs as its own user where the tests run as root: it must reach folders made in here.
  fs.chmodSync(dir, 0o755);
  process.env[SCRATCH_ENV] = dir;
  process.env.TMPDIR = dir;
}
