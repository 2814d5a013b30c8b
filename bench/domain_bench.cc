// Throughput of the pure domain code on ingest's path: CSV parsing (cw::domain::ParseCsv),
// conversion of parsed rows to records (cw::domain::ReportsFromCsv), both together, and the
// month <-> year-to-date derivation (cw::domain::DeriveYear), in rows/s (Google Benchmark
// items_per_second). Beside them, the ceiling of "reading" a CSV: splitting the same bytes
// into lines and fields with absl::StrSplit, no quoting, decoding or validation.
//
// The CSVs are generated in memory (deterministic): an output table with English headers
// and a unit column, a tax table with Chinese headers, amounts in 元 with quoted thousands
// separators and supplier lists, and the same output table converted to GBK.
//
// Run alone:  build/bench/domain_bench [--rows=20000] [benchmark flags...]
//
// Not thread-safe; single-threaded benchmarks.
#include <iconv.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "benchmark/benchmark.h"
#include "common/domain/csv.h"
#include "common/domain/derive.h"
#include "common/domain/report_csv.h"

namespace cw::bench {
namespace {

int g_rows = 20000;

std::string Uscc(int i) { return absl::StrFormat("913210%08dXA", 23000000 + i); }

// "1234567.89" with thousands separators: "1,234,567.89".
std::string WithThousands(int64_t fen) {
  std::string whole = absl::StrCat(fen / 100);
  std::string out;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) out += ',';
    out += whole[i];
  }
  return absl::StrFormat("%s.%02d", out, static_cast<int>(fen % 100));
}

std::string OutputCsv(int rows) {
  std::mt19937_64 rng(7);
  std::string csv =
      "uscc,name,park_id,industry,period,basis,unit,gross_output,sales_output,export_delivery,"
      "employees,revision\n";
  for (int i = 0; i < rows; ++i) {
    const int64_t gross = 100'000 + static_cast<int64_t>(rng() % 100'000'000);  // 0.1 千元
    absl::StrAppendFormat(&csv, "%s,宝应华信电子有限公司%d,P321023A,3041,2024-%02d,%s,千元,",
                          Uscc(i), i, 1 + i % 12, i % 3 == 0 ? "ytd" : "month");
    absl::StrAppendFormat(&csv, "%d.%d,%d.%d,%d.%d,%d,1\n", gross / 10, gross % 10,
                          gross * 9 / 100, gross * 9 % 10, gross / 100, gross / 10 % 10,
                          20 + rng() % 3000);
  }
  return csv;
}

std::string TaxCsv(int rows) {
  std::mt19937_64 rng(11);
  std::string csv = "统一社会信用代码,报告期,口径,计量单位,税收总额,增值税,企业所得税,主要供应商\n";
  for (int i = 0; i < rows; ++i) {
    const int64_t tax = 10'000 + static_cast<int64_t>(rng() % 1'000'000'000);  // fen
    absl::StrAppendFormat(&csv, "%s,2024年%d月,本月,元,\"%s\",\"%s\",\"%s\",%s:%d.%02d;%s:%d\n",
                          Uscc(i), 1 + i % 12, WithThousands(tax), WithThousands(tax / 2),
                          WithThousands(tax / 4), Uscc(i + 1), tax / 100, tax % 100,
                          Uscc(i + 2), tax / 300);
  }
  return csv;
}

std::string ToGbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GBK", "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) return "";
  std::string out(utf8.size() * 2, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* dst = out.data();
  size_t dst_left = out.size();
  const size_t rc = iconv(cd, &in, &in_left, &dst, &dst_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) return "";
  out.resize(out.size() - dst_left);
  return out;
}

const std::string& Csv(int which) {
  static const std::string output = OutputCsv(g_rows);
  static const std::string tax = TaxCsv(g_rows);
  static const std::string gbk = ToGbk(output);
  return which == 0 ? output : which == 1 ? tax : gbk;
}

const char* CsvName(int which) { return which == 0 ? "output" : which == 1 ? "tax" : "gbk"; }

// ParseCsv alone.
void BM_ParseCsv(benchmark::State& state) {
  const std::string& csv = Csv(static_cast<int>(state.range(0)));
  state.SetLabel(CsvName(static_cast<int>(state.range(0))));
  int64_t rows = 0;
  for (auto _ : state) {
    auto table = domain::ParseCsv(csv);
    if (!table.ok()) {
      state.SkipWithError(table.status().ToString().c_str());
      return;
    }
    rows += static_cast<int64_t>(table->rows.size());
    benchmark::DoNotOptimize(table);
  }
  state.SetItemsProcessed(rows);
  state.SetBytesProcessed(static_cast<int64_t>(csv.size()) * state.iterations());
}

// ReportsFromCsv over an already parsed table.
void BM_ReportsFromCsv(benchmark::State& state) {
  const std::string& csv = Csv(static_cast<int>(state.range(0)));
  state.SetLabel(CsvName(static_cast<int>(state.range(0))));
  auto table = domain::ParseCsv(csv);
  if (!table.ok()) {
    state.SkipWithError(table.status().ToString().c_str());
    return;
  }
  int64_t rows = 0, errors = 0;
  for (auto _ : state) {
    auto records = domain::ReportsFromCsv(*table);
    if (!records.ok()) {
      state.SkipWithError(records.status().ToString().c_str());
      return;
    }
    rows += static_cast<int64_t>(records->size());
    for (const auto& r : *records) errors += r.has_parse_error() ? 1 : 0;
    benchmark::DoNotOptimize(records);
  }
  state.SetItemsProcessed(rows);
  state.counters["parse_errors"] = benchmark::Counter(static_cast<double>(errors));
}

// What a push costs the client before the network: bytes to records.
void BM_ParseAndConvert(benchmark::State& state) {
  const std::string& csv = Csv(static_cast<int>(state.range(0)));
  state.SetLabel(CsvName(static_cast<int>(state.range(0))));
  int64_t rows = 0;
  for (auto _ : state) {
    auto table = domain::ParseCsv(csv);
    if (!table.ok()) {
      state.SkipWithError(table.status().ToString().c_str());
      return;
    }
    auto records = domain::ReportsFromCsv(*table);
    if (!records.ok()) {
      state.SkipWithError(records.status().ToString().c_str());
      return;
    }
    rows += static_cast<int64_t>(records->size());
    benchmark::DoNotOptimize(records);
  }
  state.SetItemsProcessed(rows);
}

// Baseline: split the same bytes into lines and fields; no quotes, decoding or checks.
void BM_SplitBaseline(benchmark::State& state) {
  const std::string& csv = Csv(static_cast<int>(state.range(0)));
  state.SetLabel(CsvName(static_cast<int>(state.range(0))));
  int64_t rows = 0;
  for (auto _ : state) {
    std::vector<std::vector<std::string>> table;
    for (absl::string_view line : absl::StrSplit(csv, '\n', absl::SkipEmpty())) {
      table.push_back(absl::StrSplit(line, ','));
    }
    rows += static_cast<int64_t>(table.size()) - 1;
    benchmark::DoNotOptimize(table);
  }
  state.SetItemsProcessed(rows);
}

// DeriveYear for one enterprise-year of 12 reported months (items: derived periods).
void BM_DeriveYear(benchmark::State& state) {
  const bool ytd = state.range(0) == 1;
  state.SetLabel(ytd ? "ytd basis" : "month basis");
  std::vector<domain::PeriodValues> year;
  int64_t cumulative = 0;
  for (int m = 12; m >= 1; --m) {  // any order; DeriveYear sorts
    domain::PeriodValues v;
    v.period = {2024, m, false};
    v.ytd_basis = ytd;
    cumulative += 1000 * m;
    v.flows = {ytd ? cumulative : 1000 * m, 900 * m, 100 * m, 50 * m, 30 * m, 10 * m};
    v.level = 100 + m;
    year.push_back(v);
  }
  for (auto _ : state) {
    auto derived = domain::DeriveYear(year);
    benchmark::DoNotOptimize(derived);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(year.size()));
}

BENCHMARK(BM_SplitBaseline)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseCsv)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ReportsFromCsv)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseAndConvert)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DeriveYear)->Arg(0)->Arg(1);

}  // namespace
}  // namespace cw::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg.substr(0, 7) != "--rows=" || !absl::SimpleAtoi(arg.substr(7), &cw::bench::g_rows)) {
      std::fprintf(stderr, "unknown or bad flag %s (own flag: --rows=N)\n", argv[i]);
      return 2;
    }
  }
  if (cw::bench::Csv(2).empty()) {
    std::fprintf(stderr, "iconv cannot convert UTF-8 to GBK on this system\n");
    return 1;
  }
  benchmark::AddCustomContext("rows_per_csv", absl::StrCat(cw::bench::g_rows));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
