// GB/T 4754-2017 levels the park × industry metrics are computed at: the four-digit class
// (as reported) or the two-digit division, and the roll-up of class figures into divisions.
// Value types and pure functions; thread-safe.
//
// Definitions:
//   The division of a class is its first two digits ("3311" -> "33"); a code of two digits
//   or fewer is its own division. At the class level every code is kept as given.
//   Rolling up sums every figure of the classes of one division (output, employees,
//   establishments: an enterprise reports one class per period, so establishment counts
//   add up). Shares, CRn, HHI, LQ, strong-cluster flags, stars and stages are then computed
//   on the division cells exactly as on class cells (structure.h, specialisation.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/metrics/specialisation.h"
#include "common/metrics/values.h"

namespace cw::metrics {

enum class IndustryLevel { kClass, kDivision };

// "class" or "division".
std::string_view IndustryLevelName(IndustryLevel level);

// The code of `industry` at `level` (above).
std::string IndustryAtLevel(std::string_view industry, IndustryLevel level);

// Sums `industries` into their codes at `level`, sorted by code. Fails with
// kInvalidArgument for an empty code, a code repeated in the input, or a negative value.
absl::StatusOr<std::vector<IndustryValue>> RollUpIndustries(
    const std::vector<IndustryValue>& industries, IndustryLevel level);

// Sums park × class cells into park × `level` cells (output, employees, establishments),
// sorted by park then industry. Fails with kInvalidArgument for a repeated (park,
// industry), an empty industry code, a negative figure or a park given with two county
// codes.
absl::StatusOr<std::vector<ParkIndustryCell>> RollUpCells(
    const std::vector<ParkIndustryCell>& cells, IndustryLevel level);

// The cells of the parks that make up the reference of a park in `county_code` under
// `scope`: every cell for kSystem, else the cells whose county code shares the park's
// province (2 digits) or prefecture (4 digits) prefix. Order is kept. A county code shorter
// than the prefix matches nothing but itself.
std::vector<ParkIndustryCell> CellsInScope(const std::vector<ParkIndustryCell>& cells,
                                           std::string_view county_code,
                                           ReferenceScope scope);

}  // namespace cw::metrics
