// The Flink peer's second stage: cw-aggregator's park stage (aggregator/park_stage.cc), a
// KeyedProcessFunction on the contribution upserts keyed by park-period and routed by park
// (ParkPeriod: cw-aggregator partitions cw.contributions.v1 by park and keys its state by
// park-period), the KTable groupBy adder/subtractor pattern by hand, as the Kafka Streams
// peer's ParkProcessor.
//
// Keyed state (RocksDB state backend, in every exactly-once checkpoint), per park-period:
//   latest      MapState "<uscc>|<o|t>" -> Contribution: the latest upsert of each key
//               (cw-aggregator's c| keys);
//   aggregate   ValueState ParkAggregate without its firms (a| key);
//   firms       MapState "<uscc>" -> FirmTotals (f| keys);
//   dirty       ValueState true: changed since its last snapshot (d| mark).
// Per record: equal to the kept one (a replay), or a retraction of nothing -> unchanged;
// otherwise subtract the kept contribution from the aggregate and firm, add the new one (a
// retraction adds nothing and forgets the key), and if the park-period was clean, mark it
// dirty and register a processing-time timer at the next multiple of flush_ms. The timer
// publishes its ParkSnapshot; the transactional Kafka sink makes it visible when the
// checkpoint that covers it completes. flush_ms defaults to the checkpoint interval: one
// snapshot per changed park-period per committed transaction, as cw-aggregator (one per
// changed park-period per transaction); more often would only publish versions that no
// read_committed reader sees apart.
package clusterwatch.bench.flink;

import clusterwatch.bench.flink.Records.ContributionRecord;
import clusterwatch.bench.flink.Records.Keyed;
import clusterwatch.v1.Contribution;
import clusterwatch.v1.ContributionUpdate;
import clusterwatch.v1.FirmTotals;
import clusterwatch.v1.ParkAggregate;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
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
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

public final class ParkFunction extends KeyedProcessFunction<ParkPeriod, ContributionRecord, Keyed>
    implements CheckpointedFunction, CheckpointListener {
  // cw_aggregator_contributions_total{outcome=changed|unchanged|poison}, snapshots published.
  static final LongAdder CHANGED = new LongAdder();
  static final LongAdder UNCHANGED = new LongAdder();
  static final LongAdder POISON = new LongAdder();
  static final LongAdder SNAPSHOTS = new LongAdder();
  // Park-periods marked dirty and not yet published, over all subtasks.
  static final AtomicLong PENDING = new AtomicLong();
  // Checkpoints completed (as subtask 0 is told).
  static final LongAdder CHECKPOINTS = new LongAdder();
  // Every live subtask, so the monitor can tell whether all its snapshots are in a completed
  // checkpoint (and so in a committed transaction of the sink, or about to be).
  static final ConcurrentLinkedQueue<ParkFunction> LIVE = new ConcurrentLinkedQueue<>();

  private final long flushMs;
  private transient MapState<String, byte[]> latest;
  private transient ValueState<byte[]> aggregate;
  private transient MapState<String, byte[]> firms;
  private transient ValueState<Boolean> dirty;
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
    aggregate = getRuntimeContext().getState(new ValueStateDescriptor<>(
        "park-aggregate", PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    firms = getRuntimeContext().getMapState(new MapStateDescriptor<>(
        "park-firms", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    dirty = getRuntimeContext().getState(new ValueStateDescriptor<>("dirty", Types.BOOLEAN));
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
    final String ckey = c.getUscc() + "|" + (u.getOutput() ? "o" : "t");
    final byte[] oldBytes = latest.get(ckey);
    final Contribution old = oldBytes == null ? null : Contribution.parseFrom(oldBytes);
    final boolean retract = isRetraction(c);
    if ((old != null && old.equals(c)) || (old == null && retract)) {
      UNCHANGED.increment();
      return;
    }
    final byte[] aggBytes = aggregate.value();
    final ParkAggregate.Builder agg =
        aggBytes == null ? ParkAggregate.newBuilder() : ParkAggregate.parseFrom(aggBytes).toBuilder();
    FirmTotals.Builder firm = null;
    boolean firmTouched = false;
    final String firmKey = c.getUscc();
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
    aggregate.update(agg.build().toByteArray());
    if (dirty.value() == null) {
      dirty.update(Boolean.TRUE);
      final long now = ctx.timerService().currentProcessingTime();
      ctx.timerService().registerProcessingTimeTimer((now / flushMs + 1) * flushMs);
      PENDING.incrementAndGet();
    }
    CHANGED.increment();
  }

  private FirmTotals.Builder loadFirm(String k) throws Exception {
    final byte[] bytes = firms.get(k);
    return bytes == null ? null : FirmTotals.parseFrom(bytes).toBuilder();
  }

  /** The park-period's ParkSnapshot, then its mark is cleared. */
  @Override
  public void onTimer(long timestamp, OnTimerContext ctx, Collector<Keyed> out) throws Exception {
    if (dirty.value() == null) return;
    final ParkPeriod key = ctx.getCurrentKey();
    // Its firms in uscc order, as cw-aggregator sorts them.
    TreeMap<String, FirmTotals> sorted = new TreeMap<>();
    for (Map.Entry<String, byte[]> e : firms.entries()) {
      sorted.put(e.getKey(), FirmTotals.parseFrom(e.getValue()));
    }
    final byte[] bytes = aggregate.value();
    final ParkAggregate agg =
        bytes == null ? ParkAggregate.getDefaultInstance() : ParkAggregate.parseFrom(bytes);
    final long now = System.currentTimeMillis();
    out.collect(new Keyed(key.park + "|" + key.period,
        Domain.buildSnapshot(key.park, Domain.parsePeriodKey(key.period), agg,
                             new ArrayList<>(sorted.values()), now).toByteArray()));
    dirty.clear();
    emitted += 1;
    emittedTotal = emitted;
    SNAPSHOTS.increment();
    PENDING.decrementAndGet();
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
    if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) CHECKPOINTS.increment();
  }
}
