// Stage 1 of the aggregator, keyed by enterprise: consumes the reports topic (key = USCC,
// so one partition, and one owner, holds each enterprise's whole history) and keeps per
// enterprise, kind and year the accepted report of every period (the revision rule,
// common/domain/revision.h). For every park-period whose contribution a report changes it
// produces an upsert to the contributions topic: the enterprise's derived month and
// year-to-date figures there (common/domain/derive.h), keyed park|period|uscc|kind and
// partitioned by park. A report that moves a period to another park retracts the old
// park's contribution (an empty one) and adds the new. A record that ingest would refuse
// goes to the rejected topic with its reason and never reaches a total.
//
// State: "y|<uscc>|<o|t>|<year>|" -> EnterpriseYear. Not thread-safe (see stage.h).
#pragma once

#include <string>

#include "aggregator/stage.h"
#include "clusterwatch/v1/reports.pb.h"
#include "common/domain/validate.h"
#include "common/kafka/topics.h"
#include "prometheus/counter.h"
#include "prometheus/registry.h"

namespace cw::aggregator {

struct EnterpriseStageMetrics {
  explicit EnterpriseStageMetrics(prometheus::Registry& registry);
  prometheus::Counter& applied;
  prometheus::Counter& duplicates;
  prometheus::Counter& stale;
  prometheus::Counter& poison;
  prometheus::Counter& corrections;
  prometheus::Counter& contributions;
};

// What happened to the messages of the last Apply (for tests and logs).
struct EnterpriseStageCounts {
  int applied = 0;
  int duplicates = 0;
  int stale = 0;
  int poison = 0;
  int contributions = 0;
  int corrections = 0;  // registry corrections applied
};

class EnterpriseStage : public Stage {
 public:
  // REQUIRES: contribution_partitions > 0 (the partition count of topics.contributions).
  EnterpriseStage(kafka::Topics topics, int contribution_partitions,
                  EnterpriseStageMetrics& metrics, domain::ValidationLimits limits = {});

  absl::Status Apply(const std::vector<kafka::Message>& messages, bool emit,
                     store::StagedStore& state, std::vector<kafka::OutRecord>& out) override;
  absl::Status Flush(store::StagedStore&, std::vector<kafka::OutRecord>&) override {
    return absl::OkStatus();  // everything is produced by Apply
  }
  void Reset() override {}

  const EnterpriseStageCounts& last_counts() const { return counts_; }

 private:
  // Appends the dead letter of `m`, refused for `bad` (`decoded`: the envelope, when it
  // decoded).
  void RejectAsDeadLetter(const kafka::Message& m, const domain::Violation& bad,
                          const clusterwatch::v1::ReportEnvelope* decoded,
                          std::vector<kafka::OutRecord>& out) const;

  kafka::Topics topics_;
  int contribution_partitions_;
  EnterpriseStageMetrics& metrics_;
  domain::ValidationLimits limits_;
  EnterpriseStageCounts counts_;
};

// The contributions topic's key of a park-period contribution of an enterprise.
std::string ContributionKey(const std::string& park, const std::string& period_key,
                            const std::string& uscc, bool output);

}  // namespace cw::aggregator
