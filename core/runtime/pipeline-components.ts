import type { Sink } from '../api/sink';
import type { Source } from '../api/source';
import type { TransformFactory } from '../api/transform';
import type { ComponentConfig, PipelineConfig } from '../config/pipeline-config';

/** The plugins of a pipeline, created from its validated config (no I/O yet). */
export interface PipelineComponents {
  readonly config: PipelineConfig;
  readonly sources: ReadonlyArray<{ readonly config: ComponentConfig; readonly source: Source; readonly parallelism: number }>;
  readonly transforms: ReadonlyArray<{ readonly config: ComponentConfig; readonly factory: TransformFactory }>;
  /** Every sink, the dead-letter sink included (see `deadLetterSinkId`). */
  readonly sinks: ReadonlyArray<{ readonly config: ComponentConfig; readonly sink: Sink; readonly parallelism: number }>;
  readonly deadLetterSinkId: string | undefined;
}
