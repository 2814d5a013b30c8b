// Serves a prometheus::Registry on http://<address>/metrics (prometheus-cpp's civetweb
// exposer). Components build their metric structs from a Registry& passed to their
// constructors; this only exposes it. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"

namespace prometheus {
class Exposer;
}

namespace cw::obs {

class MetricsServer {
 public:
  // Listens on `address` ("127.0.0.1:9464"; port 0 picks a free one). Adds the gauge
  // cw_build_info{program,version,commit} = 1 to `registry` (program.h).
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& address, std::shared_ptr<prometheus::Registry> registry);
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
