// Typed params: conversion from file text by schema, defaults, the catalogue,
// and the CLI's `--set ID.PARAM=VALUE` overrides.
#include <gtest/gtest.h>

#include "spec_test_helpers.h"

namespace topolab {
namespace {

using testing::parse;

ParamSchema schema(ParamType type, std::optional<double> min = std::nullopt,
                   std::optional<double> max = std::nullopt) {
  ParamSchema s;
  s.name = "p";
  s.type = type;
  s.min = min;
  s.max = max;
  s.default_text = "0";
  return s;
}

std::string errorOf(const ParamSchema& s, std::string_view text, bool quoted = false) {
  std::string error;
  EXPECT_FALSE(convertParam(s, text, quoted, &error)) << text;
  return error;
}

TEST(ConvertParam, IntAcceptsDigitsWithOptionalSign) {
  const ParamSchema s = schema(ParamType::Int);
  EXPECT_EQ(std::get<int64_t>(*convertParam(s, "42", false, nullptr)), 42);
  EXPECT_EQ(std::get<int64_t>(*convertParam(s, "-7", false, nullptr)), -7);
  EXPECT_EQ(std::get<int64_t>(*convertParam(s, "+7", false, nullptr)), 7);
  EXPECT_EQ(errorOf(s, "1.5"), "expected an integer, got '1.5' (write a whole number in digits)");
  EXPECT_EQ(errorOf(s, "abc"), "expected an integer, got 'abc'");
  EXPECT_EQ(errorOf(s, "12", true), "expected an integer, got '12' (remove the quotes)");
  EXPECT_EQ(errorOf(s, ""), "expected an integer, got ''");
  EXPECT_EQ(errorOf(s, "99999999999999999999"), "99999999999999999999 is too large for an integer");
}

TEST(ConvertParam, DoubleAcceptsNumbers) {
  const ParamSchema s = schema(ParamType::Double);
  EXPECT_EQ(std::get<double>(*convertParam(s, "1.5", false, nullptr)), 1.5);
  EXPECT_EQ(std::get<double>(*convertParam(s, "1e6", false, nullptr)), 1e6);
  EXPECT_EQ(std::get<double>(*convertParam(s, "-.5", false, nullptr)), -0.5);
  EXPECT_EQ(std::get<double>(*convertParam(s, "3", false, nullptr)), 3.0);
  EXPECT_EQ(errorOf(s, "fast"), "expected a number, got 'fast'");
  EXPECT_EQ(errorOf(s, ".inf"), "expected a number, got '.inf'");
  EXPECT_EQ(errorOf(s, "1e999"), "expected a number, got '1e999'");
  EXPECT_EQ(errorOf(s, "1e"), "expected a number, got '1e'");
}

TEST(ConvertParam, ChecksRange) {
  EXPECT_EQ(errorOf(schema(ParamType::Double, 0, 1e9), "-5"), "-5 is out of range [0, 1e9]");
  EXPECT_EQ(errorOf(schema(ParamType::Int, 10, 3'600'000), "5"), "5 is out of range [10, 3600000]");
  EXPECT_EQ(errorOf(schema(ParamType::Int, 1), "0"), "0 is out of range: must be >= 1");
  EXPECT_EQ(errorOf(schema(ParamType::Double, std::nullopt, 0.5), "0.75"),
            "0.75 is out of range: must be <= 0.5");
  EXPECT_TRUE(convertParam(schema(ParamType::Int, 0, 10), "10", false, nullptr));
  EXPECT_EQ(errorOf(schema(ParamType::Int, 0, 1e15), "-99999999999999999999"),
            "-99999999999999999999 is out of range [0, 1e15]");
}

TEST(ConvertParam, BoolAcceptsTrueOrFalse) {
  const ParamSchema s = schema(ParamType::Bool);
  EXPECT_EQ(std::get<bool>(*convertParam(s, "true", false, nullptr)), true);
  EXPECT_EQ(std::get<bool>(*convertParam(s, "False", false, nullptr)), false);
  EXPECT_EQ(errorOf(s, "yes"), "expected true or false, got 'yes'");
  EXPECT_EQ(errorOf(s, "true", true), "expected true or false, got 'true'");
}

TEST(ConvertParam, EnumMustBeOneOfTheChoices) {
  ParamSchema s = schema(ParamType::Enum);
  s.choices = {"round-robin", "random"};
  EXPECT_EQ(std::get<std::string>(*convertParam(s, "random", true, nullptr)), "random");
  EXPECT_EQ(errorOf(s, "round_robin"),
            "'round_robin' is not one of round-robin, random (did you mean 'round-robin'?)");
}

TEST(ConvertParam, StringTakesAnythingAndScalarPrefersNumbers) {
  const ParamSchema str = schema(ParamType::String);
  EXPECT_EQ(std::get<std::string>(*convertParam(str, "42", false, nullptr)), "42");
  const ParamSchema scalar = schema(ParamType::Scalar);
  EXPECT_EQ(std::get<int64_t>(*convertParam(scalar, "42", false, nullptr)), 42);
  EXPECT_EQ(std::get<double>(*convertParam(scalar, "2.5", false, nullptr)), 2.5);
  EXPECT_EQ(std::get<std::string>(*convertParam(scalar, "42", true, nullptr)), "42")
      << "a quoted number is a string";
  EXPECT_EQ(std::get<std::string>(*convertParam(scalar, "k7", false, nullptr)), "k7");
}

TEST(Catalogue, ListsBuiltInTypesAlphabeticallyWithRoles) {
  std::vector<std::string> names;
  for (const ComponentType* t : Catalogue::instance().types()) names.push_back(t->name);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  for (const char* n :
       {"generator", "kafka-source", "filter", "work", "window-count", "load-balancer", "counter",
        "kafka-sink", "file-sink", "replicated-store"}) {
    EXPECT_NE(Catalogue::instance().find(n), nullptr) << n;
  }
  EXPECT_EQ(Catalogue::instance().find("generator")->role, Role::Producer);
  EXPECT_EQ(Catalogue::instance().find("counter")->role, Role::Sink);
  EXPECT_EQ(toString(Role::Bolt), "bolt");
  EXPECT_EQ(Catalogue::instance().find("nope"), nullptr);
}

TEST(Catalogue, EveryBuiltInDefaultFitsItsOwnSchema) {
  for (const ComponentType* t : Catalogue::instance().types()) {
    for (const ParamSchema& p : t->params) {
      if (p.default_text.empty()) continue;
      std::string error;
      EXPECT_TRUE(convertParam(p, p.default_text, false, &error))
          << t->name << "." << p.name << ": " << error;
    }
  }
}

TEST(ResolveParams, AppliesDefaultsAndTypes) {
  LoadResult r = parse(R"(topolab: 1
name: t
components:
  - {id: g, type: generator, params: {rate: 2.5e3, keys: 10}}
)");
  ASSERT_TRUE(r.ok()) << testing::allErrors(r.errors);
  const ComponentType& type = *Catalogue::instance().find("generator");
  std::string error;
  std::optional<Params> p = resolveParams(r.topology->components[0], type, &error);
  ASSERT_TRUE(p) << error;
  EXPECT_EQ(p->getDouble("rate"), 2500);
  EXPECT_EQ(p->getInt("keys"), 10);
  EXPECT_EQ(p->getInt("count"), 0);
  EXPECT_EQ(p->getString("distribution"), "uniform");
  EXPECT_EQ(p->getDouble("value_max"), 1000);
  EXPECT_EQ(p->entries().size(), type.params.size());
}

TEST(ResolveParams, FailsOnAMissingRequiredParam) {
  Component c{.id = "src", .type = "kafka-source"};
  std::string error;
  EXPECT_FALSE(resolveParams(c, *Catalogue::instance().find("kafka-source"), &error));
  EXPECT_EQ(error, "component 'src': missing required param 'topic'");
  c.params.push_back(ParamEntry{.name = "topic", .text = "orders"});
  EXPECT_TRUE(resolveParams(c, *Catalogue::instance().find("kafka-source"), &error));
}

TEST(ApplyOverride, SetsOrAddsAParamAndChecksIt) {
  LoadResult r = parse(R"(topolab: 1
name: t
components:
  - {id: w, type: work, params: {cost_us: 20}}
)");
  ASSERT_TRUE(r.ok());
  Topology t = *r.topology;
  std::string error;
  ASSERT_TRUE(applyOverride(t, "w.cost_us=50", &error)) << error;
  ASSERT_TRUE(applyOverride(t, "w.error_rate=0.01", &error)) << error;
  ASSERT_TRUE(applyOverride(t, "w.parallelism=8", &error)) << error;
  const Component& w = t.components[0];
  EXPECT_EQ(w.param("cost_us")->text, "50");
  EXPECT_EQ(w.param("error_rate")->text, "0.01");
  EXPECT_EQ(w.instances(), 8);
  EXPECT_TRUE(validateTopology(t, "t.yaml", Catalogue::instance()).empty());

  EXPECT_FALSE(applyOverride(t, "w.cost_us=fast", &error));
  EXPECT_EQ(error, "--set 'w.cost_us=fast': expected a number, got 'fast'");
  EXPECT_FALSE(applyOverride(t, "x.cost_us=1", &error));
  EXPECT_EQ(error, "--set 'x.cost_us=1': no component 'x' (components: w)");
  EXPECT_FALSE(applyOverride(t, "w.cots_us=1", &error));
  EXPECT_EQ(error.rfind("--set 'w.cots_us=1': type work has no param 'cots_us' (params: cost_us, "
                        "distribution, error_rate",
                        0),
            0u)
      << error;
  EXPECT_FALSE(applyOverride(t, "w.parallelism=0", &error));
  EXPECT_FALSE(applyOverride(t, "cost_us=1", &error));
  EXPECT_EQ(error, "--set 'cost_us=1': expected ID.PARAM=VALUE, e.g. enrich.cost_us=50");
  EXPECT_FALSE(applyOverride(t, "w.cost_us", &error));
  EXPECT_EQ(w.param("cost_us")->text, "50") << "a rejected override changes nothing";
}

}  // namespace
}  // namespace topolab
