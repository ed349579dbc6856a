import { ManualClock } from '../../../src/adapters/local/clocks.js';
import { MemoryMarketStore } from '../../../src/adapters/local/memory-market-store.js';
import { parseTickKeys } from '../../../src/domain/store-layout.js';
import { marketStoreContract } from '../../contracts/market-store.contract.js';

marketStoreContract('memory', async () => {
  const store = new MemoryMarketStore({ clock: new ManualClock(Date.UTC(2024, 0, 3)) });
  return {
    store,
    tickInserts: async () =>
      (await store.feed.take(10_000)).filter((c) => c.eventName === 'INSERT').flatMap((c) => parseTickKeys(c.keys.pk, c.keys.sk) ?? []),
  };
});
