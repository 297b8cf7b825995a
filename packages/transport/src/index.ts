/**
 * `@x/transport`: the `Net` (UDP, TCP, TLS) and `Clock` interfaces that every layer of x-webrtc
 * takes, their Node implementations (`nodeNet`, `systemClock`), and the `SerialNotifier` and
 * `StateMachine` of the state contract. The deterministic virtual clock and network for tests
 * are in `@x/transport/testing`.
 *
 * @packageDocumentation
 */

export {
  type AddressFamily,
  addressFamily,
  formatAddress,
  MAX_UDP_PAYLOAD,
  requireFamily,
  type SocketAddress,
} from './address.js';
export type { Clock, Timer } from './clock.js';
export {
  BindError,
  ConfigurationError,
  ConnectError,
  DatagramTooLargeError,
  InvalidAddressError,
  SocketClosedError,
  TransportError,
} from './errors.js';
export type {
  DatagramHandler,
  InterfaceAddress,
  Net,
  NetworkInterface,
  TcpConnectOptions,
  TcpHandlers,
  TcpListenOptions,
  TcpServer,
  TcpSocket,
  UdpBindOptions,
  UdpSocket,
  UdpSocketStats,
} from './net.js';
export {
  DEFAULT_UDP_BUFFER_SIZE,
  INTERFACES_MAX_AGE_MS,
  NodeNet,
  type NodeNetOptions,
  nodeNet,
} from './node/node-net.js';
export {
  LateStateChangeError,
  lateStateChange,
  SerialNotifier,
  StateMachine,
} from './notifier.js';
export { SystemClock, systemClock } from './system-clock.js';
