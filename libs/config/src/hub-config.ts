/**
 * The hub's one typed configuration. process.env is read here and nowhere else; every value is
 * checked at boot and a wrong one stops the hub with a message that names the variable.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './repo-root';

export interface HubConfig {
  kafka: {
    brokers: string[]; clientId: string; groupId: string; topicPrefix: string; partitions: number; sessionTimeoutMs: number; applyBatchSize: number; applyTransactions: number; partitionsConcurrently: number;
    /** TLS and SASL for every Kafka client of the hub; the SASL password is a secret, never logged. */
    security: KafkaSecuritySettings;
  };
  /** The hub's own login: a role that may only INSERT into the audit trail (docs/OPERATIONS.md, Security). */
  databaseUrl: string;
  /**
   * Secret. The owner's login, for the migrations (and the hub login's grants) at boot. Absent:
   * the hub migrates with DATABASE_URL, as one login did before (refused in production when
   * that login could rewrite the trail).
   */
  migrationDatabaseUrl?: string;
  /**
   * NODE_ENV=production: people tokens only from the OpenID Connect provider, no failpoints, and
   * no login that could rewrite the audit trail.
   */
  production: boolean;
  /** The main listener (everything), and where set a listener for the partner door alone (GATEWAY_PORT). */
  http: { port: number; host: string; gatewayPort?: number };
  regionDir: string;
  /** Recorded as who activated the region configuration when this hub starts with a new version. */
  activatedBy: string;
  /** Secrets: never logged. */
  secrets: {
    bsnHashKey: Buffer; bsnEncryptionKey: Buffer; partnerSecretKey: Buffer;
    /** Signs the hub's own tokens (its key id is derived from it, see apps/hub/src/auth/token.ts). */
    apiTokenKey: Buffer;
    /** Earlier API_TOKEN_KEYs still accepted (not used to sign) while their tokens run out: rotation one key at a time. */
    previousApiTokenKeys: Buffer[];
    /** Keys the audit chain's HMAC; never stored in the database. */
    auditChainKey: Buffer;
  };
  /**
   * The organisation's OpenID Connect provider: the only issuer of privacy officer and information
   * manager tokens a production hub accepts. Absent: no person can sign in in production.
   */
  people?: PeopleIssuerConfig;
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

export interface PeopleIssuerConfig {
  issuer: string;
  jwksUrl: string;
  audience: string;
  /** The claim with the person's name, as the audit trail records it. */
  nameClaim: string;
  /** The claim (a dotted path, e.g. realm_access.roles) with the person's roles or groups. */
  rolesClaim: string;
  /** The value in rolesClaim that makes the person a privacy officer, and an information manager. */
  privacyOfficerRole: string;
  informationManagerRole: string;
}

/** As KafkaSecurity in @ketenhub/messaging (this library does not depend on it). */
export interface KafkaSecuritySettings {
  ssl?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  sasl?: { mechanism: 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
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
  const keyOf = (name: string, raw: string): Buffer => {
    const value = Buffer.from(raw, 'base64');
    if (value.length !== 32 || value.toString('base64') !== raw) {
      problems.push(`${name} must be 32 random bytes in base64 (44 characters; generate one with: openssl rand -base64 32)`);
    }
    return value;
  };
  const key = (name: string): Buffer => secretKey(env, name, problems);
  const production = env.NODE_ENV === 'production';

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
      security: kafkaSecurity(env, problems, brokers),
    },
    databaseUrl,
    ...(migrationDatabaseUrl ? { migrationDatabaseUrl } : {}),
    production,
    http: { port: integer('HTTP_PORT', 3000, 0, 65535), host: env.HTTP_HOST ?? '127.0.0.1', ...gatewayPort(env, problems) },
    regionDir: path.resolve(repoRoot(), env.REGION_DIR ?? path.join('config', 'regions', 'demo')),
    activatedBy: env.KETENHUB_ACTIVATED_BY?.trim() || `${os.userInfo().username}@${os.hostname()}`,
    secrets: {
      bsnHashKey: key('BSN_HASH_KEY'), bsnEncryptionKey: key('BSN_ENCRYPTION_KEY'), partnerSecretKey: key('PARTNER_SECRET_KEY'),
      apiTokenKey: key('API_TOKEN_KEY'), auditChainKey: key('AUDIT_CHAIN_KEY'),
      previousApiTokenKeys: (env.API_TOKEN_PREVIOUS_KEYS ?? '').split(',').map((k) => k.trim()).filter(Boolean).map((k, i) => keyOf(`API_TOKEN_PREVIOUS_KEYS entry ${i + 1}`, k)),
    },
    people: peopleIssuer(env, problems),
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
  if (production && config.failpoint !== '') {
    problems.push('KETENHUB_FAILPOINT is fault injection for the tests and is refused when NODE_ENV=production: unset it');
  }
  const external = config.gateway.externalIssuer;
  if (external && config.people && external.issuer === config.people.issuer) {
    problems.push('OIDC_ISSUER and OAUTH_ISSUER must differ: a partner\'s token from the same issuer could otherwise be read as a person\'s (use a realm for people and one for partner systems)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

const SASL_MECHANISMS = ['scram-sha-256', 'scram-sha-512'] as const;
const LOOPBACK = /^(127\.[0-9]+\.[0-9]+\.[0-9]+|localhost|\[::1\]|::1):[0-9]+$/;

/**
 * TLS (KAFKA_SSL_CA, KAFKA_SSL_CERT, KAFKA_SSL_KEY: PEM files, read at boot; or KAFKA_SSL=true
 * for a broker whose certificate a system CA signed) and SASL/SCRAM (KAFKA_SASL_MECHANISM,
 * KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD). With NODE_ENV=production the hub does not speak
 * plaintext to Kafka: without TLS it refuses to start, unless KAFKA_ALLOW_PLAINTEXT_LOOPBACK=true
 * and every broker is on a loopback address (a broker or TLS sidecar on the same host).
 */
export function kafkaSecurity(env: Env, problems: string[], brokers: string[] = []): KafkaSecuritySettings {
  const file = (name: string): Buffer | undefined => {
    const where = env[name]?.trim();
    if (!where) return undefined;
    try {
      return fs.readFileSync(path.resolve(repoRoot(), where));
    } catch (error) {
      problems.push(`${name}: cannot read '${where}' (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      return undefined;
    }
  };
  const ca = file('KAFKA_SSL_CA');
  const cert = file('KAFKA_SSL_CERT');
  const key = file('KAFKA_SSL_KEY');
  if (Boolean(env.KAFKA_SSL_CERT?.trim()) !== Boolean(env.KAFKA_SSL_KEY?.trim())) problems.push('KAFKA_SSL_CERT and KAFKA_SSL_KEY go together (the client certificate and its private key)');
  const sslFlag = env.KAFKA_SSL?.trim();
  if (sslFlag !== undefined && sslFlag !== '' && sslFlag !== 'true' && sslFlag !== 'false') problems.push(`KAFKA_SSL must be true or false (got '${sslFlag}')`);
  const anyFile = ['KAFKA_SSL_CA', 'KAFKA_SSL_CERT', 'KAFKA_SSL_KEY'].some((name) => Boolean(env[name]?.trim()));
  if (sslFlag === 'false' && anyFile) problems.push('KAFKA_SSL=false contradicts KAFKA_SSL_CA / KAFKA_SSL_CERT / KAFKA_SSL_KEY: leave KAFKA_SSL out or set it to true');
  const tls = sslFlag === 'true' || (anyFile && sslFlag !== 'false');
  const ssl = tls ? { ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) } : undefined;

  const mechanism = env.KAFKA_SASL_MECHANISM?.trim().toLowerCase();
  const username = env.KAFKA_SASL_USERNAME?.trim();
  const password = env.KAFKA_SASL_PASSWORD;
  let sasl: KafkaSecuritySettings['sasl'];
  if (mechanism || username || password) {
    if (!mechanism || !(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      problems.push(`KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')} when KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD is set (got '${env.KAFKA_SASL_MECHANISM ?? ''}')`);
    } else if (!username || !password) {
      problems.push('KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD go together');
    } else {
      sasl = { mechanism: mechanism as (typeof SASL_MECHANISMS)[number], username, password };
    }
  }

  if (env.NODE_ENV === 'production' && !tls) {
    const allow = env.KAFKA_ALLOW_PLAINTEXT_LOOPBACK?.trim() === 'true';
    const remote = brokers.filter((b) => !LOOPBACK.test(b));
    if (!allow) {
      problems.push('KAFKA_SSL_CA is required when NODE_ENV=production: the hub does not speak plaintext to Kafka. Set KAFKA_SSL_CA, KAFKA_SSL_CERT and KAFKA_SSL_KEY (PEM files) for mutual TLS, or KAFKA_SSL=true for a broker whose certificate a system CA signed');
    } else if (remote.length > 0) {
      problems.push(`KAFKA_ALLOW_PLAINTEXT_LOOPBACK=true allows plaintext only to brokers on a loopback address; KAFKA_BROKERS names ${remote.join(', ')}: set KAFKA_SSL_CA, KAFKA_SSL_CERT and KAFKA_SSL_KEY`);
    }
  }
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}

/**
 * For a Kafka client other than the hub's (`npm run conformance` as a partner): the same
 * KAFKA_SSL_* and KAFKA_SASL_* settings, without the hub's production rule.
 */
export function loadKafkaSecurity(env: Env = process.env): KafkaSecuritySettings {
  const problems: string[] = [];
  const security = kafkaSecurity({ ...env, NODE_ENV: undefined }, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return security;
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

function gatewayPort(env: Env, problems: string[]): { gatewayPort?: number } {
  const raw = env.GATEWAY_PORT?.trim();
  if (raw === undefined || raw === '') return {};
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    problems.push(`GATEWAY_PORT must be a whole number from 0 to 65535 (got '${raw}')`);
    return {};
  }
  if (port !== 0 && String(port) === (env.HTTP_PORT ?? '3000').trim()) problems.push(`GATEWAY_PORT must differ from HTTP_PORT (both ${port}): the partner door gets a listener of its own`);
  return { gatewayPort: port };
}

function peopleIssuer(env: Env, problems: string[]): PeopleIssuerConfig | undefined {
  const issuer = env.OIDC_ISSUER?.trim();
  const jwksUrl = env.OIDC_JWKS_URL?.trim();
  const audience = env.OIDC_AUDIENCE?.trim();
  if (!issuer && !jwksUrl && !audience) return undefined;
  if (!issuer || !jwksUrl || !audience) {
    problems.push('OIDC_ISSUER, OIDC_JWKS_URL and OIDC_AUDIENCE go together: set all three to let people sign in at the organisation\'s OpenID Connect provider, or none');
    return undefined;
  }
  if (!/^https:\/\/|^http:\/\/(localhost|127\.0\.0\.1)[:/]/.test(jwksUrl)) problems.push(`OIDC_JWKS_URL must be an https address (got '${jwksUrl}')`);
  const privacyOfficerRole = env.OIDC_PRIVACY_OFFICER_ROLE?.trim() || 'ketenhub-privacy-officer';
  const informationManagerRole = env.OIDC_INFORMATION_MANAGER_ROLE?.trim() || 'ketenhub-informatiemanager';
  if (privacyOfficerRole === informationManagerRole) problems.push('OIDC_PRIVACY_OFFICER_ROLE and OIDC_INFORMATION_MANAGER_ROLE must differ: the two roles are kept apart');
  return {
    issuer, jwksUrl, audience,
    nameClaim: env.OIDC_NAME_CLAIM?.trim() || 'name',
    rolesClaim: env.OIDC_ROLES_CLAIM?.trim() || 'roles',
    privacyOfficerRole, informationManagerRole,
  };
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

/** For `npm run dead-letter`: the database and the one key that opens a dead letter (secret). */
export function loadDeadLetterReaderConfig(env: Env = process.env): { databaseUrl: string; topicPrefix: string; bsnEncryptionKey: Buffer; auditChainKey: Buffer } {
  const databaseUrl = loadDatabaseUrl(env);
  const raw = env.BSN_ENCRYPTION_KEY?.trim() ?? '';
  const key = Buffer.from(raw, 'base64');
  const problems: string[] = [];
  if (key.length !== 32 || key.toString('base64') !== raw) {
    problems.push('BSN_ENCRYPTION_KEY must be the hub\'s key: 32 random bytes in base64 (44 characters); dead letters are sealed with it');
  }
  // Every read is audited, and the audit chain is keyed: the reader needs the hub's chain key too.
  const auditChainKey = secretKey(env, 'AUDIT_CHAIN_KEY', problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { databaseUrl, topicPrefix: env.KETENHUB_TOPIC_PREFIX ?? '', bsnEncryptionKey: key, auditChainKey };
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
