import type { ConfigIssue } from './config-issue';
import { childPointer } from './json-pointer';

const LISTS = ['sources', 'transforms', 'sinks'] as const;

/**
 * Rules the pipeline schema cannot express: ids unique across the whole pipeline, a dead-letter sink that exists and
 * is not the only sink, no parallelism on transforms, a backoff range that is not upside down. Runs on the
 * schema-validated document and skips what the schema already reported as malformed.
 */
export function checkPipelineRules(document: Record<string, unknown>, file: string): ConfigIssue[] {
  return [
    ...checkUniqueIds(document, file),
    ...checkTransformParallelism(document, file),
    ...checkDeadLetter(document, file),
    ...checkBackoff(document, file),
  ];
}

function checkUniqueIds(document: Record<string, unknown>, file: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const firstUse = new Map<string, string>();
  for (const list of LISTS) {
    entries(document[list]).forEach((component, index) => {
      const id = component.id;
      if (typeof id !== 'string') return;
      const path = childPointer('', list, index, 'id');
      const previous = firstUse.get(id);
      if (previous === undefined) firstUse.set(id, path);
      else issues.push({ file, path, message: `id '${id}' is already used at ${previous}: ids must be unique in the pipeline` });
    });
  }
  return issues;
}

function checkTransformParallelism(document: Record<string, unknown>, file: string): ConfigIssue[] {
  return entries(document.transforms).flatMap((component, index) =>
    'parallelism' in component
      ? [
          {
            file,
            path: childPointer('', 'transforms', index, 'parallelism'),
            message: 'is not allowed: transforms run in the subtasks of the source that feeds them',
          },
        ]
      : [],
  );
}

function checkDeadLetter(document: Record<string, unknown>, file: string): ConfigIssue[] {
  const errors = document.errors as { policy?: unknown; sink?: unknown } | undefined;
  if (errors === undefined || typeof errors !== 'object' || errors === null) return [];
  const sinkIds = entries(document.sinks).map((sink) => sink.id).filter((id): id is string => typeof id === 'string');
  const issue = (message: string): ConfigIssue[] => [{ file, path: '/errors/sink', message }];
  if (errors.policy !== 'dead-letter') {
    return errors.sink === undefined ? [] : issue('is only used with policy dead-letter');
  }
  if (errors.sink === undefined) return issue('is required when policy is dead-letter');
  if (typeof errors.sink !== 'string') return []; // the schema reported it
  if (!sinkIds.includes(errors.sink)) {
    return issue(`must name one of the sinks (${sinkIds.join(', ') || 'none defined'}); there is no sink '${errors.sink}'`);
  }
  if (sinkIds.length === 1) {
    return issue('the dead-letter sink receives only refused records, so the pipeline needs another sink for its output');
  }
  return [];
}

function checkBackoff(document: Record<string, unknown>, file: string): ConfigIssue[] {
  const restart = document.restart as { initialBackoff?: unknown; maxBackoff?: unknown } | undefined;
  if (typeof restart?.initialBackoff !== 'number' || typeof restart.maxBackoff !== 'number') return [];
  if (restart.maxBackoff >= restart.initialBackoff) return [];
  return [{ file, path: '/restart/maxBackoff', message: `must be at least initialBackoff (${restart.initialBackoff}ms)` }];
}

/** The object entries of a component list, or none when the list is malformed (the schema reported it). */
function entries(list: unknown): Record<string, unknown>[] {
  if (!Array.isArray(list)) return [];
  return list.map((item: unknown) => (item !== null && typeof item === 'object' && !Array.isArray(item) ? (item as Record<string, unknown>) : {}));
}
