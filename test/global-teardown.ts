import type { ChildProcess } from 'node:child_process';

/** Closes the test environment's standard input: it stops Kafka and PostgreSQL and removes their data. */
export default async function globalTeardown(): Promise<void> {
  const child = (globalThis as { __KETENHUB_DEVENV__?: ChildProcess }).__KETENHUB_DEVENV__;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const started = Date.now();
  child.stdin?.end();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => { timer = setTimeout(resolve, 45_000); })]);
  clearTimeout(timer);
  process.stdout.write(`[integration] Kafka and PostgreSQL stopped in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
