// Registry corrections of past periods (clusterwatch.v1.EnterpriseCorrection): which periods
// a correction names and what it changes there. Pure; thread-compatible.
//
// A period's park and industry are those of the last correction (in arrival order) that
// names it and sets the field, else its report's. Ranges compare in period-key order
// (2024-01 < 2024-01/02 < 2024-02), so a correction from 2024-01 covers January–February.
#pragma once

#include <string>

#include "clusterwatch/v1/registry.pb.h"
#include "common/domain/period.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace cw::domain {

// Whether `c` names period `p`: corrects_from <= p, and p <= corrects_to when that is set.
bool CorrectionCovers(const clusterwatch::v1::EnterpriseCorrection& c, const Period& p);

// Whether `c` names a period of `year`.
bool CorrectionTouchesYear(const clusterwatch::v1::EnterpriseCorrection& c, int year);

// Sets *park_id and *industry as the corrections in `cs` (in arrival order) have them for
// period `p`; leaves a field alone when no correction naming `p` sets it. Returns whether
// any correction names `p`.
bool ApplyCorrections(
    const google::protobuf::RepeatedPtrField<clusterwatch::v1::EnterpriseCorrection>& cs,
    const Period& p, std::string* park_id, std::string* industry);

}  // namespace cw::domain
