package dev.lockstep.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The Flink side of lockstep's `npm run bench:flink` (bench/flink.bench.ts): copies every record present in one Kafka
 * topic at the start (key and value bytes) to another with a KafkaSource (bounded to the end offsets at the start,
 * read_committed) → identity map → KafkaSink (EXACTLY_ONCE), in a local MiniCluster of one task manager, then writes
 * a JSON result file: when the cluster start began, when the job was submitted, when it finished (its final
 * checkpoint's transactions committed), the CPU time the JVM used from the cluster's start to the job's end, and the
 * job's checkpoint statistics as the cluster's REST API reports them ({@code /jobs/:id/checkpoints}).
 *
 * <p>Arguments, each {@code name=value}: brokers, input, output, intervalMs, parallelism, checkpointDir, result.
 */
public final class FlinkKafkaCopy {
    private FlinkKafkaCopy() {}

    /** A record between operators: its key and value, as stored. */
    private static final TypeInformation<Tuple2<byte[], byte[]>> RECORD_TYPE =
            Types.TUPLE(Types.PRIMITIVE_ARRAY(Types.BYTE), Types.PRIMITIVE_ARRAY(Types.BYTE));

    /** Reads a Kafka record as (key, value). */
    private static final class KeyValueDeserializer implements KafkaRecordDeserializationSchema<Tuple2<byte[], byte[]>> {
        private static final long serialVersionUID = 1L;

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Tuple2<byte[], byte[]>> out) {
            out.collect(Tuple2.of(record.key(), record.value()));
        }

        @Override
        public TypeInformation<Tuple2<byte[], byte[]>> getProducedType() {
            return RECORD_TYPE;
        }
    }

    /** Writes (key, value) to one topic, partitioned by the producer's default partitioner (murmur2 of the key). */
    private static final class KeyValueSerializer implements KafkaRecordSerializationSchema<Tuple2<byte[], byte[]>> {
        private static final long serialVersionUID = 1L;
        private final String topic;

        KeyValueSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(Tuple2<byte[], byte[]> record, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(topic, null, timestamp, record.f0, record.f1);
        }
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        String brokers = required(options, "brokers");
        String input = required(options, "input");
        String output = required(options, "output");
        long intervalMs = Long.parseLong(required(options, "intervalMs"));
        int parallelism = Integer.parseInt(required(options, "parallelism"));
        Path checkpointDir = Path.of(required(options, "checkpointDir"));
        Path resultFile = Path.of(required(options, "result"));

        Configuration config = new Configuration();
        config.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        config.set(RestOptions.ADDRESS, "127.0.0.1");
        config.set(RestOptions.PORT, 0);
        // Keep every checkpoint of the run in the REST API's history (the default keeps the last 10).
        config.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 1_000_000);
        // Checkpoints to the local disk, as a production job would (not the job manager's heap).
        config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir.toUri().toString());

        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpuAtStart = os.getProcessCpuTime();
        long clusterStartAt = System.currentTimeMillis();
        MiniClusterConfiguration clusterConfig = new MiniClusterConfiguration.Builder()
                .setConfiguration(config)
                .setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(parallelism)
                .build();
        try (MiniCluster cluster = new MiniCluster(clusterConfig)) {
            cluster.start();

            StreamExecutionEnvironment env = new StreamExecutionEnvironment(config);
            env.setParallelism(parallelism);
            env.enableCheckpointing(intervalMs, CheckpointingMode.EXACTLY_ONCE);

            KafkaSource<Tuple2<byte[], byte[]>> source = KafkaSource.<Tuple2<byte[], byte[]>>builder()
                    .setBootstrapServers(brokers)
                    .setTopics(input)
                    .setGroupId("flink-bench-" + output)
                    .setStartingOffsets(OffsetsInitializer.earliest())
                    .setBounded(OffsetsInitializer.latest())
                    .setProperty("isolation.level", "read_committed")
                    .setDeserializer(new KeyValueDeserializer())
                    .build();
            KafkaSink<Tuple2<byte[], byte[]>> sink = KafkaSink.<Tuple2<byte[], byte[]>>builder()
                    .setBootstrapServers(brokers)
                    .setRecordSerializer(new KeyValueSerializer(output))
                    .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                    .setTransactionalIdPrefix("flink-bench-" + output)
                    // Below the broker's transaction.max.timeout.ms (15 min by default); the sink's own default is 1 h.
                    .setProperty("transaction.timeout.ms", "600000")
                    .build();

            env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka-in")
                    .map(record -> record)
                    .returns(RECORD_TYPE)
                    .name("identity")
                    .sinkTo(sink)
                    .name("kafka-out");

            StreamGraph graph = env.getStreamGraph();
            graph.setJobName("lockstep-bench-flink-" + output);
            long submittedAt = System.currentTimeMillis();
            JobID jobId = cluster.submitJob(graph).get().getJobID();
            JobResult result = cluster.requestJobResult(jobId).get();
            long finishedAt = System.currentTimeMillis();
            long cpuMs = (os.getProcessCpuTime() - cpuAtStart) / 1_000_000;
            // Throws the job's failure, if it failed.
            result.toJobExecutionResult(FlinkKafkaCopy.class.getClassLoader());

            String checkpoints = get(cluster.getRestAddress().get(), "/jobs/" + jobId + "/checkpoints");
            String json = "{\"jobId\":\"" + jobId + "\",\"clusterStartAt\":" + clusterStartAt + ",\"submittedAt\":" + submittedAt
                    + ",\"finishedAt\":" + finishedAt + ",\"cpuMs\":" + cpuMs + ",\"checkpoints\":" + checkpoints + "}\n";
            Files.writeString(resultFile, json, StandardCharsets.UTF_8);
        }
    }

    private static String get(URI base, String path) throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("argument '" + arg + "' is not name=value");
            options.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null || value.isEmpty()) throw new IllegalArgumentException("missing argument " + name + "=…");
        return value;
    }
}
