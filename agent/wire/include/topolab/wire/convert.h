// The one place where wire types (topolab.v1 protobuf) and engine values meet.
// The agent and the control library both convert through here.
#pragma once

#include <string>
#include <vector>

#include "topolab/engine/histogram.h"
#include "topolab/engine/metrics.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/remote.h"
#include "topolab/engine/tuple.h"
#include "topolab/v1/agent.pb.h"
#include "topolab/v1/dataplane.pb.h"

namespace topolab::wire {

void toProto(const Histogram& h, v1::HistogramData* out);
Histogram fromProto(const v1::HistogramData& h);

void toProto(const InstanceSnapshot& s, v1::InstanceMetrics* out);
InstanceSnapshot fromProto(const v1::InstanceMetrics& m, const std::string& agent);

// Every instance of an update, tagged with the agent that sent it.
Snapshot fromProto(const v1::MetricsUpdate& u);

// Messages between the instances of a replicated store; the kinds match one to one.
void toProto(const ReplicationMessage& m, v1::Replication* out);
[[nodiscard]] bool fromProto(const v1::Replication& in, ReplicationMessage* out,
                             std::string* error);

// Tuples, column by column; appending keeps the batch's other fields.
void appendTuples(const Batch& batch, v1::TupleBatch* out);
// Fails (false, with `error`) on a malformed batch: sizes that do not add up.
[[nodiscard]] bool readTuples(const v1::TupleBatch& in, Batch* out, std::string* error);

void toProto(const Plan& plan, v1::DeployRequest* out);
[[nodiscard]] bool fromProto(const v1::DeployRequest& in, Plan* out, std::string* error);

}  // namespace topolab::wire
