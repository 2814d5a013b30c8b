// noop_server: the framework ceiling for cw-query. Serves clusterwatch.v1.QueryService with
// handlers that return an empty response at once, built and started exactly as cw-query's
// server is (cw::obs::StartGrpcServer: same options, reflection and health service), so
// loading it and cw-query identically shows what the query work itself costs.
// With --snapshot_json=FILE, GetParkSnapshot instead answers a canned copy of a real
// response (grpcurl's JSON of one cw-query answer): the same bytes on the wire and the same
// decoding work for the client, without any store lookup.
//
// Run alone:  build/bench/noop_server --listen=127.0.0.1:50062
//   then e.g. ghz --insecure --import-paths proto --proto proto/clusterwatch/v1/query.proto
//             --call clusterwatch.v1.QueryService.GetParkSnapshot -d '{"park_id":"P1"}'
//             -z 10s 127.0.0.1:50062
// Stops on SIGTERM/SIGINT. Thread-safe (gRPC calls the handlers concurrently; they keep no
// state).
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "clusterwatch/v1/query.grpc.pb.h"
#include "common/obs/grpc_server.h"
#include "google/protobuf/util/json_util.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50062", "gRPC listen address");
ABSL_FLAG(std::string, snapshot_json, "",
          "answer GetParkSnapshot with this canned response (JSON as grpcurl prints it)");

namespace cw::bench {
namespace {

namespace pb = clusterwatch::v1;

class NoopQueryService final : public pb::QueryService::Service {
 public:
  // REQUIRES: `canned` outlives the service; nullptr answers empty responses.
  explicit NoopQueryService(const pb::GetParkSnapshotResponse* canned) : canned_(canned) {}

  grpc::Status GetParkSnapshot(grpc::ServerContext*, const pb::GetParkSnapshotRequest*,
                               pb::GetParkSnapshotResponse* response) override {
    if (canned_ != nullptr) *response = *canned_;
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
  const pb::GetParkSnapshotResponse* canned_;
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

  clusterwatch::v1::GetParkSnapshotResponse canned;
  const std::string json_path = absl::GetFlag(FLAGS_snapshot_json);
  if (!json_path.empty()) {
    std::ifstream in(json_path);
    std::stringstream text;
    text << in.rdbuf();
    auto s = google::protobuf::util::JsonStringToMessage(text.str(), &canned);
    if (!in || !s.ok()) {
      std::fprintf(stderr, "noop_server: --snapshot_json=%s: %s\n", json_path.c_str(),
                   s.ToString().c_str());
      return 2;
    }
    std::fprintf(stderr, "noop_server: canned GetParkSnapshot answer of %zu bytes\n",
                 canned.ByteSizeLong());
  }
  cw::bench::NoopQueryService service(json_path.empty() ? nullptr : &canned);
  cw::obs::GrpcServerOptions options;
  options.address = absl::GetFlag(FLAGS_listen);
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
