/** kinesalite ships no types: the part of its API the tests use. */
declare module 'kinesalite' {
  import type { Server } from 'node:http';

  export interface KinesaliteOptions {
    /** Milliseconds a stream stays CREATING (0: ACTIVE at once). */
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    shardLimit?: number;
    /** A folder for LevelDB; in memory when absent. */
    path?: string;
    ssl?: boolean;
  }

  /** An HTTP server speaking the Kinesis API; call `listen` to start it. */
  export default function kinesalite(options?: KinesaliteOptions): Server;
}
