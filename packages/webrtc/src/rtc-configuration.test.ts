import { Manager } from '@x/network';
import { VirtualClock, VirtualNetwork } from '@x/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { checkIceServers } from './ice-servers.js';
import { RTCPeerConnection } from './rtc-peer-connection.js';
import { negotiate, trickle } from './testing-peers.js';
import type { RTCCertificate, RTCConfiguration, RTCPeerConnectionIceEvent } from './rtc-types.js';

const clock = new VirtualClock();
const world = new VirtualNetwork({ clock, seed: 3 });
const lan = world.addRouter({ name: 'lan', cidr: '198.51.100.0/24' });
const host = world.addHost({ name: 'h', router: lan });
const otherHost = world.addHost({ name: 'h2', router: lan });
const base: RTCConfiguration = { net: host, clock, mdns: 'off' };

const open: RTCPeerConnection[] = [];
afterEach(async () => {
  for (const pc of open.splice(0)) {
    pc.close();
    await pc.released;
  }
});
function make(configuration: RTCConfiguration = {}): RTCPeerConnection {
  const pc = new RTCPeerConnection({ ...base, ...configuration });
  open.push(pc);
  return pc;
}

/** The DOMException name (or TypeError) a call throws, or 'ok'. */
function outcome(call: () => unknown): string {
  try {
    call();
    return 'ok';
  } catch (error) {
    return error instanceof DOMException ? error.name : (error as Error).constructor.name;
  }
}

// Each case runs through the constructor and through setConfiguration(), which must agree.
const serverCases: [string, unknown, string][] = [
  ['a stun server', [{ urls: 'stun:stun1.example.net' }], 'ok'],
  ['two stun URLs', [{ urls: ['stun:a.example.net', 'stun:b.example.net:19302'] }], 'ok'],
  ['turn with credentials', [{ urls: 'turn:t.example.org', username: 'u', credential: 'c' }], 'ok'],
  [
    'turns/tcp, empty credentials',
    [{ urls: 'turns:t.example.org?transport=tcp', username: '', credential: '' }],
    'ok',
  ],
  ['an IPv6 literal', [{ urls: 'stun:[2001:db8::1]:3478' }], 'ok'],
  ['a percent-encoded host', [{ urls: 'stun:ex%61mple.net' }], 'ok'],
  ['an empty port', [{ urls: 'stun:example.net:' }], 'ok'],
  ['a full-width host', [{ urls: 'stun:Ｇｏ.com' }], 'ok'],
  ['a numeric host', [{ urls: 'stun:256' }], 'ok'],
  ['null', null, 'TypeError'],
  ['a null server', [null], 'TypeError'],
  ['a server without urls', [{}], 'TypeError'],
  ['empty urls', [{ urls: [] }], 'SyntaxError'],
  ['an empty URL', [{ urls: ['stun:a.example.net', ''] }], 'SyntaxError'],
  ['a relative URL', [{ urls: 'relative-url' }], 'SyntaxError'],
  ['an http URL', [{ urls: 'http://example.com' }], 'SyntaxError'],
  [
    'a turn URL with a path',
    [{ urls: 'turn://example.org/foo?x=y', username: 'u', credential: 'c' }],
    'SyntaxError',
  ],
  ['a stun URL with a query', [{ urls: 'stun:example.org?transport=udp' }], 'SyntaxError'],
  ['a fragment', [{ urls: 'stun:example.net#foo' }], 'SyntaxError'],
  ['port 65536', [{ urls: 'stun:example.net:65536' }], 'SyntaxError'],
  ['a bad IPv4 address', [{ urls: 'stun:192.168.0.257' }], 'SyntaxError'],
  ['a space in the host', [{ urls: 'stun:x x:12' }], 'SyntaxError'],
  [
    'a query other than transport',
    [{ urls: 'turn:t.example.org?foo=bar', username: 'u', credential: 'c' }],
    'SyntaxError',
  ],
  ['turn without credentials', [{ urls: 'turn:t.example.net' }], 'InvalidAccessError'],
  [
    'turns with a username only',
    [{ urls: 'turns:t.example.net', username: 'u' }],
    'InvalidAccessError',
  ],
  [
    'a 510-byte username',
    [{ urls: 'turn:t.example.net', username: 'a'.repeat(510), credential: 'c' }],
    'InvalidAccessError',
  ],
  ['stuns', [{ urls: 'stuns:example.net' }], 'NotSupportedError'],
  [
    'turns over UDP',
    [{ urls: 'turns:t.example.net?transport=udp', username: 'u', credential: 'c' }],
    'NotSupportedError',
  ],
  [
    'an unknown transport',
    [{ urls: 'turn:t.example.net?transport=sctp', username: 'u', credential: 'c' }],
    'NotSupportedError',
  ],
  ['port 0', [{ urls: 'stun:example.net:0' }], 'NotSupportedError'],
];

describe('RTCConfiguration', () => {
  it('reports the defaults', () => {
    const c = make().getConfiguration();
    expect(c).toMatchObject({
      iceServers: [],
      iceTransportPolicy: 'all',
      bundlePolicy: 'balanced',
      rtcpMuxPolicy: 'require',
      iceCandidatePoolSize: 0,
    });
    // webrtc-pc: every RTCConfiguration member has a default, so each is present, certificates
    // as [] (the certificate generated for the connection is not put into [[Configuration]]).
    expect(c.certificates).toEqual([]);
    expect(Object.keys(c).sort()).toEqual(
      expect.arrayContaining([
        'bundlePolicy',
        'certificates',
        'iceCandidatePoolSize',
        'iceServers',
        'iceTransportPolicy',
        'rtcpMuxPolicy',
      ]),
    );
  });

  it('returns the certificates given, as a new list each time that changing does not reach', async () => {
    const certificate = await RTCPeerConnection.generateCertificate({
      name: 'ECDSA',
      namedCurve: 'P-256',
    });
    const given = [certificate];
    const pc = make({ certificates: given });
    given.length = 0;
    const first = pc.getConfiguration().certificates!;
    expect(first).toEqual([certificate]);
    expect(first[0]).toBe(certificate);
    first.length = 0;
    expect(pc.getConfiguration().certificates).toEqual([certificate]);
    // Omitting the member in setConfiguration() means [] again, which is a change.
    expect(outcome(() => pc.setConfiguration({}))).toBe('InvalidModificationError');
    expect(outcome(() => make().setConfiguration({ certificates: [] }))).toBe('ok');
  });

  it('ignores credentialType, a member webrtc-pc no longer has (WebIDL: unknown members are not read)', () => {
    for (const credentialType of ['password', 'oauth', 'bogus']) {
      const iceServers = [
        { urls: 'turn:t.example.net', username: 'u', credential: 'c', credentialType },
      ] as unknown as RTCConfiguration['iceServers'];
      const pc = make({ iceServers });
      expect(pc.getConfiguration().iceServers).toEqual([
        { urls: ['turn:t.example.net'], username: 'u', credential: 'c' },
      ]);
      expect(outcome(() => pc.setConfiguration({ iceServers }))).toBe('ok');
    }
  });

  it.each(serverCases)('iceServers: %s -> %s', (_name, iceServers, expected) => {
    const config = { iceServers } as RTCConfiguration;
    expect(outcome(() => make(config))).toBe(expected);
    const pc = make();
    expect(outcome(() => pc.setConfiguration(config))).toBe(expected);
    if (expected !== 'ok') expect(pc.getConfiguration().iceServers).toEqual([]);
  });

  it('keeps urls as a list and gives the ICE layer a URL it parses', () => {
    const iceServers = [
      { urls: 'stun:ex%61mple.net' },
      { urls: ['turn:[2001:db8::1]?transport=tcp'], username: 'u', credential: 'c' },
    ];
    expect(make({ iceServers }).getConfiguration().iceServers).toEqual([
      { urls: ['stun:ex%61mple.net'] },
      { urls: ['turn:[2001:db8::1]?transport=tcp'], username: 'u', credential: 'c' },
    ]);
    const checked = checkIceServers(iceServers);
    expect(checked.map((s) => s.ice.urls)).toEqual([
      ['stun:example.net:3478'],
      ['turn:[2001:db8::1]:3478?transport=tcp'],
    ]);
    // Every URL the W3C layer accepts is one the Manager (and @x/ice) accepts.
    for (const [, servers, expected] of serverCases) {
      if (expected !== 'ok') continue;
      const ice = checkIceServers(servers).map((s) => s.ice);
      expect(
        () => new Manager({ net: host, clock, iceServers: ice }, undefined, () => {}),
      ).not.toThrow();
    }
  });

  it.each([
    ['bundlePolicy', { bundlePolicy: 'all' }],
    ['rtcpMuxPolicy', { rtcpMuxPolicy: 'mux' }],
    ['bundlePolicy', { bundlePolicy: null }],
    ['iceTransportPolicy', { iceTransportPolicy: 'none' }],
    ['iceCandidatePoolSize', { iceCandidatePoolSize: 256 }],
    ['iceCandidatePoolSize', { iceCandidatePoolSize: Number.NaN }],
    ['certificates', { certificates: [{}] }],
    ['certificates', { certificates: null }],
    ['certificates', { certificates: [null] }],
    ['iceCandidatePoolSize', { iceCandidatePoolSize: Symbol() }],
  ])('rejects a bad %s with a TypeError', (_member, config) => {
    expect(outcome(() => make(config as RTCConfiguration))).toBe('TypeError');
  });

  it('refuses rtcpMuxPolicy negotiate: NotSupportedError when constructing, a change in setConfiguration()', () => {
    expect(outcome(() => make({ rtcpMuxPolicy: 'negotiate' } as unknown as RTCConfiguration))).toBe(
      'NotSupportedError',
    );
    expect(
      outcome(() =>
        make().setConfiguration({ rtcpMuxPolicy: 'negotiate' } as unknown as RTCConfiguration),
      ),
    ).toBe('InvalidModificationError');
  });

  it('refuses what setConfiguration() may not change, changing nothing', async () => {
    const certificate = await RTCPeerConnection.generateCertificate({
      name: 'ECDSA',
      namedCurve: 'P-256',
    });
    const pc = make({
      bundlePolicy: 'max-bundle',
      certificates: [certificate],
      iceCandidatePoolSize: 2,
    });
    const keep: RTCConfiguration = { bundlePolicy: 'max-bundle', certificates: [certificate] };
    expect(outcome(() => pc.setConfiguration({ certificates: [certificate] }))).toBe(
      'InvalidModificationError',
    );
    expect(outcome(() => pc.setConfiguration({ ...keep, certificates: [] }))).toBe(
      'InvalidModificationError',
    );
    expect(outcome(() => pc.setConfiguration({ ...keep, bundlePolicy: 'balanced' }))).toBe(
      'InvalidModificationError',
    );
    // The extensions of this stack are fixed: left out they stay, another value is refused.
    expect(outcome(() => pc.setConfiguration({ ...keep, net: otherHost }))).toBe(
      'InvalidModificationError',
    );
    expect(outcome(() => pc.setConfiguration({ ...keep, iceCandidatePoolSize: 2 }))).toBe('ok');
    expect(pc.getConfiguration().net).toBe(host);
    // The pool size may change until setLocalDescription() is called.
    expect(outcome(() => pc.setConfiguration({ ...keep, iceCandidatePoolSize: 4 }))).toBe('ok');
    pc.createDataChannel('x');
    await pc.setLocalDescription();
    expect(outcome(() => pc.setConfiguration({ ...keep, iceCandidatePoolSize: 5 }))).toBe(
      'InvalidModificationError',
    );
    expect(
      outcome(() =>
        pc.setConfiguration({
          ...keep,
          iceCandidatePoolSize: 4,
          iceServers: [{ urls: 'stun:s.example.net' }],
        }),
      ),
    ).toBe('ok');
    expect(pc.getConfiguration()).toMatchObject({
      iceCandidatePoolSize: 4,
      iceServers: [{ urls: ['stun:s.example.net'] }],
    });
    // A refused change leaves the configuration as it was.
    expect(
      outcome(() =>
        pc.setConfiguration({
          ...keep,
          iceCandidatePoolSize: 4,
          iceServers: [{ urls: 'turn:t.example.net' }],
        }),
      ),
    ).toBe('InvalidAccessError');
    expect(pc.getConfiguration().iceServers).toEqual([{ urls: ['stun:s.example.net'] }]);
    pc.close();
    await pc.released;
    expect(outcome(() => pc.setConfiguration(keep))).toBe('InvalidStateError');
  });

  it('gathers with the transport policy set before the first setLocalDescription()', async () => {
    const gathered = async (pc: RTCPeerConnection): Promise<string[]> => {
      const lines: string[] = [];
      pc.addEventListener('icecandidate', (e) => {
        const c = (e as RTCPeerConnectionIceEvent).candidate?.candidate;
        if (c) lines.push(c);
      });
      pc.createDataChannel('x');
      await pc.setLocalDescription();
      await clock.runUntil(() => pc.iceGatheringState === 'complete', { timeoutMs: 5000 });
      return lines;
    };
    expect(await gathered(make())).toHaveLength(1);
    const relayOnly = make();
    relayOnly.setConfiguration({ iceTransportPolicy: 'relay' });
    expect(await gathered(relayOnly)).toEqual([]);
  });
});

describe('RTCPeerConnection.generateCertificate()', () => {
  const rejection = async (algorithm: unknown): Promise<string> => {
    try {
      await RTCPeerConnection.generateCertificate(algorithm as never);
      return 'ok';
    } catch (error) {
      return error instanceof DOMException ? error.name : (error as Error).constructor.name;
    }
  };

  it.each([
    [{ name: 'ECDSA', namedCurve: 'P-256' }, 'ok'],
    [{ name: 'ecdsa', namedCurve: 'P-256' }, 'ok'],
    [{ name: 'ECDSA', namedCurve: 'P-256', expires: 0 }, 'ok'],
    [{ name: 'ECDSA', namedCurve: 'P-384' }, 'NotSupportedError'],
    [{ name: 'ECDSA' }, 'TypeError'],
    ['ECDSA', 'TypeError'],
    ['invalid-algo', 'NotSupportedError'],
    [{ name: 'invalid-algo' }, 'NotSupportedError'],
    [
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      'ok',
    ],
    [
      {
        name: 'rsassa-pkcs1-v1_5',
        modulusLength: 1024,
        publicExponent: new Uint8Array([0, 1, 0, 1]),
        hash: { name: 'sha-256' },
      },
      'ok',
    ],
    [
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([3]),
        hash: 'SHA-256',
      },
      'NotSupportedError',
    ],
    [
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 512,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      },
      'NotSupportedError',
    ],
    [
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-1',
      },
      'NotSupportedError',
    ],
    [{ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, hash: 'SHA-256' }, 'TypeError'],
    [
      {
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: [1, 0, 1],
        hash: 'SHA-256',
      },
      'TypeError',
    ],
    [{ name: 'ECDSA', namedCurve: 'P-256', expires: -1 }, 'TypeError'],
    [{ name: 'ECDSA', namedCurve: 'P-256', expires: 'invalid' }, 'TypeError'],
    [{}, 'TypeError'],
  ])('%j -> %s', async (algorithm, expected) => {
    expect(await rejection(algorithm)).toBe(expected);
  });

  it('gives the expiry asked for (capped at 365 days), and 30 days by default', async () => {
    const day = 24 * 3600 * 1000;
    const at = Date.now();
    const soon = await RTCPeerConnection.generateCertificate({
      name: 'ECDSA',
      namedCurve: 'P-256',
      expires: 2000,
    });
    expect(Math.abs(soon.expires - (at + 2000))).toBeLessThanOrEqual(1000);
    const expired = await RTCPeerConnection.generateCertificate({
      name: 'ECDSA',
      namedCurve: 'P-256',
      expires: 0,
    });
    expect(expired.expires).toBeLessThanOrEqual(Date.now());
    const capped = await RTCPeerConnection.generateCertificate({
      name: 'ECDSA',
      namedCurve: 'P-256',
      expires: 1000 * day,
    });
    expect(Math.abs(capped.expires - (at + 365 * day))).toBeLessThanOrEqual(2000);
    const usual = await RTCPeerConnection.generateCertificate({
      name: 'ECDSA',
      namedCurve: 'P-256',
    });
    expect(Math.abs(usual.expires - (at + 30 * day))).toBeLessThanOrEqual(2000);
    // An expired certificate cannot be used (webrtc-pc: InvalidAccessError).
    expect(outcome(() => make({ certificates: [expired] }))).toBe('InvalidAccessError');
  });

  it('connects two peers with RSA certificates (ECDHE_RSA, RSA signatures both ways)', async () => {
    const rsa = (): Promise<RTCCertificate> =>
      RTCPeerConnection.generateCertificate({
        name: 'RSASSA-PKCS1-v1_5',
        modulusLength: 2048,
        publicExponent: new Uint8Array([1, 0, 1]),
        hash: 'SHA-256',
      });
    const a = make({ certificates: [await rsa()] });
    const b = new RTCPeerConnection({ ...base, net: otherHost, certificates: [await rsa()] });
    open.push(b);
    trickle(a, b);
    trickle(b, a);
    const channel = a.createDataChannel('rsa');
    await negotiate(a, b);
    await clock.runUntil(() => channel.readyState === 'open', { timeoutMs: 10_000 });
    const transport = [...(await a.getStats()).values()].find((s) => s.type === 'transport');
    expect(transport).toMatchObject({ dtlsCipher: 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' });
  });
});
