/**
 * A certificate authority of the project's own for a local broker's TLS listener and its
 * clients, made with the machine's openssl: a CA, a broker certificate for 127.0.0.1/localhost
 * and client certificates (CN=<name>, the principal User:CN=<name> of docs/DEPLOY-KAFKA.md). EC
 * P-256 keys, PKCS#8 PEM, valid for a day: for tests and development only.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface LocalPki {
  dir: string;
  /** The CA's certificate (PEM): the truststore of broker and clients. */
  caFile: string;
  /** The broker's key and certificate chain in one PEM file, as Kafka's PEM keystore takes them. */
  brokerKeystoreFile: string;
  /** A client certificate and key signed by the CA, for CN=name. */
  client(name: string): { certFile: string; keyFile: string };
}

function openssl(args: string[], cwd: string): void {
  const result = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (result.error) throw new Error(`could not run openssl (needed for the local broker's TLS listener): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`openssl ${args[0]} failed (exit ${result.status}): ${result.stderr}`);
}

function keyAndCsr(dir: string, name: string, subject: string): void {
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`], dir);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
}

function sign(dir: string, name: string, extensions: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.pem`], dir);
}

export function makeLocalPki(dir: string): LocalPki {
  fs.mkdirSync(dir, { recursive: true });
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key'], dir);
  openssl(['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=ketenhub local test CA', '-days', '1', '-sha256',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'ca.pem'], dir);
  keyAndCsr(dir, 'broker', '/CN=localhost');
  sign(dir, 'broker', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature\n');
  fs.writeFileSync(path.join(dir, 'broker-keystore.pem'),
    Buffer.concat([fs.readFileSync(path.join(dir, 'broker.key')), fs.readFileSync(path.join(dir, 'broker.pem')), fs.readFileSync(path.join(dir, 'ca.pem'))]));
  return {
    dir,
    caFile: path.join(dir, 'ca.pem'),
    brokerKeystoreFile: path.join(dir, 'broker-keystore.pem'),
    client(name) {
      if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`client name '${name}' must be lowercase letters, digits and dashes`);
      const certFile = path.join(dir, `client-${name}.pem`);
      if (!fs.existsSync(certFile)) {
        keyAndCsr(dir, `client-${name}`, `/CN=${name}`);
        sign(dir, `client-${name}`, 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
      }
      return { certFile, keyFile: path.join(dir, `client-${name}.key`) };
    },
  };
}
