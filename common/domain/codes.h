// Code checks: USCC (GB 32100-2015), GB/T 4754-2017 industries, GB/T 2260 regions.
// Pure functions over static tables; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace cw::domain {

// The check character of the first 17 characters of a USCC, or nullopt when one of them
// is outside the alphabet 0123456789ABCDEFGHJKLMNPQRTUWXY.
std::optional<char> UsccCheckChar(std::string_view first17);

// OK for an 18-character USCC whose check character matches; kInvalidArgument otherwise,
// with a reason such as "check character is N, expected L".
absl::Status ValidateUscc(std::string_view uscc);

// The GB/T 2260 region code in positions 3–8 of a USCC.
std::string UsccRegion(std::string_view uscc);

// OK for a four-digit GB/T 4754-2017 class whose two-digit division exists (01..97 as
// published); kInvalidArgument naming the code otherwise.
absl::Status ValidateIndustryClass(std::string_view code);

// Chinese name of a division ("30" -> "非金属矿物制品业"), or "" when unknown.
std::string_view IndustryDivisionName(std::string_view division);

// OK for a six-digit GB/T 2260 code whose province part (first two digits) exists and whose
// prefecture/county digits are well formed; kInvalidArgument otherwise.
absl::Status ValidateRegionCode(std::string_view code);

// Name of a known region (provinces, and the seed regions of domain.md), or "".
std::string_view RegionName(std::string_view code);

}  // namespace cw::domain
