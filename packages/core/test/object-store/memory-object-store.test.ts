import { MemoryObjectStore } from '../../src/object-store/memory-object-store.ts';
import { runObjectStoreContract } from './contract.ts';

runObjectStoreContract('memory', async () => new MemoryObjectStore(), { pagingPastThousand: true });
