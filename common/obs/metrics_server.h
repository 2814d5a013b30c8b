// Serves a prometheus::Registry on http://<address>/metrics (prometheus-cpp's civetweb
// exposer), optionally behind HTTP basic authentication. Components build their metric
// structs from a Registry& passed to their constructors; this only exposes it. Thread-safe.
//
// --metrics_auth_file=FILE (every service): /metrics answers 401 unless the request
// carries basic auth of a user in FILE, one "USER SHA256-HEX-OF-PASSWORD" per line ('#'
// comments; `clusterctl hash-token PASSWORD` prints the digest). Prometheus scrapes it with
// `basic_auth: {username: USER, password_file: ...}`. Empty (default): open, as before.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}

namespace cw::obs {

// Who may read /metrics: user -> lowercase hex SHA-256 of the password. Empty: anyone.
struct MetricsAuth {
  std::map<std::string, std::string> password_sha256;
};

// Parses an auth file's text. kInvalidArgument naming the line: not two fields, a digest
// that is not 64 lowercase hex digits, a user given twice.
absl::StatusOr<MetricsAuth> ParseMetricsAuth(std::string_view text);

// Whether `user`/`password` is a user of `auth` (digests compared in constant time).
bool MetricsAuthAccepts(const MetricsAuth& auth, const std::string& user,
                        const std::string& password);

class MetricsServer {
 public:
  // Listens on `address` ("127.0.0.1:9464"; port 0 picks a free one), with the
  // authentication of --metrics_auth_file; kInvalidArgument when that file cannot be read
  // or parsed (the service refuses to start rather than serve /metrics openly). Adds the
  // gauge cw_build_info{program,version,commit} = 1 to `registry` (program.h).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& address, std::shared_ptr<prometheus::Registry> registry);
  // The same with `auth` (empty: open).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& address, std::shared_ptr<prometheus::Registry> registry,
      const MetricsAuth& auth);
  ~MetricsServer();
  int port() const;
  // Serves another registry on the same endpoint (the all-in-one process has one per service).
  void Add(std::shared_ptr<prometheus::Registry> registry);

 private:
  explicit MetricsServer(std::unique_ptr<prometheus::Exposer> exposer);
  std::unique_ptr<prometheus::Exposer> exposer_;
};

// Splits "k1=v1,k2=v2" (librdkafka pass-through settings) into a map; kInvalidArgument
// naming the item without "=".
absl::StatusOr<std::map<std::string, std::string>> ParseKeyValues(std::string_view text);

}  // namespace cw::obs
