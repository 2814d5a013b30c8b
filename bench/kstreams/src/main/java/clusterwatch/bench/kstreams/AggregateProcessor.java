// The Kafka Streams peer's processor: cw-aggregator's ProcessBatch, one record at a time.
//
// Stores (RocksDB, Streams' default, with record caching and changelogs; exactly_once_v2 makes
// store changes, output records and input offsets one transaction per commit):
//   enterprise-years   "<uscc>|<o|t>|<year>" -> EnterpriseYear: per reported period the
//                      latest accepted ReportEnvelope and the Contribution derived from it
//                      (cw-aggregator's r| and c| keys of that enterprise-year);
//   park-aggregates    "<park>|<period key>" -> ParkAggregate without its firms (cw-aggregator's
//                      a| keys hold the firms too);
//   park-firms         "<park>|<period key>|<uscc>" -> FirmTotals: the firms of the aggregate,
//                      one value each, so a report rewrites one firm, not the whole park's
//                      (a first version with the firms inside the aggregate spent half its
//                      CPU parsing and writing them, once per report);
//   dirty-park-periods "<park>|<period key>" -> "" (in memory, changelogged: cw-aggregator's
//                      d| marks), drained by a wall-clock punctuation every commit interval,
//                      which forwards one ParkSnapshot per changed park-period (as
//                      cw-aggregator publishes one per changed park-period per batch).
// Per record: decode (undecodable or malformed -> counted, dead letter forwarded, skipped);
// revision rule (higher revision wins; equal revision and same submission_id = duplicate;
// equal revision from another submission wins only when received later); re-derive the
// enterprise-year (Domain.deriveYear); move every changed contribution out of / into its park
// aggregate; mark those park-periods dirty.
//
// One instance per task; Streams drives it from one thread. The static counters are read by
// the monitor thread of AggregatorApp.
package clusterwatch.bench.kstreams;

import clusterwatch.bench.kstreams.proto.KstreamsState.EnterpriseYear;
import clusterwatch.bench.kstreams.proto.KstreamsState.PeriodState;
import clusterwatch.v1.Metrics.FirmTotals;
import clusterwatch.v1.Reports.RejectedRecord;
import clusterwatch.v1.Reports.ReportEnvelope;
import clusterwatch.v1.State.Contribution;
import clusterwatch.v1.State.ParkAggregate;
import clusterwatch.v1.Types.Period;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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

final class AggregateProcessor implements Processor<byte[], byte[], String, byte[]> {
  static final String YEARS = "enterprise-years";
  static final String AGGREGATES = "park-aggregates";
  static final String FIRMS = "park-firms";
  static final String DIRTY = "dirty-park-periods";
  static final String SNAPSHOTS_SINK = "snapshots";
  static final String DEAD_LETTERS_SINK = "dead-letters";

  static final LongAdder PROCESSED = new LongAdder();
  static final LongAdder APPLIED = new LongAdder();
  static final LongAdder DUPLICATES = new LongAdder();
  static final LongAdder STALE = new LongAdder();
  static final LongAdder POISON = new LongAdder();
  static final LongAdder SNAPSHOTS = new LongAdder();
  // Every live processor, so the monitor can tell whether all dirty marks were published.
  static final ConcurrentLinkedQueue<AggregateProcessor> LIVE = new ConcurrentLinkedQueue<>();

  private static final byte[] EMPTY = new byte[0];

  private final Duration punctuateEvery;
  private ProcessorContext<String, byte[]> context;
  private KeyValueStore<String, byte[]> years;
  private KeyValueStore<String, byte[]> aggregates;
  private KeyValueStore<String, byte[]> firms;
  private KeyValueStore<String, byte[]> dirty;
  // Records processed by this instance, and how many of them had been when its dirty marks
  // were last all published (-1 until its first punctuation: a task re-created after a
  // rebalance may have restored dirty marks from its changelog).
  volatile long processed;
  volatile long publishedThrough = -1;

  AggregateProcessor(Duration punctuateEvery) {
    this.punctuateEvery = punctuateEvery;
  }

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.years = context.getStateStore(YEARS);
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

  @Override
  public void process(Record<byte[], byte[]> rec) {
    final RecordMetadata md = context.recordMetadata().orElseThrow();
    try {
      apply(rec, md);
    } finally {
      processed = processed + 1;
      PROCESSED.increment();
    }
  }

  private void deadLetter(Record<byte[], byte[]> rec, RecordMetadata md, String reason,
                          ReportEnvelope decoded) {
    RejectedRecord.Builder rej = RejectedRecord.newBuilder()
        .setStage("kstreams-peer")
        .setReason(reason)
        .setRaw(rec.value() == null ? ByteString.EMPTY : ByteString.copyFrom(rec.value()))
        .setSourceTopic(md.topic())
        .setSourcePartition(md.partition())
        .setSourceOffset(md.offset());
    if (decoded != null) rej.setProvenance(decoded.getProvenance());
    context.forward(new Record<>(md.topic() + "|" + md.partition() + "|" + md.offset(),
                                 rej.build().toByteArray(), rec.timestamp()),
                    DEAD_LETTERS_SINK);
    POISON.increment();
  }

  private void apply(Record<byte[], byte[]> rec, RecordMetadata md) {
    ReportEnvelope env;
    try {
      env = ReportEnvelope.parseFrom(rec.value() == null ? EMPTY : rec.value());
    } catch (InvalidProtocolBufferException e) {
      deadLetter(rec, md, "value is not a clusterwatch.v1.ReportEnvelope protobuf", null);
      return;
    }
    final String bad = Domain.malformed(env);
    if (!bad.isEmpty()) {
      deadLetter(rec, md, bad, env);
      return;
    }
    final boolean out = env.hasOutput();
    final char kind = out ? 'o' : 't';
    final String uscc = out ? env.getOutput().getUscc() : env.getTax().getUscc();
    final Period period = out ? env.getOutput().getPeriod() : env.getTax().getPeriod();
    final int revision = out ? env.getOutput().getRevision() : env.getTax().getRevision();
    final String pkey = Domain.periodKey(period);
    final String yearKey = uscc + "|" + kind + "|" + period.getYear();
    final String recordPark = out ? env.getOutput().getParkId() : env.getTax().getParkId();

    EnterpriseYear.Builder ey;
    final byte[] stored = years.get(yearKey);
    try {
      ey = stored == null ? EnterpriseYear.newBuilder() : EnterpriseYear.parseFrom(stored).toBuilder();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt enterprise-year state for " + yearKey, e);
    }

    // The period's slot (periods kept in key order = period order).
    int at = 0;
    boolean present = false;
    for (; at < ey.getPeriodsCount(); ++at) {
      final int cmp = ey.getPeriods(at).getPeriodKey().compareTo(pkey);
      if (cmp == 0) {
        present = true;
        break;
      }
      if (cmp > 0) break;
    }
    if (present) {
      final ReportEnvelope old = ey.getPeriods(at).getReport();
      final int oldRev = old.hasOutput() ? old.getOutput().getRevision() : old.getTax().getRevision();
      if (revision < oldRev) {
        STALE.increment();
        return;
      }
      if (revision == oldRev) {
        if (env.getProvenance().getSubmissionId().equals(old.getProvenance().getSubmissionId())) {
          DUPLICATES.increment();
          return;
        }
        if (env.getProvenance().getReceivedUnixMs() <= old.getProvenance().getReceivedUnixMs()) {
          STALE.increment();
          return;
        }
      }
      ey.setPeriods(at, ey.getPeriods(at).toBuilder().setReport(env));
    } else {
      ey.addPeriods(at, PeriodState.newBuilder().setPeriodKey(pkey).setReport(env));
    }
    APPLIED.increment();

    // Re-derive the enterprise-year and move the changed contributions.
    final int n = ey.getPeriodsCount();
    List<Domain.PeriodValues> values = new ArrayList<>(n);
    for (int i = 0; i < n; ++i) values.add(Domain.valuesOf(ey.getPeriods(i).getReport()));
    final List<Domain.DerivedValues> derived = Domain.deriveYear(values);
    Map<String, ParkAggregate.Builder> touched = new HashMap<>();
    Map<String, FirmTotals.Builder> touchedFirms = new HashMap<>();  // null value: no firm
    for (int i = 0; i < n; ++i) {
      final PeriodState ps = ey.getPeriods(i);
      final ReportEnvelope r = ps.getReport();
      final Domain.DerivedValues d = derived.get(i);
      final Contribution c = Contribution.newBuilder()
          .setParkId(out ? r.getOutput().getParkId() : r.getTax().getParkId())
          .setUscc(uscc)
          .setIndustry(out ? r.getOutput().getIndustry() : r.getTax().getIndustry())
          .setMonth(Domain.totalsOf(d.month, d.level, out, true))
          .setYearToDate(Domain.totalsOf(d.ytd, d.level, out, true))
          .build();
      if (ps.hasContribution()) {
        final Contribution old = ps.getContribution();
        if (old.equals(c)) continue;
        Domain.applyContribution(load(touched, old.getParkId(), ps.getPeriodKey()), old, -1);
        applyFirm(touchedFirms, old, ps.getPeriodKey(), -1);
      }
      Domain.applyContribution(load(touched, c.getParkId(), ps.getPeriodKey()), c, +1);
      applyFirm(touchedFirms, c, ps.getPeriodKey(), +1);
      ey.setPeriods(i, ps.toBuilder().setContribution(c));
    }
    years.put(yearKey, ey.build().toByteArray());
    for (Map.Entry<String, ParkAggregate.Builder> e : touched.entrySet()) {
      final ParkAggregate.Builder agg = e.getValue();
      if (e.getKey().startsWith(recordPark + "|")) {
        agg.setSourceOffset(Math.max(agg.getSourceOffset(), md.offset()));
      }
      aggregates.put(e.getKey(), agg.build().toByteArray());
      dirty.put(e.getKey(), EMPTY);
    }
    for (Map.Entry<String, FirmTotals.Builder> e : touchedFirms.entrySet()) {
      if (e.getValue() == null) {
        firms.delete(e.getKey());
      } else {
        firms.put(e.getKey(), e.getValue().build().toByteArray());
      }
    }
  }

  private void applyFirm(Map<String, FirmTotals.Builder> touched, Contribution c, String periodKey,
                         int sign) {
    if (!Domain.hasFirm(c)) return;
    final String k = c.getParkId() + "|" + periodKey + "|" + c.getUscc();
    FirmTotals.Builder f;
    if (touched.containsKey(k)) {
      f = touched.get(k);
    } else {
      final byte[] bytes = firms.get(k);
      try {
        f = bytes == null ? null : FirmTotals.parseFrom(bytes).toBuilder();
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("corrupt firm totals " + k, e);
      }
    }
    touched.put(k, Domain.applyFirm(f, c, sign));
  }

  private ParkAggregate.Builder load(Map<String, ParkAggregate.Builder> touched, String park,
                                     String periodKey) {
    final String k = park + "|" + periodKey;
    ParkAggregate.Builder agg = touched.get(k);
    if (agg != null) return agg;
    final byte[] bytes = aggregates.get(k);
    try {
      agg = bytes == null ? ParkAggregate.newBuilder() : ParkAggregate.parseFrom(bytes).toBuilder();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt park aggregate " + k, e);
    }
    touched.put(k, agg);
    return agg;
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
