// A throwaway CA and a server certificate for 127.0.0.1 (subjectAltName IP, plus any DNS names asked for),
// made with openssl for TLS tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificates {
  /** PEM of the CA that signed `cert`. */
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export function makeTestCertificates(options: { dnsNames?: readonly string[] } = {}): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'cb-certs-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    run(
      'req',
      '-x509',
      ...ec,
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=CubeBridge test CA',
    );
    run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    const names = (options.dnsNames ?? []).map((name) => `,DNS:${name}`).join('');
    writeFileSync(join(dir, 'san.ext'), `subjectAltName=IP:127.0.0.1${names}\n`);
    run(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'san.ext',
    );
    return {
      ca: readFileSync(join(dir, 'ca.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'server.pem'), 'utf8'),
      key: readFileSync(join(dir, 'server.key'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
