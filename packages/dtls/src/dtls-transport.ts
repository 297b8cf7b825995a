import { type Clock, lateStateChange, SerialNotifier } from '@x/transport';
import type { CipherSuite } from './cipher-suite.js';
import type { RecordProtection } from './cipher-suite.js';
import { ClientHandshake } from './client-handshake.js';
import {
  type DtlsTransportOptions,
  initialTimeout,
  type ResolvedConfig,
  resolveConfig,
} from './config.js';
import {
  AlertDescription,
  AlertLevel,
  ContentType,
  HANDSHAKE_HEADER,
  RECORD_HEADER,
  type SrtpProtectionProfile,
} from './constants.js';
import { DtlsError, DtlsStateError } from './errors.js';
import { fragmentHandshake, readFragments } from './handshake-codec.js';
import type { FlightItem, Handshake, HandshakeHost } from './handshake.js';
import { HelloGate } from './hello-gate.js';
import type { DtlsTransportStats } from './stats.js';
import { log } from './log.js';
import { exportKeyingMaterial } from './prf.js';
import { MAX_PLAINTEXT, plainRecord, type RecordHeader, readRecordHeader } from './record.js';
import { ReplayWindow } from './replay-window.js';
import { ServerHandshake } from './server-handshake.js';
import {
  type DtlsStateCause,
  type DtlsStateChange,
  type DtlsStateHandler,
  DtlsTransportState,
} from './transport-state.js';

const MAX_EARLY_RECORDS = 16;
/** The largest ClientHello a server buffers while it is still stateless (RFC 9147 §5.1). */
const CCS_BODY = Buffer.of(1);

/**
 * A DTLS 1.2 endpoint (RFC 6347) over a datagram transport the caller owns: datagrams go
 * out through `options.send` and come in through {@link DtlsTransport.handleDatagram}.
 * State changes are reported to the constructor's callback (ARCHITECTURE.md, the state
 * contract). Bad network input never throws: it is dropped, counted in
 * {@link DtlsTransport.stats} and logged under `NODE_DEBUG=x:dtls`.
 */
export class DtlsTransport {
  private readonly config: ResolvedConfig;
  private readonly sendDatagram: (datagram: Buffer) => void;
  private readonly onData: ((data: Buffer) => void) | undefined;
  private readonly notifier: SerialNotifier<[DtlsStateChange]>;
  private readonly clock: Clock;
  private current = DtlsTransportState.New;
  private hs: Handshake | undefined;
  /** Server: admits the ClientHello that starts the handshake. */
  private readonly gate: HelloGate;
  private readonly host: HandshakeHost;
  private readonly counters: DtlsTransportStats = {
    datagramsSent: 0,
    datagramsReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    messagesReceived: 0,
    messagesSent: 0,
    malformed: 0,
    badMac: 0,
    replayed: 0,
    wrongEpoch: 0,
    handshakeDropped: 0,
    retransmissions: 0,
    alertsSent: 0,
    alertsReceived: 0,
    internalErrors: 0,
  };
  private readonly header: RecordHeader = {
    type: 0,
    version: 0,
    epoch: 0,
    seq: 0,
    start: 0,
    length: 0,
  };
  /** Replay window of epoch 1 (RFC 6347 §4.1.2.6). */
  private readonly window = new ReplayWindow();
  private writeSeq = [0, 0];
  private write: RecordProtection | undefined;
  private read: RecordProtection | undefined;
  /** Epoch-1 records that arrived before the keys (reordering): replayed once keys exist. */
  private early: Buffer[] = [];
  /** Application data decrypted before the handshake completed, delivered on completion. */
  private earlyData: Buffer[] = [];
  /** True once we sent our ChangeCipherSpec: alerts then go out under epoch 1. */
  private writeEpoch1 = false;

  /**
   * @param options - role, certificate, send function and the rest (see {@link DtlsTransportOptions}).
   * @param onStateChange - called after each state change, in order, never re-entrantly.
   */
  constructor(options: DtlsTransportOptions, onStateChange?: DtlsStateHandler) {
    this.config = resolveConfig(options);
    this.clock = this.config.clock;
    this.sendDatagram = options.send;
    this.onData = options.onData;
    this.notifier = new SerialNotifier<[DtlsStateChange]>(onStateChange ?? (() => {}), (e) => {
      log('state handler threw: %s', e);
      options.onHandlerError?.(e);
    });
    this.host = this.createHost();
    this.gate = new HelloGate(this.config, this.counters, (d) => this.emit(d));
  }

  /** The current state. */
  get state(): DtlsTransportState {
    return this.current;
  }

  /** Our role. */
  get role(): 'client' | 'server' {
    return this.config.role;
  }

  /** A snapshot of the counters. */
  get stats(): Readonly<DtlsTransportStats> {
    return { ...this.counters };
  }

  /** The negotiated cipher suite, once connected. */
  get cipherSuite(): CipherSuite | undefined {
    return this.hs?.done ? (this.hs.suite!.id as CipherSuite) : undefined;
  }

  /** The SRTP profile negotiated by `use_srtp` (RFC 5764), once connected; undefined if none. */
  get srtpProfile(): SrtpProtectionProfile | undefined {
    return this.hs?.done ? (this.hs.srtpProfile as SrtpProtectionProfile | undefined) : undefined;
  }

  /**
   * The largest record plaintext the peer accepts, from its `record_size_limit` (RFC 8449),
   * once connected; undefined when the peer did not send the extension (then DTLS 1.2 allows
   * 16384, though some implementations read less: keep records small for such peers).
   */
  get peerRecordSizeLimit(): number | undefined {
    return this.hs?.done ? this.hs.peerRecordSizeLimit : undefined;
  }

  /** The peer's certificate (DER), once received. */
  get remoteCertificate(): Buffer | undefined {
    return this.hs?.peerCertificate;
  }

  /**
   * The peer's certificate chain (DER, RFC 5246 §7.4.2: its certificate first), once
   * received; empty before. WebRTC peers send one self-signed certificate, others may send
   * more (only the first is checked, against the fingerprints).
   */
  get remoteCertificates(): readonly Buffer[] {
    return this.hs?.peerCertificates ?? [];
  }

  /**
   * Updates the round-trip estimate (e.g. once ICE has measured it): flights sent from now on
   * start with a retransmission timeout of `2 × rttMs`, clamped to 50–3000 ms.
   */
  setRttHint(rttMs: number): void {
    this.config.initialRetransmitMs = initialTimeout(2 * rttMs);
  }

  /** Starts the handshake: the client sends its ClientHello, the server waits for one. */
  start(): void {
    if (this.current !== DtlsTransportState.New)
      throw new DtlsStateError('start() was already called');
    this.setState(DtlsTransportState.Connecting, { kind: 'started' });
    // The handler may have closed us already.
    if (this.state === DtlsTransportState.Connecting && this.config.role === 'client') {
      const hs = new ClientHandshake(this.host);
      this.hs = hs;
      hs.start();
    }
  }

  /** Feeds one datagram received from the peer. Never throws on bad input. */
  handleDatagram(datagram: Buffer): void {
    const s = this.current;
    if (s !== DtlsTransportState.Connecting && s !== DtlsTransportState.Connected) return;
    this.counters.datagramsReceived++;
    this.counters.bytesReceived += datagram.length;
    this.processDatagram(datagram);
  }

  /** `h` is reused across calls; re-entrant calls (replays of early records) pass their own. */
  private processDatagram(datagram: Buffer, h: RecordHeader = this.header): void {
    try {
      let at = 0;
      while (at < datagram.length) {
        if (!readRecordHeader(datagram, at, h)) {
          this.counters.malformed++;
          log('malformed record header at %d, rest of datagram dropped', at);
          return;
        }
        at = h.start + RECORD_HEADER + h.length;
        this.handleRecord(datagram, h);
        if (
          this.current !== DtlsTransportState.Connecting &&
          this.current !== DtlsTransportState.Connected
        )
          return;
      }
    } catch (error) {
      if (DtlsError.isInstance(error)) {
        this.counters.malformed++;
        log('dropped malformed input: %s', error.message);
      } else {
        this.counters.internalErrors++;
        log('unexpected error on input: %s', (error as Error)?.stack ?? error);
      }
    }
  }

  /** Sends application data as one record (RFC 6347 §4.1.1: records do not span datagrams). */
  send(data: Uint8Array): void {
    if (this.current !== DtlsTransportState.Connected)
      throw new DtlsStateError(
        `cannot send in state ${DtlsTransportState[this.current]}; wait for Connected`,
      );
    const max = this.hs!.peerRecordSizeLimit ?? MAX_PLAINTEXT;
    if (data.length > max)
      throw new DtlsStateError(
        `a record to this peer carries at most ${max} bytes (RFC 8449), got ${data.length}`,
      );
    this.counters.messagesSent++;
    this.emit(this.write!.seal(ContentType.ApplicationData, 1, this.writeSeq[1]!++, data));
  }

  /**
   * Keying material of RFC 5705 (label, length, optional context). For DTLS-SRTP use the
   * label `'EXTRACTOR-dtls_srtp'` without context (RFC 5764 §4.2).
   */
  exportKeyingMaterial(label: string, length: number, context?: Uint8Array): Buffer {
    const hs = this.hs;
    if (this.current !== DtlsTransportState.Connected || !hs?.done)
      throw new DtlsStateError('keying material is available once the transport is Connected');
    return exportKeyingMaterial(
      hs.suite!.hash,
      hs.master!,
      hs.clientRandom,
      hs.serverRandom,
      label,
      length,
      context,
    );
  }

  /** Sends close_notify (RFC 5246 §7.2.1) when connected or connecting, stops timers, goes Closed. */
  close(): void {
    const s = this.current;
    if (s === DtlsTransportState.Closed || s === DtlsTransportState.Failed) return;
    if (s !== DtlsTransportState.New)
      this.sendAlert(AlertLevel.Warning, AlertDescription.CloseNotify);
    this.hs?.stop();
    this.setState(DtlsTransportState.Closed, { kind: 'closed-by-user' });
  }

  private setState(state: DtlsTransportState, cause: DtlsStateCause): void {
    const previous = this.current;
    if (previous === state) return;
    if (previous === DtlsTransportState.Closed || previous === DtlsTransportState.Failed) {
      // Both are final: a later change is a bug (thrown under strictStateMachines()).
      lateStateChange(
        `DTLS ${DtlsTransportState[state]} after ${DtlsTransportState[previous]}`,
        (e) => log('%s', e.message),
      );
      return;
    }
    this.current = state;
    log('state %s -> %s (%s)', DtlsTransportState[previous], DtlsTransportState[state], cause.kind);
    if (state === DtlsTransportState.Closed || state === DtlsTransportState.Failed) {
      this.early = [];
      this.earlyData = [];
    }
    this.notifier.push({ state, previous, cause });
  }

  private handleRecord(buf: Buffer, h: RecordHeader): void {
    let data: Buffer;
    if (h.epoch === 0) {
      if (
        h.type === ContentType.ApplicationData ||
        (this.current === DtlsTransportState.Connected && h.type === ContentType.Alert)
      ) {
        // Data is never unprotected; once connected, unauthenticated alerts are ignored.
        this.counters.wrongEpoch++;
        return;
      }
      // No replay window for epoch 0: its records are unauthenticated, so a forged one with a
      // high sequence number would blind the window to the genuine handshake. Duplicates are
      // caught by the handshake layer instead (RFC 6347 §4.1.2.6 leaves replay detection
      // optional; §4.2.4 handles retransmitted handshake messages).
      data = buf.subarray(h.start + RECORD_HEADER, h.start + RECORD_HEADER + h.length);
    } else if (h.epoch === 1) {
      const read = this.read;
      if (!read) {
        if (this.early.length < MAX_EARLY_RECORDS)
          this.early.push(Buffer.from(buf.subarray(h.start, h.start + RECORD_HEADER + h.length)));
        else this.counters.wrongEpoch++;
        return;
      }
      if (!this.window.check(h.seq)) {
        this.counters.replayed++;
        log('replayed record epoch 1 seq %d, dropped', h.seq);
        return;
      }
      const plain = read.open(buf, h.start, h.length);
      if (!plain) {
        this.counters.badMac++;
        log('record epoch %d seq %d failed authentication, dropped', h.epoch, h.seq);
        return;
      }
      this.window.accept(h.seq);
      data = plain;
    } else {
      this.counters.wrongEpoch++;
      log('record of epoch %d, dropped', h.epoch);
      return;
    }
    switch (h.type) {
      case ContentType.ApplicationData: {
        if (data.length > this.config.recordSizeLimit) {
          this.counters.malformed++;
          log('record of %d bytes above our record_size_limit, dropped', data.length);
          return;
        }
        this.onApplicationData(data);
        return;
      }
      case ContentType.Handshake: {
        this.onHandshake(data, h);
        return;
      }
      case ContentType.Alert: {
        this.onAlert(data);
        return;
      }
      case ContentType.ChangeCipherSpec:
        // RFC 5246 §7.1: a single byte of 1. Epoch 1 keys are installed from the handshake
        // itself, so that a reordered CCS never blocks a Finished that arrived first.
        if (data.length !== 1 || data[0] !== 1) this.counters.malformed++;
        return;
      default:
        this.counters.malformed++;
    }
  }

  private onApplicationData(data: Buffer): void {
    if (this.current !== DtlsTransportState.Connected) {
      // The peer completed first and its data overtook its Finished: keep it for a moment
      // (not after the end: a closed transport delivers nothing).
      if (
        this.current === DtlsTransportState.Connecting &&
        this.earlyData.length < MAX_EARLY_RECORDS
      )
        this.earlyData.push(data);
      return;
    }
    this.counters.messagesReceived++;
    this.onData?.(data);
  }

  private onHandshake(data: Buffer, h: RecordHeader): void {
    const fragments = readFragments(data);
    if (this.hs) {
      this.hs.onFragments(fragments, h.epoch);
      return;
    }
    if (this.config.role !== 'server' || h.epoch !== 0) {
      this.counters.handshakeDropped++;
      return;
    }
    // Stateless server (RFC 6347 §4.2.1): see HelloGate.
    const admitted = this.gate.admit(fragments, h.seq);
    if (!admitted) return;
    this.writeSeq[0] = h.seq;
    const hs = new ServerHandshake(this.host, admitted.hello, admitted.message);
    this.hs = hs;
    hs.start();
  }

  private onAlert(data: Buffer): void {
    if (data.length !== 2) {
      this.counters.malformed++;
      return;
    }
    this.counters.alertsReceived++;
    const level = data[0]! as AlertLevel;
    const description = data[1]! as AlertDescription;
    const name = AlertDescription[description] ?? `Alert${description}`;
    log('alert received: level %d %s', level, name);
    if (description === AlertDescription.CloseNotify) {
      // RFC 5246 §7.2.1: answer with our own close_notify and close.
      this.sendAlert(AlertLevel.Warning, AlertDescription.CloseNotify);
      this.hs?.stop();
      this.setState(DtlsTransportState.Closed, { kind: 'close-notify-received' });
      return;
    }
    if (level === AlertLevel.Fatal) {
      this.hs?.stop();
      this.setState(DtlsTransportState.Failed, {
        kind: 'alert-received',
        level,
        description,
        name,
      });
    }
  }

  private sendAlert(level: AlertLevel, description: AlertDescription): void {
    this.counters.alertsSent++;
    const body = Buffer.of(level, description);
    if (this.writeEpoch1 && this.write)
      this.emit(this.write.seal(ContentType.Alert, 1, this.writeSeq[1]!++, body));
    else this.emit(plainRecord(ContentType.Alert, 0, this.writeSeq[0]!++, body));
  }

  private emit(datagram: Buffer): void {
    this.counters.datagramsSent++;
    this.counters.bytesSent += datagram.length;
    try {
      this.sendDatagram(datagram);
    } catch (error) {
      log('send threw: %s', error);
    }
  }

  /** Packs a flight's records into datagrams of at most the MTU (RFC 6347 §4.1.1.1). */
  private transmit(items: readonly FlightItem[]): void {
    const mtu = this.config.mtu;
    let pending: Buffer[] = [];
    let size = 0;
    const add = (record: Buffer): void => {
      if (size + record.length > mtu && pending.length > 0) {
        this.emit(pending.length === 1 ? pending[0]! : Buffer.concat(pending, size));
        pending = [];
        size = 0;
      }
      pending.push(record);
      size += record.length;
    };
    for (const item of items) {
      if ('ccs' in item) {
        add(plainRecord(ContentType.ChangeCipherSpec, 0, this.writeSeq[0]!++, CCS_BODY));
        this.writeEpoch1 = true;
        continue;
      }
      const { message, epoch } = item;
      const max = mtu - RECORD_HEADER - HANDSHAKE_HEADER - (epoch ? this.write!.overhead : 0);
      for (const frag of fragmentHandshake(message, max))
        add(
          epoch
            ? this.write!.seal(ContentType.Handshake, 1, this.writeSeq[1]!++, frag)
            : plainRecord(ContentType.Handshake, 0, this.writeSeq[0]!++, frag),
        );
    }
    if (pending.length > 0)
      this.emit(pending.length === 1 ? pending[0]! : Buffer.concat(pending, size));
  }

  private createHost(): HandshakeHost {
    return {
      config: this.config,
      counters: this.counters,
      transmit: (items) => this.transmit(items),
      installKeys: (write, read) => {
        this.write = write;
        this.read = read;
        const early = this.early;
        this.early = [];
        const h: RecordHeader = { ...this.header };
        for (const record of early) this.processDatagram(record, h);
      },
      complete: () => {
        const hs = this.hs!;
        this.setState(DtlsTransportState.Connected, {
          kind: 'handshake-complete',
          cipherSuite: hs.suite!.id as CipherSuite,
          srtpProfile: hs.srtpProfile as SrtpProtectionProfile | undefined,
        });
        // A handler may have closed the transport from inside its `connected` notification.
        if (this.current !== DtlsTransportState.Connected) return;
        const early = this.earlyData;
        this.earlyData = [];
        for (const data of early) this.onApplicationData(data);
      },
      fail: (cause, alert) => {
        if (alert !== undefined) this.sendAlert(AlertLevel.Fatal, alert);
        this.setState(DtlsTransportState.Failed, cause);
      },
    };
  }
}
