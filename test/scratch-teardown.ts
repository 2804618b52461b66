import * as fs from 'node:fs';
import { SCRATCH_ENV } from './scratch-setup';

/** Removes the run's temp folder (test/scratch-setup.ts) with everything the tests left in it. */
export default async function scratchTeardown(): Promise<void> {
  const dir = process.env[SCRATCH_ENV];
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
