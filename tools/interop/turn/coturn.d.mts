/** A running coturn. */
export interface Coturn {
  readonly port: number;
  /** TLS port, when started with `tls`. */
  readonly tlsPort: number | undefined;
  /** The self-signed certificate (PEM) the server uses, when started with `tls`. */
  readonly cert: string | undefined;
  readonly realm: string;
  readonly username: string;
  readonly password: string;
  readonly dir: string;
  /** The server's log so far. */
  log(): string;
  /** Stops the server by the pid in its pid file and removes the directory. */
  stop(): Promise<void>;
}

/** Options of {@link startCoturn}. */
export interface CoturnOptions {
  /** Listen for TLS too, with a fresh self-signed certificate for 127.0.0.1. */
  readonly tls?: boolean;
  /** `--max-allocate-lifetime` in seconds. */
  readonly maxLifetimeSec?: number;
  /** Extra command-line arguments. */
  readonly args?: readonly string[];
}

/** Throws a clear error when coturn is not installed. */
export declare function requireTurnserver(): void;

/** Starts coturn and waits until it accepts TCP connections. */
export declare function startCoturn(options?: CoturnOptions): Promise<Coturn>;
