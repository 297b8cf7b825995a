// @x/transport alone: two UDP sockets of the real network on 127.0.0.1 (also after ICMP port
// unreachable errors), and the virtual clock of the `./testing` subpath.
import assert from 'node:assert/strict';
import { nodeNet, type SocketAddress, systemClock } from '@x/transport';
import { VirtualClock } from '@x/transport/testing';

const received: { text: string; from: SocketAddress }[] = [];
let arrived: () => void = () => {};
const arrival = new Promise<void>((resolve) => {
  arrived = resolve;
});
const a = await nodeNet.bindUdp({ address: '127.0.0.1', onMessage: () => {} });
const b = await nodeNet.bindUdp({
  address: '127.0.0.1',
  onMessage: (data, from) => {
    received.push({ text: data.toString(), from: { ...from } });
    arrived();
  },
});
a.send(Buffer.from('hello'), b.localAddress.port, '127.0.0.1');
const deadline = systemClock.setTimeout(() => {
  throw new Error('no datagram within 5 s');
}, 5000);
await arrival;
deadline.cancel();
assert.equal(received[0]?.text, 'hello');
assert.equal(received[0]?.from.port, a.localAddress.port);
assert.equal(a.stats.datagramsSent, 1);

// Datagrams to a port nothing listens on come back as ICMP port unreachable, which a runtime
// may report on a later send (Bun fails the next one with ECONNREFUSED): every datagram to the
// live port still arrives.
const gone = await nodeNet.bindUdp({ address: '127.0.0.1', onMessage: () => {} });
const closedPort = gone.localAddress.port;
await gone.close();
for (let i = 0; i < 20; i++) {
  a.send(Buffer.from('to nobody'), closedPort, '127.0.0.1');
  a.send(Buffer.from(`live ${i}`), b.localAddress.port, '127.0.0.1');
}
const started = Date.now();
while (received.length < 21 && Date.now() - started < 5000) {
  await new Promise((resolve) => setTimeout(resolve, 5));
}
assert.equal(
  received.length,
  21,
  `${received.length - 1} of 20 datagrams arrived after ICMP errors`,
);
await a.close();
await b.close();

const clock = new VirtualClock();
let fired = 0;
clock.setTimeout(() => fired++, 30_000);
await clock.advance(30_000);
assert.equal(fired, 1);
console.log('transport: ok');
