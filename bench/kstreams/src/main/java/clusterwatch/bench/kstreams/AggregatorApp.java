// The Kafka Streams peer of cw-aggregator (bench/kstreams_compare.sh runs it).
//
//   java -Xms512m -Xmx1g -cp <jar>:<classpath> clusterwatch.bench.kstreams.AggregatorApp \
//     --brokers=127.0.0.1:59092 --app_id=kst-1 --state_dir=/tmp/x [--input=cw.reports.v1]
//     [--contributions=cw.kstreams.contributions.v1] [--output=cw.kstreams.park-metrics.v1]
//     [--dead_letters=cw.kstreams.rejected.v1] [--threads=1] [--poll_ms=200]
//
// The same two keyings as cw-aggregator (docs/scale-out.md, "Two stages"), as two
// sub-topologies joined by a topic:
//   reports (key USCC) -> EnterpriseProcessor -> contributions topic (key park|period|uscc|o|t,
//   partitioned by park: ParkPartitioner) -> ParkProcessor -> snapshots (key park|period).
// Creates the contributions topic (compacted, partitions as the input), the output topic
// (compacted) and the dead-letter topic when missing, runs the topology with
// processing.guarantee=exactly_once_v2, and every --poll_ms prints one JSON line on stdout:
//   {"event":"progress","processed":P,"applied":A,"duplicate":D,"stale":S,"poison":X,
//    "contributions_produced":CP,"contributions_consumed":CC,"snapshots":K,"committed":C,
//    "end":N,"contributions_committed":KC,"contributions_end":KE,"open_transactions":O,
//    "published":true|false,"drained":true|false}
// committed / contributions_committed = the application's committed offsets on the input /
// the contributions topic summed over partitions (the consumer group = application.id, read
// with the Admin client); end = the input's end offsets at start; contributions_end = the
// contributions topic's last stable offsets now; open_transactions = the partitions of the
// contributions and output topics whose last stable offset is below their end (a transaction
// is open there); published = every park processor has published the dirty marks of all it
// processed. drained = committed == end, contributions_consumed >= contributions_produced,
// contributions_committed == contributions_end, no open transaction, published, all of it on
// two consecutive polls with no counter moving in between (a punctuation's snapshots can sit
// in the producer for linger.ms before the broker sees their transaction).
// Runs until SIGTERM (then closes Streams). Logs (slf4j-simple) go to stderr.
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
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
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

  static Topology topology(String input, String contributions, String output, String deadLetters,
                           Duration punctuate) {
    Topology t = new Topology();
    // Sub-topology 1, keyed by enterprise: the reports topic as ingest keys it (USCC).
    t.addSource("reports", new ByteArrayDeserializer(), new ByteArrayDeserializer(), input);
    t.addProcessor("enterprise", EnterpriseProcessor::new, "reports");
    t.addStateStore(Stores.keyValueStoreBuilder(
        Stores.persistentKeyValueStore(EnterpriseProcessor.YEARS), Serdes.String(), Serdes.ByteArray())
        .withCachingEnabled(), "enterprise");
    t.addSink(EnterpriseProcessor.CONTRIBUTIONS_SINK, contributions, new StringSerializer(),
              new ByteArraySerializer(), new ParkPartitioner(), "enterprise");
    t.addSink(EnterpriseProcessor.DEAD_LETTERS_SINK, deadLetters, new StringSerializer(),
              new ByteArraySerializer(), "enterprise");
    // Sub-topology 2, keyed by park: the contributions, partitioned by park.
    t.addSource("contribution-updates", new StringDeserializer(), new ByteArrayDeserializer(),
                contributions);
    t.addProcessor("park", () -> new ParkProcessor(punctuate), "contribution-updates");
    for (String store : List.of(ParkProcessor.CONTRIBUTIONS, ParkProcessor.AGGREGATES, ParkProcessor.FIRMS)) {
      t.addStateStore(Stores.keyValueStoreBuilder(
          Stores.persistentKeyValueStore(store), Serdes.String(), Serdes.ByteArray())
          .withCachingEnabled(), "park");
    }
    t.addStateStore(Stores.keyValueStoreBuilder(
        Stores.inMemoryKeyValueStore(ParkProcessor.DIRTY), Serdes.String(), Serdes.ByteArray()),
        "park");
    t.addSink(ParkProcessor.SNAPSHOTS_SINK, output, new StringSerializer(),
              new ByteArraySerializer(), "park");
    t.addSink(ParkProcessor.DEAD_LETTERS_SINK, deadLetters, new StringSerializer(),
              new ByteArraySerializer(), "park");
    return t;
  }

  /** Sum over the topic's partitions of the latest offsets at the isolation level. */
  static Map<TopicPartition, Long> latestOffsets(Admin admin, String topic, int partitions,
                                                 IsolationLevel isolation) throws Exception {
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
    final String appId = need(a, "app_id");
    final String stateDir = need(a, "state_dir");
    final String input = a.getOrDefault("input", "cw.reports.v1");
    final String contributions = a.getOrDefault("contributions", "cw.kstreams.contributions.v1");
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
    // As cw.contributions.v1: compacted (the latest upsert of each key is what a rebuild
    // needs), the reports topic's partition count.
    ensureTopic(admin, contributions, partitions, Map.of("cleanup.policy", "compact"));
    ensureTopic(admin, output, partitions, Map.of("cleanup.policy", "compact"));
    ensureTopic(admin, deadLetters, 1, Map.of("cleanup.policy", "compact", "retention.ms", "-1"));
    final long endOffsets = sum(latestOffsets(admin, input, partitions, IsolationLevel.READ_UNCOMMITTED));

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
    final KafkaStreams streams =
        new KafkaStreams(topology(input, contributions, output, deadLetters, punctuate), p);
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

    String lastCounters = "";
    boolean lastQuiet = false;
    while (true) {
      Thread.sleep(pollMs);
      if (streams.state() == KafkaStreams.State.ERROR
          || streams.state() == KafkaStreams.State.NOT_RUNNING) {
        System.out.println("{\"event\":\"stopped\",\"state\":\"" + streams.state() + "\"}");
        System.out.flush();
        System.exit(1);
      }
      long committed = 0, contributionsCommitted = 0, contributionsEnd = -1;
      int open = -1;
      try {
        Map<TopicPartition, OffsetAndMetadata> offs = admin.listConsumerGroupOffsets(appId)
            .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
        for (var e : offs.entrySet()) {
          if (e.getValue() == null) continue;
          if (e.getKey().topic().equals(input)) committed += e.getValue().offset();
          if (e.getKey().topic().equals(contributions)) contributionsCommitted += e.getValue().offset();
        }
        open = 0;
        for (String topic : List.of(contributions, output)) {
          final Map<TopicPartition, Long> stable =
              latestOffsets(admin, topic, partitions, IsolationLevel.READ_COMMITTED);
          final Map<TopicPartition, Long> high =
              latestOffsets(admin, topic, partitions, IsolationLevel.READ_UNCOMMITTED);
          for (var e : stable.entrySet()) {
            if (e.getValue() < high.get(e.getKey())) ++open;
          }
          if (topic.equals(contributions)) contributionsEnd = sum(stable);
        }
      } catch (Exception e) {
        committed = -1;  // the group is still forming
      }
      final long processed = EnterpriseProcessor.PROCESSED.sum();
      final long produced = EnterpriseProcessor.CONTRIBUTIONS.sum();
      final long consumed = ParkProcessor.CHANGED.sum() + ParkProcessor.UNCHANGED.sum()
          + ParkProcessor.POISON.sum();
      final long snapshots = ParkProcessor.SNAPSHOTS.sum();
      boolean published = !ParkProcessor.LIVE.isEmpty();
      for (ParkProcessor proc : ParkProcessor.LIVE) {
        published = published && proc.publishedThrough == proc.processed;
      }
      final boolean quiet = committed == endOffsets && consumed >= produced
          && contributionsCommitted == contributionsEnd && open == 0 && published;
      final String counters = processed + "/" + produced + "/" + consumed + "/" + snapshots;
      final boolean drained = quiet && lastQuiet && counters.equals(lastCounters);
      lastQuiet = quiet;
      lastCounters = counters;
      System.out.println(String.format(
          "{\"event\":\"progress\",\"processed\":%d,\"applied\":%d,\"duplicate\":%d,\"stale\":%d,"
              + "\"poison\":%d,\"contributions_produced\":%d,\"contributions_consumed\":%d,"
              + "\"snapshots\":%d,\"committed\":%d,\"end\":%d,\"contributions_committed\":%d,"
              + "\"contributions_end\":%d,\"open_transactions\":%d,\"published\":%b,\"drained\":%b}",
          processed, EnterpriseProcessor.APPLIED.sum(), EnterpriseProcessor.DUPLICATES.sum(),
          EnterpriseProcessor.STALE.sum(), EnterpriseProcessor.POISON.sum(), produced, consumed,
          snapshots, committed, endOffsets, contributionsCommitted, contributionsEnd, open,
          published, drained));
      System.out.flush();
    }
  }
}
