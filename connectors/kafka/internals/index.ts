/**
 * The Kafka seam: everything lockstep does with kafkajs internals (a cluster to call brokers directly, fetches of
 * assigned partitions, transactions by producer id and epoch, the transaction admin calls kafkajs lacks, the batch
 * codecs kafkajs lacks), behind this
 * one narrow interface. The source and sink import `../internals` only (eslint enforces it), and nothing outside this
 * folder requires `kafkajs/src/…`. docs/kafkajs-internals.md lists every internal used and what breaks if it changes.
 */
export { createCluster, ISOLATION_LEVEL } from './cluster';
export type { ClusterOptions, KafkaBroker, KafkaCluster } from './cluster';
export { compressionType, installCompressionCodecs } from './compression-codecs';
export { commitGroupOffsets, fetchPartitions } from './fetch';
export type { FetchedMessage, FetchedPartition, FetchRequest, GroupOffset, PartitionFetch } from './fetch';
export { KafkaTransaction } from './transactions';
export type { TransactionHandle, TransactionOptions } from './transactions';
export { describeTransaction, endTransaction, initTransactionalId, listTransactions } from './transaction-admin';
export type { ListedTransaction, TransactionDescription } from './transaction-codec';
export { BATCH_HEADER_BYTES, sizeOfVarLong } from './record-batch';
