// The Kafka Streams peer's first processor: cw-aggregator's enterprise stage
// (aggregator/enterprise_stage.cc), one record at a time, on the reports topic keyed by USCC.
//
// Store (RocksDB, Streams' default, with record caching and a changelog; exactly_once_v2 makes
// store changes, output records and input offsets one transaction per commit):
//   enterprise-years   "<uscc>|<o|t>|<year>" -> EnterpriseYear: per reported period the
//                      latest accepted ReportEnvelope and the Contribution last emitted for it
//                      (cw-aggregator's y| record of that enterprise-year).
// Per record: decode (undecodable or malformed -> counted, dead letter forwarded, skipped);
// revision rule (higher revision wins; equal revision and same submission_id = duplicate;
// equal revision from another submission wins only when received later); re-derive the
// enterprise-year (Domain.deriveYear, month <-> year to date over the whole year); for every
// period whose contribution changed, forward an upsert ContributionUpdate keyed
// "<park>|<period>|<uscc>|<o|t>" to the contributions topic (partitioned by park, see
// ParkPartitioner), and where the period moved to another park, first an empty one (no
// reporters: a retraction) keyed by the old park.
//
// One instance per task; Streams drives it from one thread. The static counters are read by
// the monitor thread of AggregatorApp.
package clusterwatch.bench.kstreams;

import clusterwatch.bench.kstreams.proto.KstreamsState.EnterpriseYear;
import clusterwatch.bench.kstreams.proto.KstreamsState.PeriodState;
import clusterwatch.v1.Contribution;
import clusterwatch.v1.ContributionUpdate;
import clusterwatch.v1.Period;
import clusterwatch.v1.RejectedRecord;
import clusterwatch.v1.ReportEnvelope;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

final class EnterpriseProcessor implements Processor<byte[], byte[], String, byte[]> {
  static final String YEARS = "enterprise-years";
  static final String CONTRIBUTIONS_SINK = "contributions";
  static final String DEAD_LETTERS_SINK = "dead-letters";

  static final LongAdder PROCESSED = new LongAdder();
  static final LongAdder APPLIED = new LongAdder();
  static final LongAdder DUPLICATES = new LongAdder();
  static final LongAdder STALE = new LongAdder();
  static final LongAdder POISON = new LongAdder();
  // Contribution upserts forwarded (retractions included): the park processors must consume
  // as many (cw_aggregator_contributions_produced_total).
  static final LongAdder CONTRIBUTIONS = new LongAdder();

  private static final byte[] EMPTY = new byte[0];

  private ProcessorContext<String, byte[]> context;
  private KeyValueStore<String, byte[]> years;

  @Override
  public void init(ProcessorContext<String, byte[]> context) {
    this.context = context;
    this.years = context.getStateStore(YEARS);
  }

  @Override
  public void process(Record<byte[], byte[]> rec) {
    final RecordMetadata md = context.recordMetadata().orElseThrow();
    try {
      apply(rec, md);
    } finally {
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

  static String contributionKey(String park, String periodKey, String uscc, boolean output) {
    return park + "|" + periodKey + "|" + uscc + "|" + (output ? "o" : "t");
  }

  /** One ContributionUpdate to the contributions topic; c without reporters = a retraction. */
  private void emit(Contribution c, String periodKey, boolean output, RecordMetadata md,
                    long timestamp) {
    final ContributionUpdate u = ContributionUpdate.newBuilder()
        .setContribution(c)
        .setPeriod(periodKey)
        .setOutput(output)
        .setSourcePartition(md.partition())
        .setSourceOffset(md.offset())
        .build();
    context.forward(new Record<>(contributionKey(c.getParkId(), periodKey, c.getUscc(), output),
                                 u.toByteArray(), timestamp),
                    CONTRIBUTIONS_SINK);
    CONTRIBUTIONS.increment();
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

    // Re-derive the enterprise-year; every changed contribution is an upsert downstream.
    final int n = ey.getPeriodsCount();
    List<Domain.PeriodValues> values = new ArrayList<>(n);
    for (int i = 0; i < n; ++i) values.add(Domain.valuesOf(ey.getPeriods(i).getReport()));
    final List<Domain.DerivedValues> derived = Domain.deriveYear(values);
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
        if (!old.getParkId().equals(c.getParkId())) {
          // A move: retract the enterprise's period from the old park.
          emit(Contribution.newBuilder().setParkId(old.getParkId()).setUscc(uscc).build(),
               ps.getPeriodKey(), out, md, rec.timestamp());
        }
      }
      emit(c, ps.getPeriodKey(), out, md, rec.timestamp());
      ey.setPeriods(i, ps.toBuilder().setContribution(c));
    }
    years.put(yearKey, ey.build().toByteArray());
  }
}
