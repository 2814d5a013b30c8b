// Serialized ReportEnvelopes without building ReportEnvelope messages: ingest writes one
// envelope per accepted record, and all records of a push share the provenance but for
// the line. The bytes are exactly those of ReportEnvelope::SerializeAsString() (fields in
// number order: the report, then the provenance). Thread-compatible.
#pragma once

#include <cstdint>
#include <string>

#include "clusterwatch/v1/reports.pb.h"
#include "clusterwatch/v1/types.pb.h"

namespace cw::ingest {

class EnvelopeWriter {
 public:
  // `common`: the provenance shared by the push (bureau, submission, receive time); its
  // line is ignored and set per record.
  explicit EnvelopeWriter(const clusterwatch::v1::Provenance& common);

  // Appends the envelope {output = report, provenance = common + line} to `out`.
  void AppendOutput(const clusterwatch::v1::OutputReport& report, int64_t line,
                    std::string* out) const;
  // Appends the envelope {tax = report, provenance = common + line} to `out`.
  void AppendTax(const clusterwatch::v1::TaxReport& report, int64_t line,
                 std::string* out) const;

 private:
  void Append(uint32_t tag, const google::protobuf::MessageLite& report, int64_t line,
              std::string* out) const;
  std::string provenance_;  // fields 1-3 of the common provenance, serialized
};

}  // namespace cw::ingest
