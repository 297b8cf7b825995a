// The README's demo: two RTCPeerConnections of @x/webrtc, in two processes, over real
// 127.0.0.1 sockets. It prints a timeline of every state change of every layer with its cause
// and the selected pair, exchanges messages, measures a short transfer, then kills the remote
// process and shows how long the local side takes to say `disconnected` and `failed`, and why.
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createPeer } from './peer.mjs';

const started = performance.now();
const stamp = () => `${((performance.now() - started) / 1000).toFixed(3).padStart(7)} s`;
const print = (who, line) => console.log(`${stamp()}  ${who.padEnd(8)} ${line}`);

const child = fork(fileURLToPath(new URL('./peer.mjs', import.meta.url)), ['--answerer'], {
  stdio: 'inherit',
});
const childReady = new Promise((resolve) => child.once('message', resolve));
const local = createPeer({
  send: (m) => child.connected && child.send(m),
  log: (line) => print('offerer', line),
});
const pc = local.pc;
child.on('message', (message) => {
  if (message.type === 'log') print('answerer', message.line);
  else void local.onSignal(message);
});

console.log(
  'x-webrtc demo: two processes, RTCPeerConnection of @x/webrtc (ICE, DTLS, SCTP, DCEP) on 127.0.0.1\n',
);
await childReady;
const channel = pc.createDataChannel('demo', { protocol: 'chat' });
await pc.setLocalDescription();
child.send({ type: 'offer', description: pc.localDescription.toJSON() });

const wait = (predicate, ms = 10_000) =>
  new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const poll = () =>
      predicate()
        ? resolve()
        : Date.now() > deadline
          ? reject(new Error('timed out'))
          : setTimeout(poll, 1);
    poll();
  });

await wait(() => channel.readyState === 'open');
print(
  'offerer',
  `DC   "demo" open on stream ${channel.id}, ${(performance.now() - started).toFixed(1)} ms after start`,
);

// Messages, with round-trip times.
const replies = [];
channel.onmessage = (m) => replies.push({ text: m.data, at: performance.now() });
const rtts = [];
for (const text of ['hello', 'how are you?', 'this is a pure-TypeScript WebRTC stack']) {
  const sentAt = performance.now();
  channel.send(text);
  await wait(() => replies.length > rtts.length);
  rtts.push(replies.at(-1).at - sentAt);
  print(
    'offerer',
    `MSG  sent "${text}", got "${replies.at(-1).text}" in ${rtts.at(-1).toFixed(2)} ms`,
  );
}

// A short transfer: 16 MiB of 16 KiB messages, keeping at most 1 MiB buffered.
const total = 16 * 1024 * 1024;
const chunk = new Uint8Array(16 * 1024).fill(7);
let sent = 0;
const bulkStart = performance.now();
channel.bufferedAmountLowThreshold = 256 * 1024;
await new Promise((resolve) => {
  const pump = () => {
    while (sent < total && channel.bufferedAmount <= 1024 * 1024) {
      channel.send(chunk);
      sent += chunk.length;
    }
    if (sent >= total) resolve();
  };
  channel.onbufferedamountlow = pump;
  pump();
});
channel.send('bulk-done?');
await wait(() => replies.at(-1)?.text.startsWith('bulk-done:'), 60_000);
const seconds = (performance.now() - bulkStart) / 1000;
const received = Number(replies.at(-1).text.split(':')[1]);
print(
  'offerer',
  `BULK ${total / 1024 / 1024} MiB in ${seconds.toFixed(2)} s = ${(received / seconds / 1e6).toFixed(1)} MB/s, ${received === total ? 'every byte arrived' : `only ${received} bytes arrived`}`,
);

// The remote process dies: how long until this side knows, and why?
const killedAt = performance.now();
const after = [];
pc.addEventListener('connectionstatechange', (e) =>
  after.push({ state: pc.connectionState, cause: e.cause, at: performance.now() }),
);
child.kill('SIGKILL');
print('offerer', 'KILL the answerer process (SIGKILL); the channel is idle from now on');
await wait(() => pc.connectionState === 'failed', 30_000).catch(() => {});
console.log('\nafter the kill:');
for (const s of after)
  console.log(
    `  connectionState ${s.state.padEnd(12)} ${((s.at - killedAt) / 1000).toFixed(2)} s  because: ${s.cause}`,
  );
await pc.close();
const median = [...rtts].sort((a, b) => a - b)[1];
console.log(
  `\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s; median echo RTT ${median.toFixed(2)} ms`,
);
