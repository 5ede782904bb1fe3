import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { PluginKind, PluginRegistry } from './plugin-registry';
import { buildPipelineConfig } from './build-pipeline-config';
import { ConfigError } from './config-error';
import { parseConfigText } from './config-text-parser';
import { DocumentValidator } from './document-validator';
import { interpolateDocument, type DocumentInterpolation, type Environment } from './interpolation';
import { isWithin } from './json-pointer';
import type { ComponentConfig, PipelineConfig } from './pipeline-config';
import { checkPipelineRules } from './pipeline-checks';
import { registerPipelinePlugins } from './plugin-loader';
import type { PipelineDocument } from './pipeline-document.generated';
import { defaultSchemaRegistry, PIPELINE_SCHEMA, type SchemaRegistry } from './schema-registry';
import { SecretScrubber, secretValuesAt } from './secret-scrubber';

/** How to load a pipeline. */
export interface LoadPipelineOptions {
  /** Source, transform and sink types the pipeline may use; the plugin modules it lists under `plugins` join it. */
  readonly registry: PluginRegistry;
  /** Variables for `${VAR}` interpolation; default `process.env`. */
  readonly env?: Environment;
  /** Where plugin schema names without a package folder (built-ins) are found; default lockstep's `config-schemas/`. */
  readonly schemas?: SchemaRegistry;
}

/** {@link loadPipelineText}'s options: `file` names the text in messages and anchors relative paths. */
export interface LoadPipelineTextOptions extends LoadPipelineOptions {
  /** The file the text came from (`.yaml`, `.yml` or `.json`); relative paths resolve against its folder. */
  readonly file: string;
}

const LISTS: readonly { readonly list: 'sources' | 'transforms' | 'sinks'; readonly kind: PluginKind }[] = [
  { list: 'sources', kind: 'source' },
  { list: 'transforms', kind: 'transform' },
  { list: 'sinks', kind: 'sink' },
];

/**
 * Reads and loads a pipeline file; see {@link loadPipelineText}.
 * @throws ConfigError `LS_CONFIG_READ` when the file cannot be read, or any error of {@link loadPipelineText}.
 */
export async function loadPipelineFile(path: string, options: LoadPipelineOptions): Promise<PipelineConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String((error as Error).message);
    throw new ConfigError('LS_CONFIG_READ', [{ file: path, path: '', message: `cannot read the file: ${reason}` }]);
  }
  return loadPipelineText(text, { ...options, file: path });
}

/**
 * Loads a pipeline from YAML or JSON text, in this order: parse; interpolate `${VAR}` / `${VAR:-default}` in string
 * values; validate against the pipeline schema; register the plugin modules listed under `plugins` into
 * `options.registry`; validate each component against its plugin's schema (applying defaults, durations to ms);
 * check the cross-field rules. Every issue of a stage is reported together.
 * Plugins are looked up but not created: the guarantee analysis does that.
 * @throws ConfigError `LS_CONFIG_PARSE`, `LS_CONFIG_INTERPOLATION`, `LS_CONFIG_INVALID` or `LS_CONFIG_SCHEMA`;
 *   its messages never contain values of secret (`writeOnly`) fields.
 */
export function loadPipelineText(text: string, options: LoadPipelineTextOptions): PipelineConfig {
  const { file } = options;
  const document = parseConfigText(text, file);
  if (document === null || document === undefined) {
    throw new ConfigError('LS_CONFIG_INVALID', [
      { file, path: '', message: 'the file is empty: a pipeline needs at least name, sources and sinks (try lockstep init)' },
    ]);
  }
  const interpolation = interpolateDocument(document, options.env ?? process.env);
  if (interpolation.issues.length > 0) {
    throw new ConfigError('LS_CONFIG_INTERPOLATION', interpolation.issues.map((issue) => ({ file, ...issue })));
  }
  const validator = new DocumentValidator({
    file,
    plugins: options.registry,
    schemas: options.schemas ?? defaultSchemaRegistry(),
    wholeValuePointers: interpolation.wholeValuePointers,
  });
  const valid = validator.validate(defaultSchemaRegistry().get(PIPELINE_SCHEMA).validate, document, '');
  if (!valid && (document === null || typeof document !== 'object' || Array.isArray(document))) {
    throw new ConfigError('LS_CONFIG_INVALID', validator.issues);
  }
  const root = document as Record<string, unknown>;
  const baseDir = dirname(resolve(file));
  validator.issues.push(...registerPipelinePlugins(root, options.registry, { file, baseDir }));
  const components = validateComponents(root, validator);
  validator.issues.push(...checkPipelineRules(root, file));
  const secretPaths = [...validator.secretPointers].sort();
  if (validator.issues.length > 0) {
    const scrubber = new SecretScrubber(secretValues(root, secretPaths, interpolation));
    throw new ConfigError(
      'LS_CONFIG_INVALID',
      validator.issues.map((issue) => ({ ...issue, message: scrubber.scrub(issue.message) })),
    );
  }
  // No issues: the document passed the pipeline schema, so it has the generated type's shape.
  return buildPipelineConfig(root as unknown as PipelineDocument, { file, baseDir, components, secretPaths });
}

function validateComponents(
  root: Record<string, unknown>,
  validator: DocumentValidator,
): Record<'sources' | 'transforms' | 'sinks', ComponentConfig[]> {
  const result = { sources: [] as ComponentConfig[], transforms: [] as ComponentConfig[], sinks: [] as ComponentConfig[] };
  for (const { list, kind } of LISTS) {
    const items = root[list];
    if (!Array.isArray(items)) continue;
    items.forEach((item: unknown, index) => {
      const component = validator.validateComponent(kind, list, index, item);
      if (component !== undefined) result[list].push(component);
    });
  }
  return result;
}

/** Secret values as they stand, plus the environment values interpolated into secret fields. */
function secretValues(root: unknown, secretPaths: readonly string[], interpolation: DocumentInterpolation): string[] {
  const values = secretValuesAt(root, secretPaths);
  for (const [pointer, substituted] of interpolation.substitutions) {
    if (secretPaths.some((secret) => isWithin(pointer, secret))) values.push(...substituted);
  }
  return values;
}
