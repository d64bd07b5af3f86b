export type {
  Claim,
  CounterStore,
  CounterWindow,
  DedupResult,
  ReleaseOutcome,
  ReserveRequest,
  ReserveResult,
  SettleOutcome,
} from './counter-store.js';
export { CounterStoreUnavailableError } from './counter-store-unavailable-error.js';
export { MICROS_PER_USD, microsToUsd, usdToMicros } from './units.js';
export { createMemoryCounterStore, MemoryCounterStore } from './memory/memory-store.js';
export type { MemoryCounterStoreOptions } from './memory/memory-store.js';
export {
  connectRedisCounterStore,
  createRedisCounterStore,
  RedisCounterStore,
} from './redis/redis-store.js';
export type { RedisCounterStoreEvent, RedisCounterStoreOptions } from './redis/redis-store.js';
