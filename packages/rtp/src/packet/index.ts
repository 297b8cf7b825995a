export { rtpHeaderSize } from './header-size.js';
