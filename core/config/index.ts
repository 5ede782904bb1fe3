export { ConfigError } from './config-error';
export type { ConfigErrorCode } from './config-error';
export { formatIssue } from './config-issue';
export type { ConfigIssue } from './config-issue';
export { MAX_CONFIG_DEPTH, parseConfigText } from './config-text-parser';
export { checkDuration, MAX_DURATION_MS, parseDuration } from './duration';
export type { DurationOptions, DurationResult } from './duration';
export { analyzeGuarantee } from './guarantee-analysis';
export { formatGuaranteeReport } from './guarantee-report';
export type { ComponentGuarantee, GuaranteeReport } from './guarantee-report';
export { interpolateDocument, interpolateString } from './interpolation';
export type { DocumentInterpolation, Environment, StringInterpolation } from './interpolation';
export { loadPipelineFile, loadPipelineText } from './pipeline-loader';
export type { LoadPipelineOptions, LoadPipelineTextOptions } from './pipeline-loader';
export type {
  CheckpointConfig,
  ComponentConfig,
  ConnectorConfig,
  ErrorPolicyConfig,
  PipelineConfig,
  RestartConfig,
} from './pipeline-config';
export type { PipelineDocument } from './pipeline-document.generated';
export { pluginContext } from './plugin-context';
export { loadPluginModule, registerPluginModule } from './plugin-loader';
export type { PluginModule } from './plugin-loader';
export { PluginRegistry } from './plugin-registry';
export type { PluginKind, PluginOfKind, RegisterOptions } from './plugin-registry';
export { redactConfig, secretScrubberFor } from './redact-config';
export { defaultSchemaRegistry, findSchemaRoot, PIPELINE_SCHEMA, SchemaRegistry } from './schema-registry';
export type { CompiledSchema } from './schema-registry';
export { MIN_SCRUBBED_LENGTH, REDACTED, SecretScrubber } from './secret-scrubber';
