import type { DirectSink, PluginContext, SinkWriter, SinkWriterInitContext } from '../../core/sdk';
import { resolveElasticsearchSink, type ElasticsearchSinkConfig, type ResolvedElasticsearchSink } from './elasticsearch-sink-config';
import { ElasticsearchSinkWriter } from './elasticsearch-sink-writer';

type SinkContext = Pick<PluginContext, 'pipeline' | 'componentId'>;

/** The guarantee, and the sentence the guarantee analysis shows for it, of a resolved config. */
export function describeGuarantee(resolved: ResolvedElasticsearchSink): { guarantee: 'exactly-once' | 'at-least-once'; explanation: string } {
  if (resolved.documentId === 'auto') {
    return {
      guarantee: 'at-least-once',
      explanation:
        'at-least-once: documentId auto lets Elasticsearch generate ids, so records replayed after a failure become new documents ' +
        `(duplicates${resolved.operation === 'create' ? '; operation create cannot detect them without ids' : ''}); set documentId (or leave it unset for ids from the source position) for exactly-once`,
    };
  }
  const ids =
    resolved.documentId === 'origin'
      ? 'document ids come from each record\'s source position (its origin), so a replay rewrites the same documents; the source must give every record its own origin'
      : `document ids come from ${resolved.documentId.map((path) => path.text).join(', ')}, which must be the same when a record is replayed`;
  const version = resolved.version === undefined ? '' : `; external versions from ${resolved.version.text} keep an older write from overwriting a newer one (409 counts as applied)`;
  return {
    guarantee: 'exactly-once',
    explanation: `exactly-once by idempotent writes: ${ids}${version}; every bulk action is acknowledged before the checkpoint is`,
  };
}

/**
 * `type: elasticsearch` sink: a {@link DirectSink} with idempotent writes (no two-phase commit; Elasticsearch has no
 * transactions). Exactly-once effect when document ids are deterministic, at-least-once with `documentId: auto`.
 * Construction checks the config and does no I/O.
 */
export class ElasticsearchSink implements DirectSink<never> {
  readonly guarantee: 'exactly-once' | 'at-least-once';
  readonly mechanism: 'idempotent-writes' | undefined;
  readonly guaranteeExplanation: string;
  readonly endpoint: string;
  private readonly resolved: ResolvedElasticsearchSink;

  constructor(
    private readonly config: ElasticsearchSinkConfig,
    readonly context: SinkContext,
  ) {
    this.resolved = resolveElasticsearchSink(config);
    const described = describeGuarantee(this.resolved);
    this.guarantee = described.guarantee;
    this.mechanism = described.guarantee === 'exactly-once' ? 'idempotent-writes' : undefined;
    this.guaranteeExplanation = described.explanation;
    this.endpoint = (typeof config.node === 'string' ? [config.node] : config.node).map(withoutCredentials).join(',');
  }

  createWriter(init: SinkWriterInitContext): SinkWriter {
    return new ElasticsearchSinkWriter(this.config, this.resolved, init);
  }
}

/** A node URL without user and password, for messages. */
function withoutCredentials(node: string): string {
  try {
    const url = new URL(node);
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
  } catch {
    return node;
  }
}
