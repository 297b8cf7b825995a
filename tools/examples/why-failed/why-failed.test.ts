// Runs the example as a user does (`node why-failed.mjs`, importing the built @x/webrtc and
// @x/transport/testing by package name) and checks, for each of its three failures, the
// states A goes through, the cause given for `failed` (its sentence, its layer and kind, and
// the advice the example's `switch (cause.kind)` draws from its fields), the time it took on
// the virtual clock, and what getStats() reports.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dir = fileURLToPath(new URL('.', import.meta.url));

interface Line {
  ms: number;
  who: string;
  text: string;
}

/** The timeline lines of one scenario (`1. peer-gone: …` up to the next blank line). */
function scenario(stdout: string, title: string): { lines: Line[]; text: string } {
  const start = stdout.indexOf(`\n${title}`);
  expect(start, `scenario ${title}`).toBeGreaterThanOrEqual(0);
  const end = stdout.indexOf('\n\n', start + 1);
  const text = stdout.slice(start + 1, end < 0 ? undefined : end);
  const lines = text
    .split('\n')
    .map((l) => /^ +(\d+) ms {2}([AB]) {2}(.*)$/.exec(l))
    .filter((m) => m !== null)
    .map((m) => ({ ms: Number(m[1]), who: m[2]!, text: m[3]! }));
  return { lines, text };
}

/** `state: cause` of each `connectionState` change of one peer. */
const connectionStates = (lines: Line[], who: string): string[] =>
  lines
    .filter((l) => l.who === who && l.text.startsWith('connectionState'))
    .map((l) => l.text.replace(/^connectionState +(\w+) +because (.*)$/, '$1: $2'));

describe('example why-failed', () => {
  it('explains a vanished peer, a wrong fingerprint and a missing path, layer by layer', async () => {
    const started = performance.now();
    const { stdout } = await run(process.execPath, ['why-failed.mjs'], {
      cwd: dir,
      timeout: 15_000,
    });
    // Forty seconds of virtual time: a fraction of a second of real time (0.3 s here), with a
    // wide margin for a loaded machine; real timers would take over 50 s.
    expect(performance.now() - started).toBeLessThan(10_000);

    // 1. The peer vanishes: disconnected after 2.5 s of silence, failed when consent expires.
    const gone = scenario(stdout, '1. peer-gone');
    const pair = String.raw`198\.51\.100\.1:\d+ <-> 198\.51\.100\.2:\d+ \(host/host\)`;
    expect(connectionStates(gone.lines, 'A')).toEqual([
      'connecting: connectivity checks started',
      'connected: DTLS handshake complete (EcdheEcdsaAes128GcmSha256, AeadAes128Gcm)',
      expect.stringMatching(new RegExp(`^disconnected: nothing heard on ${pair} for 2500 ms$`)),
      expect.stringMatching(
        new RegExp(
          `^failed: consent expired on ${pair} after \\d+ ms without a response \\(RFC 7675\\)$`,
        ),
      ),
    ]);
    expect(gone.text).toContain('data channel   echo "are you there?"');
    const cut = gone.lines.find((l) => l.text.includes("B's link goes dead"))!.ms;
    const at = (prefix: string) =>
      gone.lines.find((l) => l.who === 'A' && l.text.startsWith(prefix))!.ms;
    expect(at('connectionState    disconnected') - cut).toBeGreaterThanOrEqual(2500);
    expect(at('connectionState    disconnected') - cut).toBeLessThan(3000);
    // Consent expires 12 s after the last consent response, which came shortly before the cut.
    expect(at('connectionState    failed') - cut).toBeGreaterThan(11_000);
    expect(at('connectionState    failed') - cut).toBeLessThanOrEqual(12_100);
    // Every layer is shown: the transports' own states, in W3C event order before the pc's.
    const aTransport = gone.lines
      .filter((l) => l.who === 'A' && /^ {2}(ICE|DTLS|SCTP) transport/.test(l.text))
      .map((l) => l.text.trim().replace(/ +/g, ' '));
    expect(aTransport).toEqual([
      'ICE transport checking',
      'ICE transport connected',
      'DTLS transport connecting',
      'ICE transport completed',
      'DTLS transport connected',
      'SCTP transport connecting',
      'SCTP transport connected',
      'ICE transport disconnected',
      'ICE transport failed',
    ]);
    expect(gone.text).toMatch(
      /=> A\.connectionState 'failed' \(ice consent-expired\): consent expired on /,
    );
    // The advice comes from the cause's fields: the peer's address and how long it was silent.
    const silent = /what to do: 198\.51\.100\.2:\d+ stopped answering (\d+\.\d) s ago/.exec(
      gone.text,
    );
    expect(silent, gone.text).not.toBeNull();
    expect(Number(silent![1])).toBeGreaterThan(11);
    expect(Number(silent![1])).toBeLessThanOrEqual(12.1);
    expect(gone.text).toMatch(/=> B\.connectionState 'failed' \(ice consent-expired\)/);
    // getStats(): the transport failed on ICE; the pair that carried the call is still there.
    expect(gone.text).toMatch(/\n {4}transport +iceState=failed dtlsState=connected /);
    expect(gone.text).toMatch(
      /\n {4}candidate-pair +198\.51\.100\.1:\d+ \(host\) <-> 198\.51\.100\.2:\d+ \(host\) \[selected\] state=\w+ nominated=true packetsSent=\d+ packetsReceived=[1-9]/,
    );

    // 2. The altered fingerprint: ICE works, DTLS refuses the certificate on both sides.
    const forged = scenario(stdout, '2. bad-fingerprint');
    expect(connectionStates(forged.lines, 'A')).toEqual([
      'connecting: connectivity checks started',
      expect.stringMatching(
        /^failed: the peer's certificate \(sha-256 [0-9A-F:]{95}\) matches no signaled fingerprint$/,
      ),
    ]);
    expect(connectionStates(forged.lines, 'B').at(-1)).toMatch(
      /^failed: the peer sent a fatal \w+ alert$/,
    );
    expect(forged.text).toMatch(/A {4}ICE transport {2}completed/);
    // The fingerprints are fields of the cause: the advice quotes the start of each.
    const actual =
      /=> A\.connectionState 'failed' \(dtls fingerprint-mismatch\): the peer's certificate \((sha-256 [0-9A-F:]{14})/.exec(
        forged.text,
      );
    expect(actual, forged.text).not.toBeNull();
    expect(forged.text).toContain(
      `what to do: the certificate is ${actual![1]}…, the description said sha-256 `,
    );
    expect(forged.text).toMatch(
      /=> B\.connectionState 'failed' \(dtls alert-received\): the peer sent a fatal badCertificate alert\n {5}what to do: the peer refused the DTLS handshake with alert 42 \(badCertificate\)/,
    );
    // The channel waiting for SCTP closes with SCTP's cause: DTLS failed under it.
    expect(forged.text).toMatch(/A {4}data channel {3}closed because SCTP aborted: DTLS failed/);
    expect(forged.text).toMatch(/A {4}DTLS transport failed/);
    expect(forged.text).toMatch(/\n {4}transport +iceState=completed dtlsState=failed /);

    // 3. No path: both behind NATs, no STUN/TURN: every pair fails after the checks give up.
    const blocked = scenario(stdout, '3. no-path');
    expect(connectionStates(blocked.lines, 'A')).toEqual([
      'connecting: connectivity checks started',
      expect.stringMatching(/^failed: (all \d+ candidate pairs|the only candidate pair) failed$/),
    ]);
    expect(blocked.text).not.toMatch(/selected pair/);
    expect(blocked.text).toMatch(
      /=> A\.connectionState 'failed' \(ice all-pairs-failed\): .*\n {5}what to do: (the only candidate pair got no answer|none of the \d+ candidate pairs got an answer): no direct path between the peers; add a TURN server/,
    );
    expect(blocked.text).toMatch(/\n {4}transport +iceState=failed dtlsState=new /);
    // The one pair (private address to private address) failed without a single answer.
    expect(blocked.text).toMatch(
      /\n {4}candidate-pair +192\.168\.1\.\d+:\d+ \(host\) <-> 10\.0\.0\.\d+:\d+ \(host\) state=failed nominated=false packetsSent=0 packetsReceived=0/,
    );
    expect(blocked.text).toContain('(no candidate pair was ever selected)');
  });
});
