// ingest_load: a load generator for the Kafka side of clusterwatch, each mode measured beside
// its ceiling on the same broker and the same payloads.
//
//   --mode=ingest   gRPC client: K concurrent client-streaming Push calls (one connection
//                   each, like K bureaus) to cw-ingest, `--push_records` records per push,
//                   until `--records` are pushed. Measures accepted records/s and per-push
//                   latency (stream open to answer) p50/p99/max.
//   --mode=raw      the ceiling: the same records as ingest would write them (serialized
//                   ReportEnvelope with provenance, key = park id) produced straight with
//                   librdkafka, configured as cw-ingest's producer (acks=all, idempotent,
//                   linger.ms=5, lz4), all queued at once and flushed, into `--raw_topic`
//                   (created like the reports topic when missing). Records/s.
//   --mode=raw_pushes  the same produce, but cut like ingest's pushes: K threads, each
//                   producing `--push_records` and waiting for their acknowledgements (what
//                   IngestService does per push), so ingest/raw_pushes is the price of gRPC,
//                   validation and envelope building alone. Records/s and p50/p99 per push.
//   --mode=compare  raw, ingest, raw_pushes, repeated `--rounds` times alternately; prints
//                   the medians and the ratios ingest/raw and ingest/raw_pushes.
//   --mode=consume  the aggregator's ceiling: read `--topic` from the beginning with a
//                   librdkafka consumer, decode every ReportEnvelope and sum it into an
//                   unordered_map, until every partition reports its end. Records/s.
//
// Records come from a `clusterctl gen-sample` directory (`--sample`): every reports/*.csv
// except the deliberately bad zz-* files, through cw::domain::ParseCsv + ReportsFromCsv; tax
// reports get park and industry from registry/enterprises.csv (as ingest does). The list is
// cycled until `--records`; every push has a fresh submission id. The registry must already
// have been pushed to cw-ingest (`clusterctl registry ...`), or ingest rejects the records.
//
// Beside the wall-clock rates, every mode reports CPU microseconds per record, which a busy
// shared machine disturbs far less: for ingest the CPU of the cw-ingest process
// (--ingest_pid, from /proc), for raw/raw_pushes/consume this tool's own CPU (getrusage:
// librdkafka's threads included, the gRPC client not involved).
//
// Output: a text table on stdout, and with --json=FILE one JSON object per mode.
// Example: build/bench/ingest_load --mode=compare --sample=/tmp/s --brokers=127.0.0.1:29092
//            --ingest=127.0.0.1:50071 --records=100000 --streams=4 --json=/tmp/ingest.json
//
// Thread-safety: a command-line tool; the worker threads share only atomics and
// mutex-guarded results.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/process_stats.h"
#include "clusterwatch/v1/ingest.grpc.pb.h"
#include "common/kafka/rdkafka.h"
#include "clusterwatch/v1/reports.pb.h"
#include "common/domain/csv.h"
#include "common/domain/report_csv.h"
#include "common/domain/totals.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, mode, "compare", "ingest | raw | raw_pushes | compare | consume");
ABSL_FLAG(std::string, sample, "", "clusterctl gen-sample directory (required but for consume)");
ABSL_FLAG(std::string, ingest, "127.0.0.1:50051", "cw-ingest address");
ABSL_FLAG(std::string, brokers, "127.0.0.1:19092", "Kafka bootstrap servers");
ABSL_FLAG(std::string, topic, "cw.reports.v1", "consume: topic to read");
ABSL_FLAG(std::string, raw_topic, "cw.bench.raw.v1", "raw modes: topic to produce to");
ABSL_FLAG(std::string, shape_topic, "cw.reports.v1",
          "raw modes: the raw topic is created with this topic's partition count");
ABSL_FLAG(int64_t, records, 100000, "records per run");
ABSL_FLAG(int, streams, 4, "concurrent pushes (ingest, raw_pushes)");
ABSL_FLAG(int, push_records, 1000, "records per push (one submission)");
ABSL_FLAG(int, message_records, 2000, "records per PushRequest message (clusterctl --batch)");
ABSL_FLAG(int, rounds, 2, "compare: alternating rounds");
ABSL_FLAG(std::string, linger_ms, "5", "raw modes: linger.ms (cw-ingest uses 5)");
ABSL_FLAG(std::string, run_id, "", "prefix of submission ids (default: time-based)");
ABSL_FLAG(std::string, json, "", "write results as JSON lines to this file");
ABSL_FLAG(int, ingest_pid, 0,
          "pid of cw-ingest: also report its CPU time per record (noise-robust comparison)");

namespace cw::bench {
namespace {

namespace pb = clusterwatch::v1;
using Clock = std::chrono::steady_clock;


// The p-th percentile (0..100) of `v` (sorted in place), nearest rank.
double Percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
  return v[std::min(v.size(), std::max<size_t>(rank, 1)) - 1];
}

struct Result {
  explicit Result(std::string m) : mode(std::move(m)) {}
  std::string mode;
  int64_t records = 0;
  double seconds = 0;
  int64_t errors = 0;
  double cpu_seconds = -1;  // of the process doing the work (see the header); -1 unknown
  std::vector<double> push_ms;  // per push (ingest, raw_pushes)
  double rate() const { return seconds > 0 ? static_cast<double>(records) / seconds : 0; }
  double cpu_us_per_record() const {
    return cpu_seconds >= 0 && records > 0 ? cpu_seconds * 1e6 / static_cast<double>(records)
                                           : -1;
  }
  std::string Json() {
    return absl::StrFormat(
        "{\"mode\":\"%s\",\"records\":%d,\"seconds\":%.4f,\"records_per_s\":%.1f,"
        "\"errors\":%d,\"pushes\":%d,\"push_p50_ms\":%.3f,\"push_p99_ms\":%.3f,"
        "\"push_max_ms\":%.3f,\"cpu_seconds\":%.3f,\"cpu_us_per_record\":%.3f}",
        mode, records, seconds, rate(), errors, push_ms.size(), Percentile(push_ms, 50),
        Percentile(push_ms, 99), Percentile(push_ms, 100), cpu_seconds, cpu_us_per_record());
  }
  std::string Row() {
    return absl::StrFormat("%-11s %9d records %8.2f s %10.0f rec/s  cpu %6.2f us/rec  "
                           "push p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms  errors %d",
                           mode, records, seconds, rate(), cpu_us_per_record(),
                           Percentile(push_ms, 50), Percentile(push_ms, 99),
                           Percentile(push_ms, 100), errors);
  }
};

// ---------------------------------------------------------------- workload

struct Workload {
  std::vector<pb::SubmittedRecord> records;   // as clusterctl would push them
  std::vector<std::string> parks;             // key of each record (park id)
  std::vector<std::string> envelopes;         // as ingest would produce them (minus provenance)
};

absl::StatusOr<std::string> ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", p.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<Workload> LoadSample(const std::string& dir) {
  // Enterprise -> (park, industry), to complete tax reports as ingest does.
  std::map<std::string, std::pair<std::string, std::string>> enterprises;
  {
    auto bytes = ReadFile(std::filesystem::path(dir) / "registry" / "enterprises.csv");
    if (!bytes.ok()) return bytes.status();
    auto table = domain::ParseCsv(*bytes);
    if (!table.ok()) return table.status();
    auto recs = domain::EnterprisesFromCsv(*table);
    if (!recs.ok()) return recs.status();
    for (const auto& r : *recs) {
      enterprises[r.enterprise().uscc()] = {r.enterprise().park_id(), r.enterprise().industry()};
    }
  }
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(dir) / "reports")) {
    const std::string name = e.path().filename().string();
    if (absl::EndsWith(name, ".csv") && !absl::StartsWith(name, "zz-")) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  Workload w;
  for (const auto& f : files) {
    auto bytes = ReadFile(f);
    if (!bytes.ok()) return bytes.status();
    auto table = domain::ParseCsv(*bytes);
    if (!table.ok()) return table.status();
    auto recs = domain::ReportsFromCsv(*table);
    if (!recs.ok()) return recs.status();
    for (auto& r : *recs) {
      pb::ReportEnvelope env;
      std::string park;
      if (r.has_output()) {
        *env.mutable_output() = r.output();
        if (env.output().park_id().empty()) {
          env.mutable_output()->set_park_id(enterprises[r.output().uscc()].first);
        }
        park = env.output().park_id();
      } else if (r.has_tax()) {
        *env.mutable_tax() = r.tax();
        const auto& [p, industry] = enterprises[r.tax().uscc()];
        env.mutable_tax()->set_park_id(p);
        env.mutable_tax()->set_industry(industry);
        park = p;
      } else {
        continue;  // a parse error: not a valid record
      }
      if (park.empty()) continue;
      w.parks.push_back(park);
      w.envelopes.push_back(env.SerializeAsString());
      w.records.push_back(std::move(r));  // with its CSV text, as clusterctl pushes it
    }
  }
  if (w.records.empty()) return absl::InvalidArgumentError("no report records in " + dir);
  return w;
}

std::string RunId() {
  std::string id = absl::GetFlag(FLAGS_run_id);
  return id.empty() ? absl::StrCat("bench-", absl::ToUnixMillis(absl::Now())) : id;
}

// ---------------------------------------------------------------- ingest (gRPC)

Result RunIngest(const Workload& w, const std::string& run) {
  const int64_t total = absl::GetFlag(FLAGS_records);
  const int push = absl::GetFlag(FLAGS_push_records);
  const int per_message = absl::GetFlag(FLAGS_message_records);
  const int streams = absl::GetFlag(FLAGS_streams);
  const int64_t pushes = (total + push - 1) / push;

  // Build every request before the clock starts: the client's own proto building is not
  // what is measured (gRPC still serializes them during the run).
  std::vector<std::vector<pb::PushRequest>> requests(pushes);
  for (int64_t i = 0; i < pushes; ++i) {
    const int64_t first = i * push, n = std::min<int64_t>(push, total - first);
    for (int64_t j = 0; j < n; ++j) {
      if (j % per_message == 0) {
        requests[i].emplace_back();
        if (j == 0) {
          requests[i].back().set_submission_id(absl::StrCat(run, "-ingest-", i));
          requests[i].back().set_source_bureau("bureau-bench");
        }
      }
      auto* r = requests[i].back().add_records();
      *r = w.records[(first + j) % w.records.size()];
      r->set_line(j + 1);
    }
  }

  Result res("ingest");
  absl::Mutex mu;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> accepted{0}, errors{0};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < streams; ++t) {
    threads.emplace_back([&, t] {
      grpc::ChannelArguments args;
      args.SetInt("cw.bench.connection", t);  // a distinct connection per worker
      args.SetMaxSendMessageSize(64 << 20);
      auto channel = grpc::CreateCustomChannel(absl::GetFlag(FLAGS_ingest),
                                               grpc::InsecureChannelCredentials(), args);
      auto stub = pb::IngestService::NewStub(channel);
      // Connected before the clock starts, like a bureau's long-lived client.
      channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
      ++ready;
      while (!go.load()) std::this_thread::yield();
      std::vector<double> lat;
      for (int64_t i = next++; i < pushes; i = next++) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
        pb::PushResponse resp;
        const auto t0 = Clock::now();
        auto writer = stub->Push(&ctx, &resp);
        for (const auto& req : requests[i]) {
          if (!writer->Write(req)) break;
        }
        writer->WritesDone();
        grpc::Status s = writer->Finish();
        lat.push_back(Seconds(Clock::now() - t0) * 1000);
        if (!s.ok()) {
          if (errors++ < 3) {
            std::fprintf(stderr, "push %ld: %s\n", static_cast<long>(i),
                         s.error_message().c_str());
          }
          continue;
        }
        accepted += resp.accepted();
        errors += resp.rejected();
      }
      absl::MutexLock lock(&mu);
      res.push_ms.insert(res.push_ms.end(), lat.begin(), lat.end());
    });
  }
  while (ready.load() < streams) std::this_thread::yield();
  const int pid = absl::GetFlag(FLAGS_ingest_pid);
  const double cpu0 = ProcCpuSeconds(pid);
  const auto start = Clock::now();
  go.store(true);
  for (auto& t : threads) t.join();
  res.seconds = Seconds(Clock::now() - start);
  const double cpu1 = ProcCpuSeconds(pid);
  if (cpu0 >= 0 && cpu1 >= 0) res.cpu_seconds = cpu1 - cpu0;
  res.records = accepted.load();
  res.errors = errors.load();
  return res;
}

// ---------------------------------------------------------------- raw produce (librdkafka)

// One push's worth of records waiting for acknowledgements.
struct Pending {
  absl::Mutex mu;
  int outstanding ABSL_GUARDED_BY(mu) = 0;
  int errors ABSL_GUARDED_BY(mu) = 0;
};

class DeliveryCb : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& m) override {
    auto* p = static_cast<Pending*>(m.msg_opaque());
    absl::MutexLock lock(&p->mu);
    --p->outstanding;
    if (m.err() != RdKafka::ERR_NO_ERROR) ++p->errors;
  }
};

std::unique_ptr<RdKafka::Conf> ProducerConf(DeliveryCb* cb) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  // The settings of cw-ingest's producer (kafka::ProducerDefaults), --linger_ms apart.
  auto settings = kafka::ProducerDefaults();
  settings["bootstrap.servers"] = absl::GetFlag(FLAGS_brokers);
  settings["linger.ms"] = absl::GetFlag(FLAGS_linger_ms);
  for (const auto& [k, v] : settings) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
      std::fprintf(stderr, "librdkafka %s: %s\n", k.c_str(), err.c_str());
      std::exit(2);
    }
  }
  if (cb != nullptr && conf->set("dr_cb", cb, err) != RdKafka::Conf::CONF_OK) {
    std::fprintf(stderr, "librdkafka dr_cb: %s\n", err.c_str());
    std::exit(2);
  }
  return conf;
}

// Partition count of `topic`, or -1.
int PartitionsOf(RdKafka::Handle* h, const std::string& topic) {
  std::string err;
  std::unique_ptr<RdKafka::Topic> t(RdKafka::Topic::create(h, topic, nullptr, err));
  RdKafka::Metadata* md = nullptr;
  if (!t || h->metadata(false, t.get(), &md, 10000) != RdKafka::ERR_NO_ERROR) return -1;
  std::unique_ptr<RdKafka::Metadata> owned(md);
  if (md->topics()->empty() || md->topics()->at(0)->err() != RdKafka::ERR_NO_ERROR) return -1;
  return static_cast<int>(md->topics()->at(0)->partitions()->size());
}

// Creates `topic` like the reports topic (partitions of --shape_topic, infinite retention)
// unless it exists.
void EnsureRawTopic(RdKafka::Producer* p, const std::string& topic) {
  if (PartitionsOf(p, topic) > 0) return;
  const int partitions = PartitionsOf(p, absl::GetFlag(FLAGS_shape_topic));
  if (partitions <= 0) {
    std::fprintf(stderr, "cannot read the partitions of %s; create the topics first\n",
                 absl::GetFlag(FLAGS_shape_topic).c_str());
    std::exit(1);
  }
  rd_kafka_t* rk = p->c_ptr();
  char errstr[512];
  rd_kafka_NewTopic_t* nt =
      rd_kafka_NewTopic_new(topic.c_str(), partitions, 1, errstr, sizeof(errstr));
  rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "delete");
  rd_kafka_NewTopic_set_config(nt, "retention.ms", "-1");
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, nullptr, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 30000);
  if (ev != nullptr) {
    size_t n = 0;
    const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
    const rd_kafka_topic_result_t** tr =
        res ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
    for (size_t i = 0; i < n; ++i) {
      auto e = rd_kafka_topic_result_error(tr[i]);
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        std::fprintf(stderr, "create %s: %s\n", topic.c_str(), rd_kafka_err2str(e));
        std::exit(1);
      }
    }
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_NewTopic_destroy(nt);
  for (int i = 0; i < 100 && PartitionsOf(p, topic) <= 0; ++i) absl::SleepFor(absl::Milliseconds(100));
}

// Produces `total` records in chunks of `chunk` from `threads` threads through one producer,
// each chunk waiting for all its acknowledgements (chunk = total, threads = 1: everything
// queued at once, then flushed).
Result RunRaw(const Workload& w, const std::string& run, const std::string& mode,
              int64_t chunk, int threads_n) {
  const int64_t total = absl::GetFlag(FLAGS_records);
  const std::string topic = absl::GetFlag(FLAGS_raw_topic);
  DeliveryCb cb;
  auto conf = ProducerConf(&cb);
  std::string err;
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), err));
  if (!producer) {
    std::fprintf(stderr, "producer: %s\n", err.c_str());
    std::exit(1);
  }
  EnsureRawTopic(producer.get(), topic);
  // Warm up: metadata and the idempotent producer id, as a long-running ingest has them.
  {
    Pending warm;
    {
      absl::MutexLock lock(&warm.mu);
      warm.outstanding = 1;
    }
    producer->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                      const_cast<char*>(w.envelopes[0].data()), w.envelopes[0].size(),
                      w.parks[0].data(), w.parks[0].size(), 0, &warm);
    producer->flush(30000);
  }

  // Payloads as ingest writes them: the envelope plus provenance, built before the clock.
  const int64_t chunks = (total + chunk - 1) / chunk;
  const int64_t now_ms = absl::ToUnixMillis(absl::Now());
  std::vector<std::string> values(total);
  for (int64_t i = 0; i < total; ++i) {
    pb::ReportEnvelope env;
    env.ParseFromString(w.envelopes[i % w.envelopes.size()]);
    auto* prov = env.mutable_provenance();
    prov->set_source_bureau("bureau-bench");
    prov->set_submission_id(absl::StrCat(run, "-", mode, "-", i / absl::GetFlag(FLAGS_push_records)));
    prov->set_received_unix_ms(now_ms);
    prov->set_line(i % absl::GetFlag(FLAGS_push_records) + 1);
    values[i] = env.SerializeAsString();
  }

  std::atomic<bool> stop{false};
  std::thread poller([&] {
    while (!stop.load()) producer->poll(50);
  });
  Result res(mode);
  absl::Mutex mu;
  std::atomic<int64_t> next{0}, errors{0};
  const double cpu0 = SelfCpuSeconds();
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < threads_n; ++t) {
    threads.emplace_back([&] {
      std::vector<double> lat;
      for (int64_t c = next++; c < chunks; c = next++) {
        const int64_t first = c * chunk, n = std::min(chunk, total - first);
        Pending pending;
        {
          absl::MutexLock lock(&pending.mu);
          pending.outstanding = static_cast<int>(n);
        }
        const auto t0 = Clock::now();
        for (int64_t i = first; i < first + n; ++i) {
          const std::string& key = w.parks[i % w.parks.size()];
          for (;;) {
            auto e = producer->produce(topic, RdKafka::Topic::PARTITION_UA,
                                       RdKafka::Producer::RK_MSG_COPY,
                                       const_cast<char*>(values[i].data()), values[i].size(),
                                       key.data(), key.size(), 0, &pending);
            if (e == RdKafka::ERR_NO_ERROR) break;
            if (e == RdKafka::ERR__QUEUE_FULL) {
              absl::SleepFor(absl::Milliseconds(1));
              continue;
            }
            absl::MutexLock lock(&pending.mu);
            --pending.outstanding;
            ++pending.errors;
            break;
          }
        }
        absl::MutexLock lock(&pending.mu);
        pending.mu.Await(absl::Condition(
            +[](int* o) { return *o <= 0; }, &pending.outstanding));
        lat.push_back(Seconds(Clock::now() - t0) * 1000);
        errors += pending.errors;
      }
      absl::MutexLock lock(&mu);
      res.push_ms.insert(res.push_ms.end(), lat.begin(), lat.end());
    });
  }
  for (auto& t : threads) t.join();
  res.seconds = Seconds(Clock::now() - start);
  res.cpu_seconds = SelfCpuSeconds() - cpu0;
  stop.store(true);
  poller.join();
  res.errors = errors.load();
  res.records = total - res.errors;
  if (chunk >= total) res.push_ms.clear();  // one "push": a latency here means nothing
  return res;
}

// ---------------------------------------------------------------- consume ceiling

Result RunConsume() {
  const std::string topic = absl::GetFlag(FLAGS_topic);
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string err;
  // The settings of the aggregator's consumer (common/kafka/rdkafka.cc), with partition EOF
  // on to know when the topic has been read.
  for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
           {"bootstrap.servers", absl::GetFlag(FLAGS_brokers)},
           {"group.id", absl::StrCat("cw-bench-consume-", absl::ToUnixMillis(absl::Now()))},
           {"enable.auto.commit", "false"},
           {"enable.auto.offset.store", "false"},
           {"auto.offset.reset", "earliest"},
           {"enable.partition.eof", "true"},
           {"fetch.wait.max.ms", "100"}}) {
    if (conf->set(k, v, err) != RdKafka::Conf::CONF_OK) {
      std::fprintf(stderr, "librdkafka %s: %s\n", k.c_str(), err.c_str());
      std::exit(2);
    }
  }
  std::unique_ptr<RdKafka::KafkaConsumer> c(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!c) {
    std::fprintf(stderr, "consumer: %s\n", err.c_str());
    std::exit(1);
  }
  const int partitions = PartitionsOf(c.get(), topic);
  if (partitions <= 0) {
    std::fprintf(stderr, "topic %s not found\n", topic.c_str());
    std::exit(1);
  }
  std::vector<RdKafka::TopicPartition*> parts;
  for (int p = 0; p < partitions; ++p) {
    parts.push_back(RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
  }
  c->assign(parts);
  RdKafka::TopicPartition::destroy(parts);

  std::unordered_map<std::string, std::array<int64_t, 8>> sums;
  Result res("consume");
  std::vector<bool> eof(partitions, false);
  int eofs = 0;
  Clock::time_point first{}, last{};
  double cpu_first = 0, cpu_last = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(300);
  while (eofs < partitions && Clock::now() < deadline) {
    std::unique_ptr<RdKafka::Message> m(c->consume(200));
    if (m->err() == RdKafka::ERR__PARTITION_EOF) {
      if (!eof[m->partition()]) {
        eof[m->partition()] = true;
        ++eofs;
      }
      last = Clock::now();
      cpu_last = SelfCpuSeconds();
      continue;
    }
    if (m->err() == RdKafka::ERR__TIMED_OUT) continue;
    if (m->err() != RdKafka::ERR_NO_ERROR) {
      ++res.errors;
      continue;
    }
    if (res.records == 0) {
      first = Clock::now();
      cpu_first = SelfCpuSeconds();
    }
    ++res.records;
    pb::ReportEnvelope env;
    if (!env.ParseFromArray(m->payload(), static_cast<int>(m->len()))) {
      ++res.errors;
      continue;
    }
    const bool out = env.has_output();
    const auto& period = out ? env.output().period() : env.tax().period();
    auto& s = sums[absl::StrCat(out ? env.output().park_id() : env.tax().park_id(), "|",
                                domain::FromProto(period).Key())];
    if (out) {
      s[0] += env.output().gross_output().fen();
      s[1] += env.output().employees();
    } else {
      s[2] += env.tax().total_tax().fen();
    }
  }
  c->close();
  res.seconds = res.records > 0 ? Seconds(last - first) : 0;
  res.cpu_seconds = res.records > 0 ? cpu_last - cpu_first : -1;
  return res;
}

// ---------------------------------------------------------------- main

void Emit(Result& r, std::FILE* json) {
  std::printf("%s\n", r.Row().c_str());
  std::fflush(stdout);
  if (json != nullptr) {
    std::fprintf(json, "%s\n", r.Json().c_str());
    std::fflush(json);
  }
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2]
                                      : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int Main() {
  const std::string mode = absl::GetFlag(FLAGS_mode);
  std::FILE* json = nullptr;
  if (!absl::GetFlag(FLAGS_json).empty()) {
    json = std::fopen(absl::GetFlag(FLAGS_json).c_str(), "a");
    if (json == nullptr) {
      std::perror("--json");
      return 2;
    }
  }
  if (mode == "consume") {
    Result r = RunConsume();
    Emit(r, json);
    return r.records > 0 ? 0 : 1;
  }
  if (absl::GetFlag(FLAGS_sample).empty()) {
    std::fprintf(stderr, "--sample=DIR (a clusterctl gen-sample directory) is required\n");
    return 2;
  }
  auto w = LoadSample(absl::GetFlag(FLAGS_sample));
  if (!w.ok()) {
    std::fprintf(stderr, "%s\n", w.status().ToString().c_str());
    return 1;
  }
  const std::string run = RunId();
  const int64_t total = absl::GetFlag(FLAGS_records);
  const int streams = absl::GetFlag(FLAGS_streams);
  const int push = absl::GetFlag(FLAGS_push_records);
  std::printf("# %zu distinct records from %s; %ld records per run, %d streams, %d records "
              "per push, run id %s\n",
              w->records.size(), absl::GetFlag(FLAGS_sample).c_str(),
              static_cast<long>(total), streams, push, run.c_str());
  int failures = 0;
  auto one = [&](const std::string& m, int round) {
    const std::string id = absl::StrCat(run, "-r", round);
    Result r = m == "ingest" ? RunIngest(*w, id)
               : m == "raw"  ? RunRaw(*w, id, "raw", total, 1)
                             : RunRaw(*w, id, "raw_pushes", push, streams);
    if (r.errors > 0) ++failures;
    Emit(r, json);
    return r;
  };
  if (mode == "ingest" || mode == "raw" || mode == "raw_pushes") {
    one(mode, 0);
  } else if (mode == "compare") {
    std::map<std::string, std::vector<double>> rates, cpu;
    for (int round = 0; round < absl::GetFlag(FLAGS_rounds); ++round) {
      for (const char* m : {"raw", "ingest", "raw_pushes"}) {
        Result r = one(m, round);
        rates[m].push_back(r.rate());
        cpu[m].push_back(r.cpu_us_per_record());
      }
    }
    const double cpu_raw = Median(cpu["raw"]), cpu_ingest = Median(cpu["ingest"]),
                 cpu_pushes = Median(cpu["raw_pushes"]);
    const double raw = Median(rates["raw"]), ingest = Median(rates["ingest"]),
                 pushes = Median(rates["raw_pushes"]);
    std::printf("median rec/s: raw %.0f, ingest %.0f, raw_pushes %.0f; ratio ingest/raw %.3f, "
                "ingest/raw_pushes %.3f\n",
                raw, ingest, pushes, raw > 0 ? ingest / raw : 0,
                pushes > 0 ? ingest / pushes : 0);
    std::printf("median CPU us/record: raw %.2f, ingest %.2f (cw-ingest process), raw_pushes "
                "%.2f; ratio raw/ingest %.3f\n",
                cpu_raw, cpu_ingest, cpu_pushes, cpu_ingest > 0 ? cpu_raw / cpu_ingest : 0);
    if (json != nullptr) {
      std::fprintf(json,
                   "{\"mode\":\"compare\",\"raw_median\":%.1f,\"ingest_median\":%.1f,"
                   "\"raw_pushes_median\":%.1f,\"ratio_ingest_raw\":%.4f,"
                   "\"ratio_ingest_raw_pushes\":%.4f,\"streams\":%d,\"push_records\":%d,"
                   "\"cpu_us_raw\":%.3f,\"cpu_us_ingest\":%.3f,\"cpu_us_raw_pushes\":%.3f}\n",
                   raw, ingest, pushes, raw > 0 ? ingest / raw : 0,
                   pushes > 0 ? ingest / pushes : 0, streams, push, cpu_raw, cpu_ingest,
                   cpu_pushes);
    }
  } else {
    std::fprintf(stderr, "unknown --mode=%s\n", mode.c_str());
    return 2;
  }
  if (json != nullptr) std::fclose(json);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace cw::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return cw::bench::Main();
}
