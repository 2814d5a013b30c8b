// The Apache Flink peer of cw-aggregator (bench/flink_compare.sh runs it): a DataStream job in
// a local MiniCluster inside this JVM (no cluster, no Flink distribution: the jars Maven
// resolved).
//
//   java -Xms512m -Xmx1g -cp <jar>:<classpath> clusterwatch.bench.flink.FlinkAggregator \
//     --brokers=127.0.0.1:59092 --name=flk-1 --state_dir=/tmp/x [--input=cw.reports.v1]
//     [--output=cw.flink.park-metrics.v1] [--dead_letters=cw.flink.rejected.v1]
//     [--parallelism=1] [--checkpoint_ms=1000] [--flush_ms=<checkpoint_ms>] [--object_reuse=true]
//     [--buffer_timeout_ms=100] [--managed_mb=128] [--poll_ms=200]
//     [--flink_conf="key=value;key=value"]   (any further Flink configuration, last word)
//
// The same two keyings as cw-aggregator (docs/scale-out.md, "Two stages"):
//   Kafka source (reports, key USCC) -> keyBy(USCC) -> EnterpriseFunction -> keyBy(park-period,
//   routed by park: ParkPeriod) -> ParkFunction -> transactional Kafka sink (snapshots, key park|period)
//   (+ the enterprise stage's dead letters, a side output, to a second transactional sink).
// Where cw-aggregator and the Streams peer join the stages by a Kafka topic, Flink's keyBy is
// an in-process network exchange whose consistency the checkpoints provide (the idiomatic
// Flink form; it saves the peer a produce, a broker round trip and a consume per
// contribution).
// State: the RocksDB state backend (state.backend.type=rocksdb, incremental checkpoints to
// <state_dir>/checkpoints, managed memory --managed_mb, timers on the heap); checkpoints exactly-once (aligned)
// every --checkpoint_ms; the sinks are DeliveryGuarantee.EXACTLY_ONCE (Kafka transactions
// committed when a checkpoint completes); the source reads read_committed and commits its
// offsets to the group --name when a checkpoint completes.
//
// Every --poll_ms prints one JSON line on stdout (the Kafka Streams peer's format):
//   {"event":"progress","processed":P,"applied":A,"duplicate":D,"stale":S,"poison":X,
//    "contributions_produced":CP,"contributions_consumed":CC,"snapshots":K,"committed":C,
//    "end":N,"open_transactions":O,"pending":PD,"checkpoints":CK,"published":true|false,
//    "drained":true|false}
// committed = the group's committed offsets on the input summed over partitions (Admin API;
// the source commits them when a checkpoint completes); end = the input's end offsets at
// start; open_transactions = partitions of the output and dead-letter topics whose last
// stable offset is below their end; pending = park-periods marked dirty and not yet
// published; published = every park subtask's emitted snapshots are all covered by a
// completed checkpoint. drained = committed == end, contributions_consumed >=
// contributions_produced, pending == 0, published, no open transaction, all of it on two
// consecutive polls with no counter moving in between.
// Runs until SIGTERM (then cancels the job). Logs (slf4j-simple) go to stderr.
package clusterwatch.bench.flink;

import clusterwatch.bench.flink.Records.ContributionRecord;
import clusterwatch.bench.flink.Records.Keyed;
import clusterwatch.bench.flink.Records.Report;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

public final class FlinkAggregator {
  private FlinkAggregator() {}

  static Map<String, String> parseArgs(String[] args) {
    Map<String, String> m = new HashMap<>();
    for (String a : args) {
      if (!a.startsWith("--") || !a.contains("=")) {
        throw new IllegalArgumentException("expected --name=value, got " + a);
      }
      m.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
    }
    return m;
  }

  static String need(Map<String, String> m, String k) {
    String v = m.get(k);
    if (v == null || v.isEmpty()) throw new IllegalArgumentException("--" + k + " is required");
    return v;
  }

  /** The reports topic's records as Flink POJOs (key, value, where they are). */
  static final class ReportDeserializer implements KafkaRecordDeserializationSchema<Report> {
    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> r, Collector<Report> out) {
      final Report rep = new Report();
      rep.key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
      rep.value = r.value();
      rep.partition = r.partition();
      rep.offset = r.offset();
      rep.timestamp = r.timestamp();
      out.collect(rep);
    }

    @Override
    public TypeInformation<Report> getProducedType() {
      return TypeInformation.of(Report.class);
    }
  }

  /** Key and value as they are; the producer's default partitioner (by key). */
  static final class KeyedSerializer implements KafkaRecordSerializationSchema<Keyed> {
    private final String topic;

    KeyedSerializer(String topic) {
      this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(Keyed k, KafkaSinkContext ctx, Long ts) {
      return new ProducerRecord<>(topic, null, k.key.getBytes(StandardCharsets.UTF_8), k.value);
    }
  }

  static KafkaSink<Keyed> sink(String brokers, String topic, String txPrefix) {
    Properties p = new Properties();
    // Below the broker's transaction.max.timeout.ms (15 min by default); Flink's default is 1 h.
    p.put("transaction.timeout.ms", "600000");
    return KafkaSink.<Keyed>builder()
        .setBootstrapServers(brokers)
        .setKafkaProducerConfig(p)
        .setRecordSerializer(new KeyedSerializer(topic))
        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
        .setTransactionalIdPrefix(txPrefix)
        .build();
  }

  static Map<TopicPartition, Long> latestOffsets(Admin admin, String topic, IsolationLevel isolation)
      throws Exception {
    final int partitions = admin.describeTopics(List.of(topic)).allTopicNames().get()
        .get(topic).partitions().size();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < partitions; ++p) latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
    Map<TopicPartition, Long> out = new HashMap<>();
    for (var e : admin.listOffsets(latest, new ListOffsetsOptions(isolation)).all()
        .get(5, TimeUnit.SECONDS).entrySet()) {
      out.put(e.getKey(), e.getValue().offset());
    }
    return out;
  }

  static long sum(Map<TopicPartition, Long> m) {
    long s = 0;
    for (long v : m.values()) s += v;
    return s;
  }

  static void ensureTopic(Admin admin, String name, int partitions, Map<String, String> configs)
      throws InterruptedException, ExecutionException {
    try {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
          .all().get();
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) throw e;
    }
  }

  public static void main(String[] args) throws Exception {
    final Map<String, String> a = parseArgs(args);
    final String brokers = need(a, "brokers");
    final String name = need(a, "name");
    final String stateDir = need(a, "state_dir");
    final String input = a.getOrDefault("input", "cw.reports.v1");
    final String output = a.getOrDefault("output", "cw.flink.park-metrics.v1");
    final String deadLetters = a.getOrDefault("dead_letters", "cw.flink.rejected.v1");
    final int parallelism = Integer.parseInt(a.getOrDefault("parallelism", "1"));
    final long checkpointMs = Long.parseLong(a.getOrDefault("checkpoint_ms", "1000"));
    // Snapshots become visible when a checkpoint completes: by default one flush per checkpoint
    // interval, i.e. one snapshot per changed park-period per committed transaction (as
    // cw-aggregator publishes one per changed park-period per transaction).
    final long flushMs = Long.parseLong(a.getOrDefault("flush_ms", Long.toString(checkpointMs)));
    final boolean objectReuse = Boolean.parseBoolean(a.getOrDefault("object_reuse", "true"));
    final long bufferTimeoutMs = Long.parseLong(a.getOrDefault("buffer_timeout_ms", "100"));
    final int managedMb = Integer.parseInt(a.getOrDefault("managed_mb", "128"));
    final long pollMs = Long.parseLong(a.getOrDefault("poll_ms", "200"));

    Properties ap = new Properties();
    ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    final Admin admin = Admin.create(ap);
    final int partitions =
        admin.describeTopics(List.of(input)).allTopicNames().get().get(input).partitions().size();
    ensureTopic(admin, output, partitions, Map.of("cleanup.policy", "compact"));
    ensureTopic(admin, deadLetters, 1, Map.of("cleanup.policy", "compact", "retention.ms", "-1"));
    final long endOffsets = sum(latestOffsets(admin, input, IsolationLevel.READ_UNCOMMITTED));

    Map<String, String> conf = new HashMap<>();
    conf.put("state.backend.type", "rocksdb");
    conf.put("state.backend.incremental", "true");
    conf.put("execution.checkpointing.incremental", "true");
    conf.put("state.backend.rocksdb.localdir", Path.of(stateDir, "rocksdb").toString());
    conf.put("execution.checkpointing.storage", "filesystem");
    conf.put("execution.checkpointing.dir", Path.of(stateDir, "checkpoints").toUri().toString());
    conf.put("execution.checkpointing.interval", checkpointMs + " ms");
    conf.put("execution.checkpointing.mode", "EXACTLY_ONCE");
    conf.put("taskmanager.memory.managed.size", managedMb + "m");
    conf.put("taskmanager.numberOfTaskSlots", Integer.toString(parallelism));
    conf.put("parallelism.default", Integer.toString(parallelism));
    conf.put("pipeline.object-reuse", Boolean.toString(objectReuse));
    conf.put("execution.buffer-timeout.interval", bufferTimeoutMs + " ms");
    // Timers in the heap (checkpointed with the keyed state), not in RocksDB: there are at
    // most one per park-period, and a RocksDB timer costs a write and a delete per flush.
    conf.put("state.backend.rocksdb.timer-service.factory", "HEAP");
    // Every record type is a POJO or a primitive array: fail rather than fall back to Kryo.
    conf.put("pipeline.generic-types", "false");
    for (String kv : a.getOrDefault("flink_conf", "").split(";")) {
      if (kv.isBlank()) continue;
      if (!kv.contains("=")) throw new IllegalArgumentException("--flink_conf: expected key=value, got " + kv);
      conf.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
    }
    final StreamExecutionEnvironment env =
        StreamExecutionEnvironment.getExecutionEnvironment(Configuration.fromMap(conf));
    env.setParallelism(parallelism);

    final KafkaSource<Report> source = KafkaSource.<Report>builder()
        .setBootstrapServers(brokers)
        .setTopics(input)
        .setGroupId(name)
        .setClientIdPrefix(name)
        .setStartingOffsets(OffsetsInitializer.earliest())
        .setDeserializer(new ReportDeserializer())
        .setProperty("isolation.level", "read_committed")
        .setProperty("commit.offsets.on.checkpoint", "true")
        // The topic's partitions are fixed for a run: no periodic discovery.
        .setProperty("partition.discovery.interval.ms", "-1")
        .build();

    final DataStream<Report> reports =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "reports").uid("reports");
    final SingleOutputStreamOperator<ContributionRecord> contributions = reports
        .keyBy(r -> r.key)
        .process(new EnterpriseFunction(input)).name("enterprise").uid("enterprise");
    final SingleOutputStreamOperator<Keyed> parkSnapshots = contributions
        .keyBy(c -> c.key, TypeInformation.of(ParkPeriod.class))
        .process(new ParkFunction(flushMs)).name("park").uid("park");
    parkSnapshots.sinkTo(sink(brokers, output, name + "-snapshots")).name("snapshots").uid("snapshots");
    contributions.getSideOutput(EnterpriseFunction.DEAD_LETTERS)
        .sinkTo(sink(brokers, deadLetters, name + "-dead-letters"))
        .name("dead-letters").uid("dead-letters");

    final JobClient job = env.executeAsync("cw-flink-peer " + name);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        job.cancel().get(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        // exiting anyway
      }
      admin.close(java.time.Duration.ofSeconds(5));
    }));

    String lastCounters = "";
    boolean lastQuiet = false;
    while (true) {
      Thread.sleep(pollMs);
      if (job.getJobExecutionResult().isDone()) {
        String why = "finished";
        try {
          job.getJobExecutionResult().get();
        } catch (Exception e) {
          why = e.toString();
          e.printStackTrace();
        }
        System.out.println("{\"event\":\"failed\",\"error\":\"" + why.replace("\"", "'").replace("\n", " ") + "\"}");
        System.out.flush();
        System.exit(1);
      }
      long committed = 0;
      int open = -1;
      try {
        Map<TopicPartition, OffsetAndMetadata> offs = admin.listConsumerGroupOffsets(name)
            .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
        for (var e : offs.entrySet()) {
          if (e.getValue() != null && e.getKey().topic().equals(input)) committed += e.getValue().offset();
        }
        open = 0;
        for (String topic : List.of(output, deadLetters)) {
          final Map<TopicPartition, Long> stable = latestOffsets(admin, topic, IsolationLevel.READ_COMMITTED);
          final Map<TopicPartition, Long> high = latestOffsets(admin, topic, IsolationLevel.READ_UNCOMMITTED);
          for (var e : stable.entrySet()) {
            if (e.getValue() < high.get(e.getKey())) ++open;
          }
        }
      } catch (Exception e) {
        committed = -1;  // no offsets committed yet
      }
      final long processed = EnterpriseFunction.PROCESSED.sum();
      final long produced = EnterpriseFunction.CONTRIBUTIONS.sum();
      final long consumed = ParkFunction.CHANGED.sum() + ParkFunction.UNCHANGED.sum()
          + ParkFunction.POISON.sum();
      final long snapshots = ParkFunction.SNAPSHOTS.sum();
      final long pending = ParkFunction.PENDING.get();
      boolean published = !ParkFunction.LIVE.isEmpty();
      for (ParkFunction f : ParkFunction.LIVE) {
        published = published && f.emittedCheckpointed == f.emittedTotal;
      }
      final boolean quiet = committed == endOffsets && consumed >= produced && pending == 0
          && published && open == 0;
      final String counters = processed + "/" + produced + "/" + consumed + "/" + snapshots;
      final boolean drained = quiet && lastQuiet && counters.equals(lastCounters);
      lastQuiet = quiet;
      lastCounters = counters;
      System.out.println(String.format(
          "{\"event\":\"progress\",\"processed\":%d,\"applied\":%d,\"duplicate\":%d,\"stale\":%d,"
              + "\"poison\":%d,\"contributions_produced\":%d,\"contributions_consumed\":%d,"
              + "\"snapshots\":%d,\"committed\":%d,\"end\":%d,\"open_transactions\":%d,"
              + "\"pending\":%d,\"checkpoints\":%d,\"published\":%b,\"drained\":%b}",
          processed, EnterpriseFunction.APPLIED.sum(), EnterpriseFunction.DUPLICATES.sum(),
          EnterpriseFunction.STALE.sum(), EnterpriseFunction.POISON.sum(), produced, consumed,
          snapshots, committed, endOffsets, open, pending, ParkFunction.CHECKPOINTS.sum(),
          published, drained));
      System.out.flush();
    }
  }
}
