// Types the file format knows whose runtime arrives with its connector:
// files using them validate, and `run` says plainly that they cannot run yet.
// (kafka-source and kafka-sink have theirs: kafka_source.cpp, kafka_sink.cpp.)
#include "topolab/engine/operator.h"

namespace topolab {
namespace {

const CatalogueRegistration kReplicatedStore{ComponentType{
    .name = "replicated-store",
    .role = Role::Sink,
    .doc = "Key-value store: one primary, replicas on other agents",
    .params =
        {
            {.name = "replicas",
             .type = ParamType::Int,
             .default_text = "2",
             .min = 0,
             .max = 16,
             .doc = "followers of the primary"},
            {.name = "mode",
             .type = ParamType::Enum,
             .default_text = "async",
             .choices = {"async", "sync", "quorum"},
             .doc = "when a write is acknowledged"},
            {.name = "failover_ms",
             .type = ParamType::Int,
             .default_text = "3000",
             .min = 10,
             .max = 600'000,
             .doc = "time to promote a follower when the primary dies"},
        },
}};

}  // namespace
}  // namespace topolab
