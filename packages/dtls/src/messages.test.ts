import { describe, expect, it } from 'vitest';
import { ParseError } from './errors.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeClientHello,
  decodeClientKeyExchange,
  decodeFinished,
  decodeHelloVerifyRequest,
  decodeServerHello,
  decodeServerKeyExchange,
  decodeSigned,
  encodeCertificate,
  encodeCertificateRequest,
  encodeClientHello,
  encodeClientKeyExchange,
  encodeHelloVerifyRequest,
  encodeServerHello,
  encodeServerKeyExchangeParams,
  encodeSigned,
} from './messages.js';

const random = Buffer.alloc(32, 0xab);

interface Case {
  name: string;
  encoded: Buffer;
  decode: (b: Buffer) => unknown;
  expected: unknown;
  /** For hellos: the length without extensions, a valid cut (RFC 5246 §7.4.1.2). */
  validCut?: number;
}

const clientHello = {
  version: 0xfefd,
  random,
  sessionId: Buffer.alloc(0),
  cookie: Buffer.from('cookie'),
  cipherSuites: [0xc02b, 0xc02c, 0xcca9],
  compressionMethods: [0],
  extensions: {
    renegotiationInfo: Buffer.alloc(0),
    extendedMasterSecret: true,
    supportedGroups: [29, 23],
    pointFormats: [0],
    signatureAlgorithms: [0x0403, 0x0804],
    srtp: { profiles: [1, 7], mki: Buffer.alloc(0) },
  },
};
const serverHello = {
  version: 0xfefd,
  random,
  sessionId: Buffer.from([1, 2, 3]),
  cipherSuite: 0xc02b,
  compressionMethod: 0,
  extensions: {
    extendedMasterSecret: true,
    renegotiationInfo: Buffer.alloc(0),
    srtp: { profiles: [7], mki: Buffer.alloc(0) },
  },
};
const params = encodeServerKeyExchangeParams(29, Buffer.alloc(32, 5));

const cases: Case[] = [
  {
    name: 'ClientHello',
    encoded: encodeClientHello(clientHello),
    decode: decodeClientHello,
    expected: clientHello,
    validCut: encodeClientHello({ ...clientHello, extensions: {} }).length,
  },
  {
    name: 'ServerHello',
    encoded: encodeServerHello(serverHello),
    decode: decodeServerHello,
    expected: serverHello,
    validCut: encodeServerHello({ ...serverHello, extensions: {} }).length,
  },
  {
    name: 'HelloVerifyRequest',
    encoded: encodeHelloVerifyRequest(0xfeff, Buffer.from('c00k1e')),
    decode: decodeHelloVerifyRequest,
    expected: { version: 0xfeff, cookie: Buffer.from('c00k1e') },
  },
  {
    name: 'Certificate',
    encoded: encodeCertificate([Buffer.from('leaf'), Buffer.from('ca')]),
    decode: decodeCertificate,
    expected: [Buffer.from('leaf'), Buffer.from('ca')],
  },
  {
    name: 'Certificate (empty)',
    encoded: encodeCertificate([]),
    decode: decodeCertificate,
    expected: [],
  },
  {
    name: 'ServerKeyExchange',
    encoded: Buffer.concat([
      params,
      encodeSigned({ scheme: 0x0403, signature: Buffer.from('sig') }),
    ]),
    decode: decodeServerKeyExchange,
    expected: {
      group: 29,
      publicKey: Buffer.alloc(32, 5),
      params,
      scheme: 0x0403,
      signature: Buffer.from('sig'),
    },
  },
  {
    name: 'CertificateRequest',
    encoded: encodeCertificateRequest({
      certificateTypes: [64, 1],
      signatureAlgorithms: [0x0403, 0x0401],
    }),
    decode: decodeCertificateRequest,
    expected: { certificateTypes: [64, 1], signatureAlgorithms: [0x0403, 0x0401] },
  },
  {
    name: 'ClientKeyExchange',
    encoded: encodeClientKeyExchange(Buffer.alloc(65, 4)),
    decode: decodeClientKeyExchange,
    expected: Buffer.alloc(65, 4),
  },
  {
    name: 'CertificateVerify',
    encoded: encodeSigned({ scheme: 0x0403, signature: Buffer.from('signature') }),
    decode: decodeSigned,
    expected: { scheme: 0x0403, signature: Buffer.from('signature') },
  },
  {
    name: 'Finished',
    encoded: Buffer.alloc(12, 9),
    decode: decodeFinished,
    expected: Buffer.alloc(12, 9),
  },
];

describe('handshake messages', () => {
  for (const c of cases) {
    it(`${c.name}: decodes what it encodes`, () => {
      expect(c.decode(c.encoded)).toEqual(c.expected);
    });
    it(`${c.name}: every truncation or extra byte is a ParseError`, () => {
      for (let n = 0; n < c.encoded.length; n++) {
        if (n === c.validCut) continue;
        expect(() => c.decode(c.encoded.subarray(0, n)), `cut at ${n}`).toThrow(ParseError);
      }
      expect(() => c.decode(Buffer.concat([c.encoded, Buffer.of(0)]))).toThrow(ParseError);
    });
  }

  it('rejects duplicate extensions (RFC 5246 §7.4.1.4)', () => {
    const ext = Buffer.from('0017000000170000', 'hex');
    const body = Buffer.concat([
      encodeServerHello({ ...serverHello, extensions: {} }),
      Buffer.of(0, ext.length),
      ext,
    ]);
    expect(() => decodeServerHello(body)).toThrow(/duplicate/);
  });

  it('ignores unknown extensions', () => {
    const ext = Buffer.from('abcd0002ffff', 'hex');
    const body = Buffer.concat([
      encodeServerHello({ ...serverHello, extensions: {} }),
      Buffer.of(0, ext.length),
      ext,
    ]);
    expect(decodeServerHello(body).extensions).toEqual({});
  });
});
