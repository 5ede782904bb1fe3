import type { LineFormat } from '../file/line-format';

/**
 * Options of the `stdout` sink (validated against `config-schemas/stdout/sink.schema.json`).
 * The common keys `id`, `type` and `parallelism` are handled by the engine.
 */
export interface StdoutSinkConfig {
  /** `json` (default): each value as one JSON line; `raw`: string values printed as they are. */
  readonly format?: LineFormat;
}
