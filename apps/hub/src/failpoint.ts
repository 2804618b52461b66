/**
 * Fault injection for the crash tests (KETENHUB_FAILPOINT). Inert unless set; never set in
 * production. `kill-after-db-commit:<eventId>` SIGKILLs the hub right after the transaction for
 * that event committed and before its Kafka offset is committed.
 */
export function failpointAfterCommit(failpoint: string, eventId: string | undefined): void {
  if (failpoint !== '' && eventId !== undefined && failpoint === `kill-after-db-commit:${eventId}`) {
    process.kill(process.pid, 'SIGKILL');
  }
}
