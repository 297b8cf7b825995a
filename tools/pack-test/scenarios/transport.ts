// @x/transport alone: two UDP sockets of the real network on 127.0.0.1, and the virtual clock
// of the `./testing` subpath.
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
await a.close();
await b.close();

const clock = new VirtualClock();
let fired = 0;
clock.setTimeout(() => fired++, 30_000);
await clock.advance(30_000);
assert.equal(fired, 1);
console.log('transport: ok');
