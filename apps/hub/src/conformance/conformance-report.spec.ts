import { exitCodeOf, formatReport, reportJson, type ConformanceReport } from './conformance-report';

const report = (checks: ConformanceReport['checks'], about: Partial<ConformanceReport> = {}): ConformanceReport => ({
  hub: 'https://acceptatie.ketenhub.example', partner: 'samen-veilig', role: 'GI', connection: 'HTTPS_FEED', startedAt: '2026-11-23T10:00:00.000Z', durationMs: 1234, checks, ...about,
});

describe('the conformance report', () => {
  const passing = report([{ name: 'hub', ok: true, detail: 'up' }, { name: 'token', ok: true, detail: 'accepted', hint: 'never shown for a pass' }]);
  const failing = report([
    { name: 'hub', ok: true, detail: 'up' },
    { name: 'token', ok: false, detail: 'POST /oauth/token: 401 invalid_client', hint: 'invalid_client: check the client secret: npm run partner -- secrets samen-veilig' },
  ]);

  it('prints one line per check and the verdict; a failure carries its hint on the same line', () => {
    expect(formatReport(passing)).toEqual(['PASS  hub: up', 'PASS  token: accepted', 'conformance: samen-veilig (GI, HTTPS_FEED) PASSED: 2 passed, 0 failed']);
    expect(formatReport(failing)).toEqual([
      'PASS  hub: up',
      'FAIL  token: POST /oauth/token: 401 invalid_client — invalid_client: check the client secret: npm run partner -- secrets samen-veilig',
      'conformance: samen-veilig (GI, HTTPS_FEED) FAILED: 1 passed, 1 failed',
    ]);
  });

  it('says so when the run never learnt the role and connection, and fails a run without checks', () => {
    const empty = report([], { role: undefined, connection: undefined });
    expect(formatReport(empty)).toEqual(['conformance: samen-veilig (role unknown, connection unknown) FAILED: 0 passed, 0 failed']);
    expect(exitCodeOf(empty)).toBe(1);
  });

  it('exits 0 only when every check passed', () => {
    expect(exitCodeOf(passing)).toBe(0);
    expect(exitCodeOf(failing)).toBe(1);
  });

  it('gives the same as one JSON object for --json', () => {
    expect(reportJson(failing)).toEqual({
      hub: 'https://acceptatie.ketenhub.example', partner: 'samen-veilig', role: 'GI', connection: 'HTTPS_FEED', startedAt: '2026-11-23T10:00:00.000Z', durationMs: 1234,
      result: 'FAILED', passed: 1, failed: 1,
      checks: [
        { result: 'PASS', name: 'hub', detail: 'up' },
        { result: 'FAIL', name: 'token', detail: 'POST /oauth/token: 401 invalid_client', hint: 'invalid_client: check the client secret: npm run partner -- secrets samen-veilig' },
      ],
    });
  });
});
