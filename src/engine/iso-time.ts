// Decision timestamps. `Date#toISOString` costs ~1 µs in a hot loop but ~9 µs on the first
// call after the process wakes for I/O (cold caches), which is where the SDK's check runs;
// the part up to the second is the same for every call within that second, so it is kept.
let second = Number.NaN;
let prefix = '';

/** `new Date(ms).toISOString()`, for the epoch milliseconds of this era (years 1970 to 9999). */
export function isoTimestamp(ms: number): string {
  const whole = Math.floor(ms);
  const s = Math.floor(whole / 1000);
  if (s !== second) {
    // `YYYY-MM-DDTHH:MM:SS.` of this second.
    prefix = new Date(s * 1000).toISOString().slice(0, 20);
    second = s;
  }
  const milli = whole - s * 1000;
  return `${prefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}
