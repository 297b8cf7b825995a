import { randomBytes } from 'node:crypto';
import { certificateAuth, suiteParams } from './cipher-suite.js';
import { AlertDescription, DTLS_1_2, HandshakeType } from './constants.js';
import type { HandshakeMessage } from './handshake-codec.js';
import { createKeyShare, type KeyShare, SUPPORTED_GROUPS } from './key-exchange.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeFinished,
  decodeHelloVerifyRequest,
  decodeServerHello,
  decodeServerKeyExchange,
  encodeCertificate,
  encodeClientHello,
  encodeClientKeyExchange,
  encodeSigned,
  HELLO_VERSION,
} from './messages.js';
import { Handshake, type StepHandlers } from './handshake.js';
import { ACCEPTED_SCHEMES, ourScheme, signData, verifyData } from './signature.js';
import { ownedCopy } from './owned-copy.js';

type Step =
  | 'hello'
  | 'certificate'
  | 'key-exchange'
  | 'request-or-done'
  | 'done'
  | 'finished'
  | 'complete';

/**
 * @internal The client side of the full handshake (RFC 6347 §4.2.1, RFC 5246 §7.3):
 * flights 1/3 (ClientHello, again with the cookie), then 5 (Certificate, ClientKeyExchange,
 * CertificateVerify, ChangeCipherSpec, Finished), ending on the server's Finished.
 */
export class ClientHandshake extends Handshake {
  private step: Step = 'hello';
  private cookie: Buffer = Buffer.alloc(0);
  private keyShare: KeyShare | undefined;
  /** The scheme of our CertificateVerify, from the server's CertificateRequest. */
  private verifyScheme: number | undefined;
  private preMaster: Buffer | undefined;
  private certificateRequested = false;

  start(): void {
    this.clientRandom = randomBytes(32);
    this.sendHello();
  }

  private sendHello(): void {
    const c = this.config;
    const m = this.message(
      HandshakeType.ClientHello,
      encodeClientHello({
        version: HELLO_VERSION,
        random: this.clientRandom,
        sessionId: Buffer.alloc(0),
        cookie: this.cookie,
        cipherSuites: [...c.cipherSuites],
        compressionMethods: [0],
        extensions: {
          renegotiationInfo: Buffer.alloc(0),
          extendedMasterSecret: true,
          supportedGroups: [...SUPPORTED_GROUPS],
          pointFormats: [0],
          signatureAlgorithms: [...ACCEPTED_SCHEMES],
          recordSizeLimit: c.recordSizeLimit,
          ...(c.srtpProfiles.length
            ? { srtp: { profiles: [...c.srtpProfiles], mki: Buffer.alloc(0) } }
            : {}),
        },
      }),
    );
    // RFC 6347 §4.2.1: the transcript starts over with the ClientHello that carries the cookie.
    this.transcript.length = 0;
    this.transcript.push(m.raw);
    this.sendFlight([{ message: m, epoch: 0 }], true);
  }

  /** RFC 6347 §4.2.4 / RFC 5246 §7.3: the server's messages each step accepts. */
  private readonly steps: Record<Step, StepHandlers> = {
    hello: {
      [HandshakeType.HelloVerifyRequest]: (m) => this.onHelloVerifyRequest(m),
      [HandshakeType.ServerHello]: (m) => this.onServerHello(m),
    },
    certificate: { [HandshakeType.Certificate]: (m) => this.onCertificate(m) },
    'key-exchange': { [HandshakeType.ServerKeyExchange]: (m) => this.onServerKeyExchange(m) },
    'request-or-done': {
      [HandshakeType.CertificateRequest]: (m) => this.onCertificateRequest(m),
      [HandshakeType.ServerHelloDone]: (m) => this.onServerHelloDone(m),
    },
    done: { [HandshakeType.ServerHelloDone]: (m) => this.onServerHelloDone(m) },
    finished: { [HandshakeType.Finished]: (m) => this.onFinished(m) },
    complete: {},
  };

  protected handle(m: HandshakeMessage): void {
    this.dispatch(this.steps[this.step], m);
  }

  private onHelloVerifyRequest(m: HandshakeMessage): void {
    const { cookie } = decodeHelloVerifyRequest(m.body);
    this.cookie = Buffer.from(cookie);
    this.sendHello();
  }

  private onServerHello(m: HandshakeMessage): void {
    const hello = decodeServerHello(m.body);
    const c = this.config;
    if (hello.version !== DTLS_1_2) {
      this.abort(AlertDescription.ProtocolVersion, 'server is not DTLS 1.2');
      return;
    }
    const suite = suiteParams(hello.cipherSuite);
    if (!suite || !c.cipherSuites.includes(hello.cipherSuite)) {
      this.abort(
        AlertDescription.IllegalParameter,
        `server chose cipher suite ${hello.cipherSuite}`,
      );
      return;
    }
    if (hello.compressionMethod !== 0) {
      this.abort(AlertDescription.IllegalParameter, 'server chose compression');
      return;
    }
    const ext = hello.extensions;
    // RFC 5746 §3.4: on a first handshake renegotiated_connection must be empty.
    if (ext.renegotiationInfo && ext.renegotiationInfo.length !== 0) {
      this.abort(AlertDescription.HandshakeFailure, 'non-empty renegotiation_info');
      return;
    }
    this.extendedMasterSecret = ext.extendedMasterSecret === true;
    if (!this.extendedMasterSecret && c.requireExtendedMasterSecret) {
      this.abort(
        AlertDescription.HandshakeFailure,
        'server did not negotiate extended_master_secret',
      );
      return;
    }
    if (!this.acceptRecordSizeLimit(ext.recordSizeLimit)) return;
    if (ext.srtp) {
      // RFC 5764 §4.1.1: exactly one profile, one that we offered.
      const p = ext.srtp.profiles;
      if (p.length !== 1 || !c.srtpProfiles.includes(p[0]!)) {
        this.abort(
          AlertDescription.IllegalParameter,
          'server chose an SRTP profile we did not offer',
        );
        return;
      }
      this.srtpProfile = p[0];
    }
    this.suite = suite;
    this.serverRandom = ownedCopy(hello.random);
    this.transcript.push(m.raw);
    this.step = 'certificate';
  }

  private onCertificate(m: HandshakeMessage): void {
    const chain = decodeCertificate(m.body);
    if (!this.acceptCertificate(chain)) return;
    // RFC 8422 §5.3 / RFC 5246 §7.4.2: the certificate's key type is the one the suite names.
    if (certificateAuth(this.peerKey!) !== this.suite!.auth) {
      this.abort(
        AlertDescription.UnsupportedCertificate,
        `the server's ${this.peerKey!.asymmetricKeyType} certificate does not fit a ${this.suite!.auth.toUpperCase()} suite`,
      );
      return;
    }
    this.transcript.push(m.raw);
    this.step = 'key-exchange';
  }

  private onServerKeyExchange(m: HandshakeMessage): void {
    const ske = decodeServerKeyExchange(m.body);
    if (!SUPPORTED_GROUPS.includes(ske.group)) {
      this.abort(AlertDescription.IllegalParameter, `server chose group ${ske.group}`);
      return;
    }
    // RFC 8422 §5.4: the signature covers ClientHello.random + ServerHello.random + params.
    const signed = Buffer.concat([this.clientRandom, this.serverRandom, ske.params]);
    if (!verifyData(ske.scheme, this.peerKey!, signed, ske.signature)) {
      this.abort(AlertDescription.DecryptError, 'bad ServerKeyExchange signature');
      return;
    }
    this.keyShare = createKeyShare(ske.group);
    try {
      this.preMaster = this.keyShare.computeSecret(ske.publicKey);
    } catch {
      this.abort(AlertDescription.IllegalParameter, 'bad ECDHE public value');
      return;
    }
    this.transcript.push(m.raw);
    this.step = 'request-or-done';
  }

  private onCertificateRequest(m: HandshakeMessage): void {
    const request = decodeCertificateRequest(m.body);
    // RFC 5246 §7.4.8: CertificateVerify uses a scheme of the request's list.
    this.verifyScheme = ourScheme(this.config.certificate.privateKey, request.signatureAlgorithms);
    if (this.verifyScheme === undefined) {
      this.abort(
        AlertDescription.HandshakeFailure,
        'the server accepts no signature scheme our certificate can make',
      );
      return;
    }
    this.certificateRequested = true;
    this.transcript.push(m.raw);
    this.step = 'done';
  }

  /** Flight 5 (RFC 5246 §7.3, RFC 6347 §4.2.4). */
  private onServerHelloDone(m: HandshakeMessage): void {
    if (m.body.length !== 0) {
      this.abort(AlertDescription.DecodeError, 'ServerHelloDone with a body');
      return;
    }
    this.transcript.push(m.raw);
    this.peerFlightEnd = m.seq;
    const items: HandshakeMessage[] = [];
    const push = (type: number, body: Uint8Array): void => this.append(items, type, body);
    const certificate = this.config.certificate;
    if (this.certificateRequested)
      push(HandshakeType.Certificate, encodeCertificate([certificate.der]));
    push(HandshakeType.ClientKeyExchange, encodeClientKeyExchange(this.keyShare!.publicKey));
    // RFC 7627 §4: the session hash runs through ClientKeyExchange.
    this.deriveKeys(this.preMaster!, true);
    if (this.certificateRequested) {
      const scheme = this.verifyScheme!;
      const signature = signData(certificate.privateKey, Buffer.concat(this.transcript), scheme);
      push(HandshakeType.CertificateVerify, encodeSigned({ scheme, signature }));
    }
    push(HandshakeType.Finished, this.finishedData(true));
    const finished = items.pop()!;
    this.step = 'finished';
    this.sendFlight(
      [
        ...items.map((message) => ({ message, epoch: 0 as const })),
        { ccs: true },
        { message: finished, epoch: 1 },
      ],
      true,
    );
  }

  private onFinished(m: HandshakeMessage): void {
    if (!this.checkFinished(decodeFinished(m.body), false)) {
      this.abort(AlertDescription.DecryptError, 'server Finished does not verify');
      return;
    }
    this.transcript.push(m.raw);
    this.step = 'complete';
    this.finish(false);
  }
}
