/**
 * Errors and error reports of the TURN client. Network failures are never thrown: they are
 * reported as {@link TurnCandidateError} objects (the shape of W3C `RTCPeerConnectionIceErrorEvent`,
 * webrtc-pc §9.4 "RTCPeerConnectionIceErrorEvent"). Only misuse of the API throws.
 */
import { IceError } from '../errors.js';

/** A TURN configuration is invalid (bad URI, missing credentials). */
export class TurnConfigError extends IceError {
  override readonly name = 'TurnConfigError';
}

/**
 * Why a TURN server could not give (or keep) a relay: the fields of W3C `icecandidateerror`.
 * `errorCode` is the STUN error code of the server's answer (401 wrong credentials, 403
 * forbidden peer, 437, 438, 486 quota, 508 capacity...), or 701 when the server could not be
 * reached at all (webrtc-pc §9.4: "701 ... outside the STUN error code range").
 */
export interface TurnCandidateError {
  /** The TURN URI the error concerns. */
  readonly url: string;
  readonly errorCode: number;
  readonly errorText: string;
  /** The local address used to talk to the server, when a socket existed. */
  readonly address?: string;
  /** The local port used to talk to the server, when a socket existed. */
  readonly port?: number;
}

/** 701: the server could not be reached (no answer, connection refused, TLS failure). */
export const UNREACHABLE = 701;
