/**
 * Why a state changed, as data: the `cause` of the state events and the `…StateCause`
 * attributes. The transports' causes are `@x/network`'s own vocabulary (`IceTransportCause`,
 * `DtlsTransportCause`, `SctpTransportCause`), passed through with the layer they come from
 * and their sentence; only the causes of the W3C objects themselves (a close by the user, a
 * channel the peer closed) are declared here.
 */
import {
  describeCause,
  type DtlsTransportCause,
  type IceTransportCause,
  type SctpTransportCause,
} from '@x/network';

/** The layer a cause comes from. */
export type RTCStateCauseLayer = 'ice' | 'dtls' | 'sctp' | 'peer-connection' | 'data-channel';

/** The members every {@link RTCStateCause} has beside its `kind` and the fields of that kind. */
export interface RTCStateCauseMembers<Layer extends RTCStateCauseLayer> {
  /** The layer whose change this is. */
  readonly layer: Layer;
  /** The cause in one sentence, for a log or a timeline (e.g. `consent expired on … (RFC 7675)`). */
  readonly message: string;
  /** `message`: `String(cause)` and `${cause}` read as the sentence. */
  toString(): string;
}

/**
 * A change of the ICE transport (`@x/network` `IceTransportCause`, RFC 8445 and RFC 7675):
 * `checks-started`; `pair-valid`, `nominated`, `checks-completed` and `packets-resumed` with
 * the `pair`; `all-pairs-failed` with how many `pairs` failed, the `localCandidates` gathered
 * and the `loopbackExcluded` addresses; `no-packets` and `consent-expired` with the `pair` and
 * `silentMs`, how long it was silent; `restart`; `closed-by-user`.
 */
export type RTCIceStateCause = IceTransportCause & RTCStateCauseMembers<'ice'>;

/**
 * A change of the DTLS transport (`@x/network` `DtlsTransportCause`, RFC 6347): `started`;
 * `handshake-complete` with the `cipherSuite` and `srtpProfile`; `handshake-timeout` with the
 * `retransmissions` and `elapsedMs`; `fingerprint-mismatch` with the `expected` fingerprints
 * and the `actual` one; `alert-received` with the `alert`'s name, its `alertCode` and `fatal`;
 * `protocol-error` with the `alert` we sent, its `alertCode` and the `reason`;
 * `close-notify-received`; `closed-by-user`.
 */
export type RTCDtlsStateCause = DtlsTransportCause & RTCStateCauseMembers<'dtls'>;

/**
 * A change of the SCTP association (`@x/network` `SctpTransportCause`, RFC 9260):
 * `connect-called`; `established`; `shutdown-called`; `shutdown-received`; `shutdown-complete`;
 * `aborted-by-peer` with the error cause codes of the peer's ABORT (`causes`, RFC 9260
 * §3.3.10: 12 is a user-initiated abort, what a browser's `close()` sends); `aborted-locally`
 * with the `reason`; `too-many-retransmissions` with the `timer` and the `attempts`;
 * `closed-by-user`.
 */
export type RTCSctpStateCause = SctpTransportCause & RTCStateCauseMembers<'sctp'>;

/**
 * A change made by the `RTCPeerConnection` itself: `created` (the first state of the
 * connection and its transports, before anything happened) and `closed-by-user` (`close()`).
 */
export type RTCPeerConnectionStateCause =
  | ({ readonly kind: 'created' } & RTCStateCauseMembers<'peer-connection'>)
  | ({ readonly kind: 'closed-by-user' } & RTCStateCauseMembers<'peer-connection'>);

/**
 * A change of a data channel of its own (a transport that ended under it gives the transport's
 * cause instead): `closed-by-user` (`close()` on the channel), `closed-by-peer` (the peer
 * reset its stream, RFC 8831 §6.7), `open-failed` with the `reason` it could not be opened
 * (e.g. its id is not below the SCTP streams negotiated).
 */
export type RTCDataChannelStateCause =
  | ({ readonly kind: 'closed-by-user' } & RTCStateCauseMembers<'data-channel'>)
  | ({ readonly kind: 'closed-by-peer' } & RTCStateCauseMembers<'data-channel'>)
  | ({
      readonly kind: 'open-failed';
      readonly reason: string;
    } & RTCStateCauseMembers<'data-channel'>);

/**
 * Extension: why a state changed, as a discriminated union on `kind`, with the fields of that
 * kind, the `layer` it comes from and a human-readable `message` (what `String(cause)` gives).
 * It is the `cause` of `iceconnectionstatechange`, `connectionstatechange`, the transports'
 * `statechange`, `RTCDtlsTransport`'s `error` and a data channel's `closing`, `error` and
 * `close`, and the value of `pc.connectionStateCause`, `pc.iceConnectionStateCause` and the
 * transports' `stateCause`.
 *
 * A kind names the same thing in every layer that has it (`closed-by-user`: this side called
 * `close()`), so a `switch (cause.kind)` reads across layers; `cause.layer` tells them apart.
 *
 * @example
 * ```ts
 * pc.onconnectionstatechange = ({ cause }) => {
 *   switch (cause.kind) {
 *     case 'consent-expired': // the peer stopped answering (RFC 7675)
 *       return reconnect(cause.pair.remote.address, cause.silentMs);
 *     case 'fingerprint-mismatch': // the signaling was tampered with
 *       return alarm(cause.expected, cause.actual);
 *     default:
 *       console.log(`${pc.connectionState}: ${cause}`); // the message
 *   }
 * };
 * ```
 */
export type RTCStateCause =
  | RTCIceStateCause
  | RTCDtlsStateCause
  | RTCSctpStateCause
  | RTCPeerConnectionStateCause
  | RTCDataChannelStateCause;

/** The prototype of every cause: `toString()` gives the message. */
const causePrototype: object = Object.freeze({
  toString(this: { readonly message: string }): string {
    return this.message;
  },
});

/** A frozen cause of `layer` with the fields of `cause` and its message. */
function make<Cause extends { readonly kind: string }, Layer extends RTCStateCauseLayer>(
  layer: Layer,
  cause: Cause,
  message: string,
): Cause & RTCStateCauseMembers<Layer> {
  const made = Object.assign(Object.create(causePrototype) as object, { layer }, cause, {
    message,
  });
  return Object.freeze(made) as Cause & RTCStateCauseMembers<Layer>;
}

/** `@x/network` `IceTransportCause` → its cause of layer `ice`. */
export function iceStateCause(cause: IceTransportCause): RTCIceStateCause {
  return make('ice', cause, describeCause(cause));
}

/** `@x/network` `DtlsTransportCause` → its cause of layer `dtls`. */
export function dtlsStateCause(cause: DtlsTransportCause): RTCDtlsStateCause {
  return make('dtls', cause, describeCause(cause));
}

/** `@x/network` `SctpTransportCause` → its cause of layer `sctp`. */
export function sctpStateCause(cause: SctpTransportCause): RTCSctpStateCause {
  return make('sctp', cause, describeCause(cause));
}

/** The first cause of a connection and of its transports. */
export const CREATED: RTCPeerConnectionStateCause = make(
  'peer-connection',
  { kind: 'created' },
  'nothing has happened yet',
);

/** `RTCPeerConnection.close()`. */
export const CLOSED_BY_USER: RTCPeerConnectionStateCause = make(
  'peer-connection',
  { kind: 'closed-by-user' },
  'closed by the user',
);

/** A cause of a data channel (see {@link RTCDataChannelStateCause}). */
export function dataChannelStateCause(
  cause:
    | { readonly kind: 'closed-by-user' }
    | { readonly kind: 'closed-by-peer' }
    | { readonly kind: 'open-failed'; readonly reason: string },
): RTCDataChannelStateCause {
  switch (cause.kind) {
    case 'closed-by-user':
      return make('data-channel', { kind: cause.kind }, 'the channel was closed by close()');
    case 'closed-by-peer':
      return make(
        'data-channel',
        { kind: cause.kind },
        'the peer closed the channel (it reset its stream, RFC 8831 §6.7)',
      );
    case 'open-failed':
      return make(
        'data-channel',
        { kind: cause.kind, reason: cause.reason },
        `the channel could not be opened: ${cause.reason}`,
      );
    default: {
      const unknown: never = cause;
      throw new Error(`unknown data channel cause ${JSON.stringify(unknown)}`);
    }
  }
}
