/**
 * Fault injection for the crash tests (KETENHUB_FAILPOINT). Inert unless set; never set in
 * production. `kill-after-db-commit:<eventId>` SIGKILLs the hub right after the transaction for
 * that event committed and before its Kafka offset is committed. `fail-apply:<eventId>` makes
 * every attempt to apply a message carrying that id fail, as a message PostgreSQL cannot take would.
 */
export function failpointAfterCommit(failpoint: string, eventId: string | undefined): void {
  if (failpoint !== '' && eventId !== undefined && failpoint === `kill-after-db-commit:${eventId}`) {
    process.kill(process.pid, 'SIGKILL');
  }
}

export function failsToApply(failpoint: string, value: Buffer | null): boolean {
  return failpoint.startsWith('fail-apply:') && value?.includes(failpoint.slice('fail-apply:'.length)) === true;
}
