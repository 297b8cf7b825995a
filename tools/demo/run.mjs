// The README's demo: two peers of the @x stack, in two processes, over real 127.0.0.1 sockets.
// It prints a timeline of every state change of every layer with its cause and the selected
// pair, exchanges messages, measures a short transfer, then kills the remote process and shows
// how long the local side takes to say `disconnected` and `failed`, and why.
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createPeer, describeEvent } from './peer.mjs';

const started = performance.now();
const stamp = () => `${((performance.now() - started) / 1000).toFixed(3).padStart(7)} s`;
const print = (who, line) => console.log(`${stamp()}  ${who.padEnd(8)} ${line}`);

const child = fork(fileURLToPath(new URL('./peer.mjs', import.meta.url)), ['--answerer'], {
  stdio: 'inherit',
});
const childReady = new Promise((resolve) => child.once('message', resolve));
let iceStates = [];
const local = createPeer({
  controlling: true,
  send: (message) => child.connected && child.send(message),
  onEvent: (event) => {
    if (event.kind === 'ice-state')
      iceStates.push({ state: event.state, at: performance.now(), cause: event.cause });
    const line = describeEvent(event);
    if (line) print('offerer', line);
  },
});
child.on('message', (message) => {
  if (message.type === 'log') print('answerer', message.line);
  else local.onSignal(message);
});

console.log(
  'x-webrtc demo: two processes, @x/network Manager (ICE + DTLS + SCTP + DCEP) on 127.0.0.1\n',
);
await childReady;
const channel = local.manager.createDataChannel({ label: 'demo', protocol: 'chat' });
child.send({ type: 'start', parameters: local.parameters() });
await local.manager.gather();

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

await wait(() => channel.state === 'open');
print(
  'offerer',
  `DC   "demo" open on stream ${channel.id} after ${(performance.now() - started).toFixed(1)} ms`,
);

// Messages, with round-trip times.
const replies = [];
channel.handlers = {
  onMessage: (data) => replies.push({ text: data.toString(), at: performance.now() }),
};
const rtts = [];
for (const text of ['hello', 'how are you?', 'this is a pure-TypeScript WebRTC stack']) {
  const sentAt = performance.now();
  channel.send(Buffer.from(text), false);
  await wait(() => replies.length > rtts.length);
  rtts.push(replies.at(-1).at - sentAt);
  print(
    'offerer',
    `MSG  sent "${text}", got "${replies.at(-1).text}" in ${rtts.at(-1).toFixed(2)} ms`,
  );
}

// A short transfer: 16 MiB of 16 KiB messages, keeping at most 1 MiB buffered.
const total = 16 * 1024 * 1024;
const chunk = Buffer.alloc(16 * 1024, 7);
let sent = 0;
const bulkStart = performance.now();
channel.bufferedAmountLowThreshold = 256 * 1024;
await new Promise((resolve) => {
  const pump = () => {
    while (sent < total && channel.bufferedAmount <= 1024 * 1024) {
      channel.send(Buffer.from(chunk), true);
      sent += chunk.length;
    }
    if (sent >= total) resolve();
  };
  channel.handlers.onBufferedAmountLow = pump;
  pump();
});
channel.send(Buffer.from('bulk-done?'), false);
await wait(() => replies.at(-1)?.text.startsWith('bulk-done:'), 60_000);
const seconds = (performance.now() - bulkStart) / 1000;
const received = Number(replies.at(-1).text.split(':')[1]);
print(
  'offerer',
  `BULK ${(total / 1024 / 1024).toFixed(0)} MiB in ${seconds.toFixed(2)} s = ${(received / seconds / 1e6).toFixed(1)} MB/s, ${received === total ? 'every byte arrived' : `only ${received} bytes arrived`}`,
);

// The remote process dies: how long until this side knows, and why?
const killedAt = performance.now();
iceStates = [];
child.kill('SIGKILL');
print('offerer', 'KILL the answerer process (SIGKILL); the channel is idle from now on');
await wait(() => iceStates.some((s) => s.state === 6 /* failed */), 30_000).catch(() => {});
for (const s of iceStates) {
  const name = [
    '',
    'new',
    'checking',
    'connected',
    'completed',
    'disconnected',
    'failed',
    'closed',
  ][s.state];
  console.log(
    `           -> ICE ${name} ${((s.at - killedAt) / 1000).toFixed(2)} s after the kill`,
  );
}
await local.manager.close();
console.log(
  `\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s: median echo RTT ${[...rtts].sort((a, b) => a - b)[1].toFixed(2)} ms`,
);
