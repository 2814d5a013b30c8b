// Supply-chain linkage. See linkage.h.
#include "common/metrics/linkage.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/ascii.h"
#include "common/domain/codes.h"
#include "common/metrics/values.h"

namespace cw::metrics {
namespace {

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return !s.empty();
}

}  // namespace

std::string PrefectureOf(std::string_view county_code) {
  if (county_code.size() < 4 || !AllDigits(county_code.substr(0, 4))) return "";
  return std::string(county_code.substr(0, 4));
}

Linkage ComputeLinkage(const std::vector<Purchase>& purchases, const EnterpriseDirectory& dir,
                       const std::string& park_id, const std::string& park_county_code,
                       const std::string& industry) {
  const std::string park_prefecture = PrefectureOf(park_county_code);
  Linkage l;
  for (const Purchase& p : purchases) {
    auto buyer = dir.find(p.buyer);
    if (buyer == dir.end() || buyer->second.park_id != park_id) continue;
    if (!industry.empty() && !buyer->second.industry.starts_with(industry)) continue;
    if (p.amount_fen <= 0 || p.seller == p.buyer) {
      ++l.ignored;
      continue;
    }
    ++l.purchases;
    l.total_fen += p.amount_fen;
    std::string seller_prefecture;
    bool in_park = false;
    if (auto seller = dir.find(p.seller); seller != dir.end()) {
      in_park = seller->second.park_id == park_id;
      seller_prefecture = PrefectureOf(seller->second.county_code);
    } else if (p.seller.size() == 18) {
      seller_prefecture = PrefectureOf(domain::UsccRegion(p.seller));
    }
    if (in_park) l.in_park_fen += p.amount_fen;
    if (seller_prefecture.empty() && !in_park) {
      l.unknown_region_fen += p.amount_fen;
    } else if (in_park ||
               (!park_prefecture.empty() && seller_prefecture == park_prefecture)) {
      l.in_region_fen += p.amount_fen;
    }
  }
  l.in_park_share = Ratio(l.in_park_fen, l.total_fen);
  l.in_region_share = Ratio(l.in_region_fen, l.total_fen);
  return l;
}

}  // namespace cw::metrics
