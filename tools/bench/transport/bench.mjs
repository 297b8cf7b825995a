// Datagrams per second through @x/transport: NodeNet on 127.0.0.1 against bare node:dgram
// (the ceiling) in the same run, and through the VirtualNetwork (wall-clock rate of the
// simulation). Run: pnpm bench transport   (builds first)
import { createSocket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { nodeNet } from '@x/transport';
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';

const SIZE = 1200;
const COUNT = Number(process.env.BENCH_DATAGRAMS ?? 200_000);
const WINDOW = 64; // datagrams in flight, so the kernel buffer never overflows

/** Sends COUNT datagrams with at most WINDOW unanswered; resolves datagrams per second. */
async function pingPong(bind, label) {
  let received = 0;
  let sent = 0;
  let finish;
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  const payloads = Array.from({ length: WINDOW * 2 }, () => Buffer.alloc(SIZE, 7));
  const rx = await bind((_data) => {
    received++;
    if (sent < COUNT) tx.send(payloads[sent++ % payloads.length], rx.port, '127.0.0.1');
    if (received === COUNT) finish();
  });
  const tx = await bind(() => {});
  const started = performance.now();
  for (; sent < WINDOW; sent++) tx.send(payloads[sent], rx.port, '127.0.0.1');
  await done;
  const seconds = (performance.now() - started) / 1000;
  await tx.close();
  await rx.close();
  const rate = COUNT / seconds;
  console.log(
    `${label.padEnd(28)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} datagrams/s  ${((rate * SIZE) / 1e6).toFixed(0).padStart(5)} MB/s`,
  );
  return rate;
}

const bareDgram = (onMessage) =>
  new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.on('message', onMessage);
    socket.bind(0, '127.0.0.1', () =>
      resolve({
        port: socket.address().port,
        send: (data, port, address) => socket.send(data, port, address),
        close: () => new Promise((r) => socket.close(r)),
      }),
    );
  });

const ours = async (onMessage) => {
  const socket = await nodeNet.bindUdp({ address: '127.0.0.1', onMessage });
  return {
    port: socket.localAddress.port,
    send: (data, port, address) => socket.send(data, port, address),
    close: () => socket.close(),
  };
};

async function virtual() {
  const clock = new VirtualClock();
  const world = new VirtualNetwork({ clock, seed: 1 });
  const wan = world.addRouter({ name: 'wan', cidr: '10.0.0.0/24' });
  const lan = world.addRouter({
    name: 'lan',
    cidr: '192.168.0.0/24',
    parent: wan,
    nat: { mapping: 'endpoint-independent', filtering: 'address-and-port-dependent' },
  });
  const a = world.addHost({ name: 'a', router: lan, link: { delayMs: 1, lossRate: 0.01 } });
  const b = world.addHost({ name: 'b', router: wan, link: { delayMs: 1 } });
  let received = 0;
  const rx = await b.bindUdp({ port: 9, onMessage: () => received++ });
  const tx = await a.bindUdp({ onMessage: () => {} });
  const payload = Buffer.alloc(SIZE, 7);
  const started = performance.now();
  for (let i = 0; i < COUNT; i++) {
    tx.send(payload, 9, b.addresses[0]);
    if (i % 1000 === 999) await clock.advance(1);
  }
  await clock.runUntilIdle();
  const seconds = (performance.now() - started) / 1000;
  await tx.close();
  await rx.close();
  const rate = COUNT / seconds;
  console.log(
    `${'VirtualNetwork (NAT, 1% loss)'.padEnd(28)} ${Math.round(rate).toLocaleString('en-US').padStart(10)} datagrams/s  (${received} of ${COUNT} delivered)`,
  );
  return rate;
}

console.log(`@x/transport: ${COUNT} datagrams of ${SIZE} bytes, ${WINDOW} in flight`);
const runs = { bare: [], ours: [] };
for (let i = 0; i < 3; i++) {
  runs.bare.push(await pingPong(bareDgram, 'node:dgram (ceiling)'));
  runs.ours.push(await pingPong(ours, 'NodeNet'));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const virtualRate = await virtual();
console.log(
  `\nmedians: NodeNet ${Math.round(median(runs.ours))}/s = ${(median(runs.ours) / median(runs.bare)).toFixed(2)}x node:dgram; VirtualNetwork ${Math.round(virtualRate)}/s`,
);
