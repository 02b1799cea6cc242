#include "runtime/partitioner.h"

#include <algorithm>
#include <cstring>
#include <map>

#include <nlohmann/json.hpp>

namespace topolab {
namespace {

uint64_t fnv1a(const void* data, size_t n, uint64_t h = 0xcbf29ce484222325ULL) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 0x100000001b3ULL;
  return h;
}

class ShufflePartitioner final : public Partitioner {
 public:
  // Round-robin from a random start: as even as a shuffle, without a draw per tuple.
  ShufflePartitioner(int n, uint64_t seed) : n_(n), next_(static_cast<int>(Rng(seed).below(n))) {}
  int select(const Tuple&) override {
    const int i = next_;
    next_ = (next_ + 1 == n_) ? 0 : next_ + 1;
    return i;
  }

 private:
  int n_;
  int next_;
};

class FieldsPartitioner final : public Partitioner {
 public:
  FieldsPartitioner(int n, bool key, bool value) : n_(n), key_(key), value_(value) {}
  int select(const Tuple& t) override {
    return static_cast<int>(hashFields(t, key_, value_) % static_cast<uint64_t>(n_));
  }

 private:
  int n_;
  bool key_, value_;
};

// A fields grouping on a multilang program's declared fields beyond the
// first (which is the key): those values are read from the tuple's values
// (a JSON array in its payload) and hashed as their JSON text, so equal
// values go to the same task whatever their type.
class ValuesFieldsPartitioner final : public Partitioner {
 public:
  ValuesFieldsPartitioner(int n, bool key, bool value, std::vector<size_t> indices)
      : n_(n), key_(key), value_(value), indices_(std::move(indices)) {}
  int select(const Tuple& t) override {
    uint64_t h = hashFields(t, key_, value_);
    const nlohmann::json values = nlohmann::json::parse(t.payload, nullptr, false);
    for (size_t i : indices_) {
      const std::string text =
          values.is_array() && i < values.size() ? values[i].dump() : std::string("null");
      h = fnv1a(text.data(), text.size(), h);
    }
    return static_cast<int>(Rng::splitmix(h) % static_cast<uint64_t>(n_));
  }

 private:
  int n_;
  bool key_, value_;
  std::vector<size_t> indices_;
};

class FixedPartitioner final : public Partitioner {
 public:
  explicit FixedPartitioner(int target) : target_(target) {}
  int select(const Tuple&) override { return target_; }

 private:
  int target_;
};

// Shuffle among the local targets when there are any, else among all.
class LocalOrShufflePartitioner final : public Partitioner {
 public:
  LocalOrShufflePartitioner(const std::vector<bool>& local, uint64_t seed) {
    for (int i = 0; i < static_cast<int>(local.size()); ++i) {
      if (local[i]) targets_.push_back(i);
    }
    if (targets_.empty()) {
      for (int i = 0; i < static_cast<int>(local.size()); ++i) targets_.push_back(i);
    }
    next_ = static_cast<size_t>(Rng(seed).below(targets_.size()));
  }
  int select(const Tuple&) override {
    const int i = targets_[next_];
    if (++next_ == targets_.size()) next_ = 0;
    return i;
  }

 private:
  std::vector<int> targets_;
  size_t next_ = 0;
};

class RoundRobinBalancer final : public Balancer {
 public:
  explicit RoundRobinBalancer(int n) : n_(n) {}
  int select(const Tuple&, const std::vector<char>& healthy, const std::vector<int64_t>&) override {
    for (int tries = 0; tries < n_; ++tries) {
      const int i = next_;
      next_ = (next_ + 1) % n_;
      if (healthy[i]) return i;
    }
    return -1;
  }

 private:
  int n_;
  int next_ = 0;
};

class LeastOutstandingBalancer final : public Balancer {
 public:
  explicit LeastOutstandingBalancer(int n) : n_(n) {}
  int select(const Tuple&, const std::vector<char>& healthy,
             const std::vector<int64_t>& outstanding) override {
    // Ties rotate, so equal members share the load instead of the first taking all.
    int best = -1;
    for (int k = 0; k < n_; ++k) {
      const int i = (start_ + k) % n_;
      if (healthy[i] && (best < 0 || outstanding[i] < outstanding[best])) best = i;
    }
    start_ = (start_ + 1) % n_;
    return best;
  }

 private:
  int n_;
  int start_ = 0;
};

class RandomBalancer final : public Balancer {
 public:
  RandomBalancer(int n, uint64_t seed) : n_(n), rng_(seed) {}
  int select(const Tuple&, const std::vector<char>& healthy, const std::vector<int64_t>&) override {
    const int i = static_cast<int>(rng_.below(n_));
    for (int k = 0; k < n_; ++k) {
      if (healthy[(i + k) % n_]) return (i + k) % n_;
    }
    return -1;
  }

 private:
  int n_;
  Rng rng_;
};

// A hash ring with virtual nodes: a key keeps its member while that member is
// healthy, and only the keys of a member that fails move.
class ConsistentHashBalancer final : public Balancer {
 public:
  explicit ConsistentHashBalancer(int n) {
    for (int m = 0; m < n; ++m) {
      for (int v = 0; v < kVirtualNodes; ++v) {
        const uint64_t point[2] = {static_cast<uint64_t>(m), static_cast<uint64_t>(v)};
        ring_.emplace(Rng::splitmix(fnv1a(point, sizeof point)), m);
      }
    }
  }
  int select(const Tuple& t, const std::vector<char>& healthy,
             const std::vector<int64_t>&) override {
    auto it = ring_.lower_bound(hashFields(t, true, false));
    for (size_t k = 0; k < ring_.size(); ++k, ++it) {
      if (it == ring_.end()) it = ring_.begin();
      if (healthy[it->second]) return it->second;
    }
    return -1;
  }

 private:
  static constexpr int kVirtualNodes = 64;
  std::map<uint64_t, int> ring_;
};

}  // namespace

uint64_t hashFields(const Tuple& t, bool key, bool value) {
  uint64_t h = 0xcbf29ce484222325ULL;
  if (key) h = fnv1a(t.key.data(), t.key.size(), h);
  if (value) {
    // +0.0 and -0.0 group together.
    const double v = t.value == 0 ? 0.0 : t.value;
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    h = fnv1a(&bits, sizeof bits, h);
  }
  return Rng::splitmix(h);
}

PartitionerPtr makePartitioner(const Grouping& g, int targets, const std::vector<bool>& local,
                               uint64_t seed, const std::vector<std::string>& declared_fields) {
  switch (g.type) {
    case GroupingType::Shuffle:
      return std::make_unique<ShufflePartitioner>(targets, seed);
    case GroupingType::Fields: {
      bool key = false, value = false;
      std::vector<size_t> indices;
      for (const std::string& f : g.fields) {
        auto it = std::find(declared_fields.begin(), declared_fields.end(), f);
        if (it == declared_fields.begin()) {
          key = true;  // field 0 is the key
        } else if (it != declared_fields.end()) {
          indices.push_back(static_cast<size_t>(it - declared_fields.begin()));
        } else if (f == "key") {
          key = true;
        } else if (f == "value") {
          value = true;
        }
      }
      if (!indices.empty()) {
        return std::make_unique<ValuesFieldsPartitioner>(targets, key, value, std::move(indices));
      }
      return std::make_unique<FieldsPartitioner>(targets, key, value);
    }
    case GroupingType::All:
      return std::make_unique<FixedPartitioner>(Partitioner::kAll);
    case GroupingType::Global:
      return std::make_unique<FixedPartitioner>(0);  // Storm: the lowest task
    case GroupingType::LocalOrShuffle:
      return std::make_unique<LocalOrShufflePartitioner>(local, seed);
  }
  return std::make_unique<ShufflePartitioner>(targets, seed);
}

BalancerPtr makeBalancer(const std::string& policy, int members, uint64_t seed) {
  if (policy == "least-outstanding") return std::make_unique<LeastOutstandingBalancer>(members);
  if (policy == "consistent-hash") return std::make_unique<ConsistentHashBalancer>(members);
  if (policy == "random") return std::make_unique<RandomBalancer>(members, seed);
  return std::make_unique<RoundRobinBalancer>(members);
}

}  // namespace topolab
