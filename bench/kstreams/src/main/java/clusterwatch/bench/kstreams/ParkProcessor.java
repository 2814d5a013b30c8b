// The Kafka Streams peer's second processor: cw-aggregator's park stage
// (aggregator/park_stage.cc), one record at a time, on the contributions topic partitioned by
// park (the KTable groupBy adder/subtractor pattern, by hand).
//
// Stores (RocksDB with caching and changelogs, but the dirty marks; exactly_once_v2):
//   latest-contributions "<park>|<period>|<uscc>|<o|t>" -> Contribution: the latest upsert of
//                        each key (cw-aggregator's c| keys);
//   park-aggregates      "<park>|<period key>" -> ParkAggregate without its firms (a| keys);
//   park-firms           "<park>|<period key>|<uscc>" -> FirmTotals, one value each (f| keys);
//   dirty-park-periods   "<park>|<period key>" -> "" (in memory, changelogged), drained by a
//                        wall-clock punctuation every commit interval, which forwards one
//                        ParkSnapshot per changed park-period (cw-aggregator's park stage
//                        publishes one per changed park-period per transaction).
// Per record: decode (not a ContributionUpdate with a park and a period -> counted, dead letter,
// skipped); equal to the kept one (a replay), or a retraction of nothing -> unchanged;
// otherwise subtract the kept contribution from its park-period aggregate and firm, add the
// new one (a retraction adds nothing and forgets the key), mark the park-period dirty.
package clusterwatch.bench.kstreams;

import clusterwatch.v1.Contribution;
import clusterwatch.v1.ContributionUpdate;
import clusterwatch.v1.FirmTotals;
import clusterwatch.v1.ParkAggregate;
import clusterwatch.v1.RejectedRecord;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

final class ParkProcessor implements Processor<String, byte[], String, byte[]> {
  static final String CONTRIBUTIONS = "latest-contributions";
  static final String AGGREGATES = "park-aggregates";
  static final String FIRMS = "park-firms";
  static final String DIRTY = "dirty-park-periods";
  static final String SNAPSHOTS_SINK = "snapshots";
  static final String DEAD_LETTERS_SINK = "park-dead-letters";

  // cw_aggregator_contributions_total{outcome=changed|unchanged|poison}
  static final LongAdder CHANGED = new LongAdder();
  static final LongAdder UNCHANGED = new LongAdder();
  static final LongAdder POISON = new LongAdder();
  static final LongAdder SNAPSHOTS = new LongAdder();
  // Every live processor, so the monitor can tell whether all dirty marks were published.
  static final ConcurrentLinkedQueue<ParkProcessor> LIVE = new ConcurrentLinkedQueue<>();

  private static final byte[] EMPTY = new byte[0];

  private final Duration punctuateEvery;
  private ProcessorContext<String, byte[]> context;
  private KeyValueStore<String, byte[]> latest;
  private KeyValueStore<String, byte[]> aggregates;
  private KeyValueStore<String, byte[]> firms;
  private KeyValueStore<String, byte[]> dirty;
  // Records processed by this instance, and how many of them had been when its dirty marks
  // were last all published (-1 until its first punctuation: a task re-created after a
  // rebalance may have restored dirty marks from its changelog).
  volatile long processed;
  volatile long publishedThrough = -1;

  ParkProcessor(Duration punctuateEvery) {
    this.punctuateEvery = punctuateEvery;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.latest = context.getStateStore(CONTRIBUTIONS);
    this.aggregates = context.getStateStore(AGGREGATES);
    this.firms = context.getStateStore(FIRMS);
    this.dirty = context.getStateStore(DIRTY);
    context.schedule(punctuateEvery, PunctuationType.WALL_CLOCK_TIME, ts -> publishDirty());
    LIVE.add(this);
  }

  @Override
  public void close() {
    LIVE.remove(this);
  }

  /** A contribution without reporters retracts its key (ContributionUpdate). */
  static boolean isRetraction(Contribution c) {
    return c.getMonth().getOutputReporters() == 0 && c.getMonth().getTaxReporters() == 0
        && c.getYearToDate().getOutputReporters() == 0 && c.getYearToDate().getTaxReporters() == 0;
  }

  @Override
  public void process(Record<String, byte[]> rec) {
    try {
      apply(rec);
    } finally {
      processed = processed + 1;
    }
  }

  private void apply(Record<String, byte[]> rec) {
    ContributionUpdate u = null;
    try {
      u = ContributionUpdate.parseFrom(rec.value() == null ? EMPTY : rec.value());
    } catch (InvalidProtocolBufferException e) {
      // below
    }
    if (u == null || u.getContribution().getParkId().isEmpty()
        || u.getContribution().getParkId().indexOf('|') >= 0 || u.getPeriod().isEmpty()) {
      // Only the enterprise processor writes this topic: a record it cannot have written.
      final RecordMetadata md = context.recordMetadata().orElseThrow();
      context.forward(new Record<>(md.topic() + "|" + md.partition() + "|" + md.offset(),
          RejectedRecord.newBuilder()
              .setStage("kstreams-peer-park")
              .setReason("value is not a clusterwatch.v1.ContributionUpdate with a park and a period")
              .setRaw(rec.value() == null ? ByteString.EMPTY : ByteString.copyFrom(rec.value()))
              .setSourceTopic(md.topic())
              .setSourcePartition(md.partition())
              .setSourceOffset(md.offset())
              .build().toByteArray(),
          rec.timestamp()), DEAD_LETTERS_SINK);
      POISON.increment();
      return;
    }
    final Contribution c = u.getContribution();
    final String parkPeriod = c.getParkId() + "|" + u.getPeriod();
    final String ckey = EnterpriseProcessor.contributionKey(c.getParkId(), u.getPeriod(),
                                                           c.getUscc(), u.getOutput());
    final byte[] oldBytes = latest.get(ckey);
    Contribution old = null;
    try {
      if (oldBytes != null) old = Contribution.parseFrom(oldBytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt contribution " + ckey, e);
    }
    final boolean retract = isRetraction(c);
    if ((old != null && old.equals(c)) || (old == null && retract)) {
      UNCHANGED.increment();  // a replay, a redelivery, or nothing to retract
      return;
    }
    final ParkAggregate.Builder agg = loadAggregate(parkPeriod);
    FirmTotals.Builder firm = null;
    boolean firmTouched = false;
    final String firmKey = parkPeriod + "|" + c.getUscc();
    if (old != null) {
      Domain.applyContribution(agg, old, -1);
      if (Domain.hasFirm(old)) {
        firm = Domain.applyFirm(loadFirm(firmKey), old, -1);
        firmTouched = true;
      }
    }
    if (retract) {
      latest.delete(ckey);
    } else {
      Domain.applyContribution(agg, c, +1);
      if (Domain.hasFirm(c)) {
        firm = Domain.applyFirm(firmTouched ? firm : loadFirm(firmKey), c, +1);
        firmTouched = true;
      }
      latest.put(ckey, c.toByteArray());
    }
    if (firmTouched) {
      if (firm == null) {
        firms.delete(firmKey);
      } else {
        firms.put(firmKey, firm.build().toByteArray());
      }
    }
    aggregates.put(parkPeriod, agg.build().toByteArray());
    dirty.put(parkPeriod, EMPTY);
    CHANGED.increment();
  }

  private FirmTotals.Builder loadFirm(String k) {
    final byte[] bytes = firms.get(k);
    try {
      return bytes == null ? null : FirmTotals.parseFrom(bytes).toBuilder();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt firm totals " + k, e);
    }
  }

  private ParkAggregate.Builder loadAggregate(String k) {
    final byte[] bytes = aggregates.get(k);
    try {
      return bytes == null ? ParkAggregate.newBuilder() : ParkAggregate.parseFrom(bytes).toBuilder();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt park aggregate " + k, e);
    }
  }

  /** One ParkSnapshot per dirty park-period, then the marks are cleared. */
  private void publishDirty() {
    final long through = processed;
    List<String> keys = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> it = dirty.all()) {
      while (it.hasNext()) keys.add(it.next().key);
    }
    final long now = System.currentTimeMillis();
    for (String k : keys) {
      final byte[] bytes = aggregates.get(k);
      ParkAggregate agg;
      try {
        agg = bytes == null ? ParkAggregate.getDefaultInstance() : ParkAggregate.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("corrupt park aggregate " + k, e);
      }
      // The park-period's firms in key order = uscc byte order (as cw-aggregator sorts them).
      List<FirmTotals> parkFirms = new ArrayList<>();
      try (KeyValueIterator<String, byte[]> it = firms.prefixScan(k + "|", new StringSerializer())) {
        while (it.hasNext()) parkFirms.add(FirmTotals.parseFrom(it.next().value));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("corrupt firm totals under " + k, e);
      }
      final Map.Entry<String, String> pp = Domain.splitParkPeriod(k);
      context.forward(new Record<>(k,
          Domain.buildSnapshot(pp.getKey(), Domain.parsePeriodKey(pp.getValue()), agg, parkFirms, now)
              .toByteArray(),
          now), SNAPSHOTS_SINK);
      dirty.delete(k);
    }
    SNAPSHOTS.add(keys.size());
    publishedThrough = through;
  }
}
