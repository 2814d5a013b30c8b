// The Flink peer's second stage: cw-aggregator's park stage (aggregator/park_stage.cc), a
// KeyedProcessFunction on the contribution upserts keyed by park (cw-aggregator partitions
// cw.contributions.v1 by park; here the keyBy exchange does it), the KTable groupBy
// adder/subtractor pattern by hand, as the Kafka Streams peer's ParkProcessor.
//
// Keyed state (RocksDB state backend, in every exactly-once checkpoint), per park:
//   latest      MapState "<period>|<uscc>|<o|t>" -> Contribution: the latest upsert of each
//               key (cw-aggregator's c| keys);
//   aggregates  MapState "<period>" -> ParkAggregate without its firms (a| keys);
//   firms       MapState "<period>|<uscc>" -> FirmTotals (f| keys);
//   dirty       MapState "<period>" -> true: park-periods changed since their last snapshot.
// Per record: equal to the kept one (a replay), or a retraction of nothing -> unchanged;
// otherwise subtract the kept contribution from its park-period aggregate and firm, add the
// new one (a retraction adds nothing and forgets the key), mark the park-period dirty and, if
// the park has no flush pending, register a processing-time timer at the next multiple of
// flush_ms. The timer publishes one ParkSnapshot per dirty park-period (cw-aggregator: one per
// changed park-period per transaction, every 100 ms; the Streams peer: a punctuation every
// 100 ms); the transactional Kafka sink makes them visible when the checkpoint that covers
// them completes.
package clusterwatch.bench.flink;

import clusterwatch.bench.flink.Records.ContributionRecord;
import clusterwatch.bench.flink.Records.Keyed;
import clusterwatch.v1.Metrics.FirmTotals;
import clusterwatch.v1.State.Contribution;
import clusterwatch.v1.State.ContributionUpdate;
import clusterwatch.v1.State.ParkAggregate;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

public final class ParkFunction extends KeyedProcessFunction<String, ContributionRecord, Keyed>
    implements CheckpointedFunction, CheckpointListener {
  // cw_aggregator_contributions_total{outcome=changed|unchanged|poison}, snapshots published.
  static final LongAdder CHANGED = new LongAdder();
  static final LongAdder UNCHANGED = new LongAdder();
  static final LongAdder POISON = new LongAdder();
  static final LongAdder SNAPSHOTS = new LongAdder();
  // Park-periods marked dirty and not yet published, over all subtasks.
  static final AtomicLong PENDING = new AtomicLong();
  static final LongAdder CHECKPOINTS = new LongAdder();
  // Every live subtask, so the monitor can tell whether all its snapshots are in a completed
  // checkpoint (and so in a committed transaction of the sink, or about to be).
  static final ConcurrentLinkedQueue<ParkFunction> LIVE = new ConcurrentLinkedQueue<>();

  private final long flushMs;
  private transient MapState<String, byte[]> latest;
  private transient MapState<String, byte[]> aggregates;
  private transient MapState<String, byte[]> firms;
  private transient MapState<String, Boolean> dirty;
  // Snapshots this subtask emitted; how many it had when each pending checkpoint's barrier
  // passed; how many are in the last completed checkpoint.
  private long emitted;
  private transient ConcurrentSkipListMap<Long, Long> emittedAtCheckpoint;
  volatile long emittedTotal;
  volatile long emittedCheckpointed = -1;

  public ParkFunction(long flushMs) {
    this.flushMs = flushMs;
  }

  @Override
  public void open(OpenContext ctx) {
    latest = getRuntimeContext().getMapState(new MapStateDescriptor<>(
        "latest-contributions", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    aggregates = getRuntimeContext().getMapState(new MapStateDescriptor<>(
        "park-aggregates", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    firms = getRuntimeContext().getMapState(new MapStateDescriptor<>(
        "park-firms", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    dirty = getRuntimeContext().getMapState(new MapStateDescriptor<>(
        "dirty-park-periods", Types.STRING, Types.BOOLEAN));
    emittedAtCheckpoint = new ConcurrentSkipListMap<>();
    LIVE.add(this);
  }

  @Override
  public void close() {
    LIVE.remove(this);
  }

  static boolean isRetraction(Contribution c) {
    return c.getMonth().getOutputReporters() == 0 && c.getMonth().getTaxReporters() == 0
        && c.getYearToDate().getOutputReporters() == 0 && c.getYearToDate().getTaxReporters() == 0;
  }

  @Override
  public void processElement(ContributionRecord rec, Context ctx, Collector<Keyed> out) throws Exception {
    final ContributionUpdate u;
    try {
      u = ContributionUpdate.parseFrom(rec.value);
    } catch (InvalidProtocolBufferException e) {
      // Only the enterprise stage feeds this one, in process: it cannot happen.
      POISON.increment();
      throw new IllegalStateException("undecodable contribution from the enterprise stage", e);
    }
    final Contribution c = u.getContribution();
    final String period = u.getPeriod();
    final String ckey = period + "|" + c.getUscc() + "|" + (u.getOutput() ? "o" : "t");
    final byte[] oldBytes = latest.get(ckey);
    final Contribution old = oldBytes == null ? null : Contribution.parseFrom(oldBytes);
    final boolean retract = isRetraction(c);
    if ((old != null && old.equals(c)) || (old == null && retract)) {
      UNCHANGED.increment();
      return;
    }
    final byte[] aggBytes = aggregates.get(period);
    final ParkAggregate.Builder agg =
        aggBytes == null ? ParkAggregate.newBuilder() : ParkAggregate.parseFrom(aggBytes).toBuilder();
    FirmTotals.Builder firm = null;
    boolean firmTouched = false;
    final String firmKey = period + "|" + c.getUscc();
    if (old != null) {
      Domain.applyContribution(agg, old, -1);
      if (Domain.hasFirm(old)) {
        firm = Domain.applyFirm(loadFirm(firmKey), old, -1);
        firmTouched = true;
      }
    }
    if (retract) {
      latest.remove(ckey);
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
        firms.remove(firmKey);
      } else {
        firms.put(firmKey, firm.build().toByteArray());
      }
    }
    aggregates.put(period, agg.build().toByteArray());
    if (!dirty.contains(period)) {
      if (dirty.isEmpty()) {
        // One timer per park per flush interval (timers of one key and time are deduplicated).
        final long now = ctx.timerService().currentProcessingTime();
        ctx.timerService().registerProcessingTimeTimer((now / flushMs + 1) * flushMs);
      }
      dirty.put(period, Boolean.TRUE);
      PENDING.incrementAndGet();
    }
    CHANGED.increment();
  }

  private FirmTotals.Builder loadFirm(String k) throws Exception {
    final byte[] bytes = firms.get(k);
    return bytes == null ? null : FirmTotals.parseFrom(bytes).toBuilder();
  }

  /** One ParkSnapshot per dirty park-period of this park, then the marks are cleared. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Keyed> out) throws Exception {
    final String park = ctx.getCurrentKey();
    List<String> periods = new ArrayList<>();
    for (String p : dirty.keys()) periods.add(p);
    if (periods.isEmpty()) return;
    // The dirty periods' firms, in uscc order (as cw-aggregator sorts them): one pass over
    // the park's firms.
    Map<String, TreeMap<String, FirmTotals>> byPeriod = new HashMap<>();
    for (String p : periods) byPeriod.put(p, new TreeMap<>());
    for (Map.Entry<String, byte[]> e : firms.entries()) {
      final String k = e.getKey();
      final int bar = k.lastIndexOf('|');
      final TreeMap<String, FirmTotals> mine = byPeriod.get(k.substring(0, bar));
      if (mine != null) mine.put(k.substring(bar + 1), FirmTotals.parseFrom(e.getValue()));
    }
    final long now = System.currentTimeMillis();
    for (String p : periods) {
      final byte[] bytes = aggregates.get(p);
      final ParkAggregate agg =
          bytes == null ? ParkAggregate.getDefaultInstance() : ParkAggregate.parseFrom(bytes);
      out.collect(new Keyed(park + "|" + p,
          Domain.buildSnapshot(park, Domain.parsePeriodKey(p), agg,
                               new ArrayList<>(byPeriod.get(p).values()), now).toByteArray()));
    }
    dirty.clear();
    emitted += periods.size();
    emittedTotal = emitted;
    SNAPSHOTS.add(periods.size());
    PENDING.addAndGet(-periods.size());
  }

  @Override
  public void snapshotState(FunctionSnapshotContext ctx) {
    // Everything emitted so far precedes this checkpoint's barrier: it is in the sink's
    // transaction for this checkpoint (or an earlier one).
    emittedAtCheckpoint.put(ctx.getCheckpointId(), emitted);
  }

  @Override
  public void initializeState(FunctionInitializationContext ctx) {}

  @Override
  public void notifyCheckpointComplete(long checkpointId) {
    final Map.Entry<Long, Long> e = emittedAtCheckpoint.floorEntry(checkpointId);
    if (e != null) emittedCheckpointed = e.getValue();
    emittedAtCheckpoint.headMap(checkpointId, true).clear();
    CHECKPOINTS.increment();
  }
}
