// Throughput of the aggregator core, both stages chained in memory
// (cw::aggregator::ChainedStages::ProcessBatch: enterprise stage, then park stage), in reports/s
// (Google Benchmark items_per_second), over store::MemoryStore and store::RocksDbStore (in a
// temporary directory), with a kafka::FakeProducer standing in for Kafka. Beside it, in the
// same binary and on the same messages, the no-state ceiling: a "raw" loop that only decodes
// the ReportEnvelope protobufs and sums them into a std::unordered_map.
//
// Workload (deterministic, seeded): one year of monthly reports of ~100 parks x ~50
// enterprises x 12 periods, an output and a tax report each (120k messages at the default
// size), in period order, plus a share of revisions of the previous period (revision 2) and
// of retried pushes (exact duplicates). A third of the enterprises report year-to-date
// values. One benchmark iteration is one batch; the iteration count is fixed so that every
// run applies exactly one whole year from an empty store (later months cost more than early
// ones: each touched enterprise-year is re-derived from all its periods so far).
// items_per_second is per CPU-second of the whole process (all threads, so RocksDB's
// background flushes count), which a busy shared machine disturbs far less than wall time;
// the wall time per batch is reported beside it.
//
// Run alone:  build/bench/aggregator_bench [--parks=100] [--enterprises=50] [--periods=12]
//             [--revision_share=0.05] [--duplicate_share=0.01] [benchmark flags...]
// e.g. --benchmark_filter=Memory --benchmark_repetitions=3
//      --benchmark_enable_random_interleaving=true
//
// Not thread-safe; single-threaded benchmarks.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "aggregator/chained_stages.h"
#include "benchmark/benchmark.h"
#include "clusterwatch/v1/reports.pb.h"
#include "common/domain/codes.h"
#include "common/domain/period.h"
#include "common/domain/totals.h"
#include "common/kafka/fake_producer.h"
#include "common/store/memory_store.h"
#include "common/store/rocksdb_store.h"
#include "prometheus/registry.h"

namespace cw::bench {
namespace {

namespace pb = clusterwatch::v1;

struct WorkloadOptions {
  int parks = 100;
  int enterprises_per_park = 50;
  int periods = 12;               // months 1..periods of one year
  double revision_share = 0.05;   // of each period's reports, revised in the next period
  double duplicate_share = 0.01;  // of each period's reports, re-sent by a retried push
  uint64_t seed = 20241;
};

constexpr int kPartitions = 4;
constexpr int kYear = 2024;
constexpr int64_t kReceivedStartMs = 1'704'067'200'000;  // 2024-01-01

// A valid USCC (check character computed) for enterprise `i` of park `p`: the aggregator
// refuses what ingest would refuse.
std::string Uscc(int p, int i) {
  const std::string first17 = absl::StrFormat("91%06d%08dX", 320000 + p, i);
  return first17 + *domain::UsccCheckChar(first17);
}
std::string ParkId(int p) { return absl::StrFormat("P%06dA", 320000 + p); }

struct Enterprise {
  std::string uscc;
  std::string industry;
  bool ytd_basis;
  int64_t base_fen;  // typical monthly gross output
  int64_t employees;
};

class WorkloadBuilder {
 public:
  explicit WorkloadBuilder(const WorkloadOptions& o) : o_(o), rng_(o.seed) {}

  std::vector<kafka::Message> Build() {
    static constexpr std::array<const char*, 10> kIndustries = {
        "3041", "3051", "3061", "2740", "3660", "3731", "1353", "2021", "3982", "1512"};
    std::vector<std::vector<Enterprise>> parks(o_.parks);
    for (int p = 0; p < o_.parks; ++p) {
      for (int i = 0; i < o_.enterprises_per_park; ++i) {
        parks[p].push_back({Uscc(p, i), kIndustries[(p * 3 + i % 7) % kIndustries.size()],
                            i % 3 == 0, 1'000'000 + static_cast<int64_t>(rng_() % 90'000'000),
                            20 + static_cast<int64_t>(rng_() % 2000)});
      }
    }
    std::vector<int> park_order(o_.parks);
    for (int p = 0; p < o_.parks; ++p) park_order[p] = p;
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int month = 1; month <= o_.periods; ++month) {
      std::shuffle(park_order.begin(), park_order.end(), rng_);
      for (int p : park_order) {
        for (int i = 0; i < o_.enterprises_per_park; ++i) {
          const Enterprise& e = parks[p][i];
          for (bool output : {true, false}) {
            const std::string sub = absl::StrCat("sub-", p, "-", month, output ? "-o" : "-t");
            Emit(p, e, output, month, 1, sub, 0);
            if (u(rng_) < o_.duplicate_share) Emit(p, e, output, month, 1, sub, 0);
            if (month > 1 && u(rng_) < o_.revision_share) {
              Emit(p, e, output, month - 1, 2, absl::StrCat("rev-", p, "-", month), 37);
            }
          }
        }
      }
    }
    return std::move(messages_);
  }

 private:
  // Appends one report message of enterprise `e` (park `p`) for `month`.
  void Emit(int p, const Enterprise& e, bool output, int month, int revision,
            const std::string& submission, int64_t revised_delta) {
    pb::ReportEnvelope env;
    pb::Period* period;
    // Month values are deterministic per (enterprise, month) so that a year-to-date basis
    // can state the cumulative sum.
    auto month_value = [&](int m) { return e.base_fen + (m * 7919 + e.base_fen % 1000) % 50'000; };
    int64_t value = 0;
    if (e.ytd_basis) {
      for (int m = 1; m <= month; ++m) value += month_value(m);
    } else {
      value = month_value(month);
    }
    value += revised_delta;
    const auto basis = e.ytd_basis ? pb::VALUE_BASIS_YEAR_TO_DATE : pb::VALUE_BASIS_MONTH;
    if (output) {
      auto* r = env.mutable_output();
      r->set_uscc(e.uscc);
      r->set_park_id(ParkId(p));
      r->set_industry(e.industry);
      period = r->mutable_period();
      r->set_basis(basis);
      r->mutable_gross_output()->set_fen(value);
      r->mutable_sales_output()->set_fen(value - value / 20);
      r->mutable_export_delivery()->set_fen(value / 10);
      r->set_employees(e.employees);
      r->set_revision(revision);
    } else {
      auto* r = env.mutable_tax();
      r->set_uscc(e.uscc);
      r->set_park_id(ParkId(p));
      r->set_industry(e.industry);
      period = r->mutable_period();
      r->set_basis(basis);
      r->mutable_total_tax()->set_fen(value / 17);
      r->mutable_vat()->set_fen(value / 30);
      r->mutable_corporate_income_tax()->set_fen(value / 60);
      auto* cp = r->add_counterparties();
      cp->set_uscc(Uscc((p + 1) % o_.parks, 0));
      cp->mutable_purchases()->set_fen(value / 4);
      r->set_revision(revision);
    }
    period->set_year(kYear);
    period->set_month(month);
    auto* prov = env.mutable_provenance();
    prov->set_source_bureau(absl::StrCat("bureau-", 320000 + p));
    prov->set_submission_id(submission);
    prov->set_received_unix_ms(kReceivedStartMs + static_cast<int64_t>(messages_.size()));
    prov->set_line(static_cast<int64_t>(messages_.size()) + 1);

    kafka::Message m;
    m.topic = "cw.reports.v1";
    m.partition = p % kPartitions;
    m.offset = next_offset_[m.partition]++;
    m.key = ParkId(p);
    m.value = env.SerializeAsString();
    m.timestamp_ms = prov->received_unix_ms();
    messages_.push_back(std::move(m));
  }

  WorkloadOptions o_;
  std::mt19937_64 rng_;
  std::array<int64_t, kPartitions> next_offset_{};
  std::vector<kafka::Message> messages_;
};

// The year of messages cut into consecutive batches of `size`.
std::vector<std::vector<kafka::Message>> Batches(const std::vector<kafka::Message>& all,
                                                 size_t size) {
  std::vector<std::vector<kafka::Message>> out;
  for (size_t i = 0; i < all.size(); i += size) {
    out.emplace_back(all.begin() + static_cast<ptrdiff_t>(i),
                     all.begin() + static_cast<ptrdiff_t>(std::min(all.size(), i + size)));
  }
  return out;
}

enum class StoreKind { kMemory, kRocksDb };

// One aggregator over a fresh, empty store. A RocksDB store lives in a temporary directory
// removed on destruction.
class Pipeline {
 public:
  explicit Pipeline(StoreKind kind) {
    if (kind == StoreKind::kMemory) {
      store_ = std::make_unique<store::MemoryStore>();
    } else {
      std::string tmpl = (std::filesystem::temp_directory_path() / "cw-aggbench-XXXXXX").string();
      if (mkdtemp(tmpl.data()) == nullptr) {
        std::perror("mkdtemp");
        std::abort();
      }
      dir_ = tmpl;
      store::RocksDbOptions o;  // the service defaults (64 MiB cache, 32 MiB memtables)
      o.path = dir_ + "/db";
      auto s = store::RocksDbStore::Open(o);
      if (!s.ok()) {
        std::fprintf(stderr, "rocksdb open: %s\n", s.status().ToString().c_str());
        std::abort();
      }
      store_ = std::move(*s);
    }
    aggregator_ = std::make_unique<aggregator::ChainedStages>(*store_, producer_, clock_,
                                                              topics_, registry_);
  }
  ~Pipeline() {
    aggregator_.reset();
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  aggregator::ChainedStages& aggregator() { return *aggregator_; }
  kafka::FakeProducer& producer() { return producer_; }

 private:
  std::string dir_;
  prometheus::Registry registry_;
  kafka::FakeProducer producer_;
  obs::FakeClock clock_;
  kafka::Topics topics_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<aggregator::ChainedStages> aggregator_;
};

const std::vector<kafka::Message>* g_workload = nullptr;

// ChainedStages::ProcessBatch over one whole year, one batch per iteration.
void BM_ProcessBatch(benchmark::State& state, StoreKind kind) {
  const auto batches = Batches(*g_workload, static_cast<size_t>(state.range(0)));
  auto pipeline = std::make_unique<Pipeline>(kind);
  size_t next = 0;
  int64_t items = 0, applied = 0, snapshots = 0;
  for (auto _ : state) {
    if (next == batches.size()) {  // only when run with more iterations than a year
      state.PauseTiming();
      pipeline.reset();
      pipeline = std::make_unique<Pipeline>(kind);
      next = 0;
      state.ResumeTiming();
    }
    auto r = pipeline->aggregator().ProcessBatch(batches[next]);
    if (!r.ok()) {
      state.SkipWithError(r.status().ToString().c_str());
      break;
    }
    items += static_cast<int64_t>(batches[next].size());
    applied += r->applied;
    snapshots += r->snapshots_published;
    ++next;
    state.PauseTiming();
    pipeline->producer().Clear_ForTest();  // the fake keeps what it was sent
    state.ResumeTiming();
  }
  state.SetItemsProcessed(items);
  state.counters["applied_share"] =
      benchmark::Counter(items ? static_cast<double>(applied) / items : 0);
  state.counters["snapshots_per_batch"] =
      benchmark::Counter(static_cast<double>(snapshots), benchmark::Counter::kAvgIterations);
  pipeline.reset();  // after the timed loop: RocksDB close and directory removal not timed
}

// The no-state ceiling: decode every envelope and sum its money into park|period totals.
void BM_RawDecodeSum(benchmark::State& state) {
  const auto batches = Batches(*g_workload, static_cast<size_t>(state.range(0)));
  std::unordered_map<std::string, std::array<int64_t, 8>> sums;
  size_t next = 0;
  int64_t items = 0;
  for (auto _ : state) {
    if (next == batches.size()) {
      sums.clear();
      next = 0;
    }
    for (const auto& m : batches[next]) {
      pb::ReportEnvelope env;
      if (!env.ParseFromString(m.value)) {
        state.SkipWithError("undecodable message");
        return;
      }
      if (env.has_output()) {
        const auto& r = env.output();
        auto& s = sums[absl::StrCat(r.park_id(), "|", domain::FromProto(r.period()).Key())];
        s[0] += r.gross_output().fen();
        s[1] += r.sales_output().fen();
        s[2] += r.export_delivery().fen();
        s[3] += r.employees();
      } else {
        const auto& r = env.tax();
        auto& s = sums[absl::StrCat(r.park_id(), "|", domain::FromProto(r.period()).Key())];
        s[4] += r.total_tax().fen();
        s[5] += r.vat().fen();
        s[6] += r.corporate_income_tax().fen();
        s[7] += 1;
      }
    }
    benchmark::DoNotOptimize(sums);
    items += static_cast<int64_t>(batches[next].size());
    ++next;
  }
  state.SetItemsProcessed(items);
}

// Parses --name=value for our own workload flags; false when `arg` is not one of them.
bool ParseWorkloadFlag(absl::string_view arg, WorkloadOptions& o) {
  auto value = [&](absl::string_view name, absl::string_view* out) {
    const std::string prefix = absl::StrCat("--", name, "=");
    if (arg.substr(0, prefix.size()) != prefix) return false;
    *out = arg.substr(prefix.size());
    return true;
  };
  absl::string_view v;
  if (value("parks", &v)) return absl::SimpleAtoi(v, &o.parks);
  if (value("enterprises", &v)) return absl::SimpleAtoi(v, &o.enterprises_per_park);
  if (value("periods", &v)) return absl::SimpleAtoi(v, &o.periods) && o.periods <= 12;
  if (value("revision_share", &v)) return absl::SimpleAtod(v, &o.revision_share);
  if (value("duplicate_share", &v)) return absl::SimpleAtod(v, &o.duplicate_share);
  return false;
}

}  // namespace
}  // namespace cw::bench

int main(int argc, char** argv) {
  using namespace cw::bench;
  benchmark::Initialize(&argc, argv);
  WorkloadOptions options;
  for (int i = 1; i < argc; ++i) {
    if (!ParseWorkloadFlag(argv[i], options)) {
      std::fprintf(stderr,
                   "unknown or bad flag %s (own flags: --parks= --enterprises= --periods= "
                   "--revision_share= --duplicate_share=)\n",
                   argv[i]);
      return 2;
    }
  }
  static const std::vector<cw::kafka::Message> workload = WorkloadBuilder(options).Build();
  g_workload = &workload;
  benchmark::AddCustomContext(
      "workload", absl::StrFormat("%d parks x %d enterprises x %d periods x {output,tax}, "
                                  "%.0f%% revisions, %.0f%% duplicates: %d messages",
                                  options.parks, options.enterprises_per_park, options.periods,
                                  options.revision_share * 100, options.duplicate_share * 100,
                                  workload.size()));
  for (int64_t batch : {1000, 5000}) {
    // Exactly one year per run: every run starts from an empty store.
    const int64_t iterations =
        (static_cast<int64_t>(workload.size()) + batch - 1) / batch;
    benchmark::RegisterBenchmark("BM_RawDecodeSum", BM_RawDecodeSum)
        ->Arg(batch)
        ->Iterations(iterations)
        ->MeasureProcessCPUTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_ProcessBatch/Memory", BM_ProcessBatch, StoreKind::kMemory)
        ->Arg(batch)
        ->Iterations(iterations)
        ->MeasureProcessCPUTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_ProcessBatch/RocksDb", BM_ProcessBatch,
                                 StoreKind::kRocksDb)
        ->Arg(batch)
        ->Iterations(iterations)
        ->MeasureProcessCPUTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
