// The Flink peer's first stage: cw-aggregator's enterprise stage (aggregator/enterprise_stage.cc),
// a KeyedProcessFunction on the reports keyed by enterprise (the Kafka key: ingest keys every
// report by its USCC, so one enterprise's reports arrive in order from one source split).
// The rules are the Kafka Streams peer's EnterpriseProcessor's, line for line:
//
// Keyed state (RocksDB state backend; part of every exactly-once checkpoint):
//   years   MapState "<o|t>|<year>" -> EnterpriseYear (bench/kstreams' kstreams_state.proto):
//           per reported period the latest accepted ReportEnvelope and the Contribution last
//           emitted for it (cw-aggregator's y|<uscc>|<kind>|<year>| record).
// Per record: decode (undecodable or malformed -> counted, dead letter to a side output,
// skipped); revision rule (higher revision wins; equal revision and same submission_id =
// duplicate; equal revision from another submission wins only when received later);
// re-derive the enterprise-year (Domain.deriveYear, month <-> year to date); for every period
// whose contribution changed, an upsert ContributionUpdate to the park stage, and where the
// period moved to another park, first an empty one (a retraction) for the old park.
package clusterwatch.bench.flink;

import clusterwatch.bench.flink.Records.ContributionRecord;
import clusterwatch.bench.flink.Records.Keyed;
import clusterwatch.bench.flink.Records.Report;
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
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

public final class EnterpriseFunction extends KeyedProcessFunction<String, Report, ContributionRecord> {
  static final OutputTag<Keyed> DEAD_LETTERS =
      new OutputTag<>("dead-letters", org.apache.flink.api.java.typeutils.TypeExtractor.getForClass(Keyed.class));

  // Read by FlinkAggregator's monitor (the MiniCluster runs in the same JVM).
  static final LongAdder PROCESSED = new LongAdder();
  static final LongAdder APPLIED = new LongAdder();
  static final LongAdder DUPLICATES = new LongAdder();
  static final LongAdder STALE = new LongAdder();
  static final LongAdder POISON = new LongAdder();
  static final LongAdder CONTRIBUTIONS = new LongAdder();

  private static final byte[] EMPTY = new byte[0];

  private transient MapState<String, byte[]> years;

  @Override
  public void open(OpenContext ctx) {
    years = getRuntimeContext().getMapState(new MapStateDescriptor<>(
        "enterprise-years", Types.STRING, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
  }

  @Override
  public void processElement(Report rec, Context ctx, Collector<ContributionRecord> out) throws Exception {
    try {
      apply(rec, ctx, out);
    } finally {
      PROCESSED.increment();
    }
  }

  private void deadLetter(Report rec, Context ctx, String topic, String reason, ReportEnvelope decoded) {
    RejectedRecord.Builder rej = RejectedRecord.newBuilder()
        .setStage("flink-peer")
        .setReason(reason)
        .setRaw(rec.value == null ? ByteString.EMPTY : ByteString.copyFrom(rec.value))
        .setSourceTopic(topic)
        .setSourcePartition(rec.partition)
        .setSourceOffset(rec.offset);
    if (decoded != null) rej.setProvenance(decoded.getProvenance());
    ctx.output(DEAD_LETTERS, new Keyed(topic + "|" + rec.partition + "|" + rec.offset,
                                       rej.build().toByteArray()));
    POISON.increment();
  }

  static String contributionKey(String park, String periodKey, String uscc, boolean output) {
    return park + "|" + periodKey + "|" + uscc + "|" + (output ? "o" : "t");
  }

  private static void emit(Contribution c, String periodKey, boolean output, Report rec,
                           Collector<ContributionRecord> out) {
    final ContributionUpdate u = ContributionUpdate.newBuilder()
        .setContribution(c)
        .setPeriod(periodKey)
        .setOutput(output)
        .setSourcePartition(rec.partition)
        .setSourceOffset(rec.offset)
        .build();
    out.collect(new ContributionRecord(new ParkPeriod(c.getParkId(), periodKey), u.toByteArray()));
    CONTRIBUTIONS.increment();
  }

  private final String inputTopic;

  public EnterpriseFunction(String inputTopic) {
    this.inputTopic = inputTopic;
  }

  private void apply(Report rec, Context ctx, Collector<ContributionRecord> collector) throws Exception {
    ReportEnvelope env;
    try {
      env = ReportEnvelope.parseFrom(rec.value == null ? EMPTY : rec.value);
    } catch (InvalidProtocolBufferException e) {
      deadLetter(rec, ctx, inputTopic, "value is not a clusterwatch.v1.ReportEnvelope protobuf", null);
      return;
    }
    final String bad = Domain.malformed(env);
    if (!bad.isEmpty()) {
      deadLetter(rec, ctx, inputTopic, bad, env);
      return;
    }
    final boolean out = env.hasOutput();
    final char kind = out ? 'o' : 't';
    final String uscc = out ? env.getOutput().getUscc() : env.getTax().getUscc();
    final Period period = out ? env.getOutput().getPeriod() : env.getTax().getPeriod();
    final int revision = out ? env.getOutput().getRevision() : env.getTax().getRevision();
    final String pkey = Domain.periodKey(period);
    // The state is keyed by the Kafka key (the USCC); within it, by kind and year.
    final String yearKey = kind + "|" + period.getYear() + (uscc.equals(ctx.getCurrentKey()) ? "" : "|" + uscc);

    EnterpriseYear.Builder ey;
    final byte[] stored = years.get(yearKey);
    try {
      ey = stored == null ? EnterpriseYear.newBuilder() : EnterpriseYear.parseFrom(stored).toBuilder();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt enterprise-year state for " + uscc + "|" + yearKey, e);
    }

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
          emit(Contribution.newBuilder().setParkId(old.getParkId()).setUscc(uscc).build(),
               ps.getPeriodKey(), out, rec, collector);
        }
      }
      emit(c, ps.getPeriodKey(), out, rec, collector);
      ey.setPeriods(i, ps.toBuilder().setContribution(c));
    }
    years.put(yearKey, ey.build().toByteArray());
  }
}
