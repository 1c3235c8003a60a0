/**
 * Preloaded (`node --require`) into the third-party peers the benchmark starts
 * (kinesalite listens on every interface, kinesis-local hard-codes 0.0.0.0):
 * forces every TCP listen onto 127.0.0.1 so nothing is reachable off this host.
 */
'use strict';
const net = require('node:net');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    if (first.path === undefined) args[0] = { ...first, host: '127.0.0.1' };
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    // listen(port[, host][, backlog][, cb]): drop any given host, insert ours.
    const rest = args.slice(1);
    if (typeof rest[0] === 'string') rest.shift();
    args = [Number(first), '127.0.0.1', ...rest];
  }
  return listen.apply(this, args);
};
