import { createHash } from 'node:crypto';
import type { LockstepRecord } from '../../core/sdk';
import { RecordError } from '../../core/sdk';
import type { BulkOperation, ResolvedElasticsearchSink } from './elasticsearch-sink-config';
import { IndexNameProblem } from './index-template';
import { scalarText } from './record-fields';

/** One record as a _bulk action: its metadata line, its source line (none for delete) and its size. */
export interface BulkAction {
  readonly record: LockstepRecord;
  readonly operation: BulkOperation;
  readonly index: string;
  /** Undefined with `documentId: auto` (Elasticsearch generates it). */
  readonly id: string | undefined;
  readonly externalVersion: boolean;
  /** The NDJSON lines, each ending in a newline. */
  readonly body: string;
  readonly bytes: number;
}

/** Elasticsearch's limit on `_id`, in bytes. */
const MAX_ID_BYTES = 512;

const OPERATION_NAMES: Readonly<Record<string, BulkOperation>> = {
  index: 'index',
  create: 'create',
  update: 'update',
  delete: 'delete',
  c: 'index',
  r: 'index',
  u: 'index',
  d: 'delete',
  insert: 'index',
  upsert: 'index',
};

function refuse(record: LockstepRecord, message: string, field?: string): RecordError {
  return new RecordError(`${record.origin ?? '(no origin)'}: ${message}`, record, { code: 'LS_ELASTICSEARCH_RECORD', field });
}

/**
 * The deterministic default id: the record's origin (`orders/2@1234`), or `sha256:<hex>` of it when longer than
 * Elasticsearch's 512 bytes. The same record read again after a recovery has the same origin, so the same id.
 */
export function originDocumentId(origin: string): string {
  return Buffer.byteLength(origin) <= MAX_ID_BYTES ? origin : `sha256:${createHash('sha256').update(origin).digest('hex')}`;
}

/**
 * Builds the _bulk action of each record from the resolved options. Pure: the same record always yields the same
 * action (index, id, operation, version), which is what makes a replay rewrite the same documents.
 */
export class BulkActionBuilder {
  constructor(private readonly options: ResolvedElasticsearchSink) {}

  /** @throws RecordError `LS_ELASTICSEARCH_RECORD` naming the record and the field it cannot use. */
  build(record: LockstepRecord): BulkAction {
    const operation = this.operationOf(record);
    const index = this.options.index.resolve(record);
    if (index instanceof IndexNameProblem) throw refuse(record, index.message, 'index');
    const id = this.idOf(record);
    if (id === undefined && operation !== 'index' && operation !== 'create') {
      throw refuse(record, `operation ${operation} needs a document id (documentId is auto)`, 'documentId');
    }
    const meta: Record<string, unknown> = { _index: index };
    if (id !== undefined) meta._id = id;
    const routing = this.options.routing === undefined ? undefined : scalarText(this.options.routing.read(record));
    if (this.options.routing !== undefined && routing === undefined) throw refuse(record, `routing field ${this.options.routing.text} is missing or not a scalar`, 'routing');
    if (routing !== undefined) meta.routing = routing;
    const version = this.versionOf(record);
    if (version !== undefined && operation !== 'update') {
      meta.version = version;
      meta.version_type = 'external';
    }
    let body = `${JSON.stringify({ [operation]: meta })}\n`;
    if (operation !== 'delete') {
      const document = this.documentOf(record);
      try {
        body += `${JSON.stringify(operation === 'update' ? { doc: document, doc_as_upsert: true } : document)}\n`;
      } catch (cause) {
        throw refuse(record, `the document cannot be written as JSON (${(cause as Error).message})`, 'document');
      }
    }
    return { record, operation, index, id, externalVersion: meta.version !== undefined, body, bytes: Buffer.byteLength(body) };
  }

  private operationOf(record: LockstepRecord): BulkOperation {
    const field = this.options.operationField;
    if (field === undefined) return this.options.operation;
    const value = field.read(record);
    if (value === undefined || value === null) return this.options.operation;
    const operation = typeof value === 'string' ? OPERATION_NAMES[value.toLowerCase()] : undefined;
    if (operation === undefined) throw refuse(record, `operation field ${field.text} is ${JSON.stringify(value)}, not index, create, update or delete`, 'operationField');
    return operation;
  }

  private idOf(record: LockstepRecord): string | undefined {
    const paths = this.options.documentId;
    if (paths === 'auto') return undefined;
    if (paths === 'origin') {
      if (record.origin === undefined || record.origin === '') throw refuse(record, 'has no origin to derive a document id from; set documentId', 'documentId');
      return originDocumentId(record.origin);
    }
    const parts = paths.map((path) => {
      const text = scalarText(path.read(record));
      if (text === undefined || text === '') throw refuse(record, `documentId field ${path.text} is missing, empty or not a scalar`, 'documentId');
      return text;
    });
    const id = parts.join('|');
    if (Buffer.byteLength(id) > MAX_ID_BYTES) throw refuse(record, `document id is longer than ${MAX_ID_BYTES} bytes`, 'documentId');
    return id;
  }

  private versionOf(record: LockstepRecord): number | undefined {
    const path = this.options.version;
    if (path === undefined) return undefined;
    const value = path.read(record);
    const version = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : typeof value === 'bigint' ? Number(value) : value;
    if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
      throw refuse(record, `version field ${path.text} is ${JSON.stringify(typeof value === 'bigint' ? String(value) : value) ?? 'missing'}, not a non-negative integer`, 'version');
    }
    return version;
  }

  private documentOf(record: LockstepRecord): Record<string, unknown> {
    const value = this.options.document === undefined ? record.value : this.options.document.read(record);
    if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
      const what = this.options.document === undefined ? 'the record value' : `field ${this.options.document.text}`;
      throw refuse(record, `${what} is not a JSON object (a document must be one)`, 'document');
    }
    return value as Record<string, unknown>;
  }
}
