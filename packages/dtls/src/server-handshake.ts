import { randomBytes } from 'node:crypto';
import { certificateAuth, suiteParams } from './cipher-suite.js';
import { AlertDescription, CertificateType, DTLS_1_2, HandshakeType } from './constants.js';
import type { HandshakeMessage } from './handshake-codec.js';
import { Handshake, type HandshakeHost, type StepHandlers } from './handshake.js';
import { createKeyShare, type KeyShare, SUPPORTED_GROUPS } from './key-exchange.js';
import {
  type ClientHello,
  decodeCertificate,
  decodeClientKeyExchange,
  decodeFinished,
  decodeSigned,
  encodeCertificate,
  encodeCertificateRequest,
  encodeServerHello,
  encodeServerKeyExchangeParams,
  encodeSigned,
} from './messages.js';
import { NamedGroup } from './constants.js';
import { ACCEPTED_SCHEMES, ourScheme, signData, verifyData } from './signature.js';
import { ownedCopy } from './owned-copy.js';

type Step = 'certificate' | 'key-exchange' | 'verify' | 'finished' | 'complete';

/**
 * @internal The server side of the full handshake, created only once a ClientHello came back
 * with a valid cookie (RFC 6347 §4.2.1): flight 4 (ServerHello, Certificate,
 * ServerKeyExchange, CertificateRequest, ServerHelloDone), then flight 6 (ChangeCipherSpec,
 * Finished) after the client's Finished verifies.
 */
export class ServerHandshake extends Handshake {
  private step: Step = 'key-exchange';
  private keyShare: KeyShare | undefined;
  private readonly requestCertificate: boolean;

  constructor(
    host: HandshakeHost,
    private readonly hello: ClientHello,
    helloMessage: HandshakeMessage,
  ) {
    super(host);
    this.requestCertificate =
      host.config.requireClientCertificate || host.config.remoteFingerprints !== undefined;
    // The server answers with the ClientHello's message_seq (RFC 6347 §4.2.2: the
    // HelloVerifyRequest reused it, and the server kept no state since).
    this.sendSeq = helloMessage.seq;
    this.reassembler.reset(helloMessage.seq + 1);
    this.peerFlightEnd = helloMessage.seq;
    this.transcript.push(helloMessage.raw);
  }

  /** Negotiates and sends flight 4. */
  start(): void {
    const c = this.config;
    const hello = this.hello;
    const ext = hello.extensions;
    if (hello.version !== DTLS_1_2 && hello.version > DTLS_1_2) {
      this.abort(AlertDescription.ProtocolVersion, 'client does not offer DTLS 1.2');
      return;
    }
    // Only a suite our certificate can sign for (RFC 5246 §7.4.2).
    const auth = certificateAuth(c.certificate.privateKey);
    const suiteId = c.cipherSuites.find(
      (s) => hello.cipherSuites.includes(s) && suiteParams(s)!.auth === auth,
    );
    const suite = suiteId === undefined ? undefined : suiteParams(suiteId);
    if (!suite) {
      this.abort(AlertDescription.HandshakeFailure, 'no cipher suite in common');
      return;
    }
    if (!hello.compressionMethods.includes(0)) {
      this.abort(AlertDescription.IllegalParameter, 'client does not offer null compression');
      return;
    }
    // RFC 8422 §5.1.1: without supported_groups the client supports any group; pick P-256.
    const group = ext.supportedGroups
      ? SUPPORTED_GROUPS.find((g) => ext.supportedGroups!.includes(g))
      : NamedGroup.Secp256r1;
    if (group === undefined) {
      this.abort(AlertDescription.HandshakeFailure, 'no ECDHE group in common');
      return;
    }
    if (ext.pointFormats && !ext.pointFormats.includes(0)) {
      this.abort(AlertDescription.IllegalParameter, 'client lacks uncompressed points');
      return;
    }
    const scheme = ourScheme(c.certificate.privateKey, ext.signatureAlgorithms);
    if (scheme === undefined) {
      this.abort(
        AlertDescription.HandshakeFailure,
        'the client accepts no signature scheme our certificate can make',
      );
      return;
    }
    if (ext.renegotiationInfo && ext.renegotiationInfo.length !== 0) {
      this.abort(AlertDescription.HandshakeFailure, 'non-empty renegotiation_info');
      return;
    }
    this.extendedMasterSecret = ext.extendedMasterSecret === true;
    if (!this.extendedMasterSecret && c.requireExtendedMasterSecret) {
      this.abort(AlertDescription.HandshakeFailure, 'client did not offer extended_master_secret');
      return;
    }
    if (!this.acceptRecordSizeLimit(ext.recordSizeLimit)) return;
    // RFC 5764 §4.1.1: our most preferred profile that the client offers, if any.
    if (ext.srtp) this.srtpProfile = c.srtpProfiles.find((p) => ext.srtp!.profiles.includes(p));
    this.suite = suite;
    this.clientRandom = ownedCopy(hello.random);
    this.serverRandom = randomBytes(32);
    this.keyShare = createKeyShare(group);

    const items: HandshakeMessage[] = [];
    const push = (type: number, body: Uint8Array): void => this.append(items, type, body);
    push(
      HandshakeType.ServerHello,
      encodeServerHello({
        version: DTLS_1_2,
        random: this.serverRandom,
        sessionId: Buffer.alloc(0),
        cipherSuite: suite.id,
        compressionMethod: 0,
        extensions: {
          // RFC 5746 §3.6: echo renegotiation_info when the client sent it (or the SCSV).
          ...(ext.renegotiationInfo || hello.cipherSuites.includes(0x00ff)
            ? { renegotiationInfo: Buffer.alloc(0) }
            : {}),
          ...(this.extendedMasterSecret ? { extendedMasterSecret: true } : {}),
          ...(ext.pointFormats ? { pointFormats: [0] } : {}),
          // RFC 8449 §4: only in answer to the client's.
          ...(ext.recordSizeLimit !== undefined ? { recordSizeLimit: c.recordSizeLimit } : {}),
          ...(this.srtpProfile !== undefined
            ? { srtp: { profiles: [this.srtpProfile], mki: Buffer.alloc(0) } }
            : {}),
        },
      }),
    );
    push(HandshakeType.Certificate, encodeCertificate([c.certificate.der]));
    const params = encodeServerKeyExchangeParams(group, this.keyShare.publicKey);
    const signature = signData(
      c.certificate.privateKey,
      Buffer.concat([this.clientRandom, this.serverRandom, params]),
      scheme,
    );
    push(
      HandshakeType.ServerKeyExchange,
      Buffer.concat([params, encodeSigned({ scheme, signature })]),
    );
    if (this.requestCertificate) {
      push(
        HandshakeType.CertificateRequest,
        encodeCertificateRequest({
          certificateTypes: [CertificateType.EcdsaSign, CertificateType.RsaSign],
          signatureAlgorithms: [...ACCEPTED_SCHEMES],
        }),
      );
      this.step = 'certificate';
    }
    push(HandshakeType.ServerHelloDone, Buffer.alloc(0));
    this.sendFlight(
      items.map((message) => ({ message, epoch: 0 as const })),
      true,
    );
  }

  /** RFC 6347 §4.2.4 / RFC 5246 §7.3: the client's messages each step accepts. */
  private readonly steps: Record<Step, StepHandlers> = {
    certificate: { [HandshakeType.Certificate]: (m) => this.onCertificate(m) },
    'key-exchange': { [HandshakeType.ClientKeyExchange]: (m) => this.onClientKeyExchange(m) },
    verify: { [HandshakeType.CertificateVerify]: (m) => this.onCertificateVerify(m) },
    finished: { [HandshakeType.Finished]: (m) => this.onFinished(m) },
    complete: {},
  };

  protected handle(m: HandshakeMessage): void {
    this.dispatch(this.steps[this.step], m);
  }

  private onCertificate(m: HandshakeMessage): void {
    const chain = decodeCertificate(m.body);
    if (chain.length === 0) {
      if (this.config.requireClientCertificate || this.config.remoteFingerprints) {
        this.abort(AlertDescription.HandshakeFailure, 'the client sent no certificate');
        return;
      }
    } else if (!this.acceptCertificate(chain)) {
      return;
    }
    this.transcript.push(m.raw);
    this.step = 'key-exchange';
  }

  private onClientKeyExchange(m: HandshakeMessage): void {
    const pub = decodeClientKeyExchange(m.body);
    let preMaster: Buffer;
    try {
      preMaster = this.keyShare!.computeSecret(pub);
    } catch {
      this.abort(AlertDescription.IllegalParameter, 'bad ECDHE public value');
      return;
    }
    this.transcript.push(m.raw);
    this.deriveKeys(preMaster, false);
    this.step = this.peerKey ? 'verify' : 'finished';
  }

  private onCertificateVerify(m: HandshakeMessage): void {
    const { scheme, signature } = decodeSigned(m.body);
    // RFC 5246 §7.4.8: the signature covers every handshake message before this one.
    if (!verifyData(scheme, this.peerKey!, Buffer.concat(this.transcript), signature)) {
      this.abort(AlertDescription.DecryptError, 'bad CertificateVerify signature');
      return;
    }
    this.transcript.push(m.raw);
    this.step = 'finished';
  }

  private onFinished(m: HandshakeMessage): void {
    if (!this.checkFinished(decodeFinished(m.body), true)) {
      this.abort(AlertDescription.DecryptError, 'client Finished does not verify');
      return;
    }
    this.transcript.push(m.raw);
    this.peerFlightEnd = m.seq;
    const finished = this.message(HandshakeType.Finished, this.finishedData(false));
    this.transcript.push(finished.raw);
    this.step = 'complete';
    // Flight 6 is the last: no timer, sent again when the client repeats flight 5.
    this.sendFlight([{ ccs: true }, { message: finished, epoch: 1 }], false);
    this.finish(true);
  }
}
