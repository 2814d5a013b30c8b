// query_load: a light C++ gRPC load client for cw-query's GetParkSnapshot (and the same
// call on bench/noop_server), used beside ghz. ghz decodes every response into a dynamic
// Go message, which for cw-query's snapshots (KBs: every firm of the park) costs the client
// more CPU than the server spends answering; on a 2-core machine the client then sets the
// figures. This client sends pre-serialized requests through grpc::GenericStub and never
// parses the answers, so it measures the server and the transport.
//
// Several targets (e.g. cw-query and its no-op baseline) are loaded in alternating slices
// (--slices per target, --duration_s in total per target), so that a burst of load from
// other work on the machine hits both alike; each target gets its own result line.
// A target may name its server's pid (label=address@pid): then the server's CPU time
// during its slices (from /proc) is reported as CPU microseconds per answered request, a
// figure a busy shared machine disturbs far less than latency or QPS.
// --rate=N: open loop, request i of a slice is sent at start + i/N (skipped, and counted as
// "late", while --max_in_flight calls are outstanding); --rate=0: closed loop with
// --concurrency calls always outstanding. Latency is from send to completion.
//
// Example: build/bench/query_load --targets=query=127.0.0.1:50052,noop=127.0.0.1:50062
//            --parks=P321023A,P421003A --rate=5000 --duration_s=8 --json=/tmp/q.json
//
// Thread-safety: a command-line tool; completions run on gRPC's threads and share only
// atomics and a preallocated latency array.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "bench/process_stats.h"
#include "clusterwatch/v1/query.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/byte_buffer.h"

ABSL_FLAG(std::string, targets, "query=127.0.0.1:50052",
          "label=address[@server_pid],... loaded in alternating slices");
ABSL_FLAG(std::string, parks, "", "park ids to ask for, comma-separated (required)");
ABSL_FLAG(int, year, 2024, "year of the periods asked for (1-2月 and months 3..12)");
ABSL_FLAG(double, rate, 0, "requests per second (0: as fast as --concurrency allows)");
ABSL_FLAG(int, concurrency, 50, "closed loop: calls outstanding");
ABSL_FLAG(int, max_in_flight, 50, "open loop: cap on outstanding calls (ghz -c alike)");
ABSL_FLAG(int, connections, 1, "channels (TCP connections) used round-robin");
ABSL_FLAG(double, duration_s, 10, "seconds of load per target, over all its slices");
ABSL_FLAG(int, slices, 4, "alternating slices per target");
ABSL_FLAG(std::string, json, "", "append a JSON line with the results to this file");

namespace cw::bench {
namespace {

namespace pb = clusterwatch::v1;
using Clock = std::chrono::steady_clock;
constexpr char kMethod[] = "/clusterwatch.v1.QueryService/GetParkSnapshot";

// Shared by all calls of a run.
struct Run {
  std::string label;
  int pid = 0;            // the server's, when known
  double seconds = 0;     // loaded time over all slices
  double cpu_seconds = 0; // the server's CPU time during the slices
  std::vector<std::unique_ptr<grpc::GenericStub>> stubs;
  std::vector<grpc::ByteBuffer> requests;
  std::vector<float> latency_us;  // preallocated; index from `done`
  std::atomic<int64_t> sent{0}, done{0}, ok{0}, late{0}, in_flight{0}, bytes{0};
  absl::Mutex mu;
  std::map<int, int64_t> errors ABSL_GUARDED_BY(mu);  // by status code
  std::atomic<bool> stopping{false};
  Clock::time_point end;
};

// One outstanding call; deletes itself on completion. With `chain`, completion starts the
// next call (closed loop).
class Call {
 public:
  static void Start(Run& run, bool chain) {
    const int64_t i = run.sent++;
    auto* c = new Call(run, chain);
    ++run.in_flight;
    c->start_ = Clock::now();
    c->ctx_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    auto& stub = *run.stubs[static_cast<size_t>(i) % run.stubs.size()];
    stub.UnaryCall(&c->ctx_, kMethod, grpc::StubOptions(),
                   &run.requests[static_cast<size_t>(i) % run.requests.size()], &c->response_,
                   [c](grpc::Status s) { c->Done(std::move(s)); });
  }

 private:
  Call(Run& run, bool chain) : run_(run), chain_(chain) {}

  void Done(grpc::Status s) {
    const auto now = Clock::now();
    const int64_t slot = run_.done++;
    if (slot < static_cast<int64_t>(run_.latency_us.size())) {
      run_.latency_us[slot] = std::chrono::duration<float, std::micro>(now - start_).count();
    }
    if (s.ok()) {
      ++run_.ok;
      run_.bytes += static_cast<int64_t>(response_.Length());
    } else {
      absl::MutexLock lock(&run_.mu);
      ++run_.errors[s.error_code()];
    }
    Run& run = run_;
    const bool chain = chain_;
    delete this;
    --run.in_flight;
    if (chain && now < run.end && !run.stopping.load()) Start(run, true);
  }

  Run& run_;
  bool chain_;
  grpc::ClientContext ctx_;
  grpc::ByteBuffer response_;
  Clock::time_point start_;
};

double Pct(std::vector<float>& v, double p) {
  if (v.empty()) return 0;
  size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size()) + 0.999999);
  return v[std::min(v.size(), std::max<size_t>(rank, 1)) - 1] / 1000.0;  // ms
}

// Loads `run` for `seconds` at `rate` (0: closed loop), then waits for its calls to finish.
void LoadSlice(Run& run, double rate, double seconds) {
  const double cpu0 = ProcCpuSeconds(run.pid);
  run.stopping.store(false);
  const auto start = Clock::now();
  run.end = start + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(seconds));
  if (rate <= 0) {
    for (int i = 0; i < absl::GetFlag(FLAGS_concurrency); ++i) Call::Start(run, true);
    std::this_thread::sleep_until(run.end);
  } else {
    const int cap = absl::GetFlag(FLAGS_max_in_flight);
    const auto step = std::chrono::duration<double>(1.0 / rate);
    // Send everything due, then sleep until the next send is due (no spinning: the client
    // shares two cores with the server).
    for (int64_t i = 0;; ++i) {
      const auto due = start + std::chrono::duration_cast<Clock::duration>(step * i);
      if (due >= run.end) break;
      if (due > Clock::now()) std::this_thread::sleep_until(due);
      if (run.in_flight.load() >= cap) {
        ++run.late;  // the server cannot keep up: skip this send slot
      } else {
        Call::Start(run, false);
      }
    }
  }
  run.seconds += std::chrono::duration<double>(Clock::now() - start).count();
  run.stopping.store(true);
  while (run.in_flight.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const double cpu1 = ProcCpuSeconds(run.pid);
  if (cpu0 >= 0 && cpu1 >= 0) run.cpu_seconds += cpu1 - cpu0;
}

void Report(Run& run, double rate) {
  const int64_t n =
      std::min<int64_t>(run.done.load(), static_cast<int64_t>(run.latency_us.size()));
  std::vector<float> lat(run.latency_us.begin(), run.latency_us.begin() + n);
  std::sort(lat.begin(), lat.end());
  int64_t errors = 0;
  std::string error_text;
  {
    absl::MutexLock lock(&run.mu);
    for (const auto& [code, count] : run.errors) {
      errors += count;
      error_text += absl::StrFormat("%s%d:%d", error_text.empty() ? "" : ",", code, count);
    }
  }
  const double qps = static_cast<double>(run.ok.load()) / run.seconds;
  const double cpu_us =
      run.pid > 0 && run.ok.load() > 0
          ? run.cpu_seconds * 1e6 / static_cast<double>(run.ok.load() + errors)
          : -1;
  const double avg_bytes =
      run.ok.load() ? static_cast<double>(run.bytes.load()) / static_cast<double>(run.ok.load())
                    : 0;
  std::printf("%-10s rate %-8s %9.0f qps  p50 %7.3f  p99 %7.3f  p99.9 %7.3f  max %8.3f ms  "
              "ok %ld  errors %ld [%s]  late %ld  resp %.0f B  server cpu %.1f us/req\n",
              run.label.c_str(), rate > 0 ? absl::StrFormat("%.0f", rate).c_str() : "max", qps,
              Pct(lat, 50), Pct(lat, 99), Pct(lat, 99.9), Pct(lat, 100),
              static_cast<long>(run.ok.load()), static_cast<long>(errors), error_text.c_str(),
              static_cast<long>(run.late.load()), avg_bytes, cpu_us);
  std::fflush(stdout);
  if (absl::GetFlag(FLAGS_json).empty()) return;
  std::FILE* f = std::fopen(absl::GetFlag(FLAGS_json).c_str(), "a");
  if (f == nullptr) return;
  std::fprintf(f,
               "{\"tool\":\"query_load\",\"label\":\"%s\",\"rate\":%.0f,\"qps\":%.1f,"
               "\"p50_ms\":%.4f,\"p99_ms\":%.4f,\"p999_ms\":%.4f,\"max_ms\":%.4f,"
               "\"ok\":%ld,\"errors\":%ld,\"late\":%ld,\"response_bytes\":%.0f,"
               "\"seconds\":%.2f,\"slices\":%d,\"server_cpu_us_per_req\":%.2f}\n",
               run.label.c_str(), rate, qps, Pct(lat, 50), Pct(lat, 99), Pct(lat, 99.9),
               Pct(lat, 100), static_cast<long>(run.ok.load()), static_cast<long>(errors),
               static_cast<long>(run.late.load()), avg_bytes, run.seconds,
               absl::GetFlag(FLAGS_slices), cpu_us);
  std::fclose(f);
}

int Main() {
  std::vector<std::string> parks =
      absl::StrSplit(absl::GetFlag(FLAGS_parks), ',', absl::SkipEmpty());
  if (parks.empty()) {
    std::fprintf(stderr, "--parks=P1,P2,... is required\n");
    return 2;
  }
  std::vector<grpc::ByteBuffer> requests;
  for (const auto& park : parks) {
    for (int m = 2; m <= 12; ++m) {
      pb::GetParkSnapshotRequest req;
      req.set_park_id(park);
      req.mutable_period()->set_year(absl::GetFlag(FLAGS_year));
      req.mutable_period()->set_month(m);
      req.mutable_period()->set_jan_feb(m == 2);  // 1-2月, then March..December
      const std::string bytes = req.SerializeAsString();
      grpc::Slice slice(bytes);
      requests.emplace_back(&slice, 1);
    }
  }
  const double rate = absl::GetFlag(FLAGS_rate);
  const double duration = absl::GetFlag(FLAGS_duration_s);
  const int slices = std::max(1, absl::GetFlag(FLAGS_slices));
  std::vector<std::unique_ptr<Run>> runs;
  for (absl::string_view spec : absl::StrSplit(absl::GetFlag(FLAGS_targets), ',',
                                               absl::SkipEmpty())) {
    std::pair<std::string, std::string> la = absl::StrSplit(spec, absl::MaxSplits('=', 1));
    if (la.second.empty()) {
      std::fprintf(stderr, "--targets: expected label=address, got %s\n",
                   std::string(spec).c_str());
      return 2;
    }
    auto run = std::make_unique<Run>();
    run->label = la.first;
    if (const size_t at = la.second.rfind('@'); at != std::string::npos) {
      if (!absl::SimpleAtoi(la.second.substr(at + 1), &run->pid)) {
        std::fprintf(stderr, "--targets: bad pid in %s\n", la.second.c_str());
        return 2;
      }
      la.second.resize(at);
    }
    run->requests = requests;
    for (int i = 0; i < absl::GetFlag(FLAGS_connections); ++i) {
      grpc::ChannelArguments args;
      args.SetInt("cw.bench.connection", i);  // distinct connections
      auto channel =
          grpc::CreateCustomChannel(la.second, grpc::InsecureChannelCredentials(), args);
      if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                     std::chrono::seconds(10))) {
        std::fprintf(stderr, "cannot connect to %s\n", la.second.c_str());
        return 1;
      }
      run->stubs.push_back(std::make_unique<grpc::GenericStub>(channel));
    }
    run->latency_us.resize(static_cast<size_t>(
        std::max(1e6, (rate > 0 ? rate : 200000) * duration * 1.2)));
    runs.push_back(std::move(run));
  }
  for (int s = 0; s < slices; ++s) {
    for (auto& run : runs) LoadSlice(*run, rate, duration / slices);
  }
  bool any = false;
  for (auto& run : runs) {
    Report(*run, rate);
    any = any || run->ok.load() > 0;
  }
  return any ? 0 : 1;
}

}  // namespace
}  // namespace cw::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return cw::bench::Main();
}
