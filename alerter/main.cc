// cw-alerter: evaluates the decline-alert rules over the park-metrics topic and publishes
// alert state changes to the alerts topic (and optionally a webhook). Flags: see --help.
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "alerter/app.h"
#include "common/alerts/rules_yaml.h"
#include "common/obs/log.h"
#include "common/obs/kafka_settings.h"
#include "common/obs/metrics_server.h"
#include "common/obs/program.h"
#include "common/obs/signals.h"

ABSL_FLAG(std::string, brokers, "127.0.0.1:19092", "Kafka bootstrap servers");
ABSL_FLAG(std::string, kafka_config, "", "extra librdkafka settings, k=v,k=v (TLS/SASL)");
ABSL_FLAG(std::string, state_dir, "var/alerter", "RocksDB directory");
ABSL_FLAG(std::string, metrics_address, "127.0.0.1:9104", "Prometheus /metrics listener");
ABSL_FLAG(std::string, rules, "deploy/alert-rules.yaml", "alert rules file (YAML)");
ABSL_FLAG(std::string, metrics_config, "", "cluster-metric thresholds (deploy/metrics.conf)");
ABSL_FLAG(int64_t, reevaluate_seconds, 60, "re-evaluate every park this often");
ABSL_FLAG(std::string, webhook_url, "", "POST alert state changes here (JSON); empty: off");
ABSL_FLAG(std::string, alertmanager_url, "",
          "Prometheus Alertmanager base URL (http://host:9093): alerts are POSTed to its "
          "/api/v2/alerts; empty: off");
ABSL_FLAG(std::string, topic_suffix, "v1", "topic version suffix");

namespace {
absl::StatusOr<std::string> Slurp(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

int main(int argc, char** argv) {
  cw::obs::BlockTerminationSignals();
  cw::obs::InitProgram(argc, argv, "evaluates the alert rules on park metrics");
  auto extra = cw::obs::KafkaSettings(absl::GetFlag(FLAGS_kafka_config));
  if (!extra.ok()) {
    cw::obs::Error("alerter", extra.status().message());
    return 2;
  }
  cw::alerter::AlerterAppOptions options;
  auto rules_text = Slurp(absl::GetFlag(FLAGS_rules));
  if (!rules_text.ok()) {
    cw::obs::Error("alerter", "--rules: ", rules_text.status().message());
    return 2;
  }
  auto rules = cw::alerts::ParseAlertConfig(*rules_text);
  if (!rules.ok()) {
    cw::obs::Error("alerter", "--rules ", absl::GetFlag(FLAGS_rules), ": ",
                   rules.status().message());
    return 2;
  }
  options.rules = *rules;
  if (const std::string path = absl::GetFlag(FLAGS_metrics_config); !path.empty()) {
    auto text = Slurp(path);
    auto config = text.ok() ? cw::metrics::ParseMetricsConfig(*text)
                            : absl::StatusOr<cw::metrics::MetricsConfig>(text.status());
    if (!config.ok()) {
      cw::obs::Error("alerter", "--metrics_config ", path, ": ", config.status().message());
      return 2;
    }
    options.metrics = *config;
  }
  if (cw::obs::FlagCheckDone()) return 0;
  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics_server =
      cw::obs::MetricsServer::Start(absl::GetFlag(FLAGS_metrics_address), registry);
  if (!metrics_server.ok()) {
    cw::obs::Error("alerter", metrics_server.status().ToString());
    return 1;
  }
  options.client = {absl::GetFlag(FLAGS_brokers), *extra,
                    cw::obs::KafkaLoginRefusedExitAfter()};
  options.topics = cw::kafka::Topics::WithSuffix(absl::GetFlag(FLAGS_topic_suffix));
  options.store.path = absl::GetFlag(FLAGS_state_dir);
  options.reevaluate_every = absl::Seconds(absl::GetFlag(FLAGS_reevaluate_seconds));
  options.webhook_url = absl::GetFlag(FLAGS_webhook_url);
  options.alertmanager_url = absl::GetFlag(FLAGS_alertmanager_url);
  auto app = cw::alerter::AlerterApp::Start(options, *registry);
  if (!app.ok()) {
    cw::obs::Error("alerter", app.status().ToString());
    return 1;
  }
  cw::alerter::AlerterApp* raw = app->get();
  cw::obs::OnTermination([raw] { raw->Shutdown(); });
  cw::obs::Info("alerter", "metrics on port ", (*metrics_server)->port());
  raw->Wait();
  cw::obs::Info("alerter", "stopped");
  return 0;
}
