#include "common/domain/correction.h"

#include "common/domain/totals.h"

namespace cw::domain {

namespace pb = clusterwatch::v1;

bool CorrectionCovers(const pb::EnterpriseCorrection& c, const Period& p) {
  if (PeriodLess(p, FromProto(c.corrects_from()))) return false;
  return !c.has_corrects_to() || !PeriodLess(FromProto(c.corrects_to()), p);
}

bool CorrectionTouchesYear(const pb::EnterpriseCorrection& c, int year) {
  return c.corrects_from().year() <= year &&
         (!c.has_corrects_to() || year <= c.corrects_to().year());
}

bool ApplyCorrections(const google::protobuf::RepeatedPtrField<pb::EnterpriseCorrection>& cs,
                      const Period& p, std::string* park_id, std::string* industry) {
  bool named = false;
  for (const auto& c : cs) {
    if (!CorrectionCovers(c, p)) continue;
    named = true;
    if (!c.park_id().empty()) *park_id = c.park_id();
    if (!c.industry().empty()) *industry = c.industry();
  }
  return named;
}

}  // namespace cw::domain
