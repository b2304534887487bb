export type { ByteRange, ListOptions, ListResult, ObjectMeta, ObjectStore } from './object-store.ts';
