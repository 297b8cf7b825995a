// @x/sctp alone (with @x/transport): two associations over an in-memory transport (packets
// handed over on the next tick), a message each way, then a graceful shutdown.
import assert from 'node:assert/strict';
import {
  Association,
  type AssociationCause,
  AssociationState,
  type DatagramTransport,
  Ppid,
} from '@x/sctp';

const log: string[] = [];
const received: string[] = [];
const associations: Association[] = [];
/** Delivers each packet to the other association on the next tick, like a network would. */
const link = (to: number): DatagramTransport => ({
  send: (packet) => {
    const copy = Uint8Array.from(packet);
    setImmediate(() => associations[to]?.handlePacket(copy));
  },
});
const make = (name: string, to: number) =>
  new Association(
    link(to),
    {
      heartbeatIntervalMs: 0,
      handlers: {
        onMessage: (stream, ppid, data) =>
          received.push(`${name} got "${Buffer.from(data).toString()}" on ${stream}/${ppid}`),
      },
    },
    (state: AssociationState, cause: AssociationCause) =>
      log.push(`${name} ${AssociationState[state]} (${cause.kind})`),
  );
const a = make('a', 1);
const b = make('b', 0);
associations.push(a, b);
a.connect();
b.connect();

const until = async (what: string, done: () => boolean): Promise<void> => {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > 10_000) throw new Error(`timed out waiting for ${what}: ${log}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
await until('connected', () => a.state === AssociationState.Connected);
await until('connected', () => b.state === AssociationState.Connected);
a.send(1, Ppid.String, Buffer.from('hello'));
b.send(2, Ppid.Binary, Buffer.from('world'));
await until('both messages', () => received.length === 2);
assert.deepEqual(received.sort(), ['a got "world" on 2/53', 'b got "hello" on 1/51']);
a.shutdown();
await until('closed', () => a.state === AssociationState.Closed);
await until('closed', () => b.state === AssociationState.Closed);
console.log(`sctp: ok (${log.join(', ')})`);
