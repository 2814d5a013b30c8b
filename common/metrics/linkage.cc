// Supply-chain linkage. See linkage.h.
#include "common/metrics/linkage.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/metrics/values.h"

namespace cw::metrics {
namespace {

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return !s.empty();
}

// The first four digits of a county code, or "" (a view into `county_code`).
std::string_view PrefectureView(std::string_view county_code) {
  if (county_code.size() < 4 || !AllDigits(county_code.substr(0, 4))) return {};
  return county_code.substr(0, 4);
}

// Adds a positive amount, saturating at INT64_MAX.
void AddSaturating(int64_t& sum, int64_t v) {
  sum = v > INT64_MAX - sum ? INT64_MAX : sum + v;
}

}  // namespace

std::string PrefectureOf(std::string_view county_code) {
  return std::string(PrefectureView(county_code));
}

BuyerLinkage::BuyerLinkage(std::string_view buyer_uscc, std::string_view park_id,
                           std::string_view park_county_code)
    : buyer_(buyer_uscc), park_id_(park_id), park_prefecture_(PrefectureView(park_county_code)) {}

Linkage ComputeLinkage(const std::vector<Purchase>& purchases, const EnterpriseDirectory& dir,
                       const std::string& park_id, const std::string& park_county_code,
                       const std::string& industry) {
  Linkage l;
  LinkageFlows& f = l;
  for (const Purchase& p : purchases) {
    auto buyer = dir.find(p.buyer);
    if (buyer == dir.end() || buyer->second.park_id != park_id) continue;
    if (!industry.empty() && !buyer->second.industry.starts_with(industry)) continue;
    BuyerLinkage one(p.buyer, park_id, park_county_code);
    SellerPlace place;
    if (auto seller = dir.find(p.seller); seller != dir.end()) {
      place = {seller->second.park_id, seller->second.county_code};
    }
    one.Add(p.seller, p.amount_fen, place);
    const LinkageFlows& g = one.flows();
    AddSaturating(f.total_fen, g.total_fen);
    AddSaturating(f.in_park_fen, g.in_park_fen);
    AddSaturating(f.in_region_fen, g.in_region_fen);
    AddSaturating(f.unknown_region_fen, g.unknown_region_fen);
    f.purchases += g.purchases;
    f.ignored += g.ignored;
  }
  l.in_park_share = Ratio(l.in_park_fen, l.total_fen);
  l.in_region_share = Ratio(l.in_region_fen, l.total_fen);
  return l;
}

}  // namespace cw::metrics
