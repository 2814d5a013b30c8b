// Topic names (configurable by flags; versioned so a schema change can move to new topics).
#pragma once

#include <string>

namespace cw::kafka {

struct Topics {
  std::string reports = "cw.reports.v1";            // key: enterprise USCC
  std::string registry = "cw.registry.v1";          // compacted; key: park|id, ent|uscc
  std::string rejected = "cw.rejected.v1";          // dead letters
  std::string park_metrics = "cw.park-metrics.v1";  // compacted; key: park|period
  // Between the aggregator's stages; compacted; key: park|period|uscc|kind, partition by park.
  std::string contributions = "cw.contributions.v1";
  std::string alerts = "cw.alerts.v1";              // compacted; key: alert id
  // What staff did about alerts (acknowledge, silence, comment); kept; key: alert id.
  std::string alert_actions = "cw.alert-actions.v1";

  // The same names with another version suffix ("v2" -> cw.reports.v2, ...).
  static Topics WithSuffix(const std::string& suffix) {
    Topics t;
    t.reports = "cw.reports." + suffix;
    t.registry = "cw.registry." + suffix;
    t.rejected = "cw.rejected." + suffix;
    t.park_metrics = "cw.park-metrics." + suffix;
    t.contributions = "cw.contributions." + suffix;
    t.alerts = "cw.alerts." + suffix;
    t.alert_actions = "cw.alert-actions." + suffix;
    return t;
  }
};

}  // namespace cw::kafka
