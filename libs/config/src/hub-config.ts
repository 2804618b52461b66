/**
 * The hub's one typed configuration. process.env is read here and nowhere else; every value is
 * checked at boot and a wrong one stops the hub with a message that names the variable.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './repo-root';

export interface HubConfig {
  kafka: { brokers: string[]; clientId: string; groupId: string; topicPrefix: string; partitions: number; sessionTimeoutMs: number; applyBatchSize: number; applyTransactions: number; partitionsConcurrently: number };
  /** The hub's own login: a role that may only INSERT into the audit trail (docs/OPERATIONS.md, Security). */
  databaseUrl: string;
  /**
   * Secret. The owner's login, for the migrations (and the hub login's grants) at boot. Absent:
   * the hub migrates with DATABASE_URL, as one login did before (refused in production when
   * that login could rewrite the trail).
   */
  migrationDatabaseUrl?: string;
  /** NODE_ENV=production: the hub refuses to run with a login that could rewrite the audit trail. */
  production: boolean;
  http: { port: number; host: string };
  regionDir: string;
  /** Recorded as who activated the region configuration when this hub starts with a new version. */
  activatedBy: string;
  /** Secrets: never logged. */
  secrets: { bsnHashKey: Buffer; bsnEncryptionKey: Buffer; apiTokenKey: Buffer; partnerSecretKey: Buffer; auditChainKey: Buffer };
  /** The partner gateway (HTTPS door): limits, webhook retries, the feed's long poll, tokens from an external issuer, mutual TLS. */
  gateway: {
    /** Requests per second per partner, unless its region entry says otherwise. */
    rateLimitPerSecond: number;
    webhook: { maxAttempts: number; backoffMs: number; maxBackoffMs: number; timeoutMs: number; pollMs: number };
    feedMaxWaitMs: number;
    /** An OAuth2 authorization server whose client-credentials tokens the hub also accepts (production). */
    externalIssuer?: { issuer: string; jwksUrl: string; audience: string; partnerClaim: string };
    /** Serve HTTPS, and accept a partner's client certificate signed by clientCaFile in place of a token. */
    tls?: { certFile: string; keyFile: string; clientCaFile?: string };
  };
  maxMessageBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  relay: { batchSize: number; idleMs: number };
  /** /health/ready answers 503 once one inbound message has failed to apply for this long. */
  readyStallMs: number;
  /** How often the timer scheduler looks for due deadlines. */
  timerPollMs: number;
  /** The retention job: how often it runs (0: never, run `npm run retention` by hand) and its bewaartermijnen file. */
  retention: { intervalMs: number; file: string };
  /** Test-only fault injection, see docs/OPERATIONS.md. Empty in production. */
  failpoint: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadHubConfig(env: Env = process.env): HubConfig {
  const problems: string[] = [];
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value.trim() === '') {
      problems.push(`${name} is required`);
      return '';
    }
    return value.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got '${raw}')`);
      return fallback;
    }
    return value;
  };
  const key = (name: string): Buffer => secretKey(env, name, problems);

  const brokers = required('KAFKA_BROKERS').split(',').map((b) => b.trim()).filter(Boolean);
  for (const broker of brokers) {
    if (!/^[^:\s]+:[0-9]{1,5}$/.test(broker)) problems.push(`KAFKA_BROKERS entry '${broker}' is not host:port`);
  }
  const databaseUrl = required('DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  const migrationDatabaseUrl = env.MIGRATION_DATABASE_URL?.trim() || undefined;
  if (migrationDatabaseUrl && !/^postgres(ql)?:\/\//.test(migrationDatabaseUrl)) problems.push('MIGRATION_DATABASE_URL must start with postgres:// or postgresql://');
  const logLevel = (env.LOG_LEVEL ?? 'info') as HubConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got '${env.LOG_LEVEL}')`);
  const topicPrefix = env.KETENHUB_TOPIC_PREFIX ?? '';
  if (topicPrefix !== '' && !/^[a-z0-9-]+\.$/.test(topicPrefix)) problems.push(`KETENHUB_TOPIC_PREFIX must be lowercase letters, digits and dashes ending in '.' (got '${topicPrefix}')`);

  const config: HubConfig = {
    kafka: {
      brokers,
      clientId: env.KAFKA_CLIENT_ID ?? 'ketenhub-hub',
      groupId: env.KAFKA_GROUP_ID ?? `${topicPrefix}ketenhub-hub`,
      topicPrefix,
      partitions: integer('KAFKA_TOPIC_PARTITIONS', 3, 1, 1000),
      sessionTimeoutMs: integer('KAFKA_SESSION_TIMEOUT_MS', 30_000, 6_000, 300_000),
      applyBatchSize: integer('KAFKA_APPLY_BATCH_SIZE', 300, 1, 5_000),
      applyTransactions: integer('KAFKA_APPLY_TRANSACTIONS', 4, 1, 16),
      partitionsConcurrently: integer('KAFKA_PARTITIONS_CONCURRENTLY', 64, 1, 1_000),
    },
    databaseUrl,
    ...(migrationDatabaseUrl ? { migrationDatabaseUrl } : {}),
    production: env.NODE_ENV === 'production',
    http: { port: integer('HTTP_PORT', 3000, 0, 65535), host: env.HTTP_HOST ?? '127.0.0.1' },
    regionDir: path.resolve(repoRoot(), env.REGION_DIR ?? path.join('config', 'regions', 'demo')),
    activatedBy: env.KETENHUB_ACTIVATED_BY?.trim() || `${os.userInfo().username}@${os.hostname()}`,
    secrets: { bsnHashKey: key('BSN_HASH_KEY'), bsnEncryptionKey: key('BSN_ENCRYPTION_KEY'), apiTokenKey: key('API_TOKEN_KEY'), partnerSecretKey: key('PARTNER_SECRET_KEY'), auditChainKey: key('AUDIT_CHAIN_KEY') },
    gateway: {
      rateLimitPerSecond: integer('PARTNER_RATE_LIMIT_PER_SECOND', 100, 1, 100_000),
      webhook: {
        maxAttempts: integer('WEBHOOK_MAX_ATTEMPTS', 10, 1, 100),
        backoffMs: integer('WEBHOOK_BACKOFF_MS', 2_000, 10, 3_600_000),
        maxBackoffMs: integer('WEBHOOK_MAX_BACKOFF_MS', 30 * 60_000, 10, 86_400_000),
        timeoutMs: integer('WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000),
        pollMs: integer('WEBHOOK_POLL_MS', 500, 10, 60_000),
      },
      feedMaxWaitMs: integer('FEED_MAX_WAIT_MS', 30_000, 0, 300_000),
      externalIssuer: externalIssuer(env, problems),
      tls: tlsFiles(env, problems),
    },
    maxMessageBytes: integer('MAX_MESSAGE_BYTES', 256 * 1024, 1024, 16 * 1024 * 1024),
    logLevel,
    relay: { batchSize: integer('RELAY_BATCH_SIZE', 500, 1, 10_000), idleMs: integer('RELAY_IDLE_MS', 200, 10, 60_000) },
    timerPollMs: integer('TIMER_POLL_MS', 5_000, 50, 3_600_000),
    readyStallMs: integer('READY_STALL_MS', 30_000, 500, 3_600_000),
    // Daily by default; the upper bound is the longest delay a Node timer can wait (about 24.8 days).
    retention: { intervalMs: integer('RETENTION_INTERVAL_MS', 86_400_000, 0, 2_147_483_647), file: loadRetentionFile(env) },
    failpoint: env.KETENHUB_FAILPOINT ?? '',
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function externalIssuer(env: Env, problems: string[]): HubConfig['gateway']['externalIssuer'] {
  const issuer = env.OAUTH_ISSUER?.trim();
  const jwksUrl = env.OAUTH_JWKS_URL?.trim();
  if (!issuer && !jwksUrl) return undefined;
  if (!issuer || !jwksUrl) {
    problems.push('OAUTH_ISSUER and OAUTH_JWKS_URL go together: set both to accept tokens from an external issuer, or neither');
    return undefined;
  }
  if (!/^https:\/\/|^http:\/\/(localhost|127\.0\.0\.1)[:/]/.test(jwksUrl)) problems.push(`OAUTH_JWKS_URL must be an https address (got '${jwksUrl}')`);
  return { issuer, jwksUrl, audience: env.OAUTH_AUDIENCE?.trim() || 'urn:ketenhub:api', partnerClaim: env.OAUTH_PARTNER_CLAIM?.trim() || 'client_id' };
}

function tlsFiles(env: Env, problems: string[]): HubConfig['gateway']['tls'] {
  const certFile = env.TLS_CERT_FILE?.trim();
  const keyFile = env.TLS_KEY_FILE?.trim();
  const clientCaFile = env.TLS_CLIENT_CA_FILE?.trim() || undefined;
  if (!certFile && !keyFile) {
    if (clientCaFile) problems.push('TLS_CLIENT_CA_FILE needs TLS_CERT_FILE and TLS_KEY_FILE: client certificates are only asked for over HTTPS');
    return undefined;
  }
  if (!certFile || !keyFile) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE go together');
    return undefined;
  }
  return { certFile, keyFile, ...(clientCaFile ? { clientCaFile } : {}) };
}

/** The bewaartermijnen file (RETENTION_FILE, default config/retention.yaml), for the hub and `npm run retention` alike. */
export function loadRetentionFile(env: Env = process.env): string {
  return path.resolve(repoRoot(), env.RETENTION_FILE?.trim() || path.join('config', 'retention.yaml'));
}

/** For the command-line tools that only need the database. */
export function loadDatabaseUrl(env: Env = process.env): string {
  const url = env.DATABASE_URL?.trim();
  if (!url) throw new ConfigError(['DATABASE_URL is required (npm start prints the one it uses)']);
  if (!/^postgres(ql)?:\/\//.test(url)) throw new ConfigError(['DATABASE_URL must start with postgres:// or postgresql://']);
  return url;
}

/** A required secret: 32 random bytes in base64. */
function secretKey(env: Env, name: string, problems: string[]): Buffer {
  const raw = env[name]?.trim() ?? '';
  if (raw === '') {
    problems.push(`${name} is required`);
    return Buffer.alloc(0);
  }
  const value = Buffer.from(raw, 'base64');
  if (value.length !== 32 || value.toString('base64') !== raw) {
    problems.push(`${name} must be 32 random bytes in base64 (44 characters; generate one with: openssl rand -base64 32)`);
  }
  return value;
}

/**
 * The audit chain's key (AUDIT_CHAIN_KEY, secret, the hub's) and the checkpoint up to which the
 * chain was written without it (AUDIT_CHAIN_KEYED_FROM, a record number; 0 unless the database
 * was upgraded with records in it), for `npm run audit:verify` and `npm run retention`.
 */
export function loadAuditChain(env: Env = process.env): { key: Buffer; keyedFrom: string } {
  const problems: string[] = [];
  const key = secretKey(env, 'AUDIT_CHAIN_KEY', problems);
  const keyedFrom = env.AUDIT_CHAIN_KEYED_FROM?.trim() || '0';
  if (!/^(0|[1-9][0-9]{0,18})$/.test(keyedFrom)) problems.push(`AUDIT_CHAIN_KEYED_FROM must be a record number, 0 or more (got '${env.AUDIT_CHAIN_KEYED_FROM}')`);
  if (problems.length > 0) throw new ConfigError(problems);
  return { key, keyedFrom };
}
