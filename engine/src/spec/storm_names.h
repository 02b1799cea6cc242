// Storm's names for TopoLab's groupings, as Storm's multilang context and
// Flux files spell them.
#pragma once

#include "topolab/engine/topology.h"

namespace topolab::spec {

inline const char* stormGrouping(GroupingType g) {
  switch (g) {
    case GroupingType::Shuffle:
      return "SHUFFLE";
    case GroupingType::Fields:
      return "FIELDS";
    case GroupingType::All:
      return "ALL";
    case GroupingType::Global:
      return "GLOBAL";
    case GroupingType::LocalOrShuffle:
      return "LOCAL_OR_SHUFFLE";
  }
  return "SHUFFLE";
}

}  // namespace topolab::spec
