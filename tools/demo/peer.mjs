// One peer of the demo: a Manager of @x/network on real 127.0.0.1 sockets. The parent process
// (run.mjs) is the offerer; this file, forked by it, is the answerer. Signaling goes over the
// IPC channel of child_process.fork, as SDP and trickled candidates would.
import { describeCause, Manager } from '@x/network';

/** Builds a peer; `send` carries signaling to the other process, `onEvent` sees every event. */
export function createPeer({ controlling, send, onEvent }) {
  const manager = new Manager(
    {
      controlling,
      mdns: 'off',
      gather: {
        includeLoopback: true,
        ipv6: false,
        addressFilter: (address) => address === '127.0.0.1',
      },
    },
    (event) => {
      if (event.kind === 'local-candidate')
        send({ type: 'candidate', candidate: event.candidate?.candidate ?? null });
      onEvent(event);
    },
  );
  return {
    manager,
    /** Our parameters, as an SDP offer or answer would carry them. */
    parameters: () => ({ ...manager.localParameters, maxMessageSize: 262_144 }),
    /** Handles a signaling message from the other side. */
    onSignal(message) {
      if (message.type === 'parameters') {
        manager.start({ ...message.parameters, dtlsRole: controlling ? 'server' : 'client' });
      } else if (message.type === 'candidate') {
        manager.addRemoteCandidate(message.candidate);
      }
    },
  };
}

const STATE_NAMES = {
  'ice-state': [
    '',
    'new',
    'checking',
    'connected',
    'completed',
    'disconnected',
    'failed',
    'closed',
  ],
  'dtls-state': ['', 'new', 'connecting', 'connected', 'closed', 'failed'],
  'sctp-state': ['', 'connecting', 'connected', 'closed'],
};

/** One line of the timeline for an event, or undefined for events not shown. */
export function describeEvent(event) {
  switch (event.kind) {
    case 'ice-state':
    case 'dtls-state':
    case 'sctp-state':
      return `${event.kind.replace('-state', '').toUpperCase().padEnd(4)} ${STATE_NAMES[event.kind][event.state].padEnd(12)} ${describeCause(event.cause)}`;
    case 'selected-pair':
      return `PAIR ${event.pair.label}  (${describeCause(event.cause)})`;
    case 'gathering-state':
      return `GATH ${event.state}`;
    case 'data-channel':
      return `DC   "${event.channel.label}" opened by the peer on stream ${event.channel.id}`;
    default:
      return undefined;
  }
}

// Forked: be the answerer.
if (process.send && process.argv[2] === '--answerer') {
  const peer = createPeer({
    controlling: false,
    send: (message) => process.send(message),
    onEvent: (event) => {
      if (event.kind === 'data-channel') {
        const channel = event.channel;
        // Echo text; count binary bytes and report them when asked.
        let bytes = 0;
        channel.handlers = {
          onMessage: (data, binary) => {
            if (!binary) {
              const text = data.toString();
              if (text === 'bulk-done?') channel.send(Buffer.from(`bulk-done:${bytes}`), false);
              else channel.send(Buffer.from(`echo: ${text}`), false);
            } else bytes += data.byteLength;
          },
        };
      }
      const line = describeEvent(event);
      if (line) process.send({ type: 'log', line });
    },
  });
  process.on('message', (message) => {
    if (message.type === 'start') {
      process.send({ type: 'parameters', parameters: peer.parameters() });
      peer.onSignal({ type: 'parameters', parameters: message.parameters });
      void peer.manager.gather();
    } else peer.onSignal(message);
  });
  process.send({ type: 'ready' });
}
