// The key codec of a replica store (cw-query's and cw-alerter's RocksDB): every key is
// built and parsed here, so a family's layout is written once and a prefix scan cannot
// drift from the keys it scans.
//
//   p|<park>                    the registry's park            Park / kParks
//   u|<uscc>                    an enterprise's current park   EnterprisePark
//   e|<park>|<uscc>             an enterprise of a park        Enterprise / Enterprises
//   s|<park>|<period key>       a park-period snapshot         Snapshot / Snapshots / kSnapshots
//   r|<code>|<period key>       a region's or group's roll-up  Rollup / Rollups
//   al|<alert id>               an alert's latest version      Alert / kAlerts
//   w|<offset, 20 digits>       the alert change log           AlertChange / kAlertChanges
//   as|<alert id>               the alerter's lifecycle state  AlertState / kAlertStates
//   aa|<alert id>|<offset, 20>  an action on an alert          AlertAction / AlertActions
//   o|<topic>|<partition>       the next offset to read        SourceOffset
//   m|as_of, m|applied          the replica's watermarks       kAsOf / kApplied
//
// Ids never contain '|' (the materialiser refuses such park ids), so a family's prefix
// followed by an id and '|' selects exactly that id's keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cw::replica::keys {

inline constexpr std::string_view kParks = "p|";
inline constexpr std::string_view kSnapshots = "s|";
inline constexpr std::string_view kAlerts = "al|";
inline constexpr std::string_view kAlertChanges = "w|";
inline constexpr std::string_view kAlertStates = "as|";
inline constexpr std::string_view kAsOf = "m|as_of";
inline constexpr std::string_view kApplied = "m|applied";

std::string Park(std::string_view park_id);
std::string EnterprisePark(std::string_view uscc);
std::string Enterprise(std::string_view park_id, std::string_view uscc);
std::string Enterprises(std::string_view park_id);  // prefix of Enterprise(park_id, *)
std::string Snapshot(std::string_view park_id, std::string_view period_key);
std::string Snapshots(std::string_view park_id);  // prefix of Snapshot(park_id, *)
std::string Rollup(std::string_view code, std::string_view period_key);
std::string Rollups(std::string_view code);  // prefix of Rollup(code, *)
std::string Alert(std::string_view alert_id);
std::string AlertChange(int64_t offset);  // sorts by offset
std::string AlertState(std::string_view alert_id);
// An action (cw.alert-actions.v1 record at `offset`); the prefix lists them oldest first.
// Alert ids have exactly two '|', so "aa|<id>|" never selects another alert's actions.
std::string AlertAction(std::string_view alert_id, int64_t offset);
std::string AlertActions(std::string_view alert_id);
std::string SourceOffset(std::string_view topic, int32_t partition);

// The offset of an AlertChange key; nullopt for any other key.
std::optional<int64_t> ParseAlertChange(std::string_view key);

}  // namespace cw::replica::keys
