export { MemorySink, MemorySinkStore } from './memory-sink';
export type { MemoryCommittable } from './memory-sink';
export { MemorySource } from './memory-source';
export type { MemorySourceOptions, MemorySplit } from './memory-source';
export { memoryPipeline } from './memory-pipeline';
export type { MemoryPipelineOptions } from './memory-pipeline';
