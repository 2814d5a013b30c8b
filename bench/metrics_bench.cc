// Cost of the cluster metrics of a park-period, in park-periods per CPU-second (Google
// Benchmark items_per_second, process CPU time), against a baseline in the same binary:
//   LoadInputs         the baseline: LoadParkMetricsInputs alone (store reads and protobuf
//                      decoding of the park, its snapshot, last year's, the previous period,
//                      the reference roll-up and the park's enterprises);
//   LoadAndCompute     what a GetParkMetrics answer costs before gRPC: load, then
//                      ComputeParkMetrics (growth, structure, firms, land, linkage,
//                      completeness, LQ and the stage of every industry), class and division;
//   Compute            ComputeParkMetrics alone on inputs loaded beforehand (the pure part);
//   Specialisation     strong-cluster flags and stars of every park of a period
//                      (LoadIndustryCells + SpecialisationByPark), per park-period;
//   BuildSnapshot      the aggregator's own per-snapshot step (domain::BuildSnapshot of a
//                      ParkAggregate of the same size, serialised), for scale.
//
// Workload (deterministic, seeded): --parks parks (default 20) of --enterprises enterprises
// (default 200) spread over --industries GB/T 4754 classes (default 30, in 12 divisions),
// --periods months of history (default 24: two years, so every period of the second year
// has a same-period-last-year snapshot), with purchases from counterparties in and out of the
// park. The replica store is a MemoryStore filled by the query Materializer from registry
// records and snapshots built with the aggregator's domain::BuildSnapshot, so keys, roll-ups
// and the enterprise index are laid out exactly as in cw-query. Each iteration computes one
// park-period, cycling over the parks × the second year's periods.
//
// Run alone:  build/bench/metrics_bench [--parks=20] [--enterprises=200] [--industries=30]
//             [--periods=24] [benchmark flags...]
// e.g. --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true
//
// Not thread-safe; single-threaded benchmarks.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "benchmark/benchmark.h"
#include "clusterwatch/v1/registry.pb.h"
#include "common/domain/period.h"
#include "common/domain/totals.h"
#include "common/kafka/fake_producer.h"
#include "common/metrics/config.h"
#include "common/metrics/levels.h"
#include "common/store/memory_store.h"
#include "replica/materializer.h"
#include "replica/park_metrics.h"

namespace cw::bench {
namespace {

namespace pb = clusterwatch::v1;

struct WorkloadOptions {
  int parks = 20;
  int enterprises_per_park = 200;
  int industries = 30;
  int periods = 24;  // months of history from January of the first year
  uint64_t seed = 20243;
};

constexpr int kFirstYear = 2023;

std::string ParkId(int p) { return absl::StrFormat("P%06dA", 320000 + p); }
std::string Uscc(int p, int i) { return absl::StrFormat("91%06d%08dXA", 320000 + p, i); }
// Counties in three provinces and several prefectures, so that references differ.
std::string County(int p) {
  static constexpr const char* kCounties[] = {"321282", "321023", "321281", "222401",
                                              "222403", "421003", "320115"};
  return kCounties[p % 7];
}
// Classes of 12 manufacturing divisions (30, 33, 34, 36, 37, 38, 39, 26, 27, 17, 22, 29).
std::string Industry(int k) {
  static constexpr const char* kDivisions[] = {"30", "33", "34", "36", "37", "38",
                                               "39", "26", "27", "17", "22", "29"};
  return absl::StrFormat("%s%02d", kDivisions[k % 12], 10 + k / 12);
}
domain::Period PeriodAt(int i) { return {kFirstYear + i / 12, i % 12 + 1, false}; }

struct Workload {
  store::MemoryStore store;
  std::vector<std::pair<std::string, domain::Period>> targets;  // second-year park-periods
  std::vector<pb::ParkAggregate> aggregates;  // one per park (last period), for BuildSnapshot
  std::vector<domain::Period> second_year;
};

std::unique_ptr<Workload> Build(const WorkloadOptions& o) {
  auto w = std::make_unique<Workload>();
  std::mt19937_64 rng(o.seed);
  kafka::FakeProducer dead_letters;
  kafka::Topics topics;
  replica::Materializer materializer(w->store, dead_letters, topics);
  std::vector<kafka::Message> registry;
  int64_t offset = 0;
  auto message = [&](const std::string& topic, const std::string& key, std::string value) {
    return kafka::Message{topic, 0, offset++, key, std::move(value), 0};
  };
  struct Firm {
    std::string uscc;
    std::string industry;
    int64_t monthly_fen;
    int64_t employees;
  };
  std::vector<std::vector<Firm>> firms(o.parks);
  for (int p = 0; p < o.parks; ++p) {
    pb::RegistryRecord park;
    park.mutable_park()->set_id(ParkId(p));
    park.mutable_park()->set_name(absl::StrCat("园区", p));
    park.mutable_park()->set_county_code(County(p));
    park.mutable_park()->set_area_mu(15000 + 1000 * p);
    park.mutable_park()->add_leading_industries(Industry(p % o.industries));
    park.mutable_park()->add_leading_industries(Industry((p + 5) % o.industries).substr(0, 2));
    registry.push_back(message(topics.registry, "park|" + ParkId(p), park.SerializeAsString()));
    for (int i = 0; i < o.enterprises_per_park; ++i) {
      // A skewed size distribution: a few large firms, many small ones.
      const int64_t size = 200'000'000 / (1 + i) + static_cast<int64_t>(rng() % 5'000'000);
      Firm f{Uscc(p, i), Industry((p * 7 + i) % o.industries), size,
             20 + static_cast<int64_t>(rng() % 800)};
      firms[p].push_back(f);
      pb::RegistryRecord e;
      e.mutable_enterprise()->set_uscc(f.uscc);
      e.mutable_enterprise()->set_name(absl::StrCat("企业", p, "-", i));
      e.mutable_enterprise()->set_park_id(ParkId(p));
      e.mutable_enterprise()->set_industry(f.industry);
      e.mutable_enterprise()->set_above_size(size * 12 >= 2'000'000'000);
      registry.push_back(message(topics.registry, "ent|" + f.uscc, e.SerializeAsString()));
    }
  }
  if (auto s = materializer.Apply(registry); !s.ok()) {
    std::fprintf(stderr, "registry: %s\n", s.ToString().c_str());
    std::abort();
  }
  w->aggregates.resize(o.parks);
  for (int p = 0; p < o.parks; ++p) {
    std::vector<kafka::Message> snapshots;
    std::map<std::string, int64_t> ytd;  // per firm, reset each January
    for (int t = 0; t < o.periods; ++t) {
      const domain::Period period = PeriodAt(t);
      if (period.month == 1) ytd.clear();
      pb::ParkAggregate agg;
      for (const Firm& f : firms[p]) {
        const int64_t month = f.monthly_fen + (t * 7919 + f.monthly_fen % 997) % 400'000;
        ytd[f.uscc] += month;
        pb::Contribution c;
        c.set_uscc(f.uscc);
        c.set_park_id(ParkId(p));
        c.set_industry(f.industry);
        c.mutable_month()->mutable_gross_output()->set_fen(month);
        c.mutable_month()->set_employees(f.employees);
        c.mutable_month()->set_output_reporters(1);
        c.mutable_year_to_date()->mutable_gross_output()->set_fen(ytd[f.uscc]);
        c.mutable_year_to_date()->set_employees(f.employees);
        c.mutable_year_to_date()->set_output_reporters(1);
        domain::ApplyContribution(agg, c, 1);
        pb::Contribution tax;
        tax.set_park_id(ParkId(p));
        tax.set_industry(f.industry);
        for (pb::Totals* x : {tax.mutable_month(), tax.mutable_year_to_date()}) {
          const int64_t base = x == tax.mutable_month() ? month : ytd[f.uscc];
          x->mutable_total_tax()->set_fen(base / 17);
          x->mutable_vat()->set_fen(base / 30);
          x->mutable_purchases()->set_fen(base / 4);
          x->mutable_purchases_in_park()->set_fen(base / 12);
          x->mutable_purchases_in_region()->set_fen(base / 7);
          x->set_tax_reporters(1);
        }
        domain::ApplyContribution(agg, tax, 1);
      }
      agg.set_source_offset(t);
      pb::ParkSnapshot s = domain::BuildSnapshot(ParkId(p), period, agg, 1'700'000'000'000 + t);
      snapshots.push_back(message(topics.park_metrics, ParkId(p) + "|" + period.Key(),
                                  s.SerializeAsString()));
      if (t >= o.periods - 12) w->targets.emplace_back(ParkId(p), period);
      if (t == o.periods - 1) w->aggregates[p] = agg;
    }
    if (auto s = materializer.Apply(snapshots); !s.ok()) {
      std::fprintf(stderr, "snapshots: %s\n", s.ToString().c_str());
      std::abort();
    }
  }
  for (int t = std::max(0, o.periods - 12); t < o.periods; ++t) {
    w->second_year.push_back(PeriodAt(t));
  }
  return w;
}

const Workload* g_workload = nullptr;
const metrics::MetricsConfig kConfig{};

void Check(benchmark::State& state, const absl::Status& s) {
  if (!s.ok()) state.SkipWithError(s.ToString().c_str());
}

// The baseline: read and decode the inputs of one park-period.
void BM_LoadInputs(benchmark::State& state) {
  auto& store = const_cast<store::MemoryStore&>(g_workload->store);
  size_t next = 0;
  for (auto _ : state) {
    const auto& [park, period] = g_workload->targets[next++ % g_workload->targets.size()];
    auto in = replica::LoadParkMetricsInputs(store, park, period, pb::REFERENCE_SCOPE_SYSTEM);
    if (!in.ok()) return Check(state, in.status());
    benchmark::DoNotOptimize(in->snapshot.industries_size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Load and compute every metric of one park-period at `level` (arg 0 class, 1 division).
void BM_LoadAndCompute(benchmark::State& state) {
  auto& store = const_cast<store::MemoryStore&>(g_workload->store);
  const auto level = state.range(0) == 0 ? metrics::IndustryLevel::kClass
                                         : metrics::IndustryLevel::kDivision;
  size_t next = 0, industries = 0;
  for (auto _ : state) {
    const auto& [park, period] = g_workload->targets[next++ % g_workload->targets.size()];
    auto in = replica::LoadParkMetricsInputs(store, park, period, pb::REFERENCE_SCOPE_SYSTEM);
    if (!in.ok()) return Check(state, in.status());
    in->level = level;
    auto m = replica::ComputeParkMetrics(*in, kConfig);
    if (!m.ok()) return Check(state, m.status());
    industries += static_cast<size_t>(m->industry_metrics_size());
    benchmark::DoNotOptimize(m->hhi());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["industries"] = benchmark::Counter(static_cast<double>(industries),
                                                    benchmark::Counter::kAvgIterations);
}

// ComputeParkMetrics alone, on inputs loaded before the timed loop.
void BM_Compute(benchmark::State& state) {
  auto& store = const_cast<store::MemoryStore&>(g_workload->store);
  const auto level = state.range(0) == 0 ? metrics::IndustryLevel::kClass
                                         : metrics::IndustryLevel::kDivision;
  std::vector<replica::ParkMetricsInputs> inputs;
  for (const auto& [park, period] : g_workload->targets) {
    auto in = replica::LoadParkMetricsInputs(store, park, period, pb::REFERENCE_SCOPE_SYSTEM);
    if (!in.ok()) return Check(state, in.status());
    in->level = level;
    inputs.push_back(std::move(*in));
  }
  size_t next = 0;
  for (auto _ : state) {
    auto m = replica::ComputeParkMetrics(inputs[next++ % inputs.size()], kConfig);
    if (!m.ok()) return Check(state, m.status());
    benchmark::DoNotOptimize(m->hhi());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Strong-cluster flags and stars of every park of one period against the province; one
// item per park-period assessed.
void BM_Specialisation(benchmark::State& state) {
  auto& store = const_cast<store::MemoryStore&>(g_workload->store);
  const auto level = state.range(0) == 0 ? metrics::IndustryLevel::kClass
                                         : metrics::IndustryLevel::kDivision;
  std::vector<pb::Park> parks;
  auto s = store.Scan("p|", [&](std::string_view, std::string_view v) {
    parks.emplace_back().ParseFromArray(v.data(), static_cast<int>(v.size()));
    return true;
  });
  if (!s.ok()) return Check(state, s);
  size_t next = 0;
  int64_t items = 0;
  for (auto _ : state) {
    const auto& period = g_workload->second_year[next++ % g_workload->second_year.size()];
    auto cells = replica::LoadIndustryCells(store, period, level);
    if (!cells.ok()) return Check(state, cells.status());
    auto spec = replica::SpecialisationByPark(*cells, parks, pb::REFERENCE_SCOPE_PROVINCE,
                                            kConfig.specialisation);
    if (!spec.ok()) return Check(state, spec.status());
    items += static_cast<int64_t>(spec->size());
  }
  state.SetItemsProcessed(items);
}

// The aggregator's per-snapshot step for a park of the same size: build and serialise.
void BM_BuildSnapshot(benchmark::State& state) {
  size_t next = 0;
  const domain::Period period = g_workload->second_year.back();
  for (auto _ : state) {
    const auto& agg = g_workload->aggregates[next++ % g_workload->aggregates.size()];
    pb::ParkSnapshot s = domain::BuildSnapshot("P", period, agg, 1);
    benchmark::DoNotOptimize(s.SerializeAsString());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

bool ParseWorkloadFlag(const std::string& arg, WorkloadOptions& o) {
  auto value = [&](const std::string& name, std::string* out) {
    const std::string prefix = absl::StrCat("--", name, "=");
    if (arg.rfind(prefix, 0) != 0) return false;
    *out = arg.substr(prefix.size());
    return true;
  };
  std::string v;
  if (value("parks", &v)) return absl::SimpleAtoi(v, &o.parks) && o.parks > 0;
  if (value("enterprises", &v)) {
    return absl::SimpleAtoi(v, &o.enterprises_per_park) && o.enterprises_per_park > 0;
  }
  if (value("industries", &v)) {
    return absl::SimpleAtoi(v, &o.industries) && o.industries > 0 && o.industries <= 12 * 89;
  }
  if (value("periods", &v)) return absl::SimpleAtoi(v, &o.periods) && o.periods >= 13;
  return false;
}

}  // namespace
}  // namespace cw::bench

int main(int argc, char** argv) {
  using namespace cw::bench;
  WorkloadOptions o;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--parks=", 0) == 0 || arg.rfind("--enterprises=", 0) == 0 ||
        arg.rfind("--industries=", 0) == 0 || arg.rfind("--periods=", 0) == 0) {
      if (!ParseWorkloadFlag(arg, o)) {
        std::fprintf(stderr, "bad workload flag %s (parks, enterprises, industries > 0; "
                             "periods >= 13)\n", argv[i]);
        return 2;
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  auto workload = Build(o);
  g_workload = workload.get();
  std::fprintf(stderr, "workload: %d parks x %d enterprises, %d industries, %d periods; %zu "
                       "park-periods cycled\n",
               o.parks, o.enterprises_per_park, o.industries, o.periods,
               workload->targets.size());
  benchmark::RegisterBenchmark("LoadInputs", BM_LoadInputs)->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("LoadAndCompute", BM_LoadAndCompute)
      ->ArgName("division")
      ->Arg(0)
      ->Arg(1)
      ->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("Compute", BM_Compute)
      ->ArgName("division")
      ->Arg(0)
      ->Arg(1)
      ->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("Specialisation", BM_Specialisation)
      ->ArgName("division")
      ->Arg(0)
      ->Arg(1)
      ->MeasureProcessCPUTime();
  benchmark::RegisterBenchmark("BuildSnapshot", BM_BuildSnapshot)->MeasureProcessCPUTime();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
