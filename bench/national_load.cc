// national_load: fills a reports topic with the synthetic national workload
// (bench/national/national.h) and checks what the aggregator made of it.
//
//   --mode=produce   generates --years years from --first_year and produces every envelope
//                    straight into --topic with cw-ingest's key (USCC) and producer settings
//                    (acks=all, idempotence, lz4, linger.ms=5), much faster than CSV + gRPC.
//                    Prints messages/s, bytes and this process's CPU; with --expected=FILE it
//                    also writes the expected totals (below) first.
//   --mode=expected  only writes --expected=FILE.
//   --mode=verify    reads --snapshots_topic (cw.park-metrics.v1) from the beginning to its end,
//                    keeps the last snapshot per key (park|period) and compares it with
//                    --expected=FILE: month and year-to-date gross output and total tax, output
//                    and tax reporters, for every park-period. Exit 1 on any difference, a
//                    missing snapshot, or a snapshot of a park-period not expected.
//   --mode=registry  writes the registry as CSV (--registry_dir/parks.csv, enterprises.csv, the
//                    columns of `clusterctl gen-sample`'s registry) for `clusterctl registry`.
//
// The expected totals are computed from the generator's final month figures with plain sums
// (cw::national::ExpectedYear): no report is derived, no revision rule applied; revisions
// end on the final figure ("latest revision wins"), so this is independent of the aggregator's
// derivation. File format (TSV, one line per park-period, header first):
//   key  month_gross_fen  month_tax_fen  ytd_gross_fen  ytd_tax_fen  output_reporters  tax_reporters
//
// Example:
//   build/bench/national_load --mode=produce --brokers=127.0.0.1:59592 --scale=0.25
//       --expected=/tmp/expected.tsv
//   build/bench/national_load --mode=verify --brokers=127.0.0.1:59592 --expected=/tmp/expected.tsv
//
// Thread-safety: a command-line tool; one thread of its own plus librdkafka's.
#include <librdkafka/rdkafkacpp.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/national/national.h"
#include "bench/process_stats.h"
#include "common/kafka/rdkafka.h"
#include "clusterwatch/v1/metrics.pb.h"
#include "clusterwatch/v1/reports.pb.h"

ABSL_FLAG(std::string, mode, "produce", "produce | expected | verify | registry");
ABSL_FLAG(std::string, brokers, "127.0.0.1:59592", "Kafka bootstrap servers");
ABSL_FLAG(std::string, topic, "cw.reports.v1", "produce: the reports topic");
ABSL_FLAG(std::string, snapshots_topic, "cw.park-metrics.v1", "verify: the snapshots topic");
ABSL_FLAG(std::string, expected, "", "expected totals file (TSV) to write or to check against");
ABSL_FLAG(std::string, registry_dir, "", "registry: directory for parks.csv and enterprises.csv");
ABSL_FLAG(uint64_t, seed, 2543, "generator seed");
ABSL_FLAG(std::string, scale, "1", "parks and enterprises multiplied by this (decimal)");
ABSL_FLAG(int64_t, parks, 2543, "parks at scale 1");
ABSL_FLAG(int64_t, enterprises, 483000, "enterprises at scale 1");
ABSL_FLAG(int, first_year, 2024, "first reporting year");
ABSL_FLAG(int, years, 1, "years of reports");
ABSL_FLAG(int, ytd_share_pm, 300, "enterprises reporting year-to-date figures, per mille");
ABSL_FLAG(int, revision_pm, 20, "reports followed by a revision 2, per mille");
ABSL_FLAG(int, late_pm, 20, "reports delivered after the next period's, per mille");
ABSL_FLAG(std::string, linger_ms, "5", "produce: linger.ms (cw-ingest uses 5)");
ABSL_FLAG(int, verify_timeout_s, 300, "verify: give up reading after this long");

namespace cw::bench {
namespace {

namespace pb = clusterwatch::v1;
using Clock = std::chrono::steady_clock;


[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "national_load: %s\n", what.c_str());
  std::exit(2);
}

national::National BuildNational() {
  national::Options o;
  o.seed = absl::GetFlag(FLAGS_seed);
  o.parks = absl::GetFlag(FLAGS_parks);
  o.enterprises = absl::GetFlag(FLAGS_enterprises);
  auto scale = national::ParseScalePpm(absl::GetFlag(FLAGS_scale));
  if (!scale.ok()) Die(std::string(scale.status().message()));
  o.scale_ppm = *scale;
  o.first_year = absl::GetFlag(FLAGS_first_year);
  o.ytd_share_pm = absl::GetFlag(FLAGS_ytd_share_pm);
  o.revision_pm = absl::GetFlag(FLAGS_revision_pm);
  o.late_pm = absl::GetFlag(FLAGS_late_pm);
  const auto t0 = Clock::now();
  auto n = national::National::Build(o);
  if (!n.ok()) Die(std::string(n.status().message()));
  std::printf("registry: %zu parks, %zu enterprises, %zu unregistered sellers (seed %llu, "
              "scale %s) built in %.1f s\n",
              n->parks().size(), n->enterprises().size(), n->outside_sellers().size(),
              static_cast<unsigned long long>(o.seed), absl::GetFlag(FLAGS_scale).c_str(),
              Seconds(Clock::now() - t0));
  return *std::move(n);
}

void WriteExpected(const national::National& n, const std::string& path) {
  const auto t0 = Clock::now();
  std::ofstream out(path, std::ios::trunc);
  if (!out) Die(absl::StrCat("cannot write ", path));
  out << "key\tmonth_gross_fen\tmonth_tax_fen\tytd_gross_fen\tytd_tax_fen\toutput_reporters\t"
         "tax_reporters\n";
  int64_t lines = 0;
  const int first = absl::GetFlag(FLAGS_first_year);
  for (int y = first; y < first + absl::GetFlag(FLAGS_years); ++y) {
    for (const national::ExpectedTotals& t : national::ExpectedYear(n, y)) {
      out << t.park_id << '|' << t.period_key << '\t' << t.month_gross << '\t' << t.month_tax
          << '\t' << t.ytd_gross << '\t' << t.ytd_tax << '\t' << t.output_reporters << '\t'
          << t.tax_reporters << '\n';
      ++lines;
    }
  }
  out.close();
  if (!out) Die(absl::StrCat("cannot write ", path));
  std::printf("expected totals: %lld park-periods written to %s in %.1f s\n",
              static_cast<long long>(lines), path.c_str(), Seconds(Clock::now() - t0));
}

// ---------------------------------------------------------------- produce

class DeliveryCounter : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& m) override {
    if (m.err() != RdKafka::ERR_NO_ERROR) {
      if (errors_++ < 5) std::fprintf(stderr, "delivery failed: %s\n", m.errstr().c_str());
    } else {
      ++delivered_;
    }
  }
  int64_t errors() const { return errors_; }
  int64_t delivered() const { return delivered_; }

 private:
  int64_t errors_ = 0;  // only touched from poll()/flush() on this thread
  int64_t delivered_ = 0;
};

int Produce(const national::National& n) {
  DeliveryCounter cb;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  // cw-ingest's producer settings (kafka::ProducerDefaults), --linger_ms apart.
  auto settings = kafka::ProducerDefaults();
  settings["bootstrap.servers"] = absl::GetFlag(FLAGS_brokers);
  settings["linger.ms"] = absl::GetFlag(FLAGS_linger_ms);
  for (const auto& [k, v] : settings) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) Die(absl::StrCat(k, ": ", err));
  }
  if (conf->set("dr_cb", &cb, err) != RdKafka::Conf::CONF_OK) Die(err);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  if (!producer) Die(absl::StrCat("producer: ", err));
  const std::string topic = absl::GetFlag(FLAGS_topic);

  int64_t messages = 0, bytes = 0, full_waits = 0;
  std::string value;
  const double cpu0 = SelfCpuSeconds();
  const auto t0 = Clock::now();
  auto t_report = t0;
  const int first = absl::GetFlag(FLAGS_first_year);
  for (int y = first; y < first + absl::GetFlag(FLAGS_years); ++y) {
    n.ForEachReport(y, [&](const std::string&, const pb::ReportEnvelope& env) {
      value.clear();
      env.SerializeToString(&value);
      // cw-ingest's key: the enterprise (docs/scale-out.md).
      const std::string& key = env.has_output() ? env.output().uscc() : env.tax().uscc();
      for (;;) {
        const RdKafka::ErrorCode e = producer->produce(
            topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
            value.data(), value.size(), key.data(), key.size(), 0, nullptr);
        if (e == RdKafka::ERR_NO_ERROR) break;
        if (e != RdKafka::ERR__QUEUE_FULL) Die(absl::StrCat("produce: ", RdKafka::err2str(e)));
        ++full_waits;
        producer->poll(50);
      }
      ++messages;
      bytes += static_cast<int64_t>(value.size());
      if ((messages & 0x3FFF) == 0) {
        producer->poll(0);
        if (Seconds(Clock::now() - t_report) >= 10) {
          t_report = Clock::now();
          std::printf("  %lld messages, %.0f/s\n", static_cast<long long>(messages),
                      static_cast<double>(messages) / Seconds(t_report - t0));
          std::fflush(stdout);
        }
      }
    });
  }
  const double gen_s = Seconds(Clock::now() - t0);
  while (producer->outq_len() > 0) producer->flush(1000);
  const double s = Seconds(Clock::now() - t0);
  const double cpu = SelfCpuSeconds() - cpu0;
  std::printf(
      "produced %lld messages (%.1f MB of envelopes, %.0f B average) to %s in %.1f s "
      "(%.1f s to queue): %.0f messages/s; CPU %.1f s (%.2f µs/message, librdkafka's threads "
      "included); delivered %lld, errors %lld, queue-full waits %lld\n",
      static_cast<long long>(messages), static_cast<double>(bytes) / 1e6,
      static_cast<double>(bytes) / static_cast<double>(std::max<int64_t>(1, messages)),
      topic.c_str(), s, gen_s, static_cast<double>(messages) / s, cpu,
      cpu * 1e6 / static_cast<double>(std::max<int64_t>(1, messages)),
      static_cast<long long>(cb.delivered()), static_cast<long long>(cb.errors()),
      static_cast<long long>(full_waits));
  std::printf("RESULT produce messages=%lld bytes=%lld seconds=%.2f rate=%.0f cpu_s=%.2f\n",
              static_cast<long long>(messages), static_cast<long long>(bytes), s,
              static_cast<double>(messages) / s, cpu);
  return cb.errors() == 0 && cb.delivered() == messages ? 0 : 1;
}

// ---------------------------------------------------------------- verify

struct Expected {
  int64_t v[6] = {0, 0, 0, 0, 0, 0};
};

std::map<std::string, Expected> ReadExpected(const std::string& path) {
  std::ifstream in(path);
  if (!in) Die(absl::StrCat("cannot read ", path));
  std::map<std::string, Expected> out;
  std::string line;
  std::getline(in, line);  // header
  int64_t n = 1;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    std::vector<std::string> f = absl::StrSplit(line, '\t');
    Expected e;
    bool ok = f.size() == 7;
    for (size_t i = 1; ok && i < 7; ++i) ok = absl::SimpleAtoi(f[i], &e.v[i - 1]);
    if (!ok) Die(absl::StrCat(path, " line ", n, ": expected a key and six integers"));
    out[f[0]] = e;
  }
  return out;
}

int Verify() {
  const std::map<std::string, Expected> expected = ReadExpected(absl::GetFlag(FLAGS_expected));
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"bootstrap.servers", absl::GetFlag(FLAGS_brokers)},
           {"group.id", "cw-national-verify"},
           {"enable.auto.commit", "false"},
           {"auto.offset.reset", "earliest"},
           {"enable.partition.eof", "true"}}) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) Die(absl::StrCat(k, ": ", err));
  }
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) Die(absl::StrCat("consumer: ", err));
  const std::string topic = absl::GetFlag(FLAGS_snapshots_topic);
  int partitions = -1;
  {
    std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(c.get(), topic, nullptr, err));
    RdKafka::Metadata* md = nullptr;
    if (t && c->metadata(false, t.get(), &md, 10000) == RdKafka::ERR_NO_ERROR) {
      std::unique_ptr<RdKafka::Metadata> owned(md);
      if (!md->topics()->empty() && md->topics()->at(0)->err() == RdKafka::ERR_NO_ERROR) {
        partitions = static_cast<int>(md->topics()->at(0)->partitions()->size());
      }
    }
  }
  if (partitions <= 0) Die(absl::StrCat("topic ", topic, " not found"));
  std::vector<RdKafka::TopicPartition*> parts;
  for (int p = 0; p < partitions; ++p) {
    parts.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
  }
  c->assign(parts);
  RdKafka::TopicPartition::destroy(parts);

  std::unordered_map<std::string, std::string> last;  // key -> value
  std::vector<bool> eof(static_cast<size_t>(partitions), false);
  int eofs = 0;
  int64_t records = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(absl::GetFlag(FLAGS_verify_timeout_s));
  while (eofs < partitions) {
    if (Clock::now() > deadline) Die("verify: timed out reading the snapshots topic");
    std::unique_ptr<RdKafka::Message> m(c->consume(500));
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      if (!eof[static_cast<size_t>(m->partition())]) {
        eof[static_cast<size_t>(m->partition())] = true;
        ++eofs;
      }
      continue;
    }
    if (m->err() == RdKafka::ERR__TIMED_OUT) continue;
    if (m->err() != RdKafka::ERR_NO_ERROR) Die(absl::StrCat("consume: ", m->errstr()));
    ++records;
    if (m->key() == nullptr) continue;
    last[*m->key()].assign(static_cast<const char*>(m->payload()), m->len());
  }
  c->close();

  int64_t checked = 0, wrong = 0, missing = 0, unexpected = 0, shown = 0;
  auto show = [&shown](const std::string& s) {
    if (shown++ < 25) std::printf("  MISMATCH %s\n", s.c_str());
  };
  for (const auto& [key, e] : expected) {
    auto it = last.find(key);
    if (it == last.end() || it->second.empty()) {
      ++missing;
      show(absl::StrCat(key, ": no snapshot"));
      continue;
    }
    pb::ParkSnapshot s;
    if (!s.ParseFromString(it->second)) {
      ++wrong;
      show(absl::StrCat(key, ": undecodable snapshot"));
      continue;
    }
    const int64_t got[6] = {s.month().gross_output().fen(),     s.month().total_tax().fen(),
                            s.year_to_date().gross_output().fen(), s.year_to_date().total_tax().fen(),
                            s.month().output_reporters(),          s.month().tax_reporters()};
    static const char* kNames[6] = {"month gross_output", "month total_tax", "ytd gross_output",
                                    "ytd total_tax", "output_reporters", "tax_reporters"};
    bool ok = true;
    for (int i = 0; i < 6; ++i) {
      if (got[i] != e.v[i]) {
        ok = false;
        show(absl::StrCat(key, ": ", kNames[i], " is ", got[i], ", expected ", e.v[i]));
      }
    }
    ++checked;
    if (!ok) ++wrong;
  }
  for (const auto& [key, value] : last) {
    if (!expected.contains(key) && !value.empty()) {
      ++unexpected;
      show(absl::StrCat(key, ": snapshot of a park-period not expected"));
    }
  }
  std::printf("verify: %lld snapshot records read, %zu keys; %zu park-periods expected: "
              "%lld equal, %lld different, %lld missing, %lld unexpected\n",
              static_cast<long long>(records), last.size(), expected.size(),
              static_cast<long long>(checked - wrong), static_cast<long long>(wrong),
              static_cast<long long>(missing), static_cast<long long>(unexpected));
  const bool pass = wrong == 0 && missing == 0 && unexpected == 0;
  std::printf("RESULT verify %s expected=%zu equal=%lld different=%lld missing=%lld "
              "unexpected=%lld\n",
              pass ? "PASS" : "FAIL", expected.size(), static_cast<long long>(checked - wrong),
              static_cast<long long>(wrong), static_cast<long long>(missing),
              static_cast<long long>(unexpected));
  return pass ? 0 : 1;
}

// ---------------------------------------------------------------- registry CSV

void WriteRegistry(const national::National& n, const std::string& dir) {
  std::ofstream parks(dir + "/parks.csv", std::ios::trunc);
  std::ofstream ents(dir + "/enterprises.csv", std::ios::trunc);
  if (!parks || !ents) Die(absl::StrCat("cannot write into ", dir));
  parks << "park_id,name,county_code,area_mu,level,leading_industries,groups\n";
  for (size_t p = 0; p < n.parks().size(); ++p) {
    const pb::Park r = n.ParkRecord(p);
    std::string leading;
    for (const std::string& d : r.leading_industries()) {
      absl::StrAppend(&leading, leading.empty() ? "" : ";", d);
    }
    parks << r.id() << ',' << r.name() << ',' << r.county_code() << ',' << r.area_mu() << ','
          << (r.level() == pb::PARK_LEVEL_NATIONAL ? "national" : "provincial") << ','
          << leading << ",\n";
  }
  ents << "uscc,name,park_id,industry,above_size\n";
  for (size_t i = 0; i < n.enterprises().size(); ++i) {
    const pb::Enterprise r = n.EnterpriseRecord(i);
    ents << r.uscc() << ',' << r.name() << ',' << r.park_id() << ',' << r.industry() << ",1\n";
  }
  std::printf("registry written to %s/parks.csv and enterprises.csv\n", dir.c_str());
}

int Main() {
  const std::string mode = absl::GetFlag(FLAGS_mode);
  const std::string expected = absl::GetFlag(FLAGS_expected);
  if (mode == "verify") {
    if (expected.empty()) Die("--expected is required");
    return Verify();
  }
  const national::National n = BuildNational();
  if (mode == "registry") {
    if (absl::GetFlag(FLAGS_registry_dir).empty()) Die("--registry_dir is required");
    WriteRegistry(n, absl::GetFlag(FLAGS_registry_dir));
    return 0;
  }
  if (mode != "produce" && mode != "expected") Die(absl::StrCat("unknown --mode=", mode));
  if (!expected.empty()) WriteExpected(n, expected);
  if (mode == "expected") {
    if (expected.empty()) Die("--expected is required");
    return 0;
  }
  return Produce(n);
}

}  // namespace
}  // namespace cw::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return cw::bench::Main();
}
