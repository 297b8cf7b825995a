// Starts coturn on 127.0.0.1 with its own log/pid/db files (see tools/interop/turn/coturn.ts,
// the tests' version of this helper), and stops it by pid.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function startCoturn() {
  const v = spawnSync('turnserver', ['--version']);
  if (v.error || v.status !== 0) {
    throw new Error('turnserver not found: install it with `apt-get install -y coturn`');
  }
  const dir = mkdtempSync(join(tmpdir(), 'x-coturn-bench-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000) * 2;
  const relayBase = 42_000 + Math.floor(Math.random() * 200) * 100;
  const username = 'bench';
  const password = 'bench-pass';
  const child = spawn(
    'turnserver',
    [
      '-n',
      '--listening-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--relay-ip=127.0.0.1',
      `--min-port=${relayBase}`,
      `--max-port=${relayBase + 99}`,
      '--allow-loopback-peers',
      '--lt-cred-mech',
      `--user=${username}:${password}`,
      '--realm=bench.test',
      '--fingerprint',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--no-rfc5780',
      '--no-multicast-peers',
      '--simple-log',
      `--log-file=${join(dir, 'turn.log')}`,
      `--pidfile=${join(dir, 'turn.pid')}`,
      `--userdb=${join(dir, 'turndb.sqlite')}`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise((r) => child.once('exit', r));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`turnserver exited with ${child.exitCode}`);
    let log = '';
    try {
      log = readFileSync(join(dir, 'turn.log'), 'utf8');
    } catch {}
    if (log.includes('pid file created') && (await canConnect(port))) break;
    if (Date.now() > deadline) throw new Error('turnserver did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    username,
    password,
    async stop() {
      const pid = Number(readFileSync(join(dir, 'turn.pid'), 'utf8').trim());
      try {
        process.kill(pid, 'SIGTERM');
      } catch {}
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

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
