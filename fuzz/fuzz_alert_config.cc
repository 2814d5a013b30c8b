// Fuzz target: the alert rules file (YAML, yaml-cpp inside), ParseAlertConfig. One input =
// one file.
//
// Invariants (a violation traps):
//  - no exception escapes (yaml-cpp throws; ParseAlertConfig must turn every throw into a
//    status) — an escaping exception aborts the process;
//  - a failure is kInvalidArgument whose message says where: "line N..." (N >= 1) or, for
//    a yaml-cpp error without a position, "alert rules: ...";
//  - a parsed config re-validates OK (ValidateAlertConfig); every rule has a line >= 1, a
//    non-empty name, at least one subject kind; rule names are unique.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <set>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/alerts/rules.h"
#include "common/alerts/rules_yaml.h"

namespace {

#define CW_FUZZ_CHECK(cond)                                                         \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "fuzz_alert_config: invariant violated: %s (%s:%d)\n", \
                   #cond, __FILE__, __LINE__);                                      \
      __builtin_trap();                                                             \
    }                                                                               \
  } while (0)

bool SaysWhere(std::string_view message) {
  if (message.starts_with("alert rules: ")) return true;
  if (!message.starts_with("line ")) return false;
  message.remove_prefix(5);
  // A line number >= 1: digits, not starting with 0.
  if (message.empty() || message.front() < '1' || message.front() > '9') return false;
  while (!message.empty() && message.front() >= '0' && message.front() <= '9') {
    message.remove_prefix(1);
  }
  return message.starts_with(":") || message.starts_with(",");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<cw::alerts::AlertConfig> config = cw::alerts::ParseAlertConfig(yaml);
  if (!config.ok()) {
    CW_FUZZ_CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
    // Debian's Abseil has its own string_view type.
    const absl::string_view m = config.status().message();
    const std::string_view message(m.data(), m.size());
    if (!SaysWhere(message)) {
      std::fprintf(stderr, "error without a position: %s\n",
                   config.status().ToString().c_str());
    }
    CW_FUZZ_CHECK(SaysWhere(message));
    return 0;
  }
  const absl::Status valid = cw::alerts::ValidateAlertConfig(*config);
  if (!valid.ok()) std::fprintf(stderr, "re-validation: %s\n", valid.ToString().c_str());
  CW_FUZZ_CHECK(valid.ok());
  std::set<std::string> names;
  for (const cw::alerts::Rule& rule : config->rules) {
    CW_FUZZ_CHECK(rule.line >= 1);
    CW_FUZZ_CHECK(!rule.name.empty());
    CW_FUZZ_CHECK(!rule.subjects.empty());
    CW_FUZZ_CHECK(names.insert(rule.name).second);
  }
  return 0;
}
