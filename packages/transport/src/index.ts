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
  NodeNet,
  type NodeNetOptions,
  nodeNet,
} from './node/node-net.js';
export { SerialNotifier, StateMachine } from './notifier.js';
export { SystemClock, systemClock } from './system-clock.js';
