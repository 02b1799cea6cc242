// filter: keeps the tuples where `field op constant` holds.
#include <charconv>

#include "topolab/engine/operator.h"

namespace topolab {
namespace {

enum class Op { Lt, Le, Eq, Ne, Ge, Gt };

Op parseOp(const std::string& s) {
  if (s == "<") return Op::Lt;
  if (s == "<=") return Op::Le;
  if (s == "==") return Op::Eq;
  if (s == "!=") return Op::Ne;
  if (s == ">=") return Op::Ge;
  return Op::Gt;
}

template <typename T>
bool holds(Op op, const T& a, const T& b) {
  switch (op) {
    case Op::Lt:
      return a < b;
    case Op::Le:
      return a <= b;
    case Op::Eq:
      return a == b;
    case Op::Ne:
      return a != b;
    case Op::Ge:
      return a >= b;
    case Op::Gt:
      return a > b;
  }
  return false;
}

class Filter final : public Operator {
 public:
  explicit Filter(const Params& p)
      : on_key_(p.getString("field") == "key"), op_(parseOp(p.getString("op"))) {
    const ParamValue* v = p.find("value");
    if (const auto* s = std::get_if<std::string>(v)) {
      text_ = *s;
      auto r = std::from_chars(s->data(), s->data() + s->size(), number_);
      if (r.ec != std::errc() || r.ptr != s->data() + s->size()) number_ = 0;
    } else if (const auto* d = std::get_if<double>(v)) {
      number_ = *d;
    } else if (const auto* i = std::get_if<int64_t>(v)) {
      number_ = static_cast<double>(*i);
    }
    if (text_.empty() && v && !std::holds_alternative<std::string>(*v)) {
      // A number compared with a key compares as text, as written.
      char buf[64];
      auto r = std::to_chars(buf, buf + sizeof buf, number_);
      text_.assign(buf, r.ptr);
    }
  }

  // Dropping a tuple is not an error: the tuple is complete (acked) here.
  ProcessResult process(Tuple& in, Emitter& out, int64_t) override {
    const bool keep = on_key_ ? holds<std::string_view>(op_, in.key, text_)
                              : holds<double>(op_, in.value, number_);
    if (keep) out.emit(std::move(in));
    return {};
  }

 private:
  bool on_key_;
  Op op_;
  double number_ = 0;
  std::string text_;
};

const CatalogueRegistration kRegistration{ComponentType{
    .name = "filter",
    .role = Role::Bolt,
    .doc = "Keeps tuples where `field op value` holds",
    .params =
        {
            {.name = "field",
             .type = ParamType::Enum,
             .default_text = "value",
             .choices = {"key", "value"},
             .doc = "the tuple field compared"},
            {.name = "op",
             .type = ParamType::Enum,
             .default_text = ">=",
             .choices = {"<", "<=", "==", "!=", ">=", ">"},
             .doc = "comparison"},
            {.name = "value",
             .type = ParamType::Scalar,
             .default_text = "0",
             .doc = "the constant: a number for value, text for key"},
        },
    .factory = [](const Params& p, const OperatorContext&) -> OperatorPtr {
      return std::make_unique<Filter>(p);
    },
}};

}  // namespace
}  // namespace topolab
