// `topolab import` and `topolab export --to flux` as a Storm user runs them:
// exit codes, warnings and errors on stderr in gcc style, and the files written.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "cli_runner.h"

using namespace cli_runner;

namespace {

std::string fluxData(const std::string& name) {
  return std::string(TOPOLAB_TESTDATA_DIR) + "/flux/" + name;
}

std::string temp(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (std::to_string(getpid()) + "-" + name))
      .string();
}

std::string readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

TEST(ImportFlux, WritesAValidTopologyAndPrintsPlaceholderWarnings) {
  const std::string out = temp("placeholders.yaml");
  const Result r = topolab({"import", fluxData("placeholders.flux.yaml"), "-o", out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  const auto warnings = lines(r.err);
  ASSERT_EQ(warnings.size(), 4u) << r.err;
  EXPECT_EQ(warnings[0].rfind(fluxData("placeholders.flux.yaml") + ":4:16: warning: spout 'words': "
                                                                   "org.apache.storm.testing."
                                                                   "TestWordSpout",
                              0),
            0u)
      << warnings[0];
  const Result v = topolab({"validate", out});
  EXPECT_EQ(v.code, 0) << v.err;
  std::filesystem::remove(out);
}

TEST(ImportFlux, WithoutOutputWritesToStdout) {
  const Result r = topolab({"import", fluxData("kafka.flux.yaml")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("topolab: 1\nname: kafka-topology\n", 0), 0u) << r.out;
}

TEST(ImportFlux, WhatIsNotFluxExitsTwoWithFileLineAndColumn) {
  const std::string flux = temp("bad.flux.yaml");
  std::ofstream(flux) << "name: \"bad\"\n"
                         "spouts:\n"
                         "  - id: \"s\"\n"
                         "    parallelism: 1\n";
  const std::string out = temp("bad.yaml");
  const Result r = topolab({"import", flux, "-o", out});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, flux +
                       ":3:5: error: spout 's': missing 'className' (the Java class of the "
                       "spout)\n");
  EXPECT_FALSE(std::filesystem::exists(out)) << "nothing is written";
  std::filesystem::remove(flux);
  EXPECT_EQ(topolab({"import", temp("missing.flux.yaml")}).code, 2);
}

TEST(ImportFlux, FilterAndEnvFilterSubstituteAsFluxDoes) {
  ASSERT_EQ(setenv("TOPOLAB_FLUX_TEST_PYTHON", "python3", 1), 0);
  const Result r = topolab({"import", fluxData("substitution.flux.yaml"), "--filter",
                            fluxData("substitution.properties"), "-e", "--resources", "progs"});
  unsetenv("TOPOLAB_FLUX_TEST_PYTHON");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("name: substituted-topology\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("params: {command: [python3, sentence_spout.py], fields: [sentence], "
                       "resources: progs}"),
            std::string::npos)
      << r.out;
}

TEST(ExportFlux, ImportingTheExportGivesTheTopologyBack) {
  const std::string flux = temp("wordcount.flux.yaml");
  const Result e = topolab({"export", example("wordcount"), "--to", "flux", "-o", flux});
  ASSERT_EQ(e.code, 0) << e.err;
  // Storm lacks TopoLab's built-in types: one warning each, naming the file.
  EXPECT_EQ(lines(e.err).size(), 3u) << e.err;
  EXPECT_NE(e.err.find(example("wordcount") + ": warning: component 'count' (window-count) is "
                                              "written as org.topolab.flux.WindowCount"),
            std::string::npos)
      << e.err;
  const std::string back = temp("wordcount.yaml");
  const Result i = topolab({"import", flux, "-o", back});
  ASSERT_EQ(i.code, 0) << i.err;
  EXPECT_EQ(i.err, "");
  std::string original = readAll(example("wordcount"));
  original.erase(original.find("layout:"));  // Flux has no place for the canvas
  EXPECT_EQ(readAll(back), original);
  std::filesystem::remove(flux);
  std::filesystem::remove(back);
}

}  // namespace
