// Fuzz target: the metrics configuration text, ParseMetricsConfig. One input = one file.
//
// Invariants (a violation traps):
//  - a failure is kInvalidArgument with a message;
//  - a parsed config re-validates OK (ValidateMetricsConfig), and formats to text that
//    parses back to the same config (FormatMetricsConfig's documented round trip), which
//    formats to the same text again.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/metrics/config.h"

namespace {

#define CW_FUZZ_CHECK(cond)                                                          \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "fuzz_metrics_config: invariant violated: %s (%s:%d)\n", \
                   #cond, __FILE__, __LINE__);                                       \
      __builtin_trap();                                                              \
    }                                                                                \
  } while (0)

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<cw::metrics::MetricsConfig> config = cw::metrics::ParseMetricsConfig(text);
  if (!config.ok()) {
    CW_FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
    CW_FUZZ_CHECK(!config.status().message().empty());
    return 0;
  }
  const absl::Status valid = cw::metrics::ValidateMetricsConfig(*config);
  if (!valid.ok()) std::fprintf(stderr, "re-validation: %s\n", valid.ToString().c_str());
  CW_FUZZ_CHECK(valid.ok());

  const std::string formatted = cw::metrics::FormatMetricsConfig(*config);
  absl::StatusOr<cw::metrics::MetricsConfig> back = cw::metrics::ParseMetricsConfig(formatted);
  if (!back.ok()) {
    std::fprintf(stderr, "formatted config does not parse: %s\n--- formatted ---\n%s",
                 back.status().ToString().c_str(), formatted.c_str());
  }
  CW_FUZZ_CHECK(back.ok());
  if (!(*back == *config)) {
    std::fprintf(stderr, "round trip changed the config\n--- formatted ---\n%s--- again ---\n%s",
                 formatted.c_str(), cw::metrics::FormatMetricsConfig(*back).c_str());
  }
  CW_FUZZ_CHECK(*back == *config);
  CW_FUZZ_CHECK(cw::metrics::FormatMetricsConfig(*back) == formatted);
  return 0;
}
