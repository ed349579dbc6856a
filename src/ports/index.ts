/** The ports: interfaces the core talks through, their DI tokens, and the values they carry. */
export * from './alert-publisher.port.js';
export * from './analytics-engine.port.js';
export * from './catalog.port.js';
export * from './change-feed.port.js';
export * from './clock.port.js';
export * from './errors.js';
export * from './flow-observer.port.js';
export * from './logger.port.js';
export * from './market-store.port.js';
export type * from './model.js';
export * from './raw-tick-archive.port.js';
export * from './reject-sink.port.js';
export * from './tick-publisher.port.js';
export * from './tick-source.port.js';
