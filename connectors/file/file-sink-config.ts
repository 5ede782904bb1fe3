import type { LineFormat } from './line-format';

/**
 * Options of the `file` sink (validated against `config-schemas/file/sink.schema.json`).
 * The common keys `id`, `type` and `parallelism` are handled by the engine.
 */
export interface FileSinkConfig {
  /** Output folder, relative to the pipeline file's folder; created when missing. */
  readonly path: string;
  /** `json` (default): each value as one JSON line; `raw`: string values written as they are, one per line. */
  readonly format?: LineFormat;
}
