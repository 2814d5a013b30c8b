// Compares park-period snapshot topics: the last snapshot per key "<park>|<period>" of each
// candidate against the reference's (read_committed, per partition from START, default 0, to
// END, default the end of the partition).
//
//   java -cp ... clusterwatch.bench.kstreams.CompareSnapshots --brokers=HOST:PORT \
//     --reference=LABEL=TOPIC[@P:START[:END],...] --candidates=LABEL=TOPIC[@...];LABEL=TOPIC... \
//     [--dump=FILE]
//
// Compared per key: month and year-to-date Totals (all 12 fields), every industry (code,
// totals, output share) in the published order, every firm (uscc, industry, gross output
// month/ytd, employees), the period and the park. Not compared: computed_unix_ms and
// source_offset (see docs/performance.md, "Kafka Streams peer"). Prints one line per
// candidate and up to 5 differing keys; exits 1 when any candidate differs or is empty.
// --dump writes the reference as JSON {key: {"month": {...}, "ytd": {...}}} (money in fen).
package clusterwatch.bench.kstreams;

import clusterwatch.v1.FirmTotals;
import clusterwatch.v1.IndustryTotals;
import clusterwatch.v1.ParkSnapshot;
import clusterwatch.v1.Totals;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

public final class CompareSnapshots {
  private CompareSnapshots() {}

  static final class Read {
    final String label;
    final TreeMap<String, ParkSnapshot> last = new TreeMap<>();
    long records;

    Read(String label) {
      this.label = label;
    }
  }

  static Read read(String brokers, String spec) throws Exception {
    final String label = spec.substring(0, spec.indexOf('='));
    String topic = spec.substring(spec.indexOf('=') + 1);
    Map<Integer, Long> start = new HashMap<>();
    Map<Integer, Long> stop = new HashMap<>();
    if (topic.contains("@")) {
      for (String po : topic.substring(topic.indexOf('@') + 1).split(",")) {
        if (po.isEmpty()) continue;
        final String[] f = po.split(":");
        start.put(Integer.parseInt(f[0]), Long.parseLong(f[1]));
        if (f.length > 2) stop.put(Integer.parseInt(f[0]), Long.parseLong(f[2]));
      }
      topic = topic.substring(0, topic.indexOf('@'));
    }
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    Read r = new Read(label);
    try (KafkaConsumer<String, byte[]> c =
             new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo pi : c.partitionsFor(topic, Duration.ofSeconds(30))) {
        tps.add(new TopicPartition(topic, pi.partition()));
      }
      c.assign(tps);
      Map<TopicPartition, Long> end = new HashMap<>(c.endOffsets(tps, Duration.ofSeconds(30)));
      for (TopicPartition tp : tps) {
        if (stop.containsKey(tp.partition())) end.put(tp, Math.min(end.get(tp), stop.get(tp.partition())));
      }
      for (TopicPartition tp : tps) c.seek(tp, start.getOrDefault(tp.partition(), 0L));
      final long deadline = System.currentTimeMillis() + 120_000;
      while (true) {
        boolean done = true;
        for (TopicPartition tp : tps) done = done && c.position(tp) >= end.get(tp);
        if (done) break;
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException(label + ": " + topic + " not read to its end in 120 s");
        }
        for (ConsumerRecord<String, byte[]> rec : c.poll(Duration.ofMillis(500))) {
          if (rec.offset() >= end.get(new TopicPartition(rec.topic(), rec.partition()))) continue;
          r.last.put(rec.key(), ParkSnapshot.parseFrom(rec.value()));
          ++r.records;
        }
      }
    }
    return r;
  }

  static String totals(Totals t) {
    return String.join(",", List.of(
        "go=" + t.getGrossOutput().getFen(), "so=" + t.getSalesOutput().getFen(),
        "ed=" + t.getExportDelivery().getFen(), "emp=" + t.getEmployees(),
        "tax=" + t.getTotalTax().getFen(), "vat=" + t.getVat().getFen(),
        "cit=" + t.getCorporateIncomeTax().getFen(), "or=" + t.getOutputReporters(),
        "tr=" + t.getTaxReporters(), "pu=" + t.getPurchases().getFen(),
        "pp=" + t.getPurchasesInPark().getFen(), "pr=" + t.getPurchasesInRegion().getFen()));
  }

  /** Everything compared, as text (so a difference can be printed). */
  static String canonical(ParkSnapshot s) {
    StringBuilder b = new StringBuilder();
    b.append(s.getParkId()).append(' ').append(s.getPeriod().getYear()).append('-')
        .append(s.getPeriod().getMonth()).append(s.getPeriod().getJanFeb() ? "jf" : "")
        .append(" month[").append(totals(s.getMonth())).append("] ytd[")
        .append(totals(s.getYearToDate())).append(']');
    for (IndustryTotals i : s.getIndustriesList()) {
      b.append(" ind ").append(i.getIndustry()).append('[').append(totals(i.getMonth()))
          .append("][").append(totals(i.getYearToDate())).append("] share=")
          .append(Double.doubleToLongBits(i.getOutputShare()));
    }
    for (FirmTotals f : s.getFirmsList()) {
      b.append(" firm ").append(f.getUscc()).append(' ').append(f.getIndustry()).append(' ')
          .append(f.getGrossOutputMonth().getFen()).append(' ').append(f.getGrossOutputYtd().getFen())
          .append(' ').append(f.getEmployees());
    }
    return b.toString();
  }

  static String json(Totals t) {
    return String.format(
        "{\"gross_output\":%d,\"sales_output\":%d,\"export_delivery\":%d,\"employees\":%d,"
            + "\"total_tax\":%d,\"vat\":%d,\"corporate_income_tax\":%d,\"output_reporters\":%d,"
            + "\"tax_reporters\":%d}",
        t.getGrossOutput().getFen(), t.getSalesOutput().getFen(), t.getExportDelivery().getFen(),
        t.getEmployees(), t.getTotalTax().getFen(), t.getVat().getFen(),
        t.getCorporateIncomeTax().getFen(), t.getOutputReporters(), t.getTaxReporters());
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = AggregatorApp.parseArgs(args);
    final String brokers = AggregatorApp.need(a, "brokers");
    final Read ref = read(brokers, AggregatorApp.need(a, "reference"));
    long gross = 0, tax = 0;
    for (ParkSnapshot s : ref.last.values()) {
      gross += s.getYearToDate().getGrossOutput().getFen();
      tax += s.getYearToDate().getTotalTax().getFen();
    }
    System.out.printf("reference %s: %d park-periods (from %d snapshots); sum over them of "
        + "ytd gross output %d fen, ytd total tax %d fen%n", ref.label, ref.last.size(), ref.records,
        gross, tax);
    boolean ok = !ref.last.isEmpty();
    for (String spec : AggregatorApp.need(a, "candidates").split(";")) {
      if (spec.isEmpty()) continue;
      final Read cand = read(brokers, spec);
      TreeSet<String> keys = new TreeSet<>(ref.last.keySet());
      keys.addAll(cand.last.keySet());
      int equal = 0;
      List<String> diffs = new ArrayList<>();
      long cg = 0, ct = 0;
      for (ParkSnapshot s : cand.last.values()) {
        cg += s.getYearToDate().getGrossOutput().getFen();
        ct += s.getYearToDate().getTotalTax().getFen();
      }
      for (String k : keys) {
        final ParkSnapshot x = ref.last.get(k), y = cand.last.get(k);
        final String cx = x == null ? "(missing)" : canonical(x);
        final String cy = y == null ? "(missing)" : canonical(y);
        if (cx.equals(cy)) {
          ++equal;
        } else if (diffs.size() < 5) {
          diffs.add("  " + k + "\n    " + ref.label + ": " + (cx.length() > 400 ? cx.substring(0, 400) + "..." : cx)
              + "\n    " + cand.label + ": " + (cy.length() > 400 ? cy.substring(0, 400) + "..." : cy));
        }
      }
      final boolean same = equal == keys.size() && !cand.last.isEmpty();
      ok = ok && same;
      System.out.printf("%s %s: %d park-periods (from %d snapshots), %d of %d keys identical; "
          + "ytd gross output %d fen, ytd total tax %d fen%n", same ? "EQUAL" : "DIFFERENT",
          cand.label, cand.last.size(), cand.records, equal, keys.size(), cg, ct);
      for (String d : diffs) System.out.println(d);
    }
    if (a.containsKey("dump")) {
      try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(a.get("dump")), StandardCharsets.UTF_8))) {
        w.print("{");
        boolean first = true;
        for (var e : ref.last.entrySet()) {
          w.printf("%s\"%s\":{\"month\":%s,\"ytd\":%s}", first ? "" : ",", e.getKey(),
                   json(e.getValue().getMonth()), json(e.getValue().getYearToDate()));
          first = false;
        }
        w.println("}");
      }
    }
    System.exit(ok ? 0 : 1);
  }
}
