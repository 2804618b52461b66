import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';

/** Asks the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error('could not determine a free port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

export function repoRoot(): string {
  // dist/deploy/local/x.js and deploy/local/x.ts both sit two levels below their root.
  const here = path.resolve(__dirname, '..', '..');
  return path.basename(here) === 'dist' ? path.dirname(here) : here;
}

/**
 * Starts the reaper beside a service: it stops the service when this Node process is gone, even
 * after a SIGKILL that leaves no chance for clean-up.
 */
export function guardChild(childPid: number, signal: 'TERM' | 'INT'): void {
  const reaper = spawn(
    'bash',
    [path.join(repoRoot(), 'deploy', 'local', 'reaper.sh'), String(process.pid), String(childPid), signal],
    { detached: true, stdio: 'ignore' },
  );
  reaper.unref();
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
  throw new Error(`${what} did not become ready within ${timeoutMs} ms${detail}`);
}
