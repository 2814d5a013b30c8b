// Builds the alert engine's subject histories (cw::alerts::SubjectHistory) from a replica
// store laid out by replica::Materializer:
//   - ParkHistories: one park — the park itself and each of its park × industry cells —
//     using the same metric computations as the query service;
//   - RollupHistories: region subjects (county, prefecture, province: "r:<gb2260>") and
//     named park groups ("g:<name>") from the incrementally maintained roll-ups
//     (replica/rollup.h), with the park history's figures where they make sense for a sum of
//     parks: output and tax, month and year to date, reporters and completeness.
//
// Completeness of a region or group follows the park's definition (replica/park_metrics.cc:
// enterprises with an output report for the period / expected enterprises, at most 1):
// the roll-up's output reporters over the expected enterprises summed over *every* member
// park in the registry — whether or not the park has a snapshot in the period — so a park
// whose reports are missing lowers its regions' and groups' completeness, and the
// no-false-alarm gates of the rules hold for them as for the park. Expected enterprises of
// a park are its above-designated-size enterprises in the registry (e|<park>|…).
// The whole system ("r:") is not a subject.
//
// Pure over the Store interface; thread-compatible (RollupHistories caches expected
// enterprises per park: use one instance per evaluation).
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/alerts/evaluate.h"
#include "common/metrics/config.h"
#include "common/store/store.h"

namespace cw::alerter {

absl::StatusOr<std::vector<alerts::SubjectHistory>> ParkHistories(
    store::Store& store, const std::string& park_id, const metrics::MetricsConfig& config);

// The subject of a roll-up code: "r:222400" → region 222400, "g:延龙图核心" → group
// 延龙图核心. nullopt for the whole system ("r:"), for anything else, and for a group name
// containing '|' (it would make alert ids and roll-up keys ambiguous).
std::optional<alerts::Subject> RollupSubject(const std::string& code);

// Sets the history's names (name_zh, name_en) from its subject: a park and a park ×
// industry cell by the park's registry name (`park_name`; its id when empty) and the
// industry's GB/T 4754 division name, a region by its GB/T 2260 name where known, with
// the codes in brackets: "园区宝应玻璃产业园（P1）·非金属矿物制品业（3041）",
// "Park 宝应玻璃产业园 (P1), industry 非金属矿物制品业 (3041)", "地区宝应县（321023）".
void NameSubject(const std::string& park_name, alerts::SubjectHistory* history);

// Expected enterprises of a park, as its completeness counts them: the park's
// above-designated-size enterprises in the registry.
absl::StatusOr<int64_t> ExpectedEnterprises(store::Store& store, const std::string& park_id);

class RollupHistories {
 public:
  // Loads the membership of every region and group subject from the registered parks
  // (p|… keys). Fails only on a store error.
  static absl::StatusOr<RollupHistories> Load(store::Store& store);

  // The roll-up codes of the region and group subjects containing any of `park_ids`, each
  // once: regions ("r:…") sorted by code, then groups ("g:…") sorted by name.
  std::vector<std::string> CodesContaining(const std::set<std::string>& park_ids) const;
  // Every region and group subject that has a registered member park, in the same order.
  std::vector<std::string> AllCodes() const;
  // The registered parks of a roll-up code, sorted; empty for an unknown code.
  std::vector<std::string> Members(const std::string& code) const;

  // The history of a region or group (`code` as from CodesContaining): one point per
  // period with a roll-up. With `reporting_enterprises`, each point also lists the
  // enterprises that reported output in the member parks' snapshots (for enterprise_exit;
  // reads every member snapshot). kInvalidArgument when `code` is not a subject's.
  absl::StatusOr<alerts::SubjectHistory> History(const std::string& code,
                                                 bool reporting_enterprises);

 private:
  explicit RollupHistories(store::Store& store) : store_(&store) {}
  absl::StatusOr<int64_t> Expected(const std::string& park_id);

  store::Store* store_;
  std::map<std::string, std::set<std::string>> members_;  // code → parks
  std::map<std::string, std::vector<std::string>> codes_;  // park → its subjects' codes
  std::map<std::string, int64_t> expected_;                // park → expected enterprises
};

}  // namespace cw::alerter
