import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { reachable } from './postgres-server';

describe('reachable: can another user enter every folder on the way', () => {
  const other = { uid: 65534, gid: 65534 };
  let base: string;

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'ketenhub-reach-'));
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('is false below a folder only its owner can enter (mktemp -d is 0700)', () => {
    fs.mkdirSync(path.join(base, 'repo', 'node_modules'), { recursive: true });
    expect(reachable(path.join(base, 'repo', 'node_modules'), other)).toBe(false);
  });

  it('is true once every folder on the way lets others pass', () => {
    fs.chmodSync(base, 0o711);
    fs.mkdirSync(path.join(base, 'repo'), { mode: 0o755 });
    fs.chmodSync(path.join(base, 'repo'), 0o755);
    // os.tmpdir() is the test run's scratch folder, made 0755 under /tmp (test/scratch-setup.ts).
    expect(reachable(path.join(base, 'repo'), other)).toBe(true);
  });

  it('uses the owner bits for the owner and the group bits for the group', () => {
    const me = { uid: fs.statSync(base).uid, gid: -1 };
    expect(reachable(base, me)).toBe(reachable(path.dirname(base), me));
    fs.chmodSync(base, 0o070);
    expect(reachable(base, me)).toBe(false);
    fs.chmodSync(base, 0o700);
  });

  it('is false for a path that does not exist', () => {
    expect(reachable(path.join(base, 'missing'), other)).toBe(false);
  });
});
