// A copy of bench/kstreams/.../Domain.java (the Kafka Streams peer's port of cw-aggregator's
// rules), in this package so the Flink peer builds on its own classpath (a different
// kafka-clients than kafka-streams 4.1.1 brings). Keep the two in step with each other and
// with the C++ functions named below; bench/flink_compare.sh checks both peers' snapshots
// against cw-aggregator's field by field.
//
// The aggregation rules of cw-aggregator, ported to Java for the Kafka Streams and Flink peers. Each
// method names the C++ function it follows; keep them in step:
//   malformed()         aggregator/aggregator.cc   Malformed, ValidPeriod
//   valuesOf()          aggregator/aggregator.cc   ValuesOf (purchase linkage, saturating)
//   deriveYear()        common/domain/derive.cc    DeriveYear (month <-> year-to-date)
//   totalsOf()          aggregator/aggregator.cc   TotalsOf
//   applyContribution() common/domain/totals.cc    ApplyContribution (park and industries),
//   applyFirm()                                    ApplyContribution (firms), AddTotals, IsZero
//   buildSnapshot()     common/domain/totals.cc    BuildSnapshot
//   periodKey()         common/domain/period.cc    Period::Key (keys sort in period order)
// Pure; thread-safe.
package clusterwatch.bench.flink;

import clusterwatch.v1.Contribution;
import clusterwatch.v1.Counterparty;
import clusterwatch.v1.FirmTotals;
import clusterwatch.v1.IndustryTotals;
import clusterwatch.v1.Money;
import clusterwatch.v1.OutputReport;
import clusterwatch.v1.ParkAggregate;
import clusterwatch.v1.ParkSnapshot;
import clusterwatch.v1.Period;
import clusterwatch.v1.ReportEnvelope;
import clusterwatch.v1.TaxReport;
import clusterwatch.v1.Totals;
import clusterwatch.v1.ValueBasis;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

final class Domain {
  private Domain() {}

  static final int FLOW_FIELDS = 9;  // money flows summed over months (derive.h kFlowFields)
  // 12 x ValidationLimits().max_month_fen (common/domain/validate.h).
  static final long MAX_FEN = 12L * 100_000_000_000_000L;

  /** Period::Key(): "2024-03", "2024-01/02"; keys sort in period order. */
  static String periodKey(Period p) {
    StringBuilder b = new StringBuilder(10);
    final int y = p.getYear();
    if (y >= 0 && y < 1000) b.append(y < 10 ? "000" : y < 100 ? "00" : "0");
    b.append(y).append('-');
    if (p.getJanFeb()) return b.append("01/02").toString();
    if (p.getMonth() >= 0 && p.getMonth() < 10) b.append('0');
    return b.append(p.getMonth()).toString();
  }

  static boolean validPeriod(Period p) {
    return p.getYear() >= 1949 && p.getYear() <= 2100 && p.getMonth() >= 1 && p.getMonth() <= 12
        && (!p.getJanFeb() || p.getMonth() == 2);
  }

  private static boolean badMoney(Money m) {
    return m.getFen() < 0 || m.getFen() > MAX_FEN;
  }

  /** Why an envelope cannot be applied, or "" when it can. */
  static String malformed(ReportEnvelope env) {
    if (env.getBodyCase() == ReportEnvelope.BodyCase.BODY_NOT_SET) return "envelope has no report";
    final boolean out = env.hasOutput();
    // Sizes in bytes, as std::string::size().
    final int usccBytes = out ? env.getOutput().getUsccBytes().size() : env.getTax().getUsccBytes().size();
    final String park = out ? env.getOutput().getParkId() : env.getTax().getParkId();
    final Period period = out ? env.getOutput().getPeriod() : env.getTax().getPeriod();
    if (usccBytes != 18) return "uscc: expected 18 characters";
    if (park.isEmpty() || park.indexOf('|') >= 0) return "park_id: missing or invalid";
    if (!validPeriod(period)) return "period: expected year 1949..2100 and month 1..12";
    if (out) {
      OutputReport r = env.getOutput();
      if (badMoney(r.getGrossOutput()) || badMoney(r.getSalesOutput())
          || badMoney(r.getExportDelivery()) || r.getEmployees() < 0
          || r.getEmployees() > 100_000_000L) {
        return "money or employees: negative or implausibly large (as ingest would refuse)";
      }
    } else {
      TaxReport r = env.getTax();
      boolean bad = badMoney(r.getTotalTax()) || badMoney(r.getVat())
          || badMoney(r.getCorporateIncomeTax());
      for (Counterparty cp : r.getCounterpartiesList()) bad = bad || badMoney(cp.getPurchases());
      if (bad) return "money: negative or implausibly large (as ingest would refuse)";
    }
    return "";
  }

  /** domain::PeriodValues: the derivation inputs of one report. */
  static final class PeriodValues {
    final Period period;
    final String key;
    final boolean ytdBasis;
    final long[] flows = new long[FLOW_FIELDS];
    long level;

    PeriodValues(Period period, boolean ytdBasis) {
      this.period = period;
      this.key = periodKey(period);
      this.ytdBasis = ytdBasis;
    }
  }

  /** domain::DerivedValues. */
  static final class DerivedValues {
    final String key;
    final long[] month = new long[FLOW_FIELDS];
    final long[] ytd = new long[FLOW_FIELDS];
    long level;

    DerivedValues(String key) {
      this.key = key;
    }
  }

  private static long saturatingAdd(long sum, long v) {
    if (v < 0) return sum;
    return v > Long.MAX_VALUE - sum ? Long.MAX_VALUE : sum + v;
  }

  // std::string::substr(0, n) on a string of fewer than n characters gives the whole string.
  private static String head(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n);
  }

  static PeriodValues valuesOf(ReportEnvelope env) {
    if (env.hasOutput()) {
      OutputReport r = env.getOutput();
      PeriodValues v = new PeriodValues(r.getPeriod(), r.getBasis() == ValueBasis.VALUE_BASIS_YEAR_TO_DATE);
      v.flows[0] = r.getGrossOutput().getFen();
      v.flows[1] = r.getSalesOutput().getFen();
      v.flows[2] = r.getExportDelivery().getFen();
      v.level = r.getEmployees();
      return v;
    }
    TaxReport r = env.getTax();
    PeriodValues v = new PeriodValues(r.getPeriod(), r.getBasis() == ValueBasis.VALUE_BASIS_YEAR_TO_DATE);
    // Linkage: purchases from sellers in the same park, and in the same prefecture-level region
    // (first four digits of the county code; the seller's from the registry, else from its USCC).
    long all = 0, inPark = 0, inRegion = 0;
    final String prefecture = head(r.getParkCounty(), 4);
    for (Counterparty cp : r.getCounterpartiesList()) {
      final long fen = cp.getPurchases().getFen();
      all = saturatingAdd(all, fen);
      if (!cp.getParkId().isEmpty() && cp.getParkId().equals(r.getParkId())) {
        inPark = saturatingAdd(inPark, fen);
      }
      final String county = !cp.getCountyCode().isEmpty()
          ? cp.getCountyCode()
          : (cp.getUsccBytes().size() == 18 ? cp.getUsccBytes().substring(2, 8).toStringUtf8() : "");
      if (prefecture.length() == 4 && head(county, 4).equals(prefecture)) {
        inRegion = saturatingAdd(inRegion, fen);
      }
    }
    v.flows[3] = r.getTotalTax().getFen();
    v.flows[4] = r.getVat().getFen();
    v.flows[5] = r.getCorporateIncomeTax().getFen();
    v.flows[6] = all;
    v.flows[7] = inPark;
    v.flows[8] = inRegion;
    return v;
  }

  /**
   * DeriveYear. REQUIRES: the periods are of one year, distinct, and given in period order
   * (the caller keeps them sorted by period key, which sorts like PeriodLess). For each period
   * p, with q the latest earlier reported period: basis MONTH: month = value, ytd = ytd(q) +
   * value; basis YEAR_TO_DATE: ytd = value, month = value - ytd(q); levels not cumulated.
   */
  static List<DerivedValues> deriveYear(List<PeriodValues> reported) {
    List<DerivedValues> out = new ArrayList<>(reported.size());
    DerivedValues q = null;
    for (PeriodValues p : reported) {
      DerivedValues d = new DerivedValues(p.key);
      d.level = p.level;
      for (int f = 0; f < FLOW_FIELDS; ++f) {
        final long value = p.flows[f];
        final long previousYtd = q == null ? 0 : q.ytd[f];
        if (p.ytdBasis) {
          d.ytd[f] = value;
          d.month[f] = value - previousYtd;
        } else {
          d.month[f] = value;
          d.ytd[f] = previousYtd + value;
        }
      }
      out.add(d);
      q = d;
    }
    return out;
  }

  private static Money fen(long v) {
    return Money.newBuilder().setFen(v).build();
  }

  static Totals totalsOf(long[] f, long level, boolean output, boolean count) {
    Totals.Builder t = Totals.newBuilder();
    if (output) {
      t.setGrossOutput(fen(f[0])).setSalesOutput(fen(f[1])).setExportDelivery(fen(f[2]))
          .setEmployees(level);
      if (count) t.setOutputReporters(1);
    } else {
      t.setTotalTax(fen(f[3])).setVat(fen(f[4])).setCorporateIncomeTax(fen(f[5]))
          .setPurchases(fen(f[6])).setPurchasesInPark(fen(f[7])).setPurchasesInRegion(fen(f[8]));
      if (count) t.setTaxReporters(1);
    }
    return t.build();
  }

  private static void addMoney(Money.Builder a, Money b, int sign) {
    a.setFen(a.getFen() + sign * b.getFen());
  }

  /** AddTotals: a += sign * b, field by field. */
  static void addTotals(Totals.Builder a, Totals b, int sign) {
    addMoney(a.getGrossOutputBuilder(), b.getGrossOutput(), sign);
    addMoney(a.getSalesOutputBuilder(), b.getSalesOutput(), sign);
    addMoney(a.getExportDeliveryBuilder(), b.getExportDelivery(), sign);
    a.setEmployees(a.getEmployees() + sign * b.getEmployees());
    addMoney(a.getTotalTaxBuilder(), b.getTotalTax(), sign);
    addMoney(a.getVatBuilder(), b.getVat(), sign);
    addMoney(a.getCorporateIncomeTaxBuilder(), b.getCorporateIncomeTax(), sign);
    a.setOutputReporters(a.getOutputReporters() + sign * b.getOutputReporters());
    a.setTaxReporters(a.getTaxReporters() + sign * b.getTaxReporters());
    addMoney(a.getPurchasesBuilder(), b.getPurchases(), sign);
    addMoney(a.getPurchasesInParkBuilder(), b.getPurchasesInPark(), sign);
    addMoney(a.getPurchasesInRegionBuilder(), b.getPurchasesInRegion(), sign);
  }

  static boolean isZero(Totals t) {
    return t.getGrossOutput().getFen() == 0 && t.getSalesOutput().getFen() == 0
        && t.getExportDelivery().getFen() == 0 && t.getEmployees() == 0
        && t.getTotalTax().getFen() == 0 && t.getVat().getFen() == 0
        && t.getCorporateIncomeTax().getFen() == 0 && t.getOutputReporters() == 0
        && t.getTaxReporters() == 0 && t.getPurchases().getFen() == 0
        && t.getPurchasesInPark().getFen() == 0 && t.getPurchasesInRegion().getFen() == 0;
  }

  /**
   * ApplyContribution, park part: adds (sign +1) or removes (sign -1) a contribution to a park
   * aggregate's totals and industry breakdown (industries all zero are dropped). The firm part
   * is applyFirm: this peer keeps firms in their own store (see AggregateProcessor).
   */
  static void applyContribution(ParkAggregate.Builder agg, Contribution c, int sign) {
    addTotals(agg.getMonthBuilder(), c.getMonth(), sign);
    addTotals(agg.getYearToDateBuilder(), c.getYearToDate(), sign);
    IndustryTotals old = agg.getIndustriesMap().get(c.getIndustry());
    IndustryTotals.Builder ind = old == null ? IndustryTotals.newBuilder() : old.toBuilder();
    ind.setIndustry(c.getIndustry());
    addTotals(ind.getMonthBuilder(), c.getMonth(), sign);
    addTotals(ind.getYearToDateBuilder(), c.getYearToDate(), sign);
    if (isZero(ind.getMonth()) && isZero(ind.getYearToDate())) {
      agg.removeIndustries(c.getIndustry());
    } else {
      agg.putIndustries(c.getIndustry(), ind.build());
    }
  }

  /** Whether a contribution touches its enterprise's firm totals (output reports only). */
  static boolean hasFirm(Contribution c) {
    return c.getMonth().getOutputReporters() != 0 && !c.getUscc().isEmpty();
  }

  /**
   * ApplyContribution, firm part: the enterprise's firm totals after adding (+1) or removing
   * (-1) the contribution to `firm` (null: none yet); null when a removal leaves them all zero
   * (the firm is dropped). REQUIRES hasFirm(c).
   */
  static FirmTotals.Builder applyFirm(FirmTotals.Builder firm, Contribution c, int sign) {
    FirmTotals.Builder f = firm == null ? FirmTotals.newBuilder() : firm;
    f.setUscc(c.getUscc());
    if (sign > 0) f.setIndustry(c.getIndustry());
    f.getGrossOutputMonthBuilder().setFen(
        f.getGrossOutputMonth().getFen() + sign * c.getMonth().getGrossOutput().getFen());
    f.getGrossOutputYtdBuilder().setFen(
        f.getGrossOutputYtd().getFen() + sign * c.getYearToDate().getGrossOutput().getFen());
    f.setEmployees(f.getEmployees() + sign * c.getMonth().getEmployees());
    if (sign < 0 && f.getGrossOutputMonth().getFen() == 0 && f.getGrossOutputYtd().getFen() == 0
        && f.getEmployees() == 0) {
      return null;
    }
    return f;
  }

  /**
   * BuildSnapshot: totals, industries by month gross output (largest first, ties by code) with
   * their share of the park's month output, firms by uscc.
   */
  static ParkSnapshot buildSnapshot(String parkId, Period period, ParkAggregate agg,
                                    List<FirmTotals> firms, long computedUnixMs) {
    ParkSnapshot.Builder s = ParkSnapshot.newBuilder()
        .setParkId(parkId)
        .setPeriod(period)
        .setMonth(agg.getMonth())
        .setYearToDate(agg.getYearToDate());
    List<IndustryTotals> inds = new ArrayList<>(agg.getIndustriesMap().values());
    inds.sort((a, b) -> {
      long ga = a.getMonth().getGrossOutput().getFen(), gb = b.getMonth().getGrossOutput().getFen();
      if (ga != gb) return ga > gb ? -1 : 1;
      return a.getIndustry().compareTo(b.getIndustry());
    });
    final double parkOutput = (double) agg.getMonth().getGrossOutput().getFen();
    for (IndustryTotals ind : inds) {
      s.addIndustries(ind.toBuilder().setOutputShare(
          parkOutput > 0 ? ind.getMonth().getGrossOutput().getFen() / parkOutput : 0.0));
    }
    for (FirmTotals f : firms) s.addFirms(f);  // in uscc order (the caller's)
    s.setComputedUnixMs(computedUnixMs);
    s.setSourceOffset(agg.getSourceOffset());
    return s.build();
  }

  /** domain::ParsePeriod for the canonical keys this code writes ("2024-03", "2024-01/02"). */
  static Period parsePeriodKey(String key) {
    final int year = Integer.parseInt(key.substring(0, 4));
    if (key.endsWith("-01/02")) return Period.newBuilder().setYear(year).setMonth(2).setJanFeb(true).build();
    return Period.newBuilder().setYear(year).setMonth(Integer.parseInt(key.substring(5, 7))).build();
  }

  static Map.Entry<String, String> splitParkPeriod(String k) {
    final int bar = k.indexOf('|');
    return Map.entry(k.substring(0, bar), k.substring(bar + 1));
  }
}
