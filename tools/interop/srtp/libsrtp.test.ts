/**
 * Interop of @x/srtp with libsrtp 2 (Debian `libsrtp2-dev`): srtp-peer.c is compiled into a
 * temporary directory and driven over stdin/stdout. For every profile, ours protects and
 * libsrtp unprotects and the reverse, for RTP across a rollover counter wrap (sequence numbers
 * from 65 500 past 0), RTP delivered out of order around the wrap, and RTCP. Skipped, with a
 * message, only when `cc` or the libsrtp 2 headers are missing; `.ci/run` installs both.
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type SrtpMasterKey, SrtpProfile, SrtpSession, srtpProfileParameters } from '@x/srtp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const source = fileURLToPath(new URL('./srtp-peer.c', import.meta.url));
const hasCc = spawnSync('cc', ['--version']).status === 0;
const hasLibsrtp =
  hasCc &&
  spawnSync('cc', ['-E', '-x', 'c', '-', '-o', '/dev/null'], {
    input: '#include <srtp2/srtp.h>\n',
  }).status === 0;
if (!hasLibsrtp)
  console.warn(
    `tools/interop/srtp: ${hasCc ? 'the libsrtp 2 headers (<srtp2/srtp.h>, Debian libsrtp2-dev) are' : '`cc` is'} missing, skipping the libsrtp interop tests`,
  );

/** A running srtp-peer: one command line in, one answer line out. */
class Peer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly answers: string[] = [];
  private waiting: (() => void) | undefined;
  private stderr = '';

  constructor(
    binary: string,
    profile: SrtpProfile,
    protect: SrtpMasterKey,
    unprotect: SrtpMasterKey,
  ) {
    const key = (k: SrtpMasterKey) => Buffer.concat([k.masterKey, k.masterSalt]).toString('hex');
    this.child = spawn(binary, [String(profile), key(protect), key(unprotect), '1024']);
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.answers.push(line);
      this.waiting?.();
    });
  }

  /** Sends the commands at once and returns each answer: the packet, or `undefined` on ERR. */
  async run(
    command: 'P' | 'U' | 'C' | 'D',
    packets: Uint8Array[],
  ): Promise<Array<Buffer | undefined>> {
    this.child.stdin.write(
      packets.map((p) => `${command} ${Buffer.from(p).toString('hex')}\n`).join(''),
    );
    while (this.answers.length < packets.length) {
      if (this.child.exitCode !== null) throw new Error(`srtp-peer exited: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
      });
    }
    return this.answers
      .splice(0, packets.length)
      .map((a) => (a.startsWith('OK ') ? Buffer.from(a.slice(3), 'hex') : undefined));
  }

  close(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.stdin.end();
    });
  }
}

function rtp(seq: number, ssrc: number, size: number, extended = false): Buffer {
  const ext = extended
    ? Buffer.from([0xbe, 0xde, 0x00, 0x01, 0x10, 0xaa, 0x00, 0x00])
    : Buffer.alloc(0);
  const header = Buffer.alloc(12);
  header[0] = extended ? 0x90 : 0x80;
  header[1] = 96;
  header.writeUInt16BE(seq, 2);
  header.writeUInt32BE(seq * 90, 4);
  header.writeUInt32BE(ssrc, 8);
  return Buffer.concat([header, ext, randomBytes(size)]);
}

function rtcp(ssrc: number, n: number): Buffer {
  // A receiver report with one report block, then an SDES chunk: a compound packet.
  const rr = Buffer.alloc(32);
  rr[0] = 0x81;
  rr[1] = 201;
  rr.writeUInt16BE(7, 2);
  rr.writeUInt32BE(ssrc, 4);
  rr.writeUInt32BE(0x1234 + n, 8);
  const sdes = Buffer.from([0x81, 202, 0x00, 0x02, 0, 0, 0, 0, 1, 2, 0x61, 0x62]);
  sdes.writeUInt32BE(ssrc, 4);
  return Buffer.concat([rr, sdes]);
}

const master = (p: SrtpProfile): SrtpMasterKey => {
  const { keyLength, saltLength } = srtpProfileParameters(p);
  return { masterKey: randomBytes(keyLength), masterSalt: randomBytes(saltLength) };
};

const PROFILES = [
  SrtpProfile.Aes128CmHmacSha1_80,
  SrtpProfile.Aes128CmHmacSha1_32,
  SrtpProfile.AeadAes128Gcm,
  SrtpProfile.AeadAes256Gcm,
];
/** 65 500 .. 65 535, then 0 .. 99: the rollover counter goes from 0 to 1. */
const ACROSS_WRAP = Array.from({ length: 136 }, (_, i) => (65_500 + i) % 65_536);

describe.skipIf(!hasLibsrtp)('libsrtp 2 interop', () => {
  let dir = '';
  let binary = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'x-srtp-interop-'));
    binary = join(dir, 'srtp-peer');
    const cc = spawnSync('cc', ['-O2', '-o', binary, source, '-lsrtp2'], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`compiling srtp-peer.c failed:\n${cc.stderr}`);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const profile of PROFILES) {
    const name = srtpProfileParameters(profile).name;
    it(`${name}: RTP across a rollover counter wrap and RTCP, both ways`, async () => {
      const toThem = master(profile);
      const toUs = master(profile);
      const ours = new SrtpSession({ profile, local: toThem, remote: toUs });
      const peer = new Peer(binary, profile, toUs, toThem);
      try {
        // Ours protects, libsrtp unprotects: in order across the wrap.
        const plain = ACROSS_WRAP.map((seq, i) => rtp(seq, 0x1111_0001, 20 + i * 7, i % 3 === 0));
        const theirs = await peer.run(
          'U',
          plain.map((p) => ours.protectRtp(p)),
        );
        expect(theirs).toEqual(plain);

        // libsrtp protects, ours unprotects: in order across the wrap.
        const back = ACROSS_WRAP.map((seq, i) => rtp(seq, 0x2222_0002, 1200 - i, i % 5 === 0));
        const sealed = await peer.run('P', back);
        expect(sealed.every((s) => s !== undefined)).toBe(true);
        expect(sealed.map((s) => ours.unprotectRtp(s!))).toEqual(back);

        // libsrtp protects a second stream across the wrap; ours receives it reordered there.
        const reordered = ACROSS_WRAP.map((seq) => rtp(seq, 0x3333_0003, 100));
        const sealed2 = (await peer.run('P', reordered)).map((s) => s!);
        const order = ACROSS_WRAP.map((_, i) => i);
        // ... 65533, 0, 65534, 2, 65535, 1, 3 ...: late packets from before the wrap after it.
        order.splice(33, 7, 33, 36, 34, 38, 35, 37, 39);
        for (const i of order) expect(ours.unprotectRtp(sealed2[i]!)).toEqual(reordered[i]);
        // And each once only.
        expect(ours.unprotectRtp(sealed2[36]!)).toBeUndefined();
        expect(ours.lastDropReason).toBe('replayed');

        // RTCP both ways: the SRTCP index and E flag as libsrtp reads and writes them.
        const reports = Array.from({ length: 20 }, (_, n) => rtcp(0x1111_0001, n));
        expect(
          await peer.run(
            'D',
            reports.map((r) => ours.protectRtcp(r)),
          ),
        ).toEqual(reports);
        const theirReports = Array.from({ length: 20 }, (_, n) => rtcp(0x2222_0002, n));
        const sealedReports = await peer.run('C', theirReports);
        expect(sealedReports.map((s) => ours.unprotectRtcp(s!))).toEqual(theirReports);

        // A packet libsrtp refuses, ours refuses too: a flipped bit in the tag.
        const bad = ours.protectRtp(rtp(100, 0x1111_0001, 50));
        bad[bad.length - 1]! ^= 1;
        expect(await peer.run('U', [bad])).toEqual([undefined]);

        const s = ours.stats;
        expect(s.rtpDropped.authFailed + s.rtcpDropped.authFailed).toBe(0);
        expect(s.rtpUnprotected).toBe(2 * ACROSS_WRAP.length);
        expect(s.rtcpUnprotected).toBe(20);
      } finally {
        await peer.close();
      }
    });
  }
});
