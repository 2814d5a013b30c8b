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
//
// Self-purchases: an enterprise buying from itself (seller USCC == buyer USCC) is no
// supply-chain linkage, in park or anywhere: the purchase is left out of every figure,
// the total too, and counted in `ignored` (docs/metrics.md).
//
// Sums saturate at INT64_MAX (validation bounds each amount, not their sum).
//
// Two entry points share one rule: BuyerLinkage classifies the counterparties of one tax
// report as the aggregator's enterprise stage sees them (sellers located by ingest from the
// registry), without allocating; ComputeLinkage applies it to a whole park from a list of
// purchases and a directory.
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

// The figures of one buyer's purchases (the sums of Linkage, without the shares).
struct LinkageFlows {
  int64_t total_fen = 0;
  int64_t in_park_fen = 0;
  int64_t in_region_fen = 0;       // includes in_park_fen
  int64_t unknown_region_fen = 0;  // seller's region unknown
  int64_t purchases = 0;           // purchases counted
  int64_t ignored = 0;             // self-purchases and amounts <= 0
};

// The flows with the shares of purchases bought in the park and in the region.
struct Linkage : LinkageFlows {
  std::optional<double> in_park_share;
  std::optional<double> in_region_share;
};

// The prefecture prefix (first 4 digits) of a GB/T 2260 code, or "" when it is shorter.
std::string PrefectureOf(std::string_view county_code);


// Where a seller is, as the registry placed it.
struct SellerPlace {
  std::string_view park_id;      // "" when the seller is not registered in a park
  std::string_view county_code;  // its county (GB/T 2260); "" when the registry has none
};

// Linkage of one buyer's purchases. Not thread-safe (a value that accumulates); the views
// given to the constructor must outlive it.
class BuyerLinkage {
 public:
  // The buyer `buyer_uscc`, registered in park `park_id` of county `park_county_code`.
  BuyerLinkage(std::string_view buyer_uscc, std::string_view park_id,
               std::string_view park_county_code);

  // Adds one purchase of `amount_fen` from `seller_uscc`, located at `seller`. A seller
  // without a county is located by positions 3–8 of its USCC when it has 18 characters.
  // Inline: the aggregator calls it for every counterparty of every tax report.
  void Add(std::string_view seller_uscc, int64_t amount_fen, const SellerPlace& seller) {
    if (amount_fen <= 0 || seller_uscc == buyer_) {
      ++flows_.ignored;
      return;
    }
    ++flows_.purchases;
    AddSaturating(flows_.total_fen, amount_fen);
    if (!seller.park_id.empty() && seller.park_id == park_id_) {
      AddSaturating(flows_.in_park_fen, amount_fen);
      AddSaturating(flows_.in_region_fen, amount_fen);
      return;
    }
    std::string_view county = seller.county_code;
    if (county.empty() && seller_uscc.size() == 18) county = seller_uscc.substr(2, 6);
    if (SamePrefecture(county)) {
      AddSaturating(flows_.in_region_fen, amount_fen);
    } else if (!HasPrefecture(county)) {
      AddSaturating(flows_.unknown_region_fen, amount_fen);
    }
  }

  const LinkageFlows& flows() const { return flows_; }

 private:
  // Adds a positive amount, saturating at INT64_MAX.
  static void AddSaturating(int64_t& sum, int64_t v) {
    sum = v > INT64_MAX - sum ? INT64_MAX : sum + v;
  }
  // Whether `county` starts with four digits.
  static bool HasPrefecture(std::string_view county) {
    if (county.size() < 4) return false;
    for (int i = 0; i < 4; ++i) {
      if (county[i] < '0' || county[i] > '9') return false;
    }
    return true;
  }
  // Whether `county` starts with the park's prefecture (four digits; never when the park
  // has none).
  bool SamePrefecture(std::string_view county) const {
    return park_prefecture_.size() == 4 && county.size() >= 4 &&
           county[0] == park_prefecture_[0] && county[1] == park_prefecture_[1] &&
           county[2] == park_prefecture_[2] && county[3] == park_prefecture_[3];
  }

  std::string_view buyer_;
  std::string_view park_id_;
  std::string_view park_prefecture_;  // "" when the park's county has no prefecture
  LinkageFlows flows_;
};

// Linkage of the buyers in `park_id` (county `park_county_code`), optionally of one
// `industry` ("" for all).
Linkage ComputeLinkage(const std::vector<Purchase>& purchases, const EnterpriseDirectory& dir,
                       const std::string& park_id, const std::string& park_county_code,
                       const std::string& industry = "");

}  // namespace cw::metrics
