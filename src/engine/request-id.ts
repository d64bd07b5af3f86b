import { randomBytes } from 'node:crypto';

// Request ids, for the gateway and the SDK alike. They are cut from a pooled string of random
// hex digits: one randomBytes call per 341 requests instead of one each (it showed up at ~2%
// of a busy gateway's CPU, and at several microseconds of every SDK call), and a slice of a
// string instead of a hex encoding per id. Drawing a pool costs 50 µs or more right after
// the process wakes for I/O, so the next one is drawn in an immediate once the current one is
// half used: after the call that crossed the half, while the event loop waits for the network.
const POOL_BYTES = 4092;
const ID_DIGITS = 24;
const POOL_DIGITS = POOL_BYTES * 2;
let pool = '';
let offset = POOL_DIGITS;
let next: string | undefined;
let scheduled = false;

const draw = () => randomBytes(POOL_BYTES).toString('hex');

function drawNext(): void {
  scheduled = false;
  next ??= draw();
}

/** `req_` and 24 random hex digits. */
export function newRequestId(): string {
  if (offset + ID_DIGITS > pool.length) {
    pool = next ?? draw();
    next = undefined;
    offset = 0;
  }
  const id = `req_${pool.slice(offset, offset + ID_DIGITS)}`;
  offset += ID_DIGITS;
  if (!scheduled && next === undefined && offset * 2 >= POOL_DIGITS) {
    scheduled = true;
    // Unreferenced: a process about to exit does not stay for it.
    setImmediate(drawNext).unref();
  }
  return id;
}
