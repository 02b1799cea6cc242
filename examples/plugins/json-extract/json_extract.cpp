// json-extract: an example plugin bolt. Parses each tuple's payload as JSON
// and sets the key and the value from JSON pointers (RFC 6901); a payload
// that is not JSON, or lacks what a pointer names, is an error against that
// tuple.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "topolab/engine/plugin.h"

namespace {

using namespace topolab;

std::optional<nlohmann::json::json_pointer> pointerParam(const Params& p, const char* name) {
  const std::string& text = p.getString(name);
  if (text.empty()) return std::nullopt;
  return nlohmann::json::json_pointer(text);  // throws on a malformed pointer: refused at start
}

class JsonExtract final : public Operator {
 public:
  explicit JsonExtract(const Params& p)
      : key_(pointerParam(p, "key_pointer")),
        value_(pointerParam(p, "value_pointer")),
        no_key_("the payload has nothing at key_pointer " + p.getString("key_pointer")),
        no_value_("the payload has nothing at value_pointer " + p.getString("value_pointer")),
        not_number_("the payload's value at " + p.getString("value_pointer") +
                    " is not a number or a boolean") {}

  ProcessResult process(Tuple& in, Emitter& out, int64_t) override {
    const nlohmann::json doc =
        nlohmann::json::parse(in.payload, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return {.ok = false, .error = "the payload is not JSON"};
    if (key_) {
      if (!doc.contains(*key_)) return {.ok = false, .error = no_key_};
      const nlohmann::json& k = doc.at(*key_);
      in.key = k.is_string() ? k.get<std::string>() : k.dump();
    }
    if (value_) {
      if (!doc.contains(*value_)) return {.ok = false, .error = no_value_};
      const nlohmann::json& v = doc.at(*value_);
      if (v.is_number()) {
        in.value = v.get<double>();
      } else if (v.is_boolean()) {
        in.value = v.get<bool>() ? 1 : 0;
      } else {
        return {.ok = false, .error = not_number_};
      }
    }
    out.emit(std::move(in));
    return {};
  }

 private:
  std::optional<nlohmann::json::json_pointer> key_;
  std::optional<nlohmann::json::json_pointer> value_;
  // The errors' messages (a sample's message must outlive process()).
  std::string no_key_, no_value_, not_number_;
};

}  // namespace

TOPOLAB_PLUGIN_EXPORT int topolab_plugin_sdk_version() { return TOPOLAB_SDK_VERSION; }

TOPOLAB_PLUGIN_EXPORT int topolab_plugin_register(topolab::PluginRegistrar* r) {
  r->add(ComponentType{
      .name = "json-extract",
      .role = Role::Bolt,
      .doc = "Sets key and value from JSON pointers into the payload; a payload that is not JSON "
             "is an error",
      .params =
          {
              {.name = "key_pointer",
               .type = ParamType::String,
               .default_text = "/key",
               .doc =
                   "JSON pointer to the key (a string, or any JSON as its text); '' keeps the key"},
              {.name = "value_pointer",
               .type = ParamType::String,
               .default_text = "/value",
               .doc = "JSON pointer to the value (a number or bool); '' keeps the value"},
          },
      .factory = [](const Params& p, const OperatorContext&) -> OperatorPtr {
        return std::make_unique<JsonExtract>(p);
      },
  });
  return 0;
}
