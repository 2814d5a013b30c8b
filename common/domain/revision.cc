#include "common/domain/revision.h"

namespace cw::domain {

RevisionOutcome JudgeRevision(const ReportIdentity* accepted, const ReportIdentity& incoming) {
  if (accepted == nullptr) return RevisionOutcome::kApply;
  if (incoming.revision != accepted->revision) {
    return incoming.revision > accepted->revision ? RevisionOutcome::kApply
                                                  : RevisionOutcome::kStale;
  }
  if (incoming.submission_id == accepted->submission_id) return RevisionOutcome::kDuplicate;
  return incoming.received_unix_ms > accepted->received_unix_ms ? RevisionOutcome::kApply
                                                                : RevisionOutcome::kStale;
}

}  // namespace cw::domain
