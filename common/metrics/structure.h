// Industry structure of a park (or any unit): each industry's share of output, the number
// of industries present, concentration ratios CRn of industries, the Herfindahl–Hirschman
// index, the dominant industry, and the share of output in the park's declared leading
// industries (主导产业).
// Value types and pure functions; thread-safe.
//
// Definitions (T = total of the industries' values):
//   share_i   = x_i / T
//   CRn       = sum of the n largest shares (all of them when fewer than n industries)
//   HHI       = Σ share_i², on the 0..1 scale (×10,000 for the points scale); with n
//               industries present 1/n <= HHI <= 1, and one industry gives HHI = 1
//   dominant  = the largest industry (ties: the smaller code)
//   leading   = Σ x_i over industries whose code starts with a declared leading code
//               ("36" covers "3670"; each industry counted once), / T
// An industry is present when its value is > 0; industries with value 0 are left out of
// every figure. With T = 0 every ratio is nullopt and no industry is present.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/metrics/values.h"

namespace cw::metrics {

struct IndustryShare {
  std::string industry;
  int64_t value_fen = 0;
  double share = 0;
};

struct IndustryStructure {
  int64_t total_fen = 0;
  // Industries present, largest first, ties by code ascending.
  std::vector<IndustryShare> shares;
  int n_industries = 0;  // == shares.size()
  std::optional<double> cr1;
  std::optional<double> cr3;
  std::optional<double> cr5;
  std::optional<double> hhi;
  std::optional<IndustryShare> dominant;
  // Output in declared leading industries, and its share (0 when none is declared or
  // present; nullopt only when T = 0). leading_present lists those industries' codes, in
  // the order of `shares`.
  int64_t leading_fen = 0;
  std::optional<double> leading_share;
  std::vector<std::string> leading_present;
};

// Computes the structure of `industries` against the park's `declared_leading` codes.
// Fails with kInvalidArgument when an industry code repeats, is empty, or has a negative
// value (a structure is of non-negative figures, e.g. year-to-date output).
absl::StatusOr<IndustryStructure> ComputeStructure(
    const std::vector<IndustryValue>& industries,
    const std::vector<std::string>& declared_leading);

// The share of the n largest industries of a computed structure (CRn); nullopt when
// n < 1 or the total is zero.
std::optional<double> ConcentrationRatio(const IndustryStructure& structure, int n);

// CRn of plain values (any unit: industries, enterprises): the n largest values' sum over
// the total of all values; nullopt when n < 1 or the total is not positive.
// REQUIRES: values >= 0.
std::optional<double> TopNShare(std::vector<int64_t> values, int n);

}  // namespace cw::metrics
