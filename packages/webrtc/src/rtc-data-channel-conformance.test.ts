// Conformance of createDataChannel() and RTCDataChannel to webrtc-pc §6, case by case after the
// web-platform-tests of webrtc/ (RTCPeerConnection-createDataChannel, RTCDataChannel-send,
// -close, -bufferedAmount, -binaryType, -id, RTCDataChannelEvent-constructor), rewritten for
// two peers on the virtual network with the virtual clock. What needs media is left out.
import { Blob } from 'node:buffer';
import { afterEach, describe, expect, it } from 'vitest';
import { type RTCDataChannel, RTCErrorEvent } from './rtc-data-channel.js';
import { RTCError } from './rtc-error.js';
import type { RTCPeerConnection } from './rtc-peer-connection.js';
import { RTCDataChannelEvent, type RTCDataChannelInit } from './rtc-types.js';
import { negotiate, type VirtualPeers, virtualPeers } from './testing-peers.js';

let opened: RTCPeerConnection[] = [];
afterEach(async () => {
  for (const pc of opened) {
    pc.close();
    await pc.released;
  }
  opened = [];
});

function world(seed = 11): VirtualPeers {
  const w = virtualPeers({ seed });
  opened.push(w.a, w.b);
  return w;
}

/** The attributes a channel takes from its RTCDataChannelInit (and label), to compare. */
const initOf = (dc: RTCDataChannel) => ({
  label: dc.label,
  ordered: dc.ordered,
  maxPacketLifeTime: dc.maxPacketLifeTime,
  maxRetransmits: dc.maxRetransmits,
  protocol: dc.protocol,
  negotiated: dc.negotiated,
  id: dc.id,
});

/** createDataChannel with arguments TypeScript would refuse, as JavaScript callers may pass. */
function create(pc: RTCPeerConnection, ...args: unknown[]): RTCDataChannel {
  return (pc.createDataChannel as (...a: unknown[]) => RTCDataChannel)(...args);
}

const inBand = {} as const;
const outOfBand = { negotiated: true, id: 0 } as const;
const flavours = [
  ['in-band (DCEP)', inBand],
  ['negotiated', outOfBand],
] as const;

/** WPT's createDataChannelPair: a channel on a, its counterpart on b, both open. */
async function channelPair(
  options: RTCDataChannelInit,
  w = world(),
  peerOptions: RTCDataChannelInit = options,
  mungeAnswer?: (sdp: string) => string,
): Promise<{ w: VirtualPeers; c1: RTCDataChannel; c2: RTCDataChannel }> {
  const c1 = w.a.createDataChannel('pair', options);
  let c2: RTCDataChannel | undefined = options.negotiated
    ? w.b.createDataChannel('pair', peerOptions)
    : undefined;
  if (!options.negotiated)
    w.b.ondatachannel = (e) => {
      c2 = e.channel;
    };
  await negotiate(w.a, w.b, mungeAnswer);
  const up = await w.clock.runUntil(() => c1.readyState === 'open' && c2?.readyState === 'open', {
    timeoutMs: 10_000,
  });
  expect(up).toBe(true);
  return { w, c1, c2: c2! };
}

/** The next `count` messages of a channel, running the clock until they are in. */
async function nextMessages(
  w: VirtualPeers,
  channel: RTCDataChannel,
  count = 1,
): Promise<unknown[]> {
  const got: unknown[] = [];
  const listener = (e: Event): void => void got.push((e as MessageEvent).data);
  channel.addEventListener('message', listener);
  await w.clock.runUntil(() => got.length >= count, { timeoutMs: 10_000 });
  channel.removeEventListener('message', listener);
  expect(got).toHaveLength(count);
  return got;
}

const hello = Uint8Array.of(0x68, 0x65, 0x6c, 0x6c, 0x6f);
const unicode = '世界你好';
const unicodeBytes = Buffer.from(unicode, 'utf8');

function bytesOf(data: unknown): number[] {
  expect(data).toBeInstanceOf(ArrayBuffer);
  return [...new Uint8Array(data as ArrayBuffer)];
}

describe('createDataChannel() arguments (webrtc-pc §6.1 and its WebIDL)', () => {
  it('takes one required argument: none at all is a TypeError', () => {
    const { a } = world();
    expect(a.createDataChannel.length).toBe(1);
    expect(() => create(a)).toThrow(TypeError);
  });

  it('throws InvalidStateError once the connection is closed', async () => {
    const { a } = world();
    a.close();
    await a.released;
    expect(a.signalingState).toBe('closed');
    expect(() => a.createDataChannel('')).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
    // Step 2 comes before the checks of the label and the options.
    expect(() => a.createDataChannel('l'.repeat(65_536), { negotiated: true })).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
    // WebIDL converts the arguments before the method's steps run: a bad id is a TypeError.
    expect(() => a.createDataChannel('', { negotiated: true, id: -1 })).toThrow(TypeError);
  });

  it('gives the attributes their defaults', () => {
    const { a } = world();
    const dc = a.createDataChannel('');
    expect({
      ...initOf(dc), // id: the DTLS role is not known yet
      readyState: dc.readyState,
      bufferedAmount: dc.bufferedAmount,
      bufferedAmountLowThreshold: dc.bufferedAmountLowThreshold,
      binaryType: dc.binaryType, // "arraybuffer" since webrtc-pc PR 2913
    }).toEqual({
      label: '',
      ordered: true,
      maxPacketLifeTime: null,
      maxRetransmits: null,
      protocol: '',
      negotiated: false,
      id: null,
      readyState: 'connecting',
      bufferedAmount: 0,
      bufferedAmountLowThreshold: 0,
      binaryType: 'arraybuffer',
    });
  });

  it('initializes the attributes to the given values', () => {
    const { a } = world();
    const dc = a.createDataChannel('test', {
      ordered: false,
      maxRetransmits: 1,
      protocol: 'custom',
      negotiated: true,
      id: 3,
    });
    expect([dc.label, dc.ordered, dc.maxPacketLifeTime, dc.maxRetransmits]).toEqual([
      'test',
      false,
      null,
      1,
    ]);
    expect([dc.protocol, dc.negotiated, dc.id, dc.readyState]).toEqual([
      'custom',
      true,
      3,
      'connecting',
    ]);
    const dc2 = a.createDataChannel('test2', { ordered: false, maxPacketLifeTime: 42 });
    expect([dc2.label, dc2.maxPacketLifeTime, dc2.maxRetransmits]).toEqual(['test2', 42, null]);
  });

  it.each([
    ['a plain string', 'foo', 'foo'],
    ['null', null, 'null'],
    ['undefined', undefined, 'undefined'],
    ['a lone surrogate (USVString)', '\uD800', '\uFFFD'],
    ['a number', 7, '7'],
  ])('converts a label that is %s', (_, label, expected) => {
    const { a } = world();
    expect(create(a, label).label).toBe(expected);
  });

  it.each([
    ['a plain string', 'foo', 'foo'],
    ['null', null, 'null'],
    ['undefined (the default)', undefined, ''],
    ['a lone surrogate (USVString)', '\uD800', '\uFFFD'],
  ])('converts a protocol that is %s', (_, protocol, expected) => {
    const { a } = world();
    expect(create(a, '', { protocol }).protocol).toBe(expected);
  });

  it.each([
    [false, false],
    [null, false],
    [undefined, true],
    [0, false],
    ['yes', true],
  ])('converts ordered %s to %s (WebIDL boolean, default true)', (ordered, expected) => {
    const { a } = world();
    expect(create(a, '', { ordered }).ordered).toBe(expected);
  });

  it('takes maxPacketLifeTime 0 and maxRetransmits 0 as given', () => {
    const { a } = world();
    expect(a.createDataChannel('', { maxPacketLifeTime: 0 }).maxPacketLifeTime).toBe(0);
    expect(a.createDataChannel('', { maxRetransmits: 0 }).maxRetransmits).toBe(0);
    const both = create(a, '', { maxPacketLifeTime: undefined, maxRetransmits: undefined });
    expect([both.maxPacketLifeTime, both.maxRetransmits]).toEqual([null, null]);
  });

  it.each([
    [0, 0],
    [42, 42],
    [0, 65_535],
  ])('throws TypeError for maxPacketLifeTime %d together with maxRetransmits %d', (l, r) => {
    const { a } = world();
    expect(() => a.createDataChannel('', { maxPacketLifeTime: l, maxRetransmits: r })).toThrow(
      TypeError,
    );
  });

  // [EnforceRange] unsigned short (webrtc-pc's IDL): truncated, and a TypeError outside
  // 0..65535 or when not finite. 65535 is the most this stack supports, so nothing is clamped.
  it.each([
    [65_535, 65_535],
    [1.9, 1],
    [null, 0],
  ])('takes maxRetransmits and maxPacketLifeTime %s as %d', (v, n) => {
    const { a } = world();
    expect(create(a, '', { maxRetransmits: v }).maxRetransmits).toBe(n);
    expect(create(a, '', { maxPacketLifeTime: v }).maxPacketLifeTime).toBe(n);
  });

  it.each([65_536, -1, Number.NaN, Number.POSITIVE_INFINITY, 'many'])(
    'throws TypeError for maxRetransmits or maxPacketLifeTime %s ([EnforceRange])',
    (v) => {
      const { a } = world();
      expect(() => create(a, '', { maxRetransmits: v })).toThrow(TypeError);
      expect(() => create(a, '', { maxPacketLifeTime: v })).toThrow(TypeError);
    },
  );

  it.each([0, 1, 65_534, 65_535])(
    'ignores id %d when the channel is not negotiated: id stays null',
    (id) => {
      const { a } = world();
      expect(a.createDataChannel('', { id }).id).toBeNull();
      expect(a.createDataChannel('', { id, negotiated: false }).id).toBeNull();
    },
  );

  it.each([0, 1, 42, 65_534, 1.9])('keeps id %d of a negotiated channel', (id) => {
    const { a } = world();
    const dc = a.createDataChannel('', { negotiated: true, id });
    expect([dc.negotiated, dc.id]).toEqual([true, Math.trunc(id)]);
  });

  it.each([
    ['-1, not negotiated', { id: -1 }],
    ['65536, not negotiated', { id: 65_536 }],
    ['NaN, not negotiated ([EnforceRange])', { id: Number.NaN }],
    ['-1, negotiated', { negotiated: true, id: -1 }],
    ['65535, negotiated (above 65534)', { negotiated: true, id: 65_535 }],
    ['65536, negotiated', { negotiated: true, id: 65_536 }],
    ['Infinity, negotiated', { negotiated: true, id: Number.POSITIVE_INFINITY }],
    ['missing, negotiated', { negotiated: true }],
    ['null, negotiated (0 by WebIDL, accepted)', null],
  ])('checks an id that is %s: TypeError', (_, init) => {
    const { a } = world();
    if (init === null) {
      expect(create(a, '', { negotiated: true, id: null }).id).toBe(0);
      return;
    }
    expect(() => create(a, '', init)).toThrow(TypeError);
  });

  it.each([
    ['a label of 65 536 ASCII bytes', 'l'.repeat(65_536), {}],
    ['a label of 65 536 bytes in 2-byte characters', '\u00b5'.repeat(32_768), {}],
    ['a protocol of 65 536 ASCII bytes', '', { protocol: 'p'.repeat(65_536) }],
    ['a protocol of 65 536 bytes in 2-byte characters', '', { protocol: '\u00b6'.repeat(32_768) }],
  ])('throws TypeError for %s, negotiated or not', (_, label, init) => {
    const { a } = world();
    expect(() => a.createDataChannel(label, init)).toThrow(TypeError);
    expect(() => a.createDataChannel(label, { ...init, negotiated: true, id: 42 })).toThrow(
      TypeError,
    );
  });

  it('takes a label and a protocol of 65 535 bytes each, and a label used twice', () => {
    const { a } = world();
    const label = 'l'.repeat(65_535);
    const protocol = 'p'.repeat(65_535);
    const dc = a.createDataChannel(label, { protocol });
    expect([dc.label, dc.protocol]).toEqual([label, protocol]);
    expect(a.createDataChannel('same')).not.toBe(a.createDataChannel('same'));
  });

  it('takes a missing or null dictionary, and refuses one that is not an object', () => {
    const { a } = world();
    expect(create(a, 'x', undefined).ordered).toBe(true);
    expect(create(a, 'x', null).ordered).toBe(true);
    expect(() => create(a, 'x', 5)).toThrow(TypeError);
    expect(() => create(a, 'x', 'ordered')).toThrow(TypeError);
  });

  it('refuses a priority that is not an RTCPriorityType (WebIDL enum member)', () => {
    const { a } = world();
    expect(() => create(a, 'x', { priority: 'urgent' })).toThrow(TypeError);
    expect(a.createDataChannel('x', { priority: 'high' }).readyState).toBe('connecting');
  });

  it('throws OperationError for a negotiated id already in use, before and after negotiation', async () => {
    const w = world();
    expect(w.a.createDataChannel('one', { negotiated: true, id: 42 }).id).toBe(42);
    expect(w.a.createDataChannel('two', { negotiated: true, id: 43 }).id).toBe(43);
    const reuse = (): RTCDataChannel =>
      w.a.createDataChannel('three', { negotiated: true, id: 42 });
    expect(reuse).toThrow(expect.objectContaining({ name: 'OperationError' }));
    const inband = w.a.createDataChannel('in-band');
    await negotiate(w.a, w.b);
    expect(inband.id).not.toBeNull();
    expect(reuse).toThrow(expect.objectContaining({ name: 'OperationError' }));
    expect(() => w.a.createDataChannel('four', { negotiated: true, id: inband.id! })).toThrow(
      expect.objectContaining({ name: 'OperationError' }),
    );
  });

  it('gives in-band channels an id once the answer sets the DTLS role, and one at once after', async () => {
    const w = world();
    const negotiated = w.a.createDataChannel('negotiated', { negotiated: true, id: 42 });
    const first = w.a.createDataChannel('channel');
    expect(first.id).toBeNull();
    await negotiate(w.a, w.b);
    expect(first.id).not.toBeNull();
    const second = w.a.createDataChannel('channel');
    for (const id of [first.id, second.id]) {
      expect(id).toBeGreaterThanOrEqual(0);
      expect(id).toBeLessThan(65_535);
    }
    expect(second.label).toBe(first.label);
    expect(second.id).not.toBe(first.id);
    expect(negotiated.id).toBe(42);
  });

  // RFC 8832 §6: the DTLS client uses even stream ids, the server odd ones.
  it.each([
    ['active', 1],
    ['passive', 0],
  ])(
    'picks ids of the parity of the DTLS role when the answer says setup:%s',
    async (setup, parity) => {
      const w = world();
      const before = w.a.createDataChannel('');
      await negotiate(w.a, w.b, (sdp) => sdp.replace(/a=setup:\w+/g, `a=setup:${setup}`));
      const after = w.a.createDataChannel('another');
      expect([before.id! % 2, after.id! % 2]).toEqual([parity, parity]);
      expect(after.id).not.toBe(before.id);
    },
  );

  it('makes a negotiated channel created on an established connection connecting, then open with its event', async () => {
    const { w } = await channelPair({});
    const late = w.a.createDataChannel('late', { negotiated: true, id: 9 });
    const peer = w.b.createDataChannel('late', { negotiated: true, id: 9 });
    const log: string[] = [];
    for (const dc of [late, peer]) dc.onopen = () => log.push(`open ${dc.readyState}`);
    expect([late.readyState, peer.readyState]).toEqual(['connecting', 'connecting']);
    expect(() => late.send('early')).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
    await w.clock.runUntil(() => log.length === 2, { timeoutMs: 10_000 });
    expect(log).toEqual(['open open', 'open open']);
    late.send('now');
    expect(await nextMessages(w, peer)).toEqual(['now']);
  });

  it.each(flavours)(
    'makes a new %s channel connecting on an established connection',
    async (_, options) => {
      const { w } = await channelPair(options);
      expect(w.a.createDataChannel('').readyState).toBe('connecting');
    },
  );
});

describe('binaryType (webrtc-pc §6.2, BinaryType enum)', () => {
  it.each(['blob', 'arraybuffer'] as const)("is 'arraybuffer' at first and takes '%s'", (type) => {
    const { a } = world();
    const dc = a.createDataChannel('binary');
    expect(dc.binaryType).toBe('arraybuffer');
    dc.binaryType = type;
    expect(dc.binaryType).toBe(type);
  });

  it.each(['jellyfish', 'arraybuffer ', '', null, undefined, 234, 54n, 'Blob'])(
    'ignores %s (an invalid enum value set on an attribute)',
    (value) => {
      const { a } = world();
      const dc = a.createDataChannel('binary');
      dc.binaryType = 'blob';
      (dc as { binaryType: unknown }).binaryType = value;
      expect(dc.binaryType).toBe('blob');
    },
  );
});

describe('bufferedAmountLowThreshold (webrtc-pc §6.2, [EnforceRange] unsigned long)', () => {
  it.each([
    [65_536, 65_536],
    [1.9, 1],
    [-0.5, 0],
    [4_294_967_295, 4_294_967_295],
    [null, 0],
    ['12', 12],
  ])('converts %s to %d', (value, expected) => {
    const { a } = world();
    const dc = a.createDataChannel('');
    (dc as { bufferedAmountLowThreshold: unknown }).bufferedAmountLowThreshold = value;
    expect(dc.bufferedAmountLowThreshold).toBe(expected);
  });

  it.each([
    -1,
    2 ** 32,
    2 ** 32 + 5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    undefined,
    'x',
    Symbol('x'),
    5n,
  ])('refuses %s with TypeError ([EnforceRange]), keeping the threshold', (value) => {
    const { a } = world();
    const dc = a.createDataChannel('') as { bufferedAmountLowThreshold: unknown };
    dc.bufferedAmountLowThreshold = 7;
    expect(() => {
      dc.bufferedAmountLowThreshold = value;
    }).toThrow(TypeError);
    expect(dc.bufferedAmountLowThreshold).toBe(7);
  });
});

describe('RTCDataChannelEvent and RTCErrorEvent constructors', () => {
  it('builds an RTCDataChannelEvent from a channel', () => {
    const { a } = world();
    const dc = a.createDataChannel('');
    expect(RTCDataChannelEvent.length).toBe(2);
    const event = new RTCDataChannelEvent('type', { channel: dc });
    expect(event).toBeInstanceOf(RTCDataChannelEvent);
    expect(event.channel).toBe(dc);
    expect(() => new (RTCDataChannelEvent as unknown as new (t: string) => Event)('type')).toThrow(
      TypeError,
    );
    // The channel is required and must be an RTCDataChannel; EventInit members are kept.
    const make = RTCDataChannelEvent as unknown as new (t: string, i: unknown) => Event;
    for (const init of [{}, { channel: null }, { channel: {} }, null])
      expect(() => new make('type', init)).toThrow(TypeError);
    const bubbling = new RTCDataChannelEvent('type', {
      channel: dc,
      bubbles: true,
      cancelable: true,
    });
    expect([bubbling.bubbles, bubbling.cancelable]).toEqual([true, true]);
  });

  it('builds an RTCErrorEvent, which needs its error', () => {
    const error = new RTCError({ errorDetail: 'sctp-failure' }, 'm');
    const event = new RTCErrorEvent('error', { error });
    expect([event.type, event.error]).toEqual(['error', error]);
    expect(RTCErrorEvent.length).toBe(2);
    const Ctor = RTCErrorEvent as unknown as new (...args: unknown[]) => Event;
    expect(() => new Ctor('error')).toThrow(TypeError);
    expect(() => new Ctor('error', {})).toThrow(TypeError);
    expect(() => new Ctor('error', { error: null })).toThrow(TypeError);
    const lookalike = Object.assign(new DOMException('m', 'OperationError'), { errorDetail: 'x' });
    expect(() => new Ctor('error', { error: lookalike })).toThrow(TypeError);
    expect(new Ctor('error', { error, cancelable: true }).cancelable).toBe(true);
  });
});

describe('send() (webrtc-pc §6.2)', () => {
  it('throws InvalidStateError while connecting', () => {
    const { a } = world();
    const dc = a.createDataChannel('test');
    expect(dc.readyState).toBe('connecting');
    expect(() => dc.send('hello')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
  });

  it.each(flavours)(
    '%s: sends strings and receives them as strings, whatever binaryType',
    async (_, options) => {
      const { w, c1, c2 } = await channelPair(options);
      c1.send('hello');
      c1.send(unicode);
      c2.binaryType = 'blob';
      c1.send('hello');
      expect(await nextMessages(w, c2, 3)).toEqual(['hello', unicode, 'hello']);
    },
  );

  it.each(flavours)(
    '%s: delivers a Uint8Array, an ArrayBuffer and a Blob as ArrayBuffers',
    async (_, options) => {
      const { w, c1, c2 } = await channelPair(options);
      c1.send(hello);
      c1.send(hello.buffer);
      c1.send(new Blob([hello]));
      const got = await nextMessages(w, c2, 3);
      for (const data of got) expect(bytesOf(data)).toEqual([...hello]);
    },
  );

  it.each(flavours)("%s: delivers binary as a Blob with binaryType 'blob'", async (_, options) => {
    const { w, c1, c2 } = await channelPair(options);
    c2.binaryType = 'blob';
    c1.send(hello.buffer);
    const [data] = await nextMessages(w, c2);
    expect(data).toBeInstanceOf(Blob);
    expect([...new Uint8Array(await (data as Blob).arrayBuffer())]).toEqual([...hello]);
  });

  it.each(flavours)('%s: keeps the order of a buffer, a string and a Blob', async (_, options) => {
    const { w, c1, c2 } = await channelPair(options);
    c1.send(hello);
    c1.send(unicode);
    c1.send(new Blob([hello]));
    const [first, second, third] = await nextMessages(w, c2, 3);
    expect(bytesOf(first)).toEqual([...hello]);
    expect(second).toBe(unicode);
    expect(bytesOf(third)).toEqual([...hello]);
  });

  it.each(flavours)(
    '%s: sends what is not a buffer or a Blob as its string (WebIDL overloads)',
    async (_, options) => {
      const { w, c1, c2 } = await channelPair(options);
      const send = c1.send.bind(c1) as (data: unknown) => void;
      send(42);
      send(null);
      send({ toString: () => 'object' });
      send('\uD800');
      expect(await nextMessages(w, c2, 4)).toEqual(['42', 'null', 'object', '\uFFFD']);
      expect(() => (c1.send as () => void)()).toThrow(TypeError);
    },
  );

  it.each(flavours)(
    '%s: sends up to maxMessageSize and throws TypeError above it',
    async (_, options) => {
      const { w, c1, c2 } = await channelPair(options);
      const max = w.a.sctp!.maxMessageSize!;
      let message = 'hello888';
      while (message.length <= max) {
        c1.send(message);
        const [got] = await nextMessages(w, c2);
        expect((got as string).length).toBe(message.length);
        message += message;
      }
      expect(() => c1.send(message)).toThrow(TypeError);
    },
  );

  it.each(flavours)(
    '%s: throws InvalidStateError once closing, and once closed',
    async (_, options) => {
      const { w, c1 } = await channelPair(options);
      c1.close();
      expect(c1.readyState).toBe('closing');
      expect(() => c1.send('late')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
      await w.clock.runUntil(() => c1.readyState === 'closed', { timeoutMs: 10_000 });
      expect(c1.readyState).toBe('closed');
      expect(() => c1.send('later')).toThrow(
        expect.objectContaining({ name: 'InvalidStateError' }),
      );
    },
  );
});

describe('close() (webrtc-pc §6.2, the closing procedure)', () => {
  it.each(flavours)(
    '%s: the peer sees closing then close; the closer sees close only',
    async (_, options) => {
      const { w, c1, c2 } = await channelPair(options);
      const log: string[] = [];
      for (const [who, dc] of [
        ['c1', c1],
        ['c2', c2],
      ] as const) {
        for (const type of ['closing', 'close', 'error']) {
          dc.addEventListener(type, () => log.push(`${who} ${type} ${dc.readyState}`));
        }
      }
      let handlerSawClosing = false;
      let sendWhileClosing: unknown;
      c2.onclosing = () => {
        handlerSawClosing = c2.readyState === 'closing';
        try {
          c2.send('too late');
        } catch (error) {
          sendWhileClosing = error;
        }
      };
      c1.close();
      c1.close();
      expect(c1.readyState).toBe('closing');
      await w.clock.runUntil(() => c1.readyState === 'closed' && c2.readyState === 'closed', {
        timeoutMs: 10_000,
      });
      await w.clock.advance(1000);
      expect(handlerSawClosing).toBe(true);
      expect(sendWhileClosing).toMatchObject({ name: 'InvalidStateError' });
      expect(log.filter((l) => l.startsWith('c2'))).toEqual([
        'c2 closing closing',
        'c2 close closed',
      ]);
      expect(log.filter((l) => l.startsWith('c1'))).toEqual(['c1 close closed']);
    },
  );

  it.each(flavours)(
    '%s: closing the peer connection fires error (RTCErrorEvent) then close at the peer',
    async (_, options) => {
      const { w, c1, c2 } = await channelPair(options);
      const events: string[] = [];
      let error: unknown;
      c2.addEventListener('error', (e) => {
        events.push('error');
        expect(e).toBeInstanceOf(RTCErrorEvent);
        error = (e as RTCErrorEvent).error;
      });
      c2.addEventListener('close', () => events.push('close'));
      c1.onclose = () => events.push('c1 close');
      const closed = w.a.close();
      expect(c1.readyState).toBe('closed'); // at once, and without any event
      await closed;
      await w.clock.runUntil(() => events.includes('close'), { timeoutMs: 60_000 });
      expect(events).toEqual(['error', 'close']);
      expect(error).toBeInstanceOf(RTCError);
      expect(error).toMatchObject({ name: 'OperationError', errorDetail: 'sctp-failure' });
      expect(c2.readyState).toBe('closed');
    },
  );

  it.each(flavours)(
    '%s: closing the peer connection after the channel closed fires nothing',
    async (_, options) => {
      const { w, c1, c2 } = await channelPair(options);
      let closes = 0;
      c1.onclose = () => closes++;
      c2.onclose = () => closes++;
      c1.close();
      await w.clock.runUntil(() => closes === 2, { timeoutMs: 10_000 });
      const late: string[] = [];
      for (const dc of [c1, c2])
        for (const type of ['close', 'closing', 'error'])
          dc.addEventListener(type, () => late.push(type));
      w.a.close();
      await w.a.released;
      await w.clock.advance(60_000);
      expect([closes, late]).toEqual([2, []]);
    },
  );
});

describe('bufferedAmount and bufferedamountlow (webrtc-pc §6.2)', () => {
  it.each(flavours)('%s: is 0 on both sides at first', async (_, options) => {
    const { c1, c2 } = await channelPair(options);
    expect([c1.bufferedAmount, c2.bufferedAmount]).toEqual([0, 0]);
  });

  it.each(flavours)(
    '%s: grows by the UTF-8 length, the buffer length or the Blob size of each send, then falls to 0',
    async (_, options) => {
      const { w, c1, c2 } = await channelPair(options);
      c1.send(hello);
      expect(c1.bufferedAmount).toBe(5);
      c1.send(unicode);
      expect(c1.bufferedAmount).toBe(5 + unicodeBytes.byteLength);
      c1.send(new Blob([hello]));
      expect(c1.bufferedAmount).toBe(10 + unicodeBytes.byteLength);
      expect(c1.bufferedAmount).toBe(10 + unicodeBytes.byteLength); // the same when read again
      await nextMessages(w, c2, 3);
      expect(c1.bufferedAmount).toBe(0);
    },
  );

  it.each(flavours)('%s: does not fall at once when the channel closes', async (_, options) => {
    const { c1 } = await channelPair(options);
    c1.send(hello.buffer);
    expect(c1.bufferedAmount).toBe(5);
    c1.close();
    expect(c1.bufferedAmount).toBe(5);
  });

  it.each(flavours)('%s: does not fall when the peer connection closes', async (_, options) => {
    const { w, c1 } = await channelPair(options);
    c1.send(hello.buffer);
    c1.send(new Blob([hello]));
    expect(c1.bufferedAmount).toBe(10);
    w.a.close();
    await w.a.released;
    expect(c1.bufferedAmount).toBe(10);
    await w.clock.advance(1000);
    expect(c1.bufferedAmount).toBe(10);
  });

  it.each(flavours)(
    '%s: keeps what was never sent when the transport fails',
    async (_, options) => {
      const { w, c1 } = await channelPair(options);
      const message = new Uint8Array(65_536);
      for (let i = 0; i < 16; i++) c1.send(message);
      let atClose = -1;
      c1.onclose = () => {
        atClose = c1.bufferedAmount;
      };
      w.b.close();
      await w.b.released;
      await w.clock.runUntil(() => atClose >= 0, { timeoutMs: 60_000 });
      expect(atClose).toBeGreaterThan(0);
      await w.clock.advance(10_000);
      expect([c1.readyState, c1.bufferedAmount]).toEqual(['closed', atClose]);
    },
  );

  it.each(flavours)(
    '%s: fires bufferedamountlow once after sends, at or below the threshold, and again after the next send',
    async (_, options) => {
      const { w, c1, c2 } = await channelPair(options);
      const lows: number[] = [];
      c1.addEventListener('bufferedamountlow', () => lows.push(c1.bufferedAmount));
      c1.send('hello');
      c1.send('hello');
      expect(c1.bufferedAmount).toBe(10);
      expect(await nextMessages(w, c2, 2)).toEqual(['hello', 'hello']);
      await w.clock.runUntil(() => lows.length > 0, { timeoutMs: 10_000 });
      await w.clock.advance(1000);
      expect(lows).toEqual([0]);
      c1.send('hello');
      await w.clock.runUntil(() => lows.length > 1, { timeoutMs: 10_000 });
      await w.clock.advance(1000);
      expect(lows).toEqual([0, 0]);
    },
  );
});

describe('the datachannel event and open (webrtc-pc §6.2, announcing a channel)', () => {
  /** a creates an in-band channel; `onChannel` runs inside b's datachannel listener. */
  async function announce(
    init: RTCDataChannelInit,
    onChannel: (channel: RTCDataChannel, event: Event) => void,
    label = 'fire-me!',
    prepare: (dc1: RTCDataChannel) => void = () => {},
  ): Promise<{ w: VirtualPeers; dc1: RTCDataChannel; announced: RTCDataChannel[] }> {
    const w = world();
    const announced: RTCDataChannel[] = [];
    w.b.ondatachannel = (e) => {
      announced.push(e.channel);
      onChannel(e.channel, e);
    };
    const dc1 = w.a.createDataChannel(label, init);
    prepare(dc1);
    await negotiate(w.a, w.b);
    await w.clock.runUntil(() => dc1.readyState === 'open' && announced.length > 0, {
      timeoutMs: 10_000,
    });
    return { w, dc1, announced };
  }

  it('fires once, neither bubbling nor cancelable, with the channel already open, then open', async () => {
    const seen: string[] = [];
    const { w, announced } = await announce({}, (channel, event) => {
      expect(event).toBeInstanceOf(RTCDataChannelEvent);
      seen.push(`datachannel ${event.bubbles} ${event.cancelable} ${channel.readyState}`);
      channel.onopen = () => seen.push(`open ${channel.readyState}`);
    });
    await w.clock.advance(1000);
    expect(announced).toHaveLength(1);
    expect(seen).toEqual(['datachannel false false open', 'open open']);
  });

  it('fires open on the creating side, in-band, and on both sides of a negotiated channel', async () => {
    const w = world();
    const states: string[] = [];
    const inband = w.a.createDataChannel('onopen');
    const n1 = w.a.createDataChannel('onopen', { negotiated: true, id: 42 });
    const n2 = w.b.createDataChannel('onopen', { negotiated: true, id: 42 });
    for (const [name, dc] of [
      ['in-band', inband],
      ['negotiated a', n1],
      ['negotiated b', n2],
    ] as const)
      dc.onopen = () => states.push(`${name} ${dc.readyState}`);
    await negotiate(w.a, w.b);
    await w.clock.runUntil(() => states.length === 3, { timeoutMs: 10_000 });
    expect(states.sort()).toEqual(['in-band open', 'negotiated a open', 'negotiated b open']);
  });

  it('lets the listener send at once', async () => {
    const got: unknown[] = [];
    const { w } = await announce(
      {},
      (channel) => channel.send('meow meow!'),
      'fire-me!',
      (dc1) => {
        dc1.onmessage = (e) => got.push(e.data);
      },
    );
    await w.clock.runUntil(() => got.length > 0, { timeoutMs: 10_000 });
    expect(got).toEqual(['meow meow!']);
  });

  it('fires no open event when the listener closes the channel (after sending)', async () => {
    const opens: string[] = [];
    const got: unknown[] = [];
    const { w, announced } = await announce(
      {},
      (channel) => {
        channel.onopen = () => opens.push('open');
        channel.send('meow meow!');
        channel.close();
      },
      'fire-me!',
      (dc1) => {
        dc1.onmessage = (e) => got.push(e.data);
      },
    );
    await w.clock.runUntil(() => announced[0]!.readyState === 'closed', { timeoutMs: 10_000 });
    await w.clock.advance(1000);
    expect(opens).toEqual([]);
    expect(got).toEqual(['meow meow!']);
  });

  it('delivers the messages sent right away by the creator after the open event', async () => {
    const w = world();
    const log: string[] = [];
    w.b.ondatachannel = (e) => {
      const dc = e.channel;
      dc.onopen = () => log.push('open');
      dc.onmessage = (m) => log.push(`message ${m.data}`);
    };
    const dc1 = w.a.createDataChannel('eager', { negotiated: false });
    dc1.onopen = () => {
      dc1.send('1');
      dc1.send('2');
    };
    await negotiate(w.a, w.b);
    await w.clock.runUntil(() => log.length === 3, { timeoutMs: 10_000 });
    expect(log).toEqual(['open', 'message 1', 'message 2']);
  });

  it.each([
    [
      'the given configuration',
      { ordered: false, maxRetransmits: 1, protocol: 'custom', priority: 'high' },
      'test',
    ],
    ['the defaults', {}, ''],
  ] as const)('gives the announced channel %s', async (_, given, label) => {
    const init: RTCDataChannelInit = given;
    const { dc1, announced } = await announce(init, () => {}, label);
    const dc2 = announced[0]!;
    const view = (dc: RTCDataChannel) => ({ ...initOf(dc), priority: dc.priority });
    expect(view(dc2)).toEqual(view(dc1));
    expect(view(dc1)).toMatchObject({
      label,
      ordered: init.ordered ?? true,
      maxRetransmits: init.maxRetransmits ?? null,
      protocol: init.protocol ?? '',
      negotiated: false,
      priority: init.priority ?? 'low',
    });
  });

  it('fires no datachannel event for a negotiated channel', async () => {
    const w = world();
    let events = 0;
    w.b.ondatachannel = () => events++;
    const dc = w.a.createDataChannel('test', { negotiated: true, id: 7 });
    const peer = w.b.createDataChannel('test', { negotiated: true, id: 7 });
    await negotiate(w.a, w.b);
    await w.clock.runUntil(() => dc.readyState === 'open' && peer.readyState === 'open', {
      timeoutMs: 10_000,
    });
    await w.clock.advance(2000);
    expect(events).toBe(0);
  });
});

describe('send and receive (web-platform-tests RTCDataChannel-send-receive)', () => {
  const variants = [
    ['in-band', {}, {}],
    ['negotiated', { negotiated: true, id: 42 }, { negotiated: true, id: 42 }],
    // The receiving side may be unordered: each test checks what one side receives.
    [
      'asymmetric negotiated',
      { negotiated: true, id: 42 },
      { negotiated: true, id: 42, ordered: false },
    ],
  ] as const;

  it.each(variants)('%s: throws InvalidStateError on send() before open', (_, options) => {
    const { a } = world();
    expect(() => a.createDataChannel('test', options).send('hello')).toThrow(
      expect.objectContaining({ name: 'InvalidStateError' }),
    );
  });

  it.each(variants)(
    '%s: carries strings both ways, and empty messages of every type',
    async (_, o1, o2) => {
      const { w, c1, c2 } = await channelPair(o1, world(), o2);
      c2.send('hello');
      expect(await nextMessages(w, c1)).toEqual(['hello']);
      c1.send('');
      expect(await nextMessages(w, c2)).toEqual(['']);
      c1.send(new Uint8Array(0));
      const [empty] = await nextMessages(w, c2);
      expect((empty as ArrayBuffer).byteLength).toBe(0);
      c2.binaryType = 'blob';
      c1.send(new Blob([]));
      const [emptyBlob] = await nextMessages(w, c2);
      expect(emptyBlob).toBeInstanceOf(Blob);
      expect((emptyBlob as Blob).size).toBe(0);
    },
  );

  it.each(variants)(
    '%s: sends a DataView and delivers the type binaryType says at each message',
    async (_, o1, o2) => {
      const { w, c1, c2 } = await channelPair(o1, world(), o2);
      const got: unknown[] = [];
      c2.onmessage = (e) => {
        got.push(e.data);
        c2.binaryType = got.length === 3 ? 'blob' : 'arraybuffer';
      };
      c2.binaryType = 'blob';
      c1.send(new DataView(hello.buffer));
      c1.send(unicode);
      c1.send(new Blob([hello]));
      c1.send(new Blob([hello]));
      await w.clock.runUntil(() => got.length === 4, { timeoutMs: 10_000 });
      expect(got[0]).toBeInstanceOf(Blob);
      expect(got[1]).toBe(unicode);
      expect(bytesOf(got[2])).toEqual([...hello]);
      expect(got[3]).toBeInstanceOf(Blob);
      for (const blob of [got[0], got[3]])
        expect([...new Uint8Array(await (blob as Blob).arrayBuffer())]).toEqual([...hello]);
    },
  );

  it.each(variants)(
    '%s: sends up to the maximum message size, and throws TypeError above it',
    async (_, o1, o2) => {
      const { w, c1, c2 } = await channelPair(o1, world(), o2);
      let closes = 0;
      c1.onclose = () => closes++;
      c2.onclose = () => closes++;
      const max = w.a.sctp!.maxMessageSize!;
      for (const size of [1024, 16_384, 65_536, 262_144]) {
        const message = new Uint8Array(size).fill(0xfe);
        if (size > max) {
          expect(() => c1.send(message)).toThrow(TypeError);
          continue;
        }
        c1.send(message);
        const [data] = await nextMessages(w, c2);
        expect((data as ArrayBuffer).byteLength).toBe(size);
        expect(new Uint8Array(data as ArrayBuffer).every((b) => b === 0xfe)).toBe(true);
      }
      expect(closes).toBe(0);
    },
  );

  it.each([1024, 16_384])(
    'throws TypeError one byte above a max-message-size of %d the answer set, and stays open',
    async (size) => {
      const { w, c1, c2 } = await channelPair({}, world(), {}, (sdp) =>
        sdp.replace(/a=max-message-size:\d+/, `a=max-message-size:${size}`),
      );
      let events = 0;
      for (const dc of [c1, c2]) {
        dc.onclose = () => events++;
        dc.onmessage = () => events++;
      }
      expect(w.a.sctp!.maxMessageSize).toBe(size);
      const message = new Uint8Array(size + 1);
      expect(() => c1.send(message)).toThrow(TypeError);
      expect(() => c1.send(message)).toThrow(TypeError);
      await w.clock.advance(10_000);
      expect([events, c1.readyState, c2.readyState]).toEqual([0, 'open', 'open']);
    },
  );

  it.each(variants)(
    '%s: delivers what was queued before close() before the peer sees close',
    async (_, o1, o2) => {
      const { w, c1, c2 } = await channelPair(o1, world(), o2);
      const message = new Uint8Array(65_536).fill(0xfe);
      let received = 0;
      let receivedAtClose = -1;
      c2.onmessage = () => received++;
      c2.onclose = () => {
        receivedAtClose = received;
      };
      for (let i = 0; i < 16; i++) c1.send(message);
      c1.close();
      await w.clock.runUntil(() => receivedAtClose >= 0, { timeoutMs: 60_000 });
      expect(receivedAtClose).toBe(16);
    },
  );
});

describe('channels and their connection (RTCPeerConnection-close, RTCDataChannel-iceRestart)', () => {
  function many(pc: RTCPeerConnection, from: number): RTCDataChannel[] {
    const channels: RTCDataChannel[] = [];
    for (let i = from; i < 24; i++)
      channels.push(
        pc.createDataChannel(`test-channel-${i}`, i % 2 === 0 ? { negotiated: true, id: i } : {}),
      );
    return channels;
  }

  it('closes every channel at once when the connection closes, before it is established', () => {
    const { a } = world();
    const channels = many(a, 0);
    expect(channels.map((dc) => dc.readyState)).not.toContain('closed');
    a.close();
    expect(new Set(channels.map((dc) => dc.readyState))).toEqual(new Set(['closed']));
  });

  it('closes every channel at once when the connections close, once established', async () => {
    const { w, c1, c2 } = await channelPair({});
    const channels = [c1, c2, ...many(w.a, 1)];
    expect(channels.map((dc) => dc.readyState)).not.toContain('closed');
    w.a.close();
    w.b.close();
    expect(new Set(channels.map((dc) => dc.readyState))).toEqual(new Set(['closed']));
    expect([w.a.sctp?.state, w.b.sctp?.state]).toEqual(['closed', 'closed']);
  });

  it("hears the peer's close(): its ABORT closes every channel with an sctp-failure error, then close, within a round trip", async () => {
    const { w, c2 } = await channelPair({});
    const events: string[] = [];
    let error: RTCError | undefined;
    c2.addEventListener('error', (e) => {
      error = (e as RTCErrorEvent).error;
      events.push('error');
    });
    c2.addEventListener('close', () => events.push(`close ${c2.readyState}`));
    w.b.sctp!.addEventListener('statechange', () => events.push(`sctp ${w.b.sctp!.state}`));
    w.b.sctp!.transport.addEventListener('statechange', () =>
      events.push(`dtls ${w.b.sctp!.transport.state}`),
    );
    const closedAt = w.clock.now();
    w.a.close();
    expect(await w.clock.runUntil(() => c2.readyState === 'closed', { timeoutMs: 1000 })).toBe(
      true,
    );
    // One way across the virtual link (5 ms each hop), not a consent timeout.
    expect(w.clock.now() - closedAt).toBeLessThan(50);
    await w.clock.advance(20);
    expect(events).toEqual(['sctp closed', 'error', 'close closed', 'dtls closed']);
    expect(error).toMatchObject({ errorDetail: 'sctp-failure', sctpCauseCode: 12 });
    expect(() => c2.send('late')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }));
    expect(w.b.connectionState).toBe('connected'); // webrtc-pc: DTLS closed counts as connected
    // A channel created once the association is gone cannot be established: instead of
    // waiting in `connecting` for ever, it closes (webrtc-pc: data-channel-failure when "the
    // underlying data transport cannot be created").
    const late = w.b.createDataChannel('late');
    const lateEvents: string[] = [];
    late.onerror = (e) => void lateEvents.push(`error ${(e as RTCErrorEvent).error.errorDetail}`);
    late.onclose = () => void lateEvents.push('close');
    expect(late.readyState).toBe('connecting');
    await w.clock.advance(1);
    expect([late.readyState, ...lateEvents]).toEqual([
      'closed',
      'error data-channel-failure',
      'close',
    ]);
  });

  async function pingPong(w: VirtualPeers, c1: RTCDataChannel, c2: RTCDataChannel, size = 1) {
    c1.send('hello');
    expect(await nextMessages(w, c2)).toEqual(['hello']);
    c2.send('x'.repeat(size));
    expect(await nextMessages(w, c1)).toEqual(['x'.repeat(size)]);
  }

  it('keeps a channel usable across an ICE restart, and at each of its steps', async () => {
    const { w, c1, c2 } = await channelPair({});
    const errors: Event[] = [];
    for (const dc of [c1, c2]) dc.addEventListener('error', (e) => errors.push(e));
    await pingPong(w, c1, c2);
    w.a.restartIce();
    await w.a.setLocalDescription();
    await pingPong(w, c1, c2);
    await w.b.setRemoteDescription(w.a.localDescription!);
    await pingPong(w, c1, c2);
    await w.b.setLocalDescription(await w.b.createAnswer());
    await pingPong(w, c1, c2, 1000);
    await w.a.setRemoteDescription(w.b.localDescription!);
    await pingPong(w, c1, c2);
    await w.clock.advance(5000);
    await pingPong(w, c2, c1);
    expect(errors).toEqual([]);
    expect([c1.readyState, c2.readyState]).toEqual(['open', 'open']);
  });
});

describe('what DCEP carries to the peer (RTCDataChannel-dcep)', () => {
  const kinds = [
    ['ordered', true],
    ['unordered', false],
  ] as const;
  const reliabilities = [
    ['reliable', {}],
    ['maxRetransmits 0', { maxRetransmits: 0 }],
    ['maxRetransmits 65535', { maxRetransmits: 65_535 }],
    ['maxPacketLifeTime 0', { maxPacketLifeTime: 0 }],
    ['maxPacketLifeTime 65535', { maxPacketLifeTime: 65_535 }],
  ] as const;
  const cases = kinds.flatMap(([kind, ordered]) =>
    reliabilities.map(([name, init]) => [`${kind}, ${name}`, { ordered, ...init }] as const),
  );

  it.each(cases)('opens an %s channel with the same parameters on both sides', async (_, init) => {
    const { c1, c2 } = await channelPair(init);
    const view = (dc: RTCDataChannel) => [dc.ordered, dc.maxRetransmits, dc.maxPacketLifeTime];
    expect(view(c1)).toEqual([
      init.ordered,
      'maxRetransmits' in init ? init.maxRetransmits : null,
      'maxPacketLifeTime' in init ? init.maxPacketLifeTime : null,
    ]);
    expect(view(c2)).toEqual(view(c1));
  });

  it('carries the priority and the id', async () => {
    const { c1, c2 } = await channelPair({ priority: 'high' });
    expect([c1.priority, c2.priority]).toEqual(['high', 'high']);
    expect(c1.id).toBeGreaterThanOrEqual(0);
    expect(c1.id).toBeLessThan(65_535);
    expect(c2.id).toBe(c1.id);
  });

  it.each([
    ['empty', '', ''],
    ['of 65 535 ASCII bytes', 'l'.repeat(65_535), 'p'.repeat(65_535)],
    ['of 65 535 bytes in 3-byte characters', '\u2022'.repeat(21_845), '\u20ac'.repeat(21_845)],
  ])('carries a label and a protocol %s', async (_, label, protocol) => {
    const w = world();
    const c1 = w.a.createDataChannel(label, { protocol });
    let c2: RTCDataChannel | undefined;
    w.b.ondatachannel = (e) => {
      c2 = e.channel;
    };
    await negotiate(w.a, w.b);
    await w.clock.runUntil(() => c1.readyState === 'open' && c2 !== undefined, {
      timeoutMs: 10_000,
    });
    expect([c1.label === label, c1.protocol === protocol]).toEqual([true, true]);
    expect([c2?.label === label, c2?.protocol === protocol]).toEqual([true, true]);
  });
});
