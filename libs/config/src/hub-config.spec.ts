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
