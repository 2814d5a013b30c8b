// The Kafka Streams peer of cw-aggregator (bench/kstreams_compare.sh runs it).
//
//   java -Xms512m -Xmx1g -cp <jar>:<classpath> clusterwatch.bench.kstreams.AggregatorApp \
//     --brokers=127.0.0.1:59092 --app_id=kst-1 --state_dir=/tmp/x [--input=cw.reports.v1]
//     [--output=cw.kstreams.park-metrics.v1] [--dead_letters=cw.kstreams.rejected.v1]
//     [--threads=1] [--poll_ms=200]
//
// Creates the output topics when missing (partitions as the input; snapshots compacted),
// runs the topology (AggregateProcessor) with processing.guarantee=exactly_once_v2, and every
// --poll_ms prints one JSON line on stdout:
//   {"event":"progress","processed":P,"applied":A,"duplicate":D,"stale":S,"poison":X,
//    "snapshots":K,"committed":C,"end":N,"published":true|false,"drained":true|false}
// where committed = the application's committed input offsets summed over partitions (the
// consumer group = application.id, read with the Admin client), end = the input's end offsets
// at start, published = every processor has published the dirty marks of all it processed.
// drained = committed == end and published. Runs until SIGTERM (then closes Streams).
// Logs (slf4j-simple) go to stderr.
package clusterwatch.bench.kstreams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.Stores;

public final class AggregatorApp {
  private AggregatorApp() {}

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

  static Topology topology(String input, String output, String deadLetters, Duration punctuate) {
    Topology t = new Topology();
    t.addSource("reports", new ByteArrayDeserializer(), new ByteArrayDeserializer(), input);
    t.addProcessor("aggregate", () -> new AggregateProcessor(punctuate), "reports");
    t.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(AggregateProcessor.YEARS), Serdes.String(), Serdes.ByteArray())
        .withCachingEnabled(), "aggregate");
    t.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(AggregateProcessor.AGGREGATES), Serdes.String(), Serdes.ByteArray())
        .withCachingEnabled(), "aggregate");
    t.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(AggregateProcessor.FIRMS), Serdes.String(), Serdes.ByteArray())
        .withCachingEnabled(), "aggregate");
    t.addStateStore(Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(AggregateProcessor.DIRTY), Serdes.String(), Serdes.ByteArray()),
        "aggregate");
    t.addSink(AggregateProcessor.SNAPSHOTS_SINK, output, new StringSerializer(),
              new ByteArraySerializer(), "aggregate");
    t.addSink(AggregateProcessor.DEAD_LETTERS_SINK, deadLetters, new StringSerializer(),
              new ByteArraySerializer(), "aggregate");
    return t;
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
    final String appId = need(a, "app_id");
    final String stateDir = need(a, "state_dir");
    final String input = a.getOrDefault("input", "cw.reports.v1");
    final String output = a.getOrDefault("output", "cw.kstreams.park-metrics.v1");
    final String deadLetters = a.getOrDefault("dead_letters", "cw.kstreams.rejected.v1");
    final int threads = Integer.parseInt(a.getOrDefault("threads", "1"));
    final long pollMs = Long.parseLong(a.getOrDefault("poll_ms", "200"));

    Properties ap = new Properties();
    ap.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    final Admin admin = Admin.create(ap);
    final TopicDescription desc =
        admin.describeTopics(List.of(input)).allTopicNames().get().get(input);
    final int partitions = desc.partitions().size();
    ensureTopic(admin, output, partitions, Map.of("cleanup.policy", "compact"));
    ensureTopic(admin, deadLetters, 1, Map.of("cleanup.policy", "compact", "retention.ms", "-1"));
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (int p = 0; p < partitions; ++p) latest.put(new TopicPartition(input, p), OffsetSpec.latest());
    long end = 0;
    for (var e : admin.listOffsets(latest).all().get().values()) end += e.offset();
    final long endOffsets = end;

    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    // Everything else at Streams' defaults: commit.interval.ms 100 under exactly-once,
    // statestore.cache.max.bytes 10 MiB, RocksDB's per-store defaults, changelogs on.
    final Duration punctuate = Duration.ofMillis(100);
    final KafkaStreams streams = new KafkaStreams(topology(input, output, deadLetters, punctuate), p);
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("[kstreams-peer] stream thread failed: " + e);
      e.printStackTrace();
      System.out.println("{\"event\":\"failed\",\"error\":\"" + e.toString().replace("\"", "'") + "\"}");
      System.out.flush();
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close(Duration.ofSeconds(30));
      admin.close(Duration.ofSeconds(5));
    }));
    streams.start();

    boolean drainedOnce = false;
    while (true) {
      Thread.sleep(pollMs);
      if (streams.state() == KafkaStreams.State.ERROR
          || streams.state() == KafkaStreams.State.NOT_RUNNING) {
        System.out.println("{\"event\":\"stopped\",\"state\":\"" + streams.state() + "\"}");
        System.out.flush();
        System.exit(1);
      }
      long committed = 0;
      try {
        Map<TopicPartition, OffsetAndMetadata> offs = admin.listConsumerGroupOffsets(appId)
            .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
        for (var e : offs.entrySet()) {
          if (e.getKey().topic().equals(input) && e.getValue() != null) committed += e.getValue().offset();
        }
      } catch (Exception e) {
        committed = -1;  // the group is still forming
      }
      final long processed = AggregateProcessor.PROCESSED.sum();
      boolean published = !AggregateProcessor.LIVE.isEmpty();
      for (AggregateProcessor proc : AggregateProcessor.LIVE) {
        published = published && proc.publishedThrough == proc.processed;
      }
      final boolean drained = committed == endOffsets && published;
      System.out.println(String.format(
          "{\"event\":\"progress\",\"processed\":%d,\"applied\":%d,\"duplicate\":%d,\"stale\":%d,"
              + "\"poison\":%d,\"snapshots\":%d,\"committed\":%d,\"end\":%d,\"published\":%b,"
              + "\"drained\":%b}",
          processed, AggregateProcessor.APPLIED.sum(), AggregateProcessor.DUPLICATES.sum(),
          AggregateProcessor.STALE.sum(), AggregateProcessor.POISON.sum(),
          AggregateProcessor.SNAPSHOTS.sum(), committed, endOffsets, published, drained));
      System.out.flush();
      drainedOnce = drainedOnce || drained;
    }
  }
}
