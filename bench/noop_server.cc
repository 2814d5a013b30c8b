// noop_server: the framework ceiling for cw-query. Serves clusterwatch.v1.QueryService with
// handlers that return an empty response at once, built and started exactly as cw-query's
// server is (cw::obs::StartGrpcServer: same options, reflection and health service), so
// loading it and cw-query identically shows what the query work itself costs.
// With --snapshot_dir=DIR, GetParkSnapshot instead answers a canned copy of a real response
// for the requested park (DIR/<park_id>.json, grpcurl's JSON of one cw-query answer; the
// period is ignored): the same bytes on the wire and the same decoding work for the
// client as cw-query's, without any store lookup.
//
// Run alone:  build/bench/noop_server --listen=127.0.0.1:50062
//   then e.g. ghz --insecure --import-paths proto --proto proto/clusterwatch/v1/query.proto
//             --call clusterwatch.v1.QueryService.GetParkSnapshot -d '{"park_id":"P1"}'
//             -z 10s 127.0.0.1:50062
// Stops on SIGTERM/SIGINT. Thread-safe (gRPC calls the handlers concurrently; they keep no
// state).
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "clusterwatch/v1/query.grpc.pb.h"
#include "common/obs/grpc_server.h"
#include "google/protobuf/util/json_util.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50062", "gRPC listen address");
ABSL_FLAG(int, grpc_cqs, 0, "gRPC sync-server completion queues (0: gRPC's default)");
ABSL_FLAG(int, grpc_min_pollers, 0, "gRPC sync-server min polling threads per queue (0: default)");
ABSL_FLAG(int, grpc_max_pollers, 0, "gRPC sync-server max polling threads per queue (0: default)");
ABSL_FLAG(std::string, snapshot_dir, "",
          "answer GetParkSnapshot with DIR/<park_id>.json (JSON as grpcurl prints it)");

namespace cw::bench {
namespace {

namespace pb = clusterwatch::v1;

class NoopQueryService final : public pb::QueryService::Service {
 public:
  using Canned = std::map<std::string, pb::GetParkSnapshotResponse>;
  // `canned`: answers by park id; empty answers empty responses. Read-only once serving.
  explicit NoopQueryService(Canned canned) : canned_(std::move(canned)) {}

  grpc::Status GetParkSnapshot(grpc::ServerContext*, const pb::GetParkSnapshotRequest* request,
                               pb::GetParkSnapshotResponse* response) override {
    if (canned_.empty()) return grpc::Status::OK;
    auto it = canned_.find(request->park_id());
    if (it == canned_.end()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no canned park");
    *response = it->second;
    return grpc::Status::OK;
  }
  grpc::Status GetParkSeries(grpc::ServerContext*, const pb::GetParkSeriesRequest*,
                             pb::GetParkSeriesResponse*) override {
    return grpc::Status::OK;
  }
  grpc::Status ListParks(grpc::ServerContext*, const pb::ListParksRequest*,
                         pb::ListParksResponse*) override {
    return grpc::Status::OK;
  }

 private:
  const Canned canned_;
};

}  // namespace
}  // namespace cw::bench

int main(int argc, char** argv) {
  // Wait for the termination signals on a dedicated thread (sigwait), then shut down.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  absl::ParseCommandLine(argc, argv);

  cw::bench::NoopQueryService::Canned canned;
  const std::string dir = absl::GetFlag(FLAGS_snapshot_dir);
  if (!dir.empty()) {
    size_t bytes = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() != ".json") continue;
      std::ifstream in(e.path());
      std::stringstream text;
      text << in.rdbuf();
      auto& response = canned[e.path().stem().string()];
      auto s = google::protobuf::util::JsonStringToMessage(text.str(), &response);
      if (!in || !s.ok()) {
        std::fprintf(stderr, "noop_server: %s: %s\n", e.path().c_str(), s.ToString().c_str());
        return 2;
      }
      bytes += response.ByteSizeLong();
    }
    if (canned.empty()) {
      std::fprintf(stderr, "noop_server: no <park_id>.json in %s\n", dir.c_str());
      return 2;
    }
    std::fprintf(stderr, "noop_server: canned GetParkSnapshot answers for %zu parks, %zu bytes "
                 "on average\n", canned.size(), bytes / canned.size());
  }
  cw::bench::NoopQueryService service(std::move(canned));
  cw::obs::GrpcServerOptions options;
  options.address = absl::GetFlag(FLAGS_listen);
  options.sync_cqs = absl::GetFlag(FLAGS_grpc_cqs);
  options.sync_min_pollers = absl::GetFlag(FLAGS_grpc_min_pollers);
  options.sync_max_pollers = absl::GetFlag(FLAGS_grpc_max_pollers);
  auto started = cw::obs::StartGrpcServer(options, {&service});
  if (!started.ok()) {
    std::fprintf(stderr, "noop_server: %s\n", started.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "noop_server: listening on port %d\n", started->port);
  grpc::Server* server = started->server.get();
  std::thread waiter([&signals, server] {
    int sig = 0;
    sigwait(&signals, &sig);
    server->Shutdown();
  });
  server->Wait();
  waiter.join();
  return 0;
}
