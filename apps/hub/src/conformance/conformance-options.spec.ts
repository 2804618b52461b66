import { parseOptions, UsageError } from './conformance-options';

const HUB = ['--hub', 'https://acceptatie.ketenhub.example/', '--partner', 'toegang-almere'];

describe('parseOptions', () => {
  it('reads every option, in both spellings, with the defaults', () => {
    expect(parseOptions([...HUB, '--listen=4711', '--webhook-secret', 'whsec_abc=', '--timeout', '45', '--json'], {})).toEqual({
      hub: 'https://acceptatie.ketenhub.example', partner: 'toegang-almere', clientSecret: undefined, webhookSecret: 'whsec_abc=', listen: 4711,
      kafkaBrokers: undefined, topicPrefix: undefined, timeoutSeconds: 45, json: true,
    });
    expect(parseOptions([...HUB, '--kafka-brokers', 'kafka-1:9093, kafka-2:9093', '--topic-prefix', 'acc.'], {})).toMatchObject({
      kafkaBrokers: ['kafka-1:9093', 'kafka-2:9093'], topicPrefix: 'acc.', timeoutSeconds: 30, json: false,
    });
  });

  it('takes the secrets from the environment when the command line has none, and prefers the command line', () => {
    const env = { KETENHUB_CLIENT_SECRET: 'uit-env', KETENHUB_WEBHOOK_SECRET: 'whsec_env=' };
    expect(parseOptions(HUB, env)).toMatchObject({ clientSecret: 'uit-env', webhookSecret: 'whsec_env=' });
    expect(parseOptions([...HUB, '--client-secret', 'uit-args'], env)).toMatchObject({ clientSecret: 'uit-args' });
    expect(parseOptions(HUB, { KETENHUB_CLIENT_SECRET: '' })).toMatchObject({ clientSecret: undefined });
  });

  it('answers --help', () => {
    expect(parseOptions(['--help'], {})).toBe('help');
  });

  it.each([
    [['--partner', 'toegang-almere'], '--hub is missing'],
    [['--hub', 'https://hub.example'], '--partner is missing'],
    [[...HUB, '--listen'], '--listen needs a value'],
    [[...HUB, '--listen', '--json'], '--listen needs a value'],
    [[...HUB, '--listen', '70000'], '--listen must be a whole number from 1 to 65535'],
    [[...HUB, '--timeout', 'lang'], '--timeout must be a whole number'],
    [[...HUB, '--timeout', '0'], '--timeout must be a whole number from 1 to 600'],
    [[...HUB, '--kafka-brokers', 'kafka-1'], '--kafka-brokers is a list of host:port'],
    [[...HUB, '--webhook-secret', 'geheim'], 'the webhook secret starts with whsec_'],
    [[...HUB, '--verbose'], "unknown option '--verbose'"],
    [[...HUB, 'extra'], "unexpected argument 'extra'"],
    [[...HUB, '--partner', 'x'], '--partner is given twice'],
    [['--hub', 'hub.example', '--partner', 'toegang-almere'], '--hub must be a URL'],
    [['--hub', 'ftp://hub.example', '--partner', 'toegang-almere'], '--hub must be an http(s) URL'],
    [['--hub', 'https://hub.example', '--partner', 'Toegang Almere'], '--partner must be a partner id'],
  ])('refuses %j: %s', (args, message) => {
    expect(() => parseOptions(args, {})).toThrow(UsageError);
    expect(() => parseOptions(args, {})).toThrow(message);
  });
});
