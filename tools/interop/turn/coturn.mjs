/**
 * Starts a real coturn (`turnserver`, apt `coturn`) on 127.0.0.1 for the interop tests and
 * the benchmark (one helper for both, so plain JavaScript; types in coturn.d.mts), with its own
 * log, pid and database files in a temporary directory (see tools/interop/README.md), and stops
 * it by its pid.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Throws a clear error when coturn is not installed. */
export function requireTurnserver() {
  const r = spawnSync('turnserver', ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(
      'turnserver not found: these tests need a real coturn. Install it with `apt-get install -y coturn` (.ci/run does).',
    );
  }
}

/** Starts coturn and waits until it accepts TCP connections. */
/** @param {import('./coturn.mjs').CoturnOptions} [options] */
export async function startCoturn(options = {}) {
  requireTurnserver();
  const dir = mkdtempSync(join(tmpdir(), 'x-coturn-'));
  // Random ports, so that several runs (and engineers) on one machine do not collide.
  const port = 20_000 + Math.floor(Math.random() * 20_000) * 2;
  const tlsPort = options.tls ? port + 1 : undefined;
  const relayBase = 42_000 + Math.floor(Math.random() * 200) * 100;
  const realm = 'x.test';
  const username = 'alice';
  const password = 'correct horse';
  /** @type {string | undefined} */
  let cert;
  const args = [
    '-n',
    '--listening-ip=127.0.0.1',
    `--listening-port=${port}`,
    '--relay-ip=127.0.0.1',
    `--min-port=${relayBase}`,
    `--max-port=${relayBase + 99}`,
    '--allow-loopback-peers',
    '--lt-cred-mech',
    `--user=${username}:${password}`,
    `--realm=${realm}`,
    '--fingerprint',
    '--no-dtls',
    '--no-cli',
    '--no-rfc5780',
    '--no-multicast-peers',
    '--simple-log',
    '--verbose',
    `--log-file=${join(dir, 'turn.log')}`,
    `--pidfile=${join(dir, 'turn.pid')}`,
    `--userdb=${join(dir, 'turndb.sqlite')}`,
  ];
  if (options.tls) {
    const key = join(dir, 'key.pem');
    const crt = join(dir, 'cert.pem');
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        crt,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
    cert = readFileSync(crt, 'utf8');
    args.push(`--tls-listening-port=${tlsPort}`, `--cert=${crt}`, `--pkey=${key}`);
  } else {
    args.push('--no-tls');
  }
  if (options.maxLifetimeSec !== undefined) {
    args.push(`--max-allocate-lifetime=${options.maxLifetimeSec}`);
  }
  args.push(...(options.args ?? []));
  const child = spawn('turnserver', args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', () => resolve()));
  const logPath = join(dir, 'turn.log');
  const readLog = () => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    /** @type {number | undefined} */
    let pid;
    try {
      pid = Number(readFileSync(join(dir, 'turn.pid'), 'utf8').trim());
    } catch {
      pid = child.pid;
    }
    if (pid !== undefined && child.exitCode === null) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {}
      const killer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {}
      }, 3000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Ready when the pid file exists and the TCP port accepts.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = readLog();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`turnserver exited with ${child.exitCode}:\n${log.slice(-2000)}`);
    }
    if (readLog().includes('pid file created') && (await canConnect(port))) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error('turnserver did not start within 10 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, tlsPort, cert, realm, username, password, dir, log: readLog, stop };
}

/** @param {number} port */
function canConnect(port) {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
