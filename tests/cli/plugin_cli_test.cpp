// Plugins through the `topolab` command: --plugin-dir on catalogue, validate
// and run, with the example json-extract plugin and the test plugins.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "cli_runner.h"

using namespace cli_runner;

namespace {

const std::string kJsonExtract = TOPOLAB_JSON_EXTRACT_DIR;
const std::string kTestPlugins = std::string(TOPOLAB_TEST_PLUGINS_DIR) + "/good";

// A number from the summary line: "ID":{..."FIELD":N
double summaryField(const std::string& summary, const std::string& id, const std::string& field) {
  const auto c = summary.find("\"" + id + "\":{");
  if (c == std::string::npos) return -1;
  const auto f = summary.find("\"" + field + "\":", c);
  if (f == std::string::npos) return -1;
  return std::stod(summary.substr(f + field.size() + 3));
}

class TempFolder {
 public:
  TempFolder() {
    path_ =
        std::filesystem::temp_directory_path() / ("topolab-plugin-cli-" + std::to_string(getpid()));
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string pipeline(const std::string& out_path) {
  return R"(topolab: 1
name: json-pipeline
components:
  - id: src
    type: test-json-gen
    params: {count: 100}
  - id: extract
    type: json-extract
    params: {key_pointer: /user/id, value_pointer: /amount}
  - id: out
    type: file-sink
    params: {path: )" +
         out_path + R"(, format: jsonl}
streams:
  - {from: src, to: extract}
  - {from: extract, to: out}
)";
}

TEST(PluginCli, CatalogueListsPluginTypes) {
  const Result without = topolab({"catalogue"});
  ASSERT_EQ(without.code, 0) << without.err;
  EXPECT_EQ(without.out.find("json-extract"), std::string::npos);

  const Result r = topolab({"catalogue", "--plugin-dir", kJsonExtract});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(
      r.out.find("json-extract (bolt) [plugin " + kJsonExtract + "/libtopolab-json-extract.so]"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("key_pointer: string = /key"), std::string::npos) << r.out;

  const Result json = topolab({"catalogue", "--json", "--plugin-dir", kJsonExtract});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_NE(json.out.find("\"name\":\"json-extract\",\"role\":\"bolt\""), std::string::npos);
  EXPECT_NE(json.out.find("\"plugin\":\"" + kJsonExtract + "/libtopolab-json-extract.so\""),
            std::string::npos);
}

TEST(PluginCli, ValidateKnowsPluginTypesOnlyWithTheirDirectory) {
  TempFolder tmp;
  const std::string file = tmp.file("p.yaml");
  std::ofstream(file) << pipeline(tmp.file("out.jsonl"));
  const Result without = topolab({"validate", file});
  EXPECT_EQ(without.code, 2);
  EXPECT_NE(without.err.find("unknown type 'json-extract'"), std::string::npos) << without.err;
  const Result with =
      topolab({"validate", file, "--plugin-dir", kJsonExtract, "--plugin-dir", kTestPlugins});
  EXPECT_EQ(with.code, 0) << with.err;
}

TEST(PluginCli, ARefusedPluginIsInvalidInputNamingTheFile) {
  const Result r = topolab(
      {"catalogue", "--plugin-dir", std::string(TOPOLAB_TEST_PLUGINS_DIR) + "/bad_version"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("libtest_bad_version_plugin.so: refused: built for plugin SDK version"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(r.out.empty());
}

// json-extract end to end: keys and values from the payloads' JSON, and each
// payload that is not JSON an error against its tuple.
TEST(PluginCli, RunsJsonExtractEndToEnd) {
  TempFolder tmp;
  const std::string file = tmp.file("p.yaml");
  const std::string out = tmp.file("out.jsonl");
  std::ofstream(file) << pipeline(out);
  const Result r =
      topolab({"run", file, "--json", "--plugin-dir", kJsonExtract, "--plugin-dir", kTestPlugins});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto ls = lines(r.out);
  ASSERT_FALSE(ls.empty());
  EXPECT_EQ(summaryField(ls.back(), "extract", "errors"), 10) << ls.back();
  EXPECT_EQ(summaryField(ls.back(), "out", "received"), 90) << ls.back();
  // Checked with Python's parser: u0…u4 as keys, the amounts as values.
  const std::string cmd =
      "python3 -c 'import json,sys\n"
      "rows=[json.loads(l) for l in open(sys.argv[1])]\n"
      "assert len(rows)==90, len(rows)\n"
      "assert {r[\"key\"] for r in rows}=={\"u0\",\"u1\",\"u2\",\"u3\",\"u4\"}, rows[:3]\n"
      "assert sorted(r[\"value\"] for r in rows)==[i for i in range(100) if i%10!=9], rows[:3]' " +
      quote(out);
  EXPECT_EQ(std::system(cmd.c_str()), 0) << r.err;
}

}  // namespace
