import { ConfigError, loadAuditChain, loadHubConfig } from './hub-config';

const KEY = Buffer.alloc(32, 7).toString('base64');
const valid = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  BSN_HASH_KEY: KEY,
  BSN_ENCRYPTION_KEY: KEY,
  API_TOKEN_KEY: KEY,
  PARTNER_SECRET_KEY: KEY,
  AUDIT_CHAIN_KEY: KEY,
};

describe('loadHubConfig', () => {
  it('reads a valid environment with defaults', () => {
    const config = loadHubConfig(valid);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.http.port).toBe(3000);
    expect(config.maxMessageBytes).toBe(262144);
    expect(config.secrets.bsnHashKey).toHaveLength(32);
  });

  it('names every wrong variable at once and never echoes a secret', () => {
    const attempt = () => loadHubConfig({ ...valid, KAFKA_BROKERS: 'nohost', HTTP_PORT: '70000', BSN_HASH_KEY: 'short-secret', DATABASE_URL: '' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as ConfigError).message;
      expect(message).toContain("KAFKA_BROKERS entry 'nohost' is not host:port");
      expect(message).toContain('HTTP_PORT must be a whole number from 0 to 65535');
      expect(message).toContain('BSN_HASH_KEY must be 32 random bytes');
      expect(message).toContain('DATABASE_URL is required');
      expect(message).not.toContain('short-secret');
    }
  });

  const problemsOf = (env: Record<string, string>): string => {
    try {
      loadHubConfig({ ...valid, ...env });
    } catch (error) {
      return (error as ConfigError).message;
    }
    return '';
  };

  it('refuses KETENHUB_FAILPOINT when NODE_ENV=production, and only then', () => {
    expect(problemsOf({ NODE_ENV: 'production', KAFKA_SSL: 'true', KETENHUB_FAILPOINT: 'fail-apply:x' })).toContain('KETENHUB_FAILPOINT is fault injection for the tests and is refused when NODE_ENV=production');
    expect(loadHubConfig({ ...valid, NODE_ENV: 'development', KETENHUB_FAILPOINT: 'fail-apply:x' }).failpoint).toBe('fail-apply:x');
    expect(loadHubConfig({ ...valid, NODE_ENV: 'production', KAFKA_SSL: 'true' }).production).toBe(true);
  });

  it('reads the people\'s OpenID Connect provider only as a whole, with role names that differ', () => {
    const people = { OIDC_ISSUER: 'https://login.example.nl/realms/keten', OIDC_JWKS_URL: 'https://login.example.nl/realms/keten/certs', OIDC_AUDIENCE: 'ketenhub' };
    expect(loadHubConfig({ ...valid, ...people }).people).toEqual({
      ...{ issuer: people.OIDC_ISSUER, jwksUrl: people.OIDC_JWKS_URL, audience: 'ketenhub' },
      nameClaim: 'name', rolesClaim: 'roles', privacyOfficerRole: 'ketenhub-privacy-officer', informationManagerRole: 'ketenhub-informatiemanager',
    });
    expect(loadHubConfig(valid).people).toBeUndefined();
    expect(problemsOf({ OIDC_ISSUER: people.OIDC_ISSUER })).toContain('OIDC_ISSUER, OIDC_JWKS_URL and OIDC_AUDIENCE go together');
    expect(problemsOf({ ...people, OIDC_JWKS_URL: 'http://login.example.nl/certs' })).toContain('OIDC_JWKS_URL must be an https address');
    expect(problemsOf({ ...people, OIDC_PRIVACY_OFFICER_ROLE: 'x', OIDC_INFORMATION_MANAGER_ROLE: 'x' })).toContain('must differ');
    expect(problemsOf({ ...people, OAUTH_ISSUER: people.OIDC_ISSUER, OAUTH_JWKS_URL: people.OIDC_JWKS_URL })).toContain('OIDC_ISSUER and OAUTH_ISSUER must differ');
  });

  it('reads the earlier API token keys and the partner door\'s port', () => {
    const old = Buffer.alloc(32, 1).toString('base64');
    const config = loadHubConfig({ ...valid, API_TOKEN_PREVIOUS_KEYS: ` ${old} ,`, GATEWAY_PORT: '8443' });
    expect(config.secrets.previousApiTokenKeys).toEqual([Buffer.alloc(32, 1)]);
    expect(config.http.gatewayPort).toBe(8443);
    expect(loadHubConfig(valid).http.gatewayPort).toBeUndefined();
    const message = problemsOf({ API_TOKEN_PREVIOUS_KEYS: 'hunter2', GATEWAY_PORT: '3000' });
    expect(message).toContain('API_TOKEN_PREVIOUS_KEYS entry 1 must be 32 random bytes');
    expect(message).toContain('GATEWAY_PORT must differ from HTTP_PORT');
    expect(message).not.toContain('hunter2');
  });
});

describe('Kafka TLS and SASL settings', () => {
  // Any readable file stands in for a PEM file here: the hub reads them at boot, kafkajs parses them.
  const FILE = 'package.json';
  const problemsOf = (env: Record<string, string>): string => {
    try {
      loadHubConfig({ ...valid, ...env });
      return '';
    } catch (error) {
      return (error as ConfigError).message;
    }
  };

  it('is plaintext with nothing set, outside production', () => {
    expect(loadHubConfig(valid).kafka.security).toEqual({});
  });

  it('reads the CA, certificate and key files, and SCRAM with its mechanism', () => {
    const { security } = loadHubConfig({
      ...valid, KAFKA_SSL_CA: FILE, KAFKA_SSL_CERT: FILE, KAFKA_SSL_KEY: FILE,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'ketenhub-hub', KAFKA_SASL_PASSWORD: 'pw',
    }).kafka;
    expect(security.ssl?.ca?.toString('utf8')).toContain('"name": "ketenhub"');
    expect(security.ssl?.cert).toBeDefined();
    expect(security.ssl?.key).toBeDefined();
    expect(security.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'ketenhub-hub', password: 'pw' });
    expect(loadHubConfig({ ...valid, KAFKA_SSL: 'true' }).kafka.security).toEqual({ ssl: {} });
  });

  it('names the variable of a file it cannot read, a certificate without its key, and half a SASL setting, never echoing the password', () => {
    const message = problemsOf({ KAFKA_SSL_CA: 'no/such/ca.pem', KAFKA_SSL_CERT: FILE, KAFKA_SASL_USERNAME: 'hub', KAFKA_SASL_PASSWORD: 'geheim-wachtwoord', KAFKA_SSL: 'yes' });
    expect(message).toContain("KAFKA_SSL_CA: cannot read 'no/such/ca.pem' (ENOENT)");
    expect(message).toContain('KAFKA_SSL_CERT and KAFKA_SSL_KEY go together');
    expect(message).toContain('KAFKA_SASL_MECHANISM must be one of scram-sha-256, scram-sha-512');
    expect(message).toContain("KAFKA_SSL must be true or false (got 'yes')");
    expect(message).not.toContain('geheim-wachtwoord');
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'hub' })).toContain('KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD go together');
    expect(problemsOf({ KAFKA_SSL: 'false', KAFKA_SSL_CA: FILE })).toContain('KAFKA_SSL=false contradicts');
  });

  it('refuses plaintext in production; the loopback allowance holds for loopback brokers only', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toContain('KAFKA_SSL_CA is required when NODE_ENV=production');
    expect(problemsOf({ NODE_ENV: 'production', KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'hub', KAFKA_SASL_PASSWORD: 'pw' })).toContain('KAFKA_SSL_CA is required');
    expect(problemsOf({ NODE_ENV: 'production', KAFKA_SSL_CA: FILE })).toBe('');
    expect(problemsOf({ NODE_ENV: 'production', KAFKA_SSL: 'true' })).toBe('');
    expect(problemsOf({ NODE_ENV: 'production', KAFKA_ALLOW_PLAINTEXT_LOOPBACK: 'true', KAFKA_BROKERS: '127.0.0.1:9092,localhost:9093' })).toBe('');
    expect(problemsOf({ NODE_ENV: 'production', KAFKA_ALLOW_PLAINTEXT_LOOPBACK: 'true', KAFKA_BROKERS: '127.0.0.1:9092,10.0.0.5:9092' }))
      .toContain('KAFKA_ALLOW_PLAINTEXT_LOOPBACK=true allows plaintext only to brokers on a loopback address; KAFKA_BROKERS names 10.0.0.5:9092');
    expect(problemsOf({ NODE_ENV: 'development' })).toBe('');
  });
});

describe('the audit chain key and the owner login', () => {
  it('asks for the audit chain key, and takes the owner login for migrations apart from the hub\'s', () => {
    const { AUDIT_CHAIN_KEY: _, ...withoutKey } = valid;
    expect(() => loadHubConfig(withoutKey)).toThrow('AUDIT_CHAIN_KEY is required');
    expect(() => loadHubConfig({ ...valid, AUDIT_CHAIN_KEY: 'c2hvcnQ=' })).toThrow('AUDIT_CHAIN_KEY must be 32 random bytes');
    expect(loadHubConfig(valid).migrationDatabaseUrl).toBeUndefined();
    expect(loadHubConfig({ ...valid, MIGRATION_DATABASE_URL: 'postgres://owner:o@127.0.0.1/db' }).migrationDatabaseUrl).toBe('postgres://owner:o@127.0.0.1/db');
    expect(() => loadHubConfig({ ...valid, MIGRATION_DATABASE_URL: 'mysql://x' })).toThrow('MIGRATION_DATABASE_URL must start with postgres://');
  });

  it('reads the chain key and checkpoint for audit:verify', () => {
    expect(loadAuditChain({ AUDIT_CHAIN_KEY: KEY })).toEqual({ key: Buffer.alloc(32, 7), keyedFrom: '0' });
    expect(loadAuditChain({ AUDIT_CHAIN_KEY: KEY, AUDIT_CHAIN_KEYED_FROM: '1234' }).keyedFrom).toBe('1234');
    expect(() => loadAuditChain({ AUDIT_CHAIN_KEY: KEY, AUDIT_CHAIN_KEYED_FROM: '-1' })).toThrow("AUDIT_CHAIN_KEYED_FROM must be a record number, 0 or more (got '-1')");
    expect(() => loadAuditChain({})).toThrow('AUDIT_CHAIN_KEY is required');
  });
});
