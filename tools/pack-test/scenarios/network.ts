// @x/network alone (with @x/ice, @x/dtls, @x/sctp, @x/transport): two Managers on real
// 127.0.0.1 sockets with a custom signalling layer (plain function calls here), a data
// channel opened with DCEP and a message each way, then closed.
import assert from 'node:assert/strict';
import {
  type DataChannel,
  Manager,
  type ManagerConfig,
  type ManagerEvent,
  SctpTransportState,
} from '@x/network';

const config: ManagerConfig = {
  mdns: 'off',
  gather: { includeLoopback: true, ipv6: false, addressFilter: (a) => a === '127.0.0.1' },
};
const events: string[] = [];
const received: string[] = [];
let remoteChannel: DataChannel | undefined;
const managers: Manager[] = [];
const handler =
  (name: string, peer: number) =>
  (event: ManagerEvent): void => {
    if (event.kind === 'local-candidate') {
      managers[peer]?.addRemoteCandidate(event.candidate?.candidate ?? null);
    } else if (event.kind === 'data-channel') {
      remoteChannel = event.channel;
      remoteChannel.handlers = {
        onMessage: (data) => {
          received.push(`answerer got ${data.toString()}`);
          remoteChannel?.send(Buffer.from('pong'), false);
        },
      };
    } else if (
      event.kind === 'ice-state' ||
      event.kind === 'dtls-state' ||
      event.kind === 'sctp-state'
    ) {
      events.push(`${name} ${event.kind} ${event.state} (${event.cause.kind})`);
    }
  };
const offerer = new Manager({ ...config, controlling: true }, undefined, handler('offerer', 1));
const answerer = new Manager({ ...config, controlling: false }, undefined, handler('answerer', 0));
managers.push(offerer, answerer);
answerer.start({ ...offerer.localParameters, dtlsRole: 'client', maxMessageSize: 262_144 });
offerer.start({ ...answerer.localParameters, dtlsRole: 'server', maxMessageSize: 262_144 });
await Promise.all([offerer.gather(), answerer.gather()]);

const channel = offerer.createDataChannel({ label: 'chat' });
let opened = false;
channel.handlers = {
  onOpen: () => {
    opened = true;
    channel.send(Buffer.from('ping'), false);
  },
  onMessage: (data) => received.push(`offerer got ${data.toString()}`),
};

const until = async (what: string, done: () => boolean): Promise<void> => {
  const started = Date.now();
  while (!done()) {
    if (Date.now() - started > 15_000) throw new Error(`timed out waiting for ${what}: ${events}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};
await until(
  'the SCTP transport',
  () => offerer.sctpTransportState === SctpTransportState.Connected,
);
await until('the channel to open', () => opened);
await until('ping and pong', () => received.length === 2);
assert.deepEqual(received, ['answerer got ping', 'offerer got pong']);
assert.equal(remoteChannel?.label, 'chat');
assert.equal(channel.state, 'open');
await offerer.close();
await answerer.close();
console.log(`network: ok (${events.length} state changes)`);
