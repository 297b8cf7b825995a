// The README's demo. First its command line as a user runs it (`node tools/demo/run.mjs`: two
// processes, the built packages, which `npm test` builds first): a timeline with causes, then
// a media phase (the clip's VP8 and Opus, paused, resumed and stopped, each track event with
// its cause), the answerer killed and our side saying `disconnected`, then `failed`. Then with
// `--chromium` (the demo's own code, in this process; the other peer is headless Chromium):
// @x/webrtc offers over 127.0.0.1, echoes messages, transfers 4 MiB, then the browser's page
// closes and our side must say `disconnected`, then `failed`, each with its cause, within the
// RFC 7675 timings. Skipped only when Chromium is absent.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CHROMIUM } from './chromium-peer.mjs';
import { runDemo } from './demo.mjs';

const built = existsSync(
  fileURLToPath(new URL('../../packages/webrtc/dist/index.js', import.meta.url)),
);

describe.skipIf(!built)('the demo, two processes', () => {
  it('prints every layer with causes, the transfer, and the kill seen as disconnected then failed', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [fileURLToPath(new URL('./run.mjs', import.meta.url))],
      { timeout: 60_000 },
    );
    for (const expected of [
      /offerer +ICE +connected +127\.0\.0\.1:\d+ <-> 127\.0\.0\.1:\d+ \(host\/host\) works \(valid, not nominated yet\)/,
      /answerer +PC +connected +DTLS handshake complete/,
      /answerer DC +"demo" \(chat\) opened by the peer/,
      /MSG +sent "hello", got "echo: hello"/,
      /BULK 16 MiB in [\d.]+ s = [\d.]+ MB\/s, every byte arrived/,
      // The media phase: tracks added by renegotiation, the clip played, paused, resumed, stopped.
      /offerer +TRK +video sender on mid \d+: video\/VP8/,
      /answerer TRK +audio unmute RTP received from SSRC \d+/,
      /answerer TRK +video receiving video\/VP8 \(payload type \d+\)/,
      /MEDIA played the 3 s clip: 195 frames/,
      /answerer TRK +video mute +the remote description made it inactive/,
      /answerer TRK +audio mute +the remote description made it inactive/,
      /answerer TRK +video unmute RTP received from SSRC \d+/,
      /answerer TRK +video ended +RTCP BYE from SSRC \d+/,
      /answerer TRK +audio ended +RTCP BYE from SSRC \d+/,
      /KILL the answerer process \(SIGKILL\)/,
      /after the kill:\n {2}connectionState disconnected +[\d.]+ s {2}because: nothing heard on .*\n {2}connectionState failed +[\d.]+ s {2}because: consent expired on .* \(RFC 7675\)/,
    ]) {
      expect(stdout).toMatch(expected);
    }
    // 45 + 15 video and 150 + 50 audio frames were sent over real loopback sockets on a
    // machine that may be busy: every one is expected, a few late ones are tolerated here
    // (exact delivery is the virtual-network tests' job: rtc-rtp-frames.test.ts).
    const video = Number(/answerer TRK +video (\d+) complete frames received/.exec(stdout)?.[1]);
    const audio = Number(/answerer TRK +audio (\d+) complete frames received/.exec(stdout)?.[1]);
    expect(video).toBeGreaterThanOrEqual(55);
    expect(video).toBeLessThanOrEqual(60);
    expect(audio).toBeGreaterThanOrEqual(190);
    expect(audio).toBeLessThanOrEqual(200);
  }, 90_000);
});

describe.skipIf(!existsSync(CHROMIUM))('the demo with --chromium', () => {
  it('connects to Chromium, echoes, transfers, and reports the closed page as disconnected then failed', async () => {
    const lines: string[] = [];
    const summary = await runDemo({
      chromium: true,
      bulkBytes: 4 * 1024 * 1024,
      write: (line: string) => lines.push(line),
    });
    const timeline = lines.join('\n');
    // Our side: every layer's state changes, with causes, and the selected pair.
    for (const expected of [
      /offerer +ICE +checking +connectivity checks started/,
      /offerer +PAIR 127\.0\.0\.1:\d+ \(host\) <-> 127\.0\.0\.1:\d+ \(prflx\)/,
      /offerer +ICE +connected +127\.0\.0\.1:\d+ <-> 127\.0\.0\.1:\d+ \(host\/prflx\) works \(valid, not nominated yet\)/,
      /offerer +DTLS connected/,
      // The cipher suite, and the SRTP profile use_srtp negotiated (Chromium picks it as server).
      /offerer +PC +connected +DTLS handshake complete \(\w+, \w+\)/,
      /offerer +SCTP connected/,
      /offerer +DC +"demo" open on stream \d+/,
      // The browser's side, as it reports it.
      /chromium +PC +connecting/,
      /chromium +PC +connected/,
      /chromium +DC +"demo" \(chat\) opened by the peer/,
      /BULK 4 MiB in [\d.]+ s = [\d.]+ MB\/s, every byte arrived/,
      /CLOSE the Chromium page/,
    ]) {
      expect(timeline).toMatch(expected);
    }
    expect(summary.remote).toBe('chromium');
    expect(summary.echoes).toEqual([
      'echo: hello',
      'echo: how are you?',
      'echo: this is a pure-TypeScript WebRTC stack',
    ]);
    expect(summary.bulk.received).toBe(4 * 1024 * 1024);
    expect(summary.remoteLines).not.toContainEqual(expect.stringMatching(/failed/));
    // The page is gone: nothing heard for 2.5 s, then consent expires (RFC 7675).
    expect(summary.after.map((s) => s.state)).toEqual(['disconnected', 'failed']);
    const [disconnected, failed] = summary.after as [
      (typeof summary.after)[0],
      (typeof summary.after)[0],
    ];
    expect(disconnected.cause).toMatch(/^nothing heard on 127\.0\.0\.1:\d+ <-> 127\.0\.0\.1:\d+/);
    expect(disconnected.seconds).toBeLessThan(6);
    expect(failed.cause).toMatch(/^consent expired on .* without a response \(RFC 7675\)$/);
    expect(failed.seconds).toBeLessThan(25);
    expect(timeline).toMatch(/after the page was closed:\n {2}connectionState disconnected/);
  }, 90_000);
});
