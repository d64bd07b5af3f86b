// Decision timestamps. `Date#toISOString` costs ~1 µs in a hot loop but ~9 µs on the first
// call after the process wakes for I/O (cold caches), which is where the SDK's check runs.
// The part up to the second is the same for every call within that second, so it is kept,
// and the millisecond part comes from a table: a timestamp is then one concatenation.
let second = Number.NaN;
let prefix = '';

/** `000Z` to `999Z`. */
const MILLIS = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, '0')}Z`);

/** `new Date(ms).toISOString()`, for the epoch milliseconds of this era (years 1970 to 9999). */
export function isoTimestamp(ms: number): string {
  const whole = Math.floor(ms);
  const s = Math.floor(whole / 1000);
  if (s !== second) {
    // `YYYY-MM-DDTHH:MM:SS.` of this second.
    prefix = new Date(s * 1000).toISOString().slice(0, 20);
    second = s;
  }
  return prefix + (MILLIS[whole - s * 1000] as string);
}
