#!/usr/bin/env node
/*
 * Makes a fresh clone ready for `npm start` and `npm test`, with nothing but Node 20.19+,
 * Java 17+ and Maven on the machine: installs the locked dependencies when they are missing or
 * stale, and builds (types from schemas, then TypeScript) when a source is newer than the build.
 * Plain CommonJS without dependencies, because it runs before any are installed.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const say = (line) => process.stdout.write(`[prepare] ${line}\n`);
const fail = (line) => {
  process.stderr.write(`[prepare] ${line}\n`);
  process.exit(1);
};

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) fail(`Node ${process.versions.node} is too old; Ketenhub needs Node 20.19 or newer.`);

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
}

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function newest(dir) {
  let latest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'generated') continue;
    const full = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(full) : mtime(full));
  }
  return latest;
}

// 1. Dependencies, exactly as locked.
const installed = path.join(root, 'node_modules', '.package-lock.json');
if (mtime(installed) < mtime(path.join(root, 'package-lock.json'))) {
  say('installing dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 2. Build when a source is newer than the last build.
const stamp = path.join(root, 'dist', '.build-stamp');
const sources = ['apps', 'libs', 'deploy', 'scripts', 'schemas', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json']
  .map((p) => path.join(root, p))
  .map((p) => (fs.existsSync(p) && fs.statSync(p).isDirectory() ? newest(p) : mtime(p)));
if (mtime(stamp) < Math.max(...sources)) {
  say('building (types from schemas/, then TypeScript)');
  run('npm', ['run', 'build', '--silent']);
  fs.writeFileSync(stamp, new Date().toISOString());
}

// 3. Java and Maven, unless an existing Kafka cluster is named.
if (!process.env.KAFKA_BROKERS) {
  for (const [tool, args, why] of [['java', ['-version'], 'Java 17+ runs the Kafka broker'], ['mvn', ['-v'], 'Maven fetches the Kafka broker from Maven Central']]) {
    const probe = spawnSync(tool, args, { stdio: 'ignore' });
    if (probe.error || probe.status !== 0) fail(`'${tool}' is not available: ${why}. Install it, or set KAFKA_BROKERS to use an existing cluster.`);
  }
}
