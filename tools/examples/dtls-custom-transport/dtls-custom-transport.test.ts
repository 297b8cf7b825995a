// Runs the example as a user does (`node dtls-custom-transport.mjs`, importing the built
// @x/dtls by package name) and checks what it prints for its three scenarios. The process must
// exit by itself: every socket and retransmission timer was released.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('.', import.meta.url));

/** The `DTLS <state> <cause>` lines of one scenario and role, as `<state>: <cause>`. */
function states(stdout: string, scenario: string, role: string): string[] {
  const re = new RegExp(`^ +[\\d.]+ s  ${scenario} +${role} +DTLS (\\w+) +(.*)$`);
  return stdout
    .split('\n')
    .map((l) => re.exec(l))
    .filter((m) => m !== null)
    .map((m) => `${m[1]}: ${m[2]}`);
}

describe('example dtls-custom-transport', () => {
  it('handshakes over UDP and over a lossy in-memory link, exchanges data, and refuses a wrong fingerprint', async () => {
    const { stdout } = await run(process.execPath, ['dtls-custom-transport.mjs'], {
      cwd: dir,
      timeout: 15_000,
    });
    for (const scenario of ['udp', 'memory']) {
      expect(states(stdout, scenario, 'client')).toEqual([
        'Connecting: start() was called',
        'Connected: handshake complete: EcdheEcdsaAes128GcmSha256',
        'Closed: close() was called',
      ]);
      expect(states(stdout, scenario, 'server')).toEqual([
        'Connecting: start() was called',
        'Connected: handshake complete: EcdheEcdsaAes128GcmSha256',
        'Closed: the peer sent close_notify',
      ]);
      expect(stdout).toMatch(
        new RegExp(
          `${scenario} +client sees the server's certificate sha-256 [0-9A-F:]{11}… \\(pinned: match\\)`,
        ),
      );
      expect(stdout).toMatch(
        new RegExp(`${scenario} +client got "you said: hello over my own transport"`),
      );
      expect(stdout).toMatch(
        new RegExp(`${scenario} +exported keying material [0-9a-f]{32} \\(same on both ends\\)`),
      );
    }
    // Over UDP on 127.0.0.1 nothing is lost; on the lossy link both lost datagrams were
    // recovered by retransmission (RFC 6347 §4.2.4).
    expect(stdout).toMatch(/udp +client sees .* 0 flights retransmitted/);
    const retransmitted = /memory +client sees .* (\d+) flights retransmitted/.exec(stdout);
    expect(Number(retransmitted?.[1])).toBeGreaterThanOrEqual(1);
    expect(stdout).toContain('memory: datagrams lost on the link: 1, 4');

    // The wrong pin: the client refuses the server's certificate, the server learns it by alert.
    const serverPin = /server certificate sha-256 ([0-9A-F:]{11})/.exec(stdout)?.[1];
    expect(states(stdout, 'wrong', 'client')).toEqual([
      'Connecting: start() was called',
      expect.stringMatching(
        new RegExp(
          `^Failed: the peer's certificate is sha-256 ${serverPin}…, expected [0-9A-F:]{11}…$`,
        ),
      ),
    ]);
    expect(states(stdout, 'wrong', 'server')).toEqual([
      'Connecting: start() was called',
      'Failed: the peer sent the fatal alert BadCertificate (42)',
    ]);
    expect(stdout).not.toMatch(/wrong +client got/);
    expect(stdout).toMatch(/wrong: client Connecting > Failed; server Connecting > Failed\n$/);
  });
});
