import { debuglog } from 'node:util';

/** Debug output of this package: `NODE_DEBUG=x:dtls`. */
export const log = debuglog('x:dtls');
