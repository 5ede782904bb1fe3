/**
 * Options of the `generator` source (validated against `config-schemas/generator/source.schema.json`).
 * The common keys `id`, `type` and `parallelism` are handled by the engine.
 */
export interface GeneratorSourceConfig {
  /** Records to emit in total (seq 0 … count-1); unset: unbounded. */
  readonly count?: number;
  /** Records per second across all subtasks; unset: as fast as the pipeline takes them. */
  readonly ratePerSecond?: number;
  /** Length of a `payload` padding string added to each value, for benchmarks; unset or 0: no payload. */
  readonly payloadBytes?: number;
}
