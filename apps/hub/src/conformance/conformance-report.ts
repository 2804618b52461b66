/** One check of a conformance run: what was tried, what came back, and on failure what to do about it. */
export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

export interface ConformanceReport {
  hub: string;
  partner: string;
  role?: string;
  connection?: string;
  startedAt: string;
  durationMs: number;
  checks: Check[];
}

export const passed = (report: ConformanceReport): boolean => report.checks.length > 0 && report.checks.every((c) => c.ok);

export function counts(report: ConformanceReport): { passed: number; failed: number } {
  const ok = report.checks.filter((c) => c.ok).length;
  return { passed: ok, failed: report.checks.length - ok };
}

/** One line per check (`PASS  name: detail`, a failure's hint after a dash), then the verdict. */
export function formatReport(report: ConformanceReport): string[] {
  const lines = report.checks.map((c) => `${c.ok ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}${!c.ok && c.hint ? ` — ${c.hint}` : ''}`);
  const { passed: n, failed: m } = counts(report);
  lines.push(`conformance: ${report.partner} (${report.role ?? 'role unknown'}, ${report.connection ?? 'connection unknown'}) ${passed(report) ? 'PASSED' : 'FAILED'}: ${n} passed, ${m} failed`);
  return lines;
}

/** The report for --json: the verdict, the counts, and each check with PASS or FAIL. */
export function reportJson(report: ConformanceReport): Record<string, unknown> {
  const { checks, ...about } = report;
  return {
    ...about, result: passed(report) ? 'PASSED' : 'FAILED', ...counts(report),
    checks: checks.map(({ ok, ...check }) => ({ result: ok ? 'PASS' : 'FAIL', ...check })),
  };
}

/** 0 when every check passed, 1 otherwise (2, a usage error, is the command line's). */
export const exitCodeOf = (report: ConformanceReport): 0 | 1 => (passed(report) ? 0 : 1);
