// @ic/event-log: the Avro contract of the event log (schemas in /schemas) and a thin kafkajs
// adapter. Services encode/decode through the codec and produce/consume through the adapter.
export {
  SCHEMA_NAMES,
  type BridgeStatus,
  type CircuitKey,
  type EventRecords,
  type HtlcAction,
  type HtlcCommand,
  type HtlcIntercepted,
  type HtlcOutcome,
  type HtlcOutcomeKind,
  type InvoiceEvent,
  type InvoiceEventKind,
  type InvoiceHtlc,
  type LndFailureCode,
  type MatcherEvent,
  type SchemaName,
} from "./event-records.ts";
export {
  EventCodec,
  SCHEMA_FINGERPRINT_HEADER,
  SCHEMA_HEADER,
  SCHEMA_VERSION_HEADER,
  WIRE_FORMAT_MAGIC_BYTE,
  WIRE_FORMAT_PREFIX_BYTES,
  decode,
  decodeAs,
  encode,
  eventCodec,
  resolveSchemaIds,
  type DecodedEvent,
  type EncodedEvent,
  type EventRecordBytes,
} from "./codec.ts";
export {
  EventDecodeError,
  EventEncodeError,
  isPermanentDecodeFailure,
  SchemaDefinitionError,
  type DecodeFailureReason,
  type FieldProblem,
} from "./errors.ts";
export { eventRecordInvariants, type RecordInvariant, type RecordInvariants } from "./record-invariants.ts";
export {
  buildSchemaCatalog,
  defaultSchemaDirectory,
  fingerprintOf,
  loadSchemaCatalog,
  readSchemaDirectory,
  type SchemaCatalog,
  type SchemaDefinition,
  type SchemaVersion,
} from "./schema-catalog.ts";
export { SchemaIdTable, type SchemaIdResolution } from "./schema-ids.ts";
export {
  DEFAULT_SCHEMA_REGISTRY_URL,
  checkAgainstRegistry,
  connectSchemaRegistry,
  schemaRegistryUrlProblem,
  registerTopicSubjects,
  SchemaRegistryError,
  valueSubject,
  type RegisteredSubject,
  type RegistryCheckReport,
  type SchemaRegistryOptions,
  type SchemaRegistryProblem,
  type TopicSchema,
} from "./schema-registry.ts";
export {
  checkSchemaEvolution,
  formatEvolutionReport,
  type CompatibilityMode,
  type EvolutionProblem,
  type EvolutionReport,
} from "./schema-evolution.ts";
export { isUint64, parseDecimalUint64 } from "./logical-types.ts";
export { createKafka, KafkaLogLevel, type KafkaOptions } from "./kafka-client.ts";
export { kafkaLogCreator, silentLogger, type EventLogLogger } from "./kafka-logger.ts";
export {
  describeKafkaAuth,
  kafkaAuthSetting,
  configKafkaAuthSetting,
  serviceKafkaAuth,
  serviceKafkaConfig,
  kafkaAuthWarning,
  KafkaCredentialsError,
  kafkaCredentialsFileProblem,
  readKafkaCredentialsFile,
  resolveKafkaCredentials,
  type KafkaAuthSetting,
  type ServiceKafkaConfig,
  type KafkaCredentials,
} from "./kafka-credentials.ts";
export {
  DEFAULT_DEPLOYMENT,
  deploymentGroups,
  deploymentNameProblem,
  deploymentTopics,
  type DeploymentGroups,
  type DeadLetterTopicRole,
  type DeploymentTopics,
  type NodeTopicRole,
  type RecordTopicRole,
  type SharedTopicRole,
  type TopicRole,
} from "./deployment.ts";
export {
  BRIDGE_STATUS_RETENTION_MS,
  DEFAULT_COMMAND_RETENTION_MS,
  DeploymentPlanError,
  planDeployment,
  type AclEntry,
  type AclOperation,
  type ClusterNodePrincipal,
  type DeploymentPlan,
  type DeploymentPlanInput,
  type PlannedTopic,
} from "./provisioning/access-plan.ts";
export { deprovisionDeployment, planTopicSchemas, provisionDeployment, type ProvisionResult } from "./provisioning/provision.ts";
export { missingTopics, PROVISIONED_BY, waitForTopics, type WaitForTopicsOptions } from "./wait-for-topics.ts";
export { defaultTopicConfig, ensureTopics, topicSchemas, topicSchemasOf, type EnsureTopicsResult, type TopicSpec } from "./topics.ts";
export { createSerialProducer, type EventLogRecord, type SerialProducer } from "./serial-producer.ts";
export {
  TransactionAbortFailedError,
  createTransactionalProducer,
  type TransactionContext,
  type TransactionalProducer,
  type TransactionalProducerOptions,
} from "./transactional-producer.ts";
export {
  runCommittingConsumer,
  type BatchHandler,
  type CommittingConsumerOptions,
  type CommittingConsumerSettings,
  type ConsumedRecord,
  type RecordHandler,
  type RecordHandlerContext,
  type RunningConsumer,
} from "./committing-consumer.ts";
export {
  DEAD_LETTER_HEADERS,
  createDeadLetterWriter,
  deadLetterMessage,
  decodeFailureAction,
  decodeFailureLetter,
  type DeadLetter,
  type DeadLetterOptions,
  type DeadLetterWriter,
} from "./dead-letters.ts";
export { createStalledPartitions, type StalledPartitions } from "./stalled-partitions.ts";
export { nextOffset } from "./offsets.ts";
export { SerialQueue } from "./serial-queue.ts";
