/** The per-bucket Engine: status and settings persisted in the bucket (docs/design/bucket-engine.md). */
export { BucketEngines, type EngineDescription, type EngineState } from './bucket-engines.ts';
