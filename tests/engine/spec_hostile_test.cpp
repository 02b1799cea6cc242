// Hostile and broken input: every case ends in a diagnostic, never a crash,
// a hang or an exception out of the library.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>

#include "spec_test_helpers.h"

namespace topolab {
namespace {

using testing::oneError;
using testing::parse;

// An error, no model, no exception — whatever the input.
void expectRejected(std::string_view text) {
  LoadResult r;
  EXPECT_NO_THROW(r = parse(text));
  EXPECT_FALSE(r.ok());
  ASSERT_FALSE(r.errors.empty());
  for (const Diagnostic& d : r.errors) EXPECT_FALSE(d.message.empty());
}

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(SpecHostile, RefusesDeepFlowNestingBeforeParsing) {
  for (const char* open : {"[", "{"}) {
    SCOPED_TRACE(open);
    LoadResult r = parse("topolab: 1\nname: t\ncomponents: " + repeat(open, 20'000) + "\n");
    // Two block levels (the top mapping, `components`) plus 31 flow levels is one too many.
    EXPECT_TRUE(oneError(r, 3, 13 + 31, "nesting deeper than 32 levels"));
    EXPECT_FALSE(r.topology);
  }
  expectRejected(repeat("[", 20'000));
  expectRejected(repeat("{a: ", 20'000));
}

TEST(SpecHostile, RefusesDeepBlockNesting) {
  expectRejected(repeat("- ", 20'000) + "x\n");
  // 20,000 levels of indented maps exceed the size cap; 2,000 fit in it.
  auto indentedMaps = [](int levels) {
    std::string maps;
    for (int i = 0; i < levels; ++i) maps += std::string(i, ' ') + "k:\n";
    return maps;
  };
  expectRejected(indentedMaps(20'000));
  EXPECT_TRUE(oneError(parse(indentedMaps(2'000)), 33, 33, "nesting deeper than 32 levels"));
  std::string seqs;
  for (int i = 0; i < 20'000; ++i) seqs += std::string(2 * i, ' ') + "-\n";
  expectRejected(seqs);
}

TEST(SpecHostile, NestingInsideQuotesCommentsAndBlockScalarsIsText) {
  const std::string deep = repeat("[{", 40);
  LoadResult r = parse("topolab: 1\nname: t\ndescription: '" + deep + "'\n# " + deep +
                       "\ncomponents: []\nlayout: {}\n");
  EXPECT_TRUE(r.ok()) << testing::allErrors(r.errors);
  r = parse("topolab: 1\nname: t\ndescription: |\n  " + deep + "\n   " + deep +
            "\ncomponents: []\n");
  EXPECT_TRUE(r.ok()) << testing::allErrors(r.errors);
  r = parse("topolab: 1\nname: t\ndescription: \"" + deep + "\\\"" + deep + "\"\ncomponents: []\n");
  EXPECT_TRUE(r.ok()) << testing::allErrors(r.errors);
}

TEST(SpecHostile, RefusesOversizedFiles) {
  const std::string big =
      "topolab: 1\nname: t\ndescription: " + std::string(kMaxFileBytes, 'x') + "\n";
  LoadResult r = parse(big);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].format(), "t.yaml: error: file is larger than 4 MiB (" +
                                      std::to_string(big.size()) +
                                      " bytes), the limit for topology files");

  const std::string path = ::testing::TempDir() + "/spec_big.yaml";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(big.data(), 1, big.size(), f);
  std::fclose(f);
  r = loadTopologyFile(path);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("larger than 4 MiB"), std::string::npos);
  std::remove(path.c_str());
}

TEST(SpecHostile, ReportsAnUnreadableFileAsOneDiagnostic) {
  LoadResult r = loadTopologyFile("/nonexistent/dir/topology.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].format(),
            "/nonexistent/dir/topology.yaml: error: cannot open file: No such file or directory");
  r = loadTopologyFile(::testing::TempDir());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("directory"), std::string::npos);
}

TEST(SpecHostile, RefusesTooManyComponentsStreamsAndParams) {
  std::string many = "topolab: 1\nname: t\ncomponents:\n" +
                     repeat("  - {id: c, type: counter}\n", kMaxComponents + 1);
  EXPECT_TRUE(
      oneError(parse(many), 4, 3, "too many entries in 'components': 10001 (the limit is 10000)"));
  std::string streams = "topolab: 1\nname: t\ncomponents: []\nstreams: [" +
                        repeat("{from: a, to: b}, ", kMaxStreams) + "{from: a, to: b}]\n";
  EXPECT_TRUE(oneError(parse(streams), 4, 10, "too many entries in 'streams': 100001"));
  std::string params =
      "topolab: 1\nname: t\ncomponents:\n  - id: g\n    type: generator\n    params: {";
  for (size_t i = 0; i <= kMaxParamsPerComponent; ++i) params += "p" + std::to_string(i) + ": 1, ";
  params += "}\n";
  EXPECT_TRUE(
      oneError(parse(params), 6, 13, "component 'g': too many params: 65 (the limit is 64)"));
}

TEST(SpecHostile, RefusesBinaryAndControlCharacters) {
  EXPECT_TRUE(oneError(parse(std::string("topolab: 1\nna\0me: t\n", 20)), 2, 3,
                       "control character 0x00 in the file: a topology file is UTF-8 text"));
  expectRejected(std::string(64, '\0'));
  expectRejected("topolab: 1\x1b[31m\n");
}

TEST(SpecHostile, SurvivesRandomBytes) {
  std::mt19937 rng(20240607);
  for (size_t size : {1u, 7u, 64u, 1000u, 65'536u}) {
    for (int round = 0; round < 20; ++round) {
      std::string text(size, '\0');
      for (char& c : text) c = static_cast<char>(rng() & 0xff);
      SCOPED_TRACE(size);
      expectRejected(text);
    }
  }
}

TEST(SpecHostile, SurvivesRandomYamlPunctuation) {
  // Printable soup from YAML's own alphabet reaches the YAML parser itself.
  static constexpr char kAlphabet[] = "[]{}:,-?'\"#&*!|>%@ \n\tab1.~\\";
  std::mt19937 rng(7);
  for (size_t size : {3u, 16u, 200u, 4000u}) {
    for (int round = 0; round < 200; ++round) {
      std::string text = "topolab: 1\n";
      for (size_t i = 0; i < size; ++i) text += kAlphabet[rng() % (sizeof kAlphabet - 1)];
      LoadResult r;
      EXPECT_NO_THROW(r = parse(text));
      EXPECT_FALSE(r.ok());
    }
  }
}

TEST(SpecHostile, SurvivesInputThatHangsYamlCppLoadAll) {
  // jbeder/yaml-cpp#1040: LoadAll() loops forever, allocating, on these.
  EXPECT_TRUE(oneError(parse(","), 1, 1, "expected a mapping at the top of the file"));
  EXPECT_TRUE(oneError(parse("%YAML 1.2\n,\n"), 2, 1, "expected a mapping"));
  EXPECT_TRUE(oneError(parse("topolab: 1\nname: t\ncomponents: []\n---\n,\n"), 5, 1,
                       "unexpected content after the topology"));
  LoadResult r = parse("[a]\n,\n");
  EXPECT_TRUE(testing::hasError(r.errors, 1, 1, "got a list"));
  EXPECT_TRUE(testing::hasError(r.errors, 2, 1, "unexpected content after the topology"));
  expectRejected("topolab: 1\n%[\n ,b&{\"{{&>%#~");
}

TEST(SpecHostile, AliasesDoNotMultiplyWork) {
  std::string text =
      "topolab: 1\nname: t\nx: &a [1, 2]\ncomponents: [" + repeat("*a, ", 5000) + "*a]\n";
  LoadResult r = parse(text);
  EXPECT_FALSE(r.ok());
  EXPECT_GT(r.errors.size(), 5000u);
}

// How fast is a benchmark's matter, not a unit test's (a loaded machine fails a
// fixed time limit); this checks that a file this large parses whole.
TEST(SpecScale, ParsesAThousandComponentsAndTwoThousandStreams) {
  std::string text = "topolab: 1\nname: big\ncomponents:\n  - {id: g, type: generator}\n";
  for (int i = 0; i < 1000; ++i) {
    text += "  - id: w" + std::to_string(i) +
            "\n    type: work\n    parallelism: 2\n    params: {cost_us: 5, error_rate: 0.001}\n";
  }
  text += "  - {id: c, type: counter}\nstreams:\n";
  for (int i = 0; i < 1000; ++i) {
    const std::string w = "w" + std::to_string(i);
    text += "  - {from: g, to: " + w + ", grouping: {type: fields, fields: [key]}}\n";
    text += "  - {from: " + w + ", to: c}\n";
  }
  LoadResult r = parse(text);
  ASSERT_TRUE(r.ok()) << testing::allErrors(r.errors);
  EXPECT_EQ(r.topology->components.size(), 1002u);
  EXPECT_EQ(r.topology->streams.size(), 2000u);
}

}  // namespace
}  // namespace topolab
