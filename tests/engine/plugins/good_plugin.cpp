// A test plugin: `test-upper` upper-cases keys; `test-throw` throws on a
// tuple whose key is "k1" and passes the others on; `test-flaky` throws on
// every third tuple; `test-json-gen` emits JSON payloads.
#include <cctype>
#include <stdexcept>

#include "topolab/engine/plugin.h"

namespace {

class Upper final : public topolab::Operator {
 public:
  topolab::ProcessResult process(topolab::Tuple& in, topolab::Emitter& out, int64_t) override {
    for (char& c : in.key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out.emit(std::move(in));
    return {};
  }
};

class Throw final : public topolab::Operator {
 public:
  topolab::ProcessResult process(topolab::Tuple& in, topolab::Emitter& out, int64_t) override {
    if (in.key == "k1") throw std::runtime_error("a bad key");
    out.emit(std::move(in));
    return {};
  }
};

// Throws on every third tuple it sees (a replayed tuple gets through later).
class Flaky final : public topolab::Operator {
 public:
  topolab::ProcessResult process(topolab::Tuple& in, topolab::Emitter& out, int64_t) override {
    if (++seen_ % 3 == 0) throw std::runtime_error("flaky");
    out.emit(std::move(in));
    return {};
  }

 private:
  uint64_t seen_ = 0;
};

// Emits `count` tuples whose payloads are JSON objects, every tenth one
// not JSON at all.
class JsonGen final : public topolab::Operator {
 public:
  explicit JsonGen(int64_t count) : count_(count) {}
  topolab::ProduceResult produce(topolab::Emitter& out, size_t budget, int64_t) override {
    for (; budget > 0 && i_ < count_; --budget, ++i_) {
      topolab::Tuple t;
      t.ts = topolab::wallNowNs();
      t.payload = i_ % 10 == 9 ? "not json"
                               : R"({"user":{"id":"u)" + std::to_string(i_ % 5) +
                                     R"("},"amount":)" + std::to_string(i_) + "}";
      out.emit(std::move(t));
    }
    return {i_ < count_ ? topolab::ProduceResult::State::More : topolab::ProduceResult::State::Done,
            0};
  }

 private:
  int64_t count_;
  int64_t i_ = 0;
};

}  // namespace

TOPOLAB_PLUGIN_EXPORT int topolab_plugin_sdk_version() { return TOPOLAB_SDK_VERSION; }

TOPOLAB_PLUGIN_EXPORT int topolab_plugin_register(topolab::PluginRegistrar* r) {
  using namespace topolab;
  r->add(ComponentType{
      .name = "test-upper",
      .role = Role::Bolt,
      .doc = "Upper-cases the key",
      .factory = [](const Params&, const OperatorContext&) -> OperatorPtr {
        return std::make_unique<Upper>();
      },
  });
  r->add(ComponentType{
      .name = "test-throw",
      .role = Role::Bolt,
      .doc = "Throws on the key k1",
      .factory = [](const Params&, const OperatorContext&) -> OperatorPtr {
        return std::make_unique<Throw>();
      },
  });
  r->add(ComponentType{
      .name = "test-json-gen",
      .role = Role::Producer,
      .doc = "Emits JSON payloads, every tenth one not JSON",
      .params = {{.name = "count",
                  .type = ParamType::Int,
                  .default_text = "100",
                  .min = 0,
                  .doc = "tuples to emit"}},
      .factory = [](const Params& p, const OperatorContext&) -> OperatorPtr {
        return std::make_unique<JsonGen>(p.getInt("count"));
      },
  });
  r->add(ComponentType{
      .name = "test-flaky",
      .role = Role::Bolt,
      .doc = "Throws on every third tuple",
      .factory = [](const Params&, const OperatorContext&) -> OperatorPtr {
        return std::make_unique<Flaky>();
      },
  });
  return 0;
}
