// A Manager closed from inside each of its callbacks (its event handler for every kind of
// event, a data channel's handlers, a media sink): no event follows the close (the W3C close
// fires none), and no socket or timer is left (the leak check of every test).
import { serializeRtp } from '@x/rtp';
import { afterEach, describe, expect, it } from 'vitest';
import type { ManagerEvent } from './manager.js';
import { managerPair, type Pair } from './testing-managers.js';

let pair: Pair | undefined;
afterEach(async () => {
  await pair?.close();
  await pair?.clock.runUntilIdle({ maxTimers: 10_000 }).catch(() => {});
  pair = undefined;
});

type Trigger =
  | 'local-candidate'
  | 'gathering-state'
  | 'ice-state'
  | 'selected-pair'
  | 'dtls-state'
  | 'sctp-state'
  | 'data-channel'
  | 'channel-open'
  | 'channel-message'
  | 'media';

async function closeFrom(trigger: Trigger) {
  const log: string[] = [];
  let closing: Promise<void> | undefined;
  let p: Pair | undefined;
  const close = (why: Trigger): void => {
    if (why !== trigger || closing !== undefined) return;
    log.push(`close from ${why}`);
    closing = p!.answerer.manager.close();
  };
  p = pair = managerPair({
    onMedia: {
      answerer: () => ({
        onRtp: () => {
          log.push('rtp');
          close('media');
        },
      }),
    },
  });
  // The answerer's events, as its handler sees them (testing-managers records them in order).
  const seen = p.answerer.events;
  const original = seen.push.bind(seen);
  seen.push = (...events: ManagerEvent[]) => {
    for (const e of events) {
      log.push(e.kind);
      close(e.kind as Trigger);
      if (e.kind === 'data-channel') {
        e.channel.handlers = {
          onOpen: () => {
            log.push('channel-open');
            close('channel-open');
          },
          onMessage: () => {
            log.push('channel-message');
            close('channel-message');
          },
        };
        if (e.channel.state === 'open') {
          log.push('channel-open');
          close('channel-open');
        }
      }
    }
    return original(...events);
  };
  const channel = p.offerer.manager.createDataChannel({ label: 'chat' });
  await p.connect();
  await p.clock.runUntil(() => closing !== undefined || channel.state === 'open', {
    timeoutMs: 10_000,
  });
  if (closing === undefined) {
    channel.send(Buffer.from('one'), false);
    channel.send(Buffer.from('two'), false);
    for (let seq = 1; seq <= 3; seq++)
      p.offerer.manager.sendRtp(
        serializeRtp({
          payloadType: 111,
          sequenceNumber: seq,
          timestamp: seq,
          ssrc: 7,
          payload: Buffer.from('x'),
        }),
      );
  }
  await p.clock.runUntil(() => closing !== undefined, { timeoutMs: 10_000 });
  const at = log.length;
  await p.clock.advance(60_000); // anything left running would say something now
  await closing;
  return { log, after: log.slice(at) };
}

describe('a Manager closed from inside its own callbacks', () => {
  it.each<Trigger>([
    'local-candidate',
    'gathering-state',
    'ice-state',
    'selected-pair',
    'dtls-state',
    'sctp-state',
    'data-channel',
    'channel-open',
    'channel-message',
    'media',
  ])('from %s: nothing follows the close', async (trigger) => {
    const { log, after } = await closeFrom(trigger);
    expect(log).toContain(`close from ${trigger}`);
    expect(after, log.join(', ')).toEqual([]);
  });
});
