// What a database sink instance (postgres-sink) reports beyond the runtime's
// counters: its connection, rows and commits. The operator implements it,
// and the task reads it with `dynamic_cast<DatabaseSinkStats*>(op)`.
#pragma once

#include "topolab/engine/metrics.h"

namespace topolab {

class DatabaseSinkStats {
 public:
  virtual ~DatabaseSinkStats() = default;
  // The figures since the instance started (cumulative); any thread.
  virtual DatabaseStats databaseStats() = 0;
};

}  // namespace topolab
