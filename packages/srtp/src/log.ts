import { debuglog } from 'node:util';

/** Debug output of this package: `NODE_DEBUG=x:srtp`. */
export const log = debuglog('x:srtp');
