// Supply-chain linkage (配套): the share of a park's (or park × industry's) purchases that
// come from enterprises in the same park and in the same region, from the largest invoice
// counterparties in tax reports.
// Value types and pure functions; thread-safe.
//
// Definitions:
//   buyers     = enterprises of the directory in the park (and, when an industry is given,
//                whose industry code starts with it: "30" covers "3051")
//   purchases  = the buyers' purchases with amount > 0 from another enterprise (purchases
//                from itself and non-positive amounts are left out and counted as ignored)
//   in park    = the seller is in the directory with the same park id
//   in region  = the seller's prefecture (first 4 digits of its GB/T 2260 county code) is
//                the park's; the seller's county code comes from the directory, or else
//                from positions 3–8 of its USCC. In-park purchases are in region too.
//                A seller with neither is of unknown region (counted as outside).
//   shares     = in park / total and in region / total; nullopt when the total is 0.
// The figures cover the reported counterparties only (tax reports list the largest ones),
// so the shares are of reported purchases.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cw::metrics {

struct Purchase {
  std::string buyer;   // USCC
  std::string seller;  // USCC
  int64_t amount_fen = 0;
};

struct EnterpriseLocation {
  std::string park_id;
  std::string county_code;  // GB/T 2260
  std::string industry;     // GB/T 4754
};

// Registered enterprises by USCC.
using EnterpriseDirectory = std::map<std::string, EnterpriseLocation, std::less<>>;

struct Linkage {
  int64_t total_fen = 0;
  int64_t in_park_fen = 0;
  int64_t in_region_fen = 0;       // includes in_park_fen
  int64_t unknown_region_fen = 0;  // seller's region unknown
  int64_t purchases = 0;           // purchases counted
  int64_t ignored = 0;             // self-purchases and amounts <= 0
  std::optional<double> in_park_share;
  std::optional<double> in_region_share;
};

// The prefecture prefix (first 4 digits) of a GB/T 2260 code, or "" when it is shorter.
std::string PrefectureOf(std::string_view county_code);

// Linkage of the buyers in `park_id` (county `park_county_code`), optionally of one
// `industry` ("" for all).
Linkage ComputeLinkage(const std::vector<Purchase>& purchases, const EnterpriseDirectory& dir,
                       const std::string& park_id, const std::string& park_county_code,
                       const std::string& industry = "");

}  // namespace cw::metrics
