import type { PipelineGuarantee } from '../api/guarantee';
import type { Sink } from '../api/sink';
import type { Source } from '../api/source';
import { ConfigError } from './config-error';
import type { ConfigIssue } from './config-issue';
import type { ComponentGuarantee, GuaranteeReport } from './guarantee-report';
import { childPointer } from './json-pointer';
import type { ComponentConfig, PipelineConfig } from './pipeline-config';
import type { PluginRegistry } from './plugin-registry';
import { createConnectors, type PipelineConnectors } from '../runtime/create-components';

const STRENGTH: Record<PipelineGuarantee, number> = { 'at-most-once': 0, 'at-least-once': 1, 'exactly-once': 2 };

/**
 * Derives the pipeline's end-to-end guarantee by creating each source and sink through its plugin, as the engine
 * does (`createConnectors`; `create` is free of side effects by contract), and reading what it declares:
 * - exactly-once when every source is replayable and every sink (the dead-letter sink included) is exactly-once;
 * - at-least-once when every source is replayable but a sink is at-least-once (replays write duplicates);
 * - at-most-once when a source is not replayable (what it read after the last checkpoint is lost on failure).
 *
 * Call it after `loadPipelineFile`, before running.
 * @throws ConfigError `LS_CONFIG_GUARANTEE` when the config asks for a stronger guarantee than the components give
 *   (naming each component that weakens it), or when periodic checkpoints are off while a source is unbounded
 *   (nothing would ever be committed); `LS_CONFIG_INVALID` when a plugin's `create` refuses its config.
 */
export function analyzeGuarantee(config: PipelineConfig, registry: PluginRegistry): GuaranteeReport {
  const created = createConnectors(config, registry);
  const components = [
    ...created.sources.map((entry, index) => describeSource(entry.config, entry.source, index)),
    ...created.sinks.map((entry, index) => describeSink(entry.config, entry.sink, index, config.errors.sink)),
  ];
  const guarantee = combine(components);
  const caveats = created.sources.flatMap(({ config: component, source }) =>
    source.guaranteeCaveat === undefined ? [] : [`source ${component.id} (${component.type}): ${source.guaranteeCaveat}`],
  );
  const report: GuaranteeReport = {
    pipeline: config.name,
    guarantee,
    ...(config.guarantee === undefined ? {} : { requested: config.guarantee }),
    summary: summarize(guarantee),
    ...(caveats.length === 0 ? {} : { caveats }),
    components,
  };
  const keys = keyIssues(created, config);
  if (keys.length > 0) throw new ConfigError('LS_CONFIG_INVALID', keys);
  const issues = [...requestedGuaranteeIssues(report, config), ...checkpointingIssues(created.sources, config)];
  if (issues.length > 0) throw new ConfigError('LS_CONFIG_GUARANTEE', issues);
  return report;
}

function describeSource(component: ComponentConfig, source: Source, index: number): ComponentGuarantee {
  const explanation =
    source.guarantee === 'replayable'
      ? 'replayable: after a failure it re-reads from the last checkpointed position'
      : 'not replayable: records read after the last checkpoint are lost on a failure';
  return {
    kind: 'source',
    id: component.id,
    type: component.type,
    path: childPointer('', 'sources', index),
    guarantee: source.guarantee,
    bounded: source.bounded,
    explanation: source.guaranteeCaveat === undefined ? explanation : `${explanation}; except: ${source.guaranteeCaveat}`,
  };
}

function describeSink(component: ComponentConfig, sink: Sink, index: number, deadLetterId: string | undefined): ComponentGuarantee {
  const deadLetter = component.id === deadLetterId;
  let explanation: string;
  if (sink.guaranteeExplanation !== undefined) {
    explanation = sink.guaranteeExplanation;
  } else if (sink.guarantee === 'at-least-once') {
    explanation = 'at-least-once: records replayed after a failure are written again (duplicates)';
  } else if (sink.mechanism === 'two-phase-commit') {
    explanation = 'exactly-once by two-phase commit: writes become visible when the checkpoint that covers them completes';
  } else if (sink.mechanism === 'idempotent-writes') {
    explanation = 'exactly-once by idempotent writes: a replayed record overwrites its earlier copy';
  } else {
    explanation = 'exactly-once (the sink does not say how)';
  }
  return {
    kind: 'sink',
    id: component.id,
    type: component.type,
    path: childPointer('', 'sinks', index),
    guarantee: sink.guarantee,
    ...(sink.mechanism === undefined ? {} : { mechanism: sink.mechanism }),
    ...(deadLetter ? { deadLetter } : {}),
    explanation: deadLetter ? `${explanation}; it is the dead-letter sink` : explanation,
  };
}

/** The weakest link decides. */
function combine(components: readonly ComponentGuarantee[]): PipelineGuarantee {
  if (components.some((c) => c.kind === 'source' && c.guarantee === 'not-replayable')) return 'at-most-once';
  if (components.some((c) => c.kind === 'sink' && c.guarantee === 'at-least-once')) return 'at-least-once';
  return 'exactly-once';
}

function summarize(guarantee: PipelineGuarantee): string {
  switch (guarantee) {
    case 'exactly-once':
      return 'every source is replayable and every sink is exactly-once';
    case 'at-least-once':
      return 'every source is replayable, but an at-least-once sink writes replayed records again';
    case 'at-most-once':
      return 'a source is not replayable, so records read after the last checkpoint are lost on a failure';
  }
}

/** One issue per component that makes the pipeline weaker than requested. */
function requestedGuaranteeIssues(report: GuaranteeReport, config: PipelineConfig): ConfigIssue[] {
  const requested = report.requested;
  if (requested === undefined || STRENGTH[report.guarantee] >= STRENGTH[requested]) return [];
  const file = config.file ?? config.name;
  const weakening = report.components.filter((component) =>
    component.kind === 'source' ? component.guarantee === 'not-replayable' : requested === 'exactly-once' && component.guarantee === 'at-least-once',
  );
  return weakening.map((component) => ({
    file,
    path: component.path,
    message: `${component.kind} '${component.id}' (${component.type}) is ${component.explanation}; the pipeline asks for ${requested} but can only give ${report.guarantee}`,
  }));
}

/**
 * Sinks that cannot write the keys a source declares (`Source.recordKeys`): a Kafka sink with `keyFormat: string`
 * behind a CDC source would fail on its first record. Checked only without transforms (a transform may change keys).
 */
function keyIssues(created: PipelineConnectors, config: PipelineConfig): ConfigIssue[] {
  if (config.transforms.length > 0) return [];
  const file = config.file ?? config.name;
  return created.sources.flatMap(({ config: source, source: made }) => {
    const keys = made.recordKeys;
    if (keys === undefined) return [];
    return created.sinks.flatMap(({ config: sink, sink: instance }, index) => {
      if (sink.id === config.errors.sink) return []; // the dead-letter sink gets refused records with their own keys
      const problem = instance.refuseKeys?.(keys);
      if (problem === undefined) return [];
      return [{ file, path: childPointer('', 'sinks', index), message: `sink '${sink.id}' (${sink.type}) cannot write the ${keys} keys of source '${source.id}' (${source.type}): ${problem}` }];
    });
  });
}

/**
 * With periodic checkpoints off, a checkpoint happens only at the end of a bounded input. An unbounded source never
 * ends, so no checkpoint would ever complete: two-phase-commit sinks would never commit, and a restart would replay
 * everything from the start.
 */
function checkpointingIssues(sources: PipelineConnectors['sources'], config: PipelineConfig): ConfigIssue[] {
  if (config.checkpoint.intervalMs !== 0) return [];
  const file = config.file ?? config.name;
  return sources
    .flatMap(({ config: component, source }, index) => (source.bounded ? [] : [{ component, index }]))
    .map(({ component, index }) => ({
      file,
      path: childPointer('', 'sources', index),
      message: `source '${component.id}' is unbounded but checkpoint.interval is off: no checkpoint would ever complete, so nothing would be committed; set an interval`,
    }));
}
