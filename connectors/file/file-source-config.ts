/**
 * Options of the `file` source (validated against `config-schemas/file/source.schema.json`).
 * The common keys `id`, `type` and `parallelism` are handled by the engine.
 */
export interface FileSourceConfig {
  /** A file, or a folder whose matching files are read in name order; relative to the pipeline file's folder. */
  readonly path: string;
  /** Which files of a folder to read (`*` and `?` wildcards); default `*.jsonl` and `*.json`. Ignored for a file. */
  readonly pattern?: string;
}
