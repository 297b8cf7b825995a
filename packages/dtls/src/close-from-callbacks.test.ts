// A transport closed from inside each of its callbacks: nothing is delivered after `Closed`
// (no data, no state), and no timer is left (the leak check of every test).
import { describe, expect, it } from 'vitest';
import { DtlsTransportState as S } from './index.js';
import { handshake, pair } from './testing-pair.js';

describe('a DTLS transport closed from inside its own callbacks', () => {
  it.each(['connecting', 'connected', 'data'] as const)(
    'from %s (client and server): Closed is the last thing it says',
    async (trigger) => {
      for (const side of ['client', 'server'] as const) {
        const log: string[] = [];
        const p = pair({
          [side]: {
            onData: (d: Buffer) => {
              log.push(`data ${d.toString()}`);
              if (trigger === 'data') p[side].close();
            },
            onStateChange: undefined,
          },
        });
        // Both messages come in one input (one datagram each, delivered at the same instant):
        // the second must not reach a transport closed by the first.
        const t = p[side];
        const states: string[] = [];
        // Observe states through the pair's recorder, and close from the one we want.
        const recorded = side === 'client' ? p.clientStates : p.serverStates;
        const original = recorded.push.bind(recorded);
        recorded.push = (...changes) => {
          for (const c of changes) {
            states.push(S[c.state]);
            log.push(`state ${S[c.state]}`);
            if (trigger === 'connecting' && c.state === S.Connecting) t.close();
            if (trigger === 'connected' && c.state === S.Connected) t.close();
          }
          return original(...changes);
        };
        await handshake(p, 10_000).catch(() => {});
        const other = side === 'client' ? p.server : p.client;
        if (trigger === 'data' && other.state === S.Connected) {
          other.send(Buffer.from('one'));
          other.send(Buffer.from('two'));
        }
        await p.clock.advance(120_000);
        expect(t.state).toBe(S.Closed);
        const closedAt = log.indexOf('state Closed');
        expect(closedAt, `${side}: ${log.join(', ')}`).toBeGreaterThan(-1);
        expect(log.slice(closedAt + 1), `${side}: ${log.join(', ')}`).toEqual([]);
        if (trigger === 'data')
          expect(log.filter((l) => l.startsWith('data'))).toEqual(['data one']);
        p.close();
      }
    },
  );
});
