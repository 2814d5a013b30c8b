#include "common/obs/metrics_server.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/obs/program.h"
#include "prometheus/exposer.h"
#include "prometheus/gauge.h"

namespace cw::obs {

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, std::shared_ptr<prometheus::Registry> registry) {
  // cw_build_info{program,version,commit} 1: which build every scraped process runs.
  prometheus::BuildGauge()
      .Name("cw_build_info")
      .Help("Always 1; the labels say which program, version and commit this process runs")
      .Register(*registry)
      .Add({{"program", ProgramName()},
            {"version", std::string(Version())},
            {"commit", std::string(Commit())}})
      .Set(1);
  try {  // prometheus-cpp reports a busy port by throwing; keep it at this boundary.
    auto exposer = std::make_unique<prometheus::Exposer>(address);
    exposer->RegisterCollectable(registry);
    return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(exposer)));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("metrics listener on ", address, ": ", e.what()));
  }
}

MetricsServer::MetricsServer(std::unique_ptr<prometheus::Exposer> exposer)
    : exposer_(std::move(exposer)) {}
MetricsServer::~MetricsServer() = default;

void MetricsServer::Add(std::shared_ptr<prometheus::Registry> registry) {
  exposer_->RegisterCollectable(registry);
}

int MetricsServer::port() const {
  auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

absl::StatusOr<std::map<std::string, std::string>> ParseKeyValues(std::string_view text) {
  std::map<std::string, std::string> out;
  for (absl::string_view item :
       absl::StrSplit(absl::string_view(text.data(), text.size()), ',', absl::SkipEmpty())) {
    auto eq = item.find('=');
    if (eq == absl::string_view::npos || eq == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("setting '", item, "' is not key=value"));
    }
    out[std::string(item.substr(0, eq))] = std::string(item.substr(eq + 1));
  }
  return out;
}

}  // namespace cw::obs
