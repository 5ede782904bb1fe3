/**
 * The catalogue of lockstep's error codes: every `LS_*` code any part of lockstep throws, with its facts. A
 * `LockstepError`'s `code` is typed as {@link LockstepErrorCode}, so an uncatalogued code does not compile, and its
 * `retriable` defaults to the code's fact here. docs/errors.md shows this table (a unit test keeps it in sync).
 *
 * Facts:
 * - `retriable`: whether a restart from the last completed checkpoint may get past the error. `by-cause`: the code
 *   covers failures of both kinds, and the call site decides from the underlying error (errno, SQLSTATE, kafkajs' flag).
 * - `fatal`: lockstep's assumptions about a library, a protocol or a plugin contract do not hold (an incompatible
 *   version, a bug): the pipeline stops at once, also when the error is the cause of a retriable one. Never retriable.
 * - `dataLoss`: records may be lost or skipped; the message says which and how to recover.
 * - `fenced`: another instance took the work over; this one stops.
 */

/** Whether a restart may get past an error with this code. */
export type Retriability = 'yes' | 'no' | 'by-cause';

interface CodeEntry {
  readonly retriable: Retriability;
  readonly description: string;
  readonly fatal?: true;
  readonly dataLoss?: true;
  readonly fenced?: true;
}

const yes = (description: string) => ({ retriable: 'yes', description }) as const;
const no = (description: string) => ({ retriable: 'no', description }) as const;
const byCause = (description: string) => ({ retriable: 'by-cause', description }) as const;
const fatal = (description: string) => ({ retriable: 'no', fatal: true, description }) as const;
const lossy = (description: string) => ({ retriable: 'no', dataLoss: true, description }) as const;

/** Every error code, keyed by code, grouped by area (docs/errors.md lists them in this order). */
export const ERROR_CODES = {
  // Engine: runtime, checkpoints, commits, persisted state, CLI
  LS_CHECKPOINT_ABORTED: yes('the checkpoint that ends a bounded run was aborted (timed out or failed); the run restarts from the last completed one'),
  LS_CHECKPOINT_BUSY: fatal('a checkpoint was triggered while another was still in flight: a bug of the runtime'),
  LS_CHECKPOINT_CONFIG: no('checkpoint settings are out of range (checkpoint.retain < 1)'),
  LS_CHECKPOINT_CORRUPT: fatal('a checkpoint store file (checkpoint, savepoint, id counter, owner) is damaged: not JSON, wrong shape or checksum; the message names it and how to go on'),
  LS_CHECKPOINT_FENCED: { ...fatal('another instance took the checkpoint store over (a newer owner epoch): this zombie stops for good'), fenced: true },
  LS_CHECKPOINT_FORMAT: no('a checkpoint file has a format version this lockstep does not read'),
  LS_CHECKPOINT_MISSING: no('checkpoints the store recorded as completed are gone (files removed by hand) and the sinks cannot prove that nothing of them was committed; the message names what the sinks hold and how to start deliberately (--from-checkpoint, --from-savepoint, --fresh)'),
  LS_CHECKPOINT_NO_SPACE: yes('the disk or quota of the checkpoint storage is full (ENOSPC, EDQUOT); the message names the path. Restarts go on only until restart.startupDeadline after the disk filled'),
  LS_CHECKPOINT_OWNED: no('the checkpoint store is owned by a live process (the pipeline is already running); the message names it'),
  LS_CHECKPOINT_SAVEPOINT_MISSING: no('the savepoint to start from does not exist or cannot be read'),
  LS_CHECKPOINT_SAVEPOINT_NAME: no('a savepoint name has characters a file name cannot hold'),
  LS_CHECKPOINT_SINK_TRACES: no('the checkpoint store holds nothing of this pipeline (new, or deleted) or less than its sinks, but a sink holds traces of it (commit markers, committed files, prepared or Kafka transactions): starting over would write again what was committed; the message names the traces and how to start deliberately (--from-checkpoint, --from-savepoint, --fresh)'),
  LS_CLI_USAGE: no('the command line is wrong: unknown command, option or missing argument'),
  LS_COMMIT_CONTRACT: fatal('a committer returned a different number of outcomes than it got requests'),
  LS_COMMIT_FAILED: yes('a commit failed for an unknown reason; the pipeline fails over and recovery commits it again'),
  LS_COMMITS_PENDING: yes('commits of the checkpoint that ends a run stayed pending; the next start commits them from the checkpoint'),
  LS_CONFORMANCE_FAILED: no('a check of the conformance kit (core/testing) failed, or the kit was used wrongly; tests only'),
  LS_INTERNAL: fatal('lockstep broke one of its own invariants: a bug, please report it with the message'),
  LS_SERVICE_NOT_FOUND: no('lockstep serve: no pipeline of that name'),
  LS_SERVICE_CONFLICT: no('lockstep serve: a pipeline of that name exists already, or the name in the body differs from the one in the path'),
  LS_SERVICE_READ_ONLY: no('lockstep serve: the pipeline comes from the config directory, which the API may not change (start with --api-writes-config-dir to allow it)'),
  LS_SERVICE_STATE: no('lockstep serve: the action is not possible in the pipeline\'s current state (resume of a running pipeline, a savepoint of a stopped one)'),
  LS_SERVICE_REQUEST: no('lockstep serve: the request does not match the API (the issues name each field)'),
  LS_SERVICE_UNAUTHORIZED: no('lockstep serve: the bearer token is missing or wrong'),
  LS_SERVICE_BODY_TOO_LARGE: no('lockstep serve: the request body is larger than --max-body'),
  LS_SERVICE_HTTP: no('lockstep serve: any other HTTP error (malformed JSON, unsupported media type); the message says which'),
  LS_SERVICE_SAVEPOINT: yes('lockstep serve: no checkpoint completed in time to be kept as the savepoint asked for'),
  LS_PIPELINE_FAILED: no('the pipeline stopped for good: a non-retriable or fatal failure, restart.maxAttempts spent, or a service unreachable (a disk full) past restart.startupDeadline; the cause says which'),
  LS_RECORD_FAILED: no('a record was refused and errors.policy is fail; the cause names the record and why'),
  LS_RECORD_INVALID: no('a record a plugin refused, for plugins without a code of their own'),
  LS_RUNTIME_ALIGNMENT: fatal('barrier alignment broke: a barrier of another checkpoint, or every input blocked; a bug of the runtime'),
  LS_RUNTIME_CHANNEL_CLOSED: yes('a channel between tasks was closed while in use: the run is torn down after another failure'),
  LS_SINK_CONTRACT: fatal('a sink broke the SDK contract (committables without a committable serializer, used before init)'),
  LS_SOURCE_CONTRACT: fatal('a source broke the SDK contract (a split for a subtask that does not exist, a second split for a one-split reader)'),
  LS_STARTUP_DEADLINE: byCause('a connector was still connecting (or recovering) restart.startupDeadline after its start began: fails the pipeline before its first checkpoint in the process, else the pipeline restarts; the message names the connector and its address'),
  LS_STATE_INVALID: no('persisted state (split, enumerator, writer state, committable) does not have the shape its version promises'),
  LS_STATE_VERSION: no('persisted state has a version this lockstep does not know (written by a newer lockstep)'),
  LS_UNKNOWN: yes('an error without a lockstep code (a library error passed through unmapped); restarts within restart.maxAttempts'),

  // Config
  LS_CONFIG_DURATION: no('a duration is malformed (expected e.g. 500ms, 1s, 2m)'),
  LS_CONFIG_GUARANTEE: no('the components cannot keep the requested guarantee, or checkpointing is off for an unbounded source'),
  LS_CONFIG_INTERPOLATION: no('a ${VAR} has no value and no default, or is malformed'),
  LS_CONFIG_INVALID: no('the config does not match its schema or breaks a rule the schema cannot express'),
  LS_CONFIG_PARSE: no('the pipeline file is not valid YAML or JSON (with line and column)'),
  LS_CONFIG_PLUGIN: no('a plugin module cannot be found or loaded, or a plugin registration is malformed (kind, type or schema) or registered twice'),
  LS_CONFIG_READ: no('the pipeline file cannot be read'),
  LS_CONFIG_SCHEMA: fatal('a JSON Schema under config-schemas/ is itself broken: a bug of lockstep or a plugin'),
  LS_CONFIG_UNKNOWN_TYPE: no('no plugin of that kind has that type; the message lists the known ones'),

  // Transforms and expressions
  LS_EXPRESSION_ARITHMETIC: no('an expression gave no finite number for a record (division by zero, overflow)'),
  LS_EXPRESSION_SYNTAX: no('an expression in the config does not parse; the message points at the column'),
  LS_EXPRESSION_TYPE: no('an expression met a value of the wrong type for a record'),
  LS_TRANSFORM_FILTER_NOT_BOOLEAN: no("a filter's where gave something other than true or false for a record"),
  LS_TRANSFORM_JSON_INPUT: no('the json transform got a field that is neither a string nor bytes'),
  LS_TRANSFORM_JSON_PARSE: no('the json transform got a field that is not valid JSON'),
  LS_TRANSFORM_MAP_CONFLICT: no("a map transform's remove deletes what its set writes"),
  LS_TRANSFORM_MAP_EMPTY: no('a map transform has nothing to do (no set, remove or key)'),
  LS_TRANSFORM_MAP_FIELD_PATH: no('a field path in a map transform does not parse'),
  LS_TRANSFORM_MAP_NOT_OBJECT: no('a map transform cannot set a field inside a value that is not an object'),
  LS_TRANSFORM_MODULE_EXPORT: no("a module transform's file does not export the named function"),
  LS_TRANSFORM_MODULE_FAILED: no("a module transform's function threw for a record"),
  LS_TRANSFORM_MODULE_LOAD: no("a module transform's file failed to load"),
  LS_TRANSFORM_MODULE_NOT_FOUND: no("a module transform's file does not exist"),
  LS_TRANSFORM_MODULE_RESULT: no("a module transform's function returned something other than records"),
  LS_TRANSFORM_MODULE_TYPESCRIPT: no('a TypeScript module transform cannot be loaded without a TypeScript loader'),
  LS_TRANSFORM_NOT_OPEN: fatal('a transform was used before open(): a bug of the runtime'),

  // File and stdout connectors
  LS_FILE_CHANGED: lossy('an input file is shorter than the checkpointed offset: it was replaced or truncated since'),
  LS_FILE_CHECKPOINT_ORDER: fatal('the file sink got a checkpoint older than one it already prepared'),
  LS_FILE_ID_CONFLICT: no('the output folder holds a committed file of an earlier run whose checkpoints are gone'),
  LS_FILE_IO: byCause('another file-system error; retriable for EAGAIN, EBUSY, EIO, ETIMEDOUT, EINTR'),
  LS_FILE_IS_A_DIRECTORY: no('a path names a folder where a file was expected'),
  LS_FILE_NOT_A_DIRECTORY: no('a path goes through something that is not a folder'),
  LS_FILE_NOT_A_FILE: no('an input path is neither a file nor a folder'),
  LS_FILE_NOT_FOUND: no('a file or folder does not exist'),
  LS_FILE_NO_SPACE: yes('the disk or quota is full; the message names the path. Restarts go on only until restart.startupDeadline after the disk filled'),
  LS_FILE_PERMISSION: no('permission denied, or a read-only file system'),
  LS_FILE_TOO_MANY_OPEN: yes('the process or system ran out of file descriptors'),
  LS_FILE_VALUE_NOT_JSON: no('the file sink cannot write a record value as JSON'),
  LS_FILE_VALUE_NOT_STRING: no('the file sink with format raw got a value that is neither a string nor bytes'),
  LS_STDOUT_VALUE_NOT_JSON: no('the stdout sink cannot write a record value as JSON'),
  LS_STDOUT_VALUE_NOT_STRING: no('the stdout sink with format raw got a value that is neither a string nor bytes'),

  // Elasticsearch
  LS_ELASTICSEARCH_AUTH: no('Elasticsearch refused the credentials (401) or the user may not write the index (403)'),
  LS_ELASTICSEARCH_CONNECTION: yes('no Elasticsearch node answered, a request timed out, or items kept failing with 429 or 5xx past maxRetries; the restart replays from the last checkpoint'),
  LS_ELASTICSEARCH_ERROR: byCause('another Elasticsearch error; retriable for 429 and 5xx answers'),
  LS_ELASTICSEARCH_RECORD: no('the Elasticsearch sink cannot build a bulk action from a record (id, version, routing, operation or index field missing or of the wrong type; the document is not a JSON object)'),
  LS_ELASTICSEARCH_REJECTED: no('Elasticsearch refused a document (400: a mapping or parse error, an invalid index name); the message has the document id and the server\'s reason'),
  LS_ELASTICSEARCH_REQUEST_TOO_LARGE: no('a _bulk request was larger than the server accepts (413, http.max_content_length): lower bulkBytes'),
  LS_ELASTICSEARCH_SERVER_VERSION: no('the server is not Elasticsearch 8 or 9 (the sink uses the 8.x client)'),

  // Kafka
  LS_KAFKA_AUTH: no('authentication or authorization failed'),
  LS_KAFKA_COMPRESSION: no('a Kafka record batch cannot be decompressed (a codec id Kafka does not define, zstd on Node < 22.15, damaged bytes), or the sink\'s compression cannot be used here'),
  LS_KAFKA_CONNECTION: yes('a broker was lost, timed out or is not known yet, or a leader moved'),
  LS_KAFKA_ERROR: byCause('another Kafka error; retriable when kafkajs marks it so'),
  LS_KAFKA_FENCED: { retriable: 'no', fenced: true, description: 'a newer producer took the transactional id over (another pipeline uses the same transactionalIdPrefix)' },
  LS_KAFKA_INTERNALS: fatal('the kafkajs internals lockstep relies on changed (lockstep needs kafkajs 2.2.x; see docs/kafkajs-internals.md)'),
  LS_KAFKA_KEY_NOT_JSON: no('a Kafka record key is not JSON (keyFormat json)'),
  LS_KAFKA_MESSAGE_TOO_LARGE: no('the broker refused a record batch as too large (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE): retrying cannot help'),
  LS_KAFKA_OFFSET_OUT_OF_RANGE: lossy('the checkpointed offset no longer exists (deleted by retention, or the topic was recreated)'),
  LS_KAFKA_PROTOCOL: fatal('a broker answered in a way the Kafka protocol does not allow'),
  LS_KAFKA_RECORD: no('the Kafka sink cannot encode a record (topic, key, value, header or timestamp in the wrong shape for its format)'),
  LS_KAFKA_RECORD_TOO_LARGE: no("a record is larger than its topic's max.message.bytes (read at start) even alone in a record batch: a bad record for errors.policy"),
  LS_KAFKA_TOPIC_NOT_FOUND: no('a configured topic does not exist'),
  LS_KAFKA_TRANSACTION_TIMED_OUT: yes('the broker aborted an open transaction that outlived transactionTimeout; the restart replays it'),
  LS_KAFKA_TRANSACTION_TIMEOUT: no('transactionTimeout is not longer than checkpoint.timeout'),
  LS_KAFKA_VALUE_NOT_JSON: no('a Kafka record value is not JSON (valueFormat json)'),

  // Kinesis
  LS_KINESIS_ACCESS_DENIED: no('Kinesis refused the credentials or the action (AccessDenied, UnrecognizedClientException, expired token)'),
  LS_KINESIS_INVALID_REQUEST: no('Kinesis refused a request as invalid (InvalidArgumentException, ValidationException)'),
  LS_KINESIS_BAD_RECORD: no('a record cannot be put into Kinesis: over 1 MiB, a partition key longer than 256 characters, an explicit hash key that is not an integer below 2^128, or a value that does not fit the format'),
  LS_KINESIS_REQUEST_FAILED: yes('a Kinesis request failed (connection, timeout, 5xx, KMS throttling) after the client\'s own retries'),
  LS_KINESIS_STREAM_NOT_FOUND: no('the stream (or a shard of it) does not exist (ResourceNotFoundException)'),
  LS_KINESIS_STREAM_NOT_READY: yes('the stream is being created, updated or deleted (ResourceInUseException)'),
  LS_KINESIS_THROTTLED: yes('Kinesis throttled a request (ProvisionedThroughputExceededException, LimitExceededException) beyond the backoff'),
  LS_KINESIS_VALUE_NOT_JSON: no('a Kinesis record\'s data is not JSON (valueFormat json)'),

  // Postgres (and LS_POSTGRES_<SQLSTATE>, see POSTGRES_SQLSTATE_FAMILY)
  LS_POSTGRES_CDC_NO_PRIMARY_KEY: no('a published table has no primary key'),
  LS_POSTGRES_CDC_NO_PUBLICATION: no('the publication does not exist and neither tables nor allTables is set'),
  LS_POSTGRES_CDC_POSITION_LOST: lossy('the slot was confirmed past the checkpoint, or resumes in another transaction: changes in between are gone'),
  LS_POSTGRES_CDC_PROTOCOL: fatal('the server sent a replication message or answer the protocol does not allow'),
  LS_POSTGRES_CDC_REPLICA_IDENTITY: no('a published table\'s replica identity (NOTHING, or an index that was dropped) cannot key its change records'),
  LS_POSTGRES_CDC_SLOT_BLOCKED: yes('creating the replication slot waited past slotCreateTimeout for open transactions (prepared ones named) to end'),
  LS_POSTGRES_CDC_SNAPSHOT_COMMIT_INVISIBLE: yes('a transaction committed before a snapshot chunk\'s low watermark stayed invisible to new snapshots (a synchronous standby not answering) past 60 s; the chunk is read again after the restart'),
  LS_POSTGRES_CDC_SLOT_BUSY: yes('the replication slot stayed held by another connection'),
  LS_POSTGRES_CDC_SLOT_MISMATCH: no('the replication slot is not a pgoutput logical slot of this database'),
  LS_POSTGRES_CDC_SLOT_MISSING: lossy('the checkpoint resumes a replication slot that was dropped'),
  LS_POSTGRES_CHANGE: no('a change event cannot be applied to the sink table (a truncate without truncate: apply, no key columns, a key value missing, not a change event under changes: apply)'),
  LS_POSTGRES_CONNECTION: byCause('a Postgres operation failed without a SQLSTATE; retriable for lost or refused connections'),
  LS_POSTGRES_NO_COLUMN: no('a configured column does not exist in the table'),
  LS_POSTGRES_NO_PREPARED_TRANSACTIONS: no('the server cannot prepare transactions (max_prepared_transactions is 0)'),
  LS_POSTGRES_NO_TABLE: no('the sink table does not exist'),
  LS_POSTGRES_RECORD_SHAPE: no('a record value is not an object with fields to write'),
  LS_POSTGRES_UNKNOWN_COLUMN: no('a record field has no column in the table'),
  LS_POSTGRES_VALUE: no('a value cannot be converted to or from its column type'),
} satisfies Record<string, CodeEntry>;

/** SQLSTATE classes (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
type SqlStateClass =
  | '00' | '01' | '02' | '03' | '08' | '09' | '0A' | '0B' | '0F' | '0L' | '0P' | '0Z' | '20' | '21' | '22' | '23'
  | '24' | '25' | '26' | '27' | '28' | '2B' | '2D' | '2F' | '34' | '38' | '39' | '3B' | '3D' | '3F' | '40' | '42'
  | '44' | '53' | '54' | '55' | '57' | '58' | '72' | 'F0' | 'HV' | 'P0' | 'XX';

/** `LS_POSTGRES_<SQLSTATE>`: a failed Postgres statement, by the server's SQLSTATE (`LS_POSTGRES_40P01`). */
export type PostgresSqlStateCode = `LS_POSTGRES_${SqlStateClass}${string}`;

/** The one code family: its pattern and facts. */
export const POSTGRES_SQLSTATE_FAMILY = {
  code: 'LS_POSTGRES_<SQLSTATE>',
  pattern: /^LS_POSTGRES_[0-9A-Z]{5}$/,
  ...byCause('a Postgres statement failed with that SQLSTATE; retriable for class 08, 40001, 40P01, 53300, 55P03, 57014, 57P01-03'),
} as const;

/** Every code lockstep throws. */
export type LockstepErrorCode = keyof typeof ERROR_CODES | PostgresSqlStateCode;

/** The facts of one code. */
export interface ErrorFacts {
  readonly code: string;
  readonly retriable: Retriability;
  readonly fatal: boolean;
  readonly dataLoss: boolean;
  readonly fenced: boolean;
  readonly description: string;
}

function factsOfEntry(code: string, entry: CodeEntry): ErrorFacts {
  const { retriable, description } = entry;
  return { code, retriable, fatal: entry.fatal === true, dataLoss: entry.dataLoss === true, fenced: entry.fenced === true, description };
}

/** The facts of `code`; undefined for a code not in the catalogue (an error of another lockstep version). */
export function errorFacts(code: string): ErrorFacts | undefined {
  if (Object.hasOwn(ERROR_CODES, code)) return factsOfEntry(code, ERROR_CODES[code as keyof typeof ERROR_CODES]);
  return POSTGRES_SQLSTATE_FAMILY.pattern.test(code) ? factsOfEntry(code, POSTGRES_SQLSTATE_FAMILY) : undefined;
}

/** Every catalogued code and the family, with their facts, in catalogue order. */
export function errorCatalogue(): ErrorFacts[] {
  const codes = Object.entries(ERROR_CODES).map(([code, entry]) => factsOfEntry(code, entry));
  return [...codes, factsOfEntry(POSTGRES_SQLSTATE_FAMILY.code, POSTGRES_SQLSTATE_FAMILY)];
}

/** `LS_POSTGRES_<state>` for a SQLSTATE (five digits or capitals); `LS_POSTGRES_CONNECTION` for anything else. */
export function postgresStateCode(state: string): LockstepErrorCode {
  const code = `LS_POSTGRES_${state}`;
  return POSTGRES_SQLSTATE_FAMILY.pattern.test(code) && !Object.hasOwn(ERROR_CODES, code) ? (code as PostgresSqlStateCode) : 'LS_POSTGRES_CONNECTION';
}
