// A synthetic, national-scale clusterwatch workload: development zones over real GB/T 2260
// regions, above-size manufacturers over real GB/T 4754-2017 classes with log-normal sizes,
// and their monthly output and tax reports (January–February combined, seasonality,
// per-park growth or decline, year-to-date reporters, revisions and late reports) as the
// ReportEnvelopes cw-ingest would write to the reports topic. Pure: no Kafka, gRPC or file
// I/O; bench/national_load.cc produces the envelopes and writes the expected totals.
//
// Determinism: the registry is drawn from std::mt19937_64 (whose sequence the C++ standard
// fixes) and every report figure from a SplitMix64 hash of (seed, enterprise, kind, year,
// period), with integer and fixed-point arithmetic only (no floating point anywhere), so the
// same Options give byte-identical envelopes on every platform and standard library, and any
// year can be generated without generating the ones before it.
//
// What the data are (docs/performance.md, "National-scale run", has the numbers):
//   - parks: Options::parks (default 2,543, the 2018 catalogue's national and provincial
//     development zones), spread over provinces by rough industrial weight and over real
//     prefectures (bench/national/tables.h says which county digits are synthetic);
//     each park has 2–5 leading divisions holding ~80 % of its firms, and a trend (annual
//     log-growth between −12 % and +18 %);
//   - enterprises: Options::enterprises (default 483,000 above-size firms), log-normal
//     ordinary-month gross output (median 10 M yuan, σ = 1.1, floor 1.7 M yuan: the
//     above-size threshold of 20 M yuan a year), valid USCCs whose region digits are the
//     park's county, 1–3 invoice suppliers (in the park, elsewhere in the prefecture, or
//     unregistered sellers elsewhere);
//   - reports: per enterprise, kind (output, tax) and period (1-2月, then March..December:
//     11 a year) one report; Options::ytd_share_pm of the enterprises report year-to-date
//     figures; Options::revision_pm of the reports are first sent with a preliminary figure
//     and followed by revision 2 with the final one; Options::late_pm are delivered after
//     the next period's reports.
//
// Thread-safety: a built National is immutable; its const methods may be called from any
// number of threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "clusterwatch/v1/registry.pb.h"
#include "clusterwatch/v1/reports.pb.h"
#include "common/domain/period.h"

namespace cw::national {

inline constexpr int kPeriodsPerYear = 11;  // 1-2月, then March .. December

struct Options {
  uint64_t seed = 2543;
  int64_t parks = 2543;
  int64_t enterprises = 483'000;
  // Parks and enterprises are multiplied by scale_ppm / 1,000,000 (at least one of each, and
  // at least one enterprise per park).
  int64_t scale_ppm = 1'000'000;
  int first_year = 2024;       // trends start in January of this year
  int ytd_share_pm = 300;      // enterprises reporting year-to-date figures, per mille
  int revision_pm = 20;        // reports followed by a revision 2, per mille
  int late_pm = 20;            // reports delivered after the next period's, per mille
};

// Parses a non-negative decimal scale ("1", "0.25", "2.5") exactly into parts per million.
// Fails with kInvalidArgument for anything else, for more than six decimals, or for zero.
absl::StatusOr<int64_t> ParseScalePpm(std::string_view text);

struct Supplier {
  std::string uscc;
  int64_t share_pm = 0;  // purchases from it per mille of the buyer's gross output
  // Where the seller is registered (as ingest annotates counterparties); empty when the
  // seller is outside every park.
  std::string park_id;
  std::string county;
};

struct Park {
  std::string id;       // "N<county>-<nn>"
  std::string name;
  std::string county;   // GB/T 2260 six-digit code
  int64_t area_mu = 0;
  bool national_level = false;
  std::vector<std::string> leading_divisions;  // 2–5 GB/T 4754 divisions
  int64_t trend_milli = 0;  // annual log-growth in thousandths (−120 .. +180)
  uint32_t first_enterprise = 0;  // its enterprises are [first, first + count)
  uint32_t enterprise_count = 0;
};

struct Enterprise {
  std::string uscc;
  uint32_t park = 0;        // index into parks()
  std::string industry;     // GB/T 4754-2017 four-digit class
  int64_t base_month_fen = 0;  // ordinary-month gross output in January of first_year
  int64_t trend_milli = 0;     // the park's trend plus the firm's own deviation
  bool ytd_basis = false;
  int64_t sales_pm = 0, export_pm = 0;
  int64_t vat_pm = 0, cit_pm = 0, other_tax_pm = 0;
  int64_t employees = 0;
  std::vector<Supplier> suppliers;
};

// The final (true) figures of one enterprise in one period, in fen; month values.
struct OutputFigures {
  int64_t gross = 0, sales = 0, exports = 0, employees = 0;
};
struct TaxFigures {
  int64_t total = 0, vat = 0, cit = 0;
  std::vector<int64_t> purchases;  // aligned with Enterprise::suppliers
};

// The period of index w (0..10) of a year: 0 is 1-2月, then March..December.
domain::Period PeriodAt(int year, int w);

class National {
 public:
  // Builds the registry. Fails with kInvalidArgument when a count, share or the year is out
  // of range (parks 1..100,000; enterprises 1..50,000,000; shares 0..1000; year 2000..2090).
  static absl::StatusOr<National> Build(const Options& options);

  const Options& options() const { return options_; }
  const std::vector<Park>& parks() const { return parks_; }
  const std::vector<Enterprise>& enterprises() const { return enterprises_; }
  // Unregistered sellers (counterparties outside every park).
  const std::vector<std::string>& outside_sellers() const { return outside_; }

  // Registry records, as `clusterctl registry` would load them.
  clusterwatch::v1::Park ParkRecord(size_t park) const;
  clusterwatch::v1::Enterprise EnterpriseRecord(size_t enterprise) const;

  // The final month figures of enterprise e in period w (0..10) of `year`.
  OutputFigures Output(size_t e, int year, int w) const;
  TaxFigures Tax(size_t e, int year, int w) const;
  // Whether the report of (e, kind, year, w) is first sent with a preliminary figure and
  // revised, and whether it is delivered late.
  bool Revised(size_t e, bool tax, int year, int w) const;
  bool Late(size_t e, bool tax, int year, int w) const;

  // Every report envelope of `year` in delivery order, with the park id (the topic key):
  // for each period, each park's output then tax reports (revision 1, late ones held back),
  // then the previous period's late reports and revisions 2; after December the rest.
  // Provenance as ingest sets it: bureau "bureau-<county>", a submission id per park, kind
  // and delivery, received_unix_ms the delivery's time (deterministic), line the index in
  // the submission. `sink` may keep the envelope only by copying it.
  void ForEachReport(int year, absl::FunctionRef<void(const std::string& park_id,
                                                      const clusterwatch::v1::ReportEnvelope&)>
                                   sink) const;
  // How many envelopes ForEachReport(year) gives: enterprises × 11 × 2 + revisions.
  int64_t ReportsInYear(int year) const;

 private:
  explicit National(const Options& o) : options_(o) {}
  uint64_t Hash(uint64_t tag, size_t e, int year, int w) const;

  Options options_;
  std::vector<Park> parks_;
  std::vector<Enterprise> enterprises_;
  std::vector<std::string> outside_;
};

// The expected snapshot figures of one park-period, from the final figures directly (sums of
// month values, year-to-date as the running sum; every enterprise reports every period).
struct ExpectedTotals {
  std::string park_id;
  std::string period_key;  // domain::Period::Key(), e.g. "2024-01/02"
  int64_t month_gross = 0, month_tax = 0;
  int64_t ytd_gross = 0, ytd_tax = 0;
  int64_t output_reporters = 0, tax_reporters = 0;
};

// One entry per park and period of `year`, parks in order, periods in order.
std::vector<ExpectedTotals> ExpectedYear(const National& n, int year);

}  // namespace cw::national
