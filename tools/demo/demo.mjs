// The README's demo, as a function (run.mjs is its command line; demo.test.ts runs it too).
// An RTCPeerConnection of @x/webrtc on real 127.0.0.1 sockets offers to a peer in another
// process: a second @x/webrtc peer (peer.mjs, forked), or headless Chromium (`chromium`).
// It prints a timeline of every state change of every layer with its cause and the selected
// pair, exchanges messages, measures a short transfer, then stops the remote peer (SIGKILL of
// the process, or closing the browser's page) and shows how long this side takes to say
// `disconnected` and `failed`, and why.
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { MediaStreamTrack } from '@x/webrtc';
import { readClip } from './media/clip.mjs';
import { createPeer } from './peer.mjs';

/** The other peer as a forked Node process running peer.mjs. */
function nodePeer({ onMessage }) {
  const child = fork(fileURLToPath(new URL('./peer.mjs', import.meta.url)), ['--answerer'], {
    stdio: 'inherit',
  });
  const ready = new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (message) => (message.type === 'ready' ? resolve() : onMessage(message)));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    name: 'answerer',
    ready,
    send: (message) => child.connected && child.send(message),
    async stop() {
      child.kill('SIGKILL');
      await exited;
      return 'KILL the answerer process (SIGKILL)';
    },
    async dispose() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/**
 * Runs the demo. Options: `chromium` (the other peer is headless Chromium), `bulkBytes`
 * (default 16 MiB), `failTimeoutMs` (how long to wait for `failed`, default 30 s), `write`
 * (where lines go, default console.log). Resolves a summary of what was measured.
 */
export async function runDemo({
  chromium = false,
  bulkBytes = 16 * 1024 * 1024,
  failTimeoutMs = 30_000,
  write = (line) => console.log(line),
} = {}) {
  const started = performance.now();
  const stamp = () => `${((performance.now() - started) / 1000).toFixed(3).padStart(7)} s`;
  const remoteLines = [];
  const print = (who, line) => write(`${stamp()}  ${who.padEnd(8)} ${line}`);
  let local;
  const onMessage = (message) => {
    if (message.type === 'log') {
      remoteLines.push(message.line);
      print(remote.name, message.line);
    } else void local.onSignal(message);
  };
  let remote;
  if (chromium) {
    const { launchChromiumPeer } = await import('./chromium-peer.mjs');
    remote = await launchChromiumPeer({ onMessage });
  } else {
    remote = nodePeer({ onMessage });
    await remote.ready;
  }
  local = createPeer({ send: (m) => remote.send(m), log: (line) => print('offerer', line) });
  const pc = local.pc;
  const summary = { remote: remote.name, rttsMs: [], after: [], remoteLines };
  try {
    write(
      chromium
        ? `x-webrtc demo: RTCPeerConnection of @x/webrtc (ICE, DTLS, SCTP, DCEP) on 127.0.0.1, answered by headless Chromium ${remote.version}\n`
        : 'x-webrtc demo: two processes, RTCPeerConnection of @x/webrtc (ICE, DTLS, SCTP, DCEP) on 127.0.0.1\n',
    );
    const channel = pc.createDataChannel('demo', { protocol: 'chat' });
    await pc.setLocalDescription();
    remote.send({ type: 'offer', description: pc.localDescription.toJSON() });

    await wait(() => channel.readyState === 'open');
    summary.openMs = performance.now() - started;
    print(
      'offerer',
      `DC   "demo" open on stream ${channel.id}, ${summary.openMs.toFixed(1)} ms after start`,
    );

    // Messages, with round-trip times.
    const replies = [];
    channel.onmessage = (m) => replies.push({ text: m.data, at: performance.now() });
    for (const text of ['hello', 'how are you?', 'this is a pure-TypeScript WebRTC stack']) {
      const sentAt = performance.now();
      channel.send(text);
      await wait(() => replies.length > summary.rttsMs.length);
      summary.rttsMs.push(replies.at(-1).at - sentAt);
      print(
        'offerer',
        `MSG  sent "${text}", got "${replies.at(-1).text}" in ${summary.rttsMs.at(-1).toFixed(2)} ms`,
      );
    }
    summary.echoes = replies.map((r) => r.text);

    // A short transfer of 16 KiB messages, keeping at most 1 MiB buffered.
    const chunk = new Uint8Array(16 * 1024).fill(7);
    let sent = 0;
    const bulkStart = performance.now();
    channel.bufferedAmountLowThreshold = 256 * 1024;
    await new Promise((resolve) => {
      const pump = () => {
        while (sent < bulkBytes && channel.bufferedAmount <= 1024 * 1024) {
          channel.send(chunk);
          sent += chunk.length;
        }
        if (sent >= bulkBytes) resolve();
      };
      channel.onbufferedamountlow = pump;
      pump();
    });
    channel.send('bulk-done?');
    await wait(() => replies.at(-1)?.text.startsWith('bulk-done:'), 60_000);
    const seconds = (performance.now() - bulkStart) / 1000;
    const received = Number(replies.at(-1).text.split(':')[1]);
    summary.bulk = { bytes: sent, received, seconds, mbps: received / seconds / 1e6 };
    print(
      'offerer',
      `BULK ${(sent / 1024 / 1024).toFixed(0)} MiB in ${seconds.toFixed(2)} s = ${summary.bulk.mbps.toFixed(1)} MB/s, ${received === sent ? 'every byte arrived' : `only ${received} bytes arrived`}`,
    );

    if (!chromium) summary.media = await mediaPhase(pc, remote, (line) => print('offerer', line));

    // The remote peer goes away: how long until this side knows, and why?
    const stoppedAt = performance.now();
    pc.addEventListener('connectionstatechange', (e) =>
      summary.after.push({
        state: pc.connectionState,
        cause: e.cause.message,
        seconds: (performance.now() - stoppedAt) / 1000,
      }),
    );
    const how = await remote.stop();
    print('offerer', `${how}; the channel is idle from now on`);
    await wait(() => pc.connectionState === 'failed', failTimeoutMs).catch(() => {});
    write(`\nafter ${chromium ? 'the page was closed' : 'the kill'}:`);
    for (const s of summary.after)
      write(
        `  connectionState ${s.state.padEnd(12)} ${s.seconds.toFixed(2)} s  because: ${s.cause}`,
      );
    const median = [...summary.rttsMs].sort((a, b) => a - b)[1];
    write(
      `\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s; median echo RTT ${median.toFixed(2)} ms`,
    );
    return summary;
  } finally {
    pc.close();
    await pc.released;
    await remote.dispose();
  }
}

/**
 * The media phase (between two of our peers): audio and video tracks are added and
 * negotiated on the running connection, the clip (VP8 + Opus, tools/demo/media) is played in
 * real time, then paused (both transceivers `inactive`, renegotiated: the remote tracks mute),
 * resumed for a second (they unmute on the first RTP packet) and stopped (an RTCP BYE: they
 * end). The answerer prints its track events with their causes and the frames it counted.
 */
async function mediaPhase(pc, remote, print) {
  const clip = await readClip();
  const players = clip.map((t) => {
    const track = MediaStreamTrack.create(t.kind, { label: `clip ${t.kind}` });
    const sender = pc.addTrack(track);
    return { ...t, track, sender };
  });
  const renegotiate = async () => {
    await pc.setLocalDescription();
    remote.send({ type: 'offer', description: pc.localDescription.toJSON() });
    await wait(() => pc.signalingState === 'stable');
  };
  await renegotiate();
  for (const p of players) {
    const codec = p.sender.getParameters().codecs[0];
    print(
      `TRK  ${p.kind} sender on mid ${pc.getTransceivers().find((t) => t.sender === p.sender).mid}: ${codec.mimeType}`,
    );
  }
  // Plays the clip's frames from `fromUs` to `toUs` in real time, their timestamps shifted by
  // `offsetUs`; returns how many frames were sent.
  const play = async (fromUs, toUs, offsetUs) => {
    const start = performance.now() - fromUs / 1000;
    const queue = players
      .flatMap((p) =>
        p.frames
          .filter((f) => f.timestampUs >= fromUs && f.timestampUs < toUs)
          .map((f) => ({ p, f })),
      )
      .sort((a, b) => a.f.timestampUs - b.f.timestampUs);
    let sent = 0;
    for (const { p, f } of queue) {
      const due = start + f.timestampUs / 1000;
      if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
      if (p.track.writeFrame(f.data, { timestamp: f.timestampUs + offsetUs, keyframe: f.keyframe }))
        sent++;
    }
    return sent;
  };
  const sent = await play(0, 3_000_000, 0);
  print(`MEDIA played the 3 s clip: ${sent} frames (VP8 + Opus)`);
  await new Promise((r) => setTimeout(r, 200));
  for (const t of pc.getTransceivers()) if (t.sender.track) t.direction = 'inactive';
  await renegotiate();
  print('MEDIA paused: both transceivers inactive, renegotiated');
  await new Promise((r) => setTimeout(r, 500));
  for (const t of pc.getTransceivers()) if (t.sender.track) t.direction = 'sendrecv';
  await renegotiate();
  // Resume from the clip's start (a keyframe), on a timeline that goes on from where it was.
  const resumed = await play(0, 1_000_000, 3_500_000);
  print(`MEDIA resumed for 1 s: ${resumed} frames; stopping both transceivers (RTCP BYE)`);
  await new Promise((r) => setTimeout(r, 200));
  // stop() puts the BYE on the wire at once; the answerer's tracks end on it, before the
  // offer that rejects their sections (sent over IPC here, a faster path than UDP) arrives.
  for (const t of pc.getTransceivers()) if (t.sender.track) t.stop();
  await new Promise((r) => setTimeout(r, 200));
  await renegotiate();
  await new Promise((r) => setTimeout(r, 100));
  return { sent, resumed };
}

/** Polls `predicate` every millisecond; rejects after `ms`. */
function wait(predicate, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const poll = () =>
      predicate()
        ? resolve()
        : Date.now() > deadline
          ? reject(new Error('timed out'))
          : setTimeout(poll, 1);
    poll();
  });
}
