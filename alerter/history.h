// Builds the alert engine's subject histories (cw::alerts::SubjectHistory) for one park —
// the park itself and each of its park × industry cells — from a replica store laid out
// by query::Materializer, using the same metric computations as the query service.
// Pure over the Store interface; thread-compatible.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "common/alerts/evaluate.h"
#include "common/metrics/config.h"
#include "common/store/store.h"

namespace cw::alerter {

absl::StatusOr<std::vector<alerts::SubjectHistory>> ParkHistories(
    store::Store& store, const std::string& park_id, const metrics::MetricsConfig& config);

}  // namespace cw::alerter
