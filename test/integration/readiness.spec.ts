/**
 * Readiness tells the truth about a partition that does not move: every part answers, but one
 * message has failed to apply again and again (here a failpoint stands in for a message the
 * database refuses), so the hub is not ready, and says which message holds which partition.
 */
import { hulpvraag, makeBsn } from '../support/factories';
import { pollUntil } from '../support/poll';
import { openScenario, type Scenario } from '../support/scenario';
import { FAILPOINT_ENV } from '../support/test-env';

describe('readiness', () => {
  const stuck = hulpvraag('toegang-almere', [makeBsn()]);
  let scenario: Scenario;

  beforeAll(async () => {
    scenario = await openScenario(['toegang-almere'], { KETENHUB_FAILPOINT: `fail-apply:${stuck.id as string}`, READY_STALL_MS: '1500', ...FAILPOINT_ENV });
  });
  afterAll(async () => {
    await scenario?.close();
  });

  it('is ready while the pipeline moves, and answers 503 naming the partition once one message has failed for READY_STALL_MS', async () => {
    const before = await fetch(`${scenario.hub.url}/health/ready`);
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({ status: 'up', checks: { pipeline: { status: 'up' } } });

    await scenario.partner('toegang-almere').send(stuck);
    const answer = await pollUntil('readiness to see the stall', async () => {
      const response = await fetch(`${scenario.hub.url}/health/ready`);
      return response.status === 503 ? ((await response.json()) as Record<string, any>) : undefined;
    });
    expect(answer).toMatchObject({ status: 'down', checks: { database: { status: 'up' }, kafka: { status: 'up' }, pipeline: { status: 'down' } } });
    expect(answer.checks.pipeline.detail).toMatch(new RegExp(`stalled: ${scenario.prefix.replace('.', '\\.')}inbound\\.toegang-almere partition \\d offset 0 has failed to apply`));
    // Liveness is another question: the process answers, restarting it would not help.
    expect((await fetch(`${scenario.hub.url}/health/live`)).status).toBe(200);
  });
});
