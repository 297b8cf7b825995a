import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ContentType, HandshakeType } from './constants.js';
import { encodeHandshake, readFragments } from './handshake-codec.js';
import { DtlsTransport, generateCertificate } from './index.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeClientHello,
  decodeClientKeyExchange,
  decodeHelloVerifyRequest,
  decodeServerHello,
  decodeServerKeyExchange,
  decodeSigned,
} from './messages.js';
import { plainRecord, type RecordHeader, readRecordHeader } from './record.js';

interface Capture {
  datagrams: Array<{ from: string; hex: string }>;
}

const load = (name: string): Capture =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Capture;

const decoders: Record<number, (b: Buffer) => unknown> = {
  [HandshakeType.ClientHello]: decodeClientHello,
  [HandshakeType.ServerHello]: decodeServerHello,
  [HandshakeType.HelloVerifyRequest]: decodeHelloVerifyRequest,
  [HandshakeType.Certificate]: decodeCertificate,
  [HandshakeType.ServerKeyExchange]: decodeServerKeyExchange,
  [HandshakeType.CertificateRequest]: decodeCertificateRequest,
  [HandshakeType.ServerHelloDone]: (b) => {
    if (b.length !== 0) throw new Error('ServerHelloDone with a body');
  },
  [HandshakeType.ClientKeyExchange]: decodeClientKeyExchange,
  [HandshakeType.CertificateVerify]: decodeSigned,
};

const NAMES = Object.fromEntries(Object.entries(HandshakeType).map(([k, v]) => [v, k]));

/** Every record of a capture, described: plaintext handshake messages decoded by type. */
function describeCapture(c: Capture): string[] {
  const out: string[] = [];
  const h: RecordHeader = { type: 0, version: 0, epoch: 0, seq: 0, start: 0, length: 0 };
  for (const d of c.datagrams) {
    const buf = Buffer.from(d.hex, 'hex');
    for (let at = 0; at < buf.length; at = h.start + 13 + h.length) {
      expect(readRecordHeader(buf, at, h)).toBe(true);
      const body = buf.subarray(h.start + 13, h.start + 13 + h.length);
      if (h.epoch === 1) {
        out.push(
          `${d.from} encrypted ${h.type === ContentType.Handshake ? 'Finished' : h.type === ContentType.Alert ? 'Alert' : h.type}`,
        );
      } else if (h.type === ContentType.Handshake) {
        for (const f of readFragments(body)) {
          expect(f.offset).toBe(0);
          expect(f.data.length).toBe(f.length);
          decoders[f.type]!(Buffer.from(f.data));
          out.push(`${d.from} ${NAMES[f.type]}`);
        }
      } else {
        out.push(
          `${d.from} ${h.type === ContentType.ChangeCipherSpec ? 'ChangeCipherSpec' : h.type}`,
        );
      }
    }
  }
  return out;
}

describe('captured handshakes with OpenSSL 3.0 (fixtures)', () => {
  it('@x/dtls client with openssl s_server -listen: every record and message decodes, in the order of RFC 6347 §4.2.4', () => {
    expect(describeCapture(load('x-client-openssl-server'))).toEqual([
      'x-client ClientHello',
      'openssl-server HelloVerifyRequest',
      'x-client ClientHello',
      'openssl-server ServerHello',
      'openssl-server Certificate',
      'openssl-server ServerKeyExchange',
      'openssl-server CertificateRequest',
      'openssl-server ServerHelloDone',
      'x-client Certificate',
      'x-client ClientKeyExchange',
      'x-client CertificateVerify',
      'x-client ChangeCipherSpec',
      'x-client encrypted Finished',
      'openssl-server ChangeCipherSpec',
      'openssl-server encrypted Finished',
      'x-client encrypted Alert',
      'openssl-server encrypted Alert',
    ]);
  });

  it('openssl s_client with the @x/dtls server: every record and message decodes', () => {
    const seen = describeCapture(load('openssl-client-x-server'));
    expect(seen.slice(0, 8)).toEqual([
      'openssl-client ClientHello',
      'x-server HelloVerifyRequest',
      'openssl-client ClientHello',
      'x-server ServerHello',
      'x-server Certificate',
      'x-server ServerKeyExchange',
      'x-server CertificateRequest',
      'x-server ServerHelloDone',
    ]);
    expect(seen).toContain('openssl-client CertificateVerify');
  });

  it("answers OpenSSL's captured ClientHello statelessly, then with flight 4 once the cookie returns", () => {
    const first = Buffer.from(load('openssl-client-x-server').datagrams[0]!.hex, 'hex');
    const out: Buffer[] = [];
    const server = new DtlsTransport({
      role: 'server',
      certificate: generateCertificate(),
      send: (d) => out.push(d),
    });
    server.start();
    server.handleDatagram(first);
    const h: RecordHeader = { type: 0, version: 0, epoch: 0, seq: 0, start: 0, length: 0 };
    readRecordHeader(first, 0, h);
    const helloFragment = readFragments(first.subarray(13, 13 + h.length))[0]!;
    // RFC 6347 §4.2.1: same record sequence number and message_seq as the ClientHello.
    expect(out).toHaveLength(1);
    const hvr = out[0]!;
    const hh: RecordHeader = { ...h };
    readRecordHeader(hvr, 0, hh);
    expect(hh.seq).toBe(h.seq);
    const [hvrMessage] = readFragments(hvr.subarray(13));
    expect(hvrMessage!.type).toBe(HandshakeType.HelloVerifyRequest);
    expect(hvrMessage!.seq).toBe(helloFragment.seq);
    const { cookie } = decodeHelloVerifyRequest(Buffer.from(hvrMessage!.data));

    const body = Buffer.from(helloFragment.data);
    const hello = decodeClientHello(body);
    // The same ClientHello with the cookie spliced in (the cookie covers every other byte).
    const cookieAt = 2 + 32 + 1 + hello.sessionId.length;
    const withCookie = Buffer.concat([
      body.subarray(0, cookieAt),
      Buffer.of(cookie.length),
      cookie,
      body.subarray(cookieAt + 1 + hello.cookie.length),
    ]);
    expect(decodeClientHello(withCookie)).toEqual({ ...hello, cookie });
    const second = encodeHandshake(HandshakeType.ClientHello, 1, withCookie);
    out.length = 0;
    server.handleDatagram(plainRecord(ContentType.Handshake, 0, h.seq + 1, second.raw));
    const [serverHello] = readFragments(out[0]!.subarray(13, 13 + out[0]!.readUInt16BE(11)));
    expect(serverHello!.type).toBe(HandshakeType.ServerHello);
    const sh = decodeServerHello(Buffer.from(serverHello!.data));
    expect(hello.cipherSuites).toContain(sh.cipherSuite);
    expect(sh.extensions.extendedMasterSecret).toBe(true);
    expect(sh.extensions.renegotiationInfo).toEqual(Buffer.alloc(0));
    server.close();
  });
});
