/**
 * ICE credentials (RFC 8445 §5.3) and what the peer's signalling says about it.
 */

/** ICE credentials (RFC 8445 §5.3). */
export interface IceCredentials {
  readonly ufrag: string;
  readonly pwd: string;
}

/** Options of {@link Agent.setRemoteCredentials}. */
export interface RemoteOptions {
  /** The peer is an ICE-lite agent (RFC 8445 §2.5): we take the controlling role. */
  readonly iceLite?: boolean;
}
