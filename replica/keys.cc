#include "replica/keys.h"

#include <charconv>

namespace cw::replica::keys {
namespace {

// Joins the parts (std::string_view throughout: this Abseil's StrCat takes its own
// string_view type only).
std::string Join(std::initializer_list<std::string_view> parts) {
  std::string out;
  size_t n = 0;
  for (auto p : parts) n += p.size();
  out.reserve(n);
  for (auto p : parts) out.append(p);
  return out;
}

// An offset as 20 digits, so keys sort by offset.
std::string Offset20(int64_t offset) {
  std::string digits = std::to_string(offset);
  return Join({std::string(digits.size() < 20 ? 20 - digits.size() : 0, '0'), digits});
}

}  // namespace

std::string Park(std::string_view park_id) { return Join({kParks, park_id}); }

std::string EnterprisePark(std::string_view uscc) { return Join({"u|", uscc}); }

std::string Enterprise(std::string_view park_id, std::string_view uscc) {
  return Join({"e|", park_id, "|", uscc});
}

std::string Enterprises(std::string_view park_id) { return Join({"e|", park_id, "|"}); }

std::string Snapshot(std::string_view park_id, std::string_view period_key) {
  return Join({kSnapshots, park_id, "|", period_key});
}

std::string Snapshots(std::string_view park_id) { return Join({kSnapshots, park_id, "|"}); }

std::string Rollup(std::string_view code, std::string_view period_key) {
  return Join({"r|", code, "|", period_key});
}

std::string Rollups(std::string_view code) { return Join({"r|", code, "|"}); }

std::string Alert(std::string_view alert_id) { return Join({kAlerts, alert_id}); }

std::string AlertChange(int64_t offset) { return Join({kAlertChanges, Offset20(offset)}); }

std::string AlertAction(std::string_view alert_id, int64_t offset) {
  return Join({AlertActions(alert_id), Offset20(offset)});
}

std::string AlertActions(std::string_view alert_id) { return Join({"aa|", alert_id, "|"}); }

std::string AlertState(std::string_view alert_id) { return Join({kAlertStates, alert_id}); }

std::string SourceOffset(std::string_view topic, int32_t partition) {
  return Join({"o|", topic, "|", std::to_string(partition)});
}

std::optional<int64_t> ParseAlertChange(std::string_view key) {
  if (!key.starts_with(kAlertChanges)) return std::nullopt;
  key.remove_prefix(kAlertChanges.size());
  if (key.size() != 20) return std::nullopt;
  int64_t offset = 0;
  auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), offset);
  if (ec != std::errc() || end != key.data() + key.size() || offset < 0) return std::nullopt;
  return offset;
}

}  // namespace cw::replica::keys
