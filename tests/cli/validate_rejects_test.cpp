// `topolab validate` on bad input: each file in tests/data/invalid/ names the
// diagnostics it must produce in `# expect: LINE:COL: TEXT` comments; hostile
// inputs are generated here. Every case exits 2 with gcc-style errors.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace {

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string err;
};

Result validate(const std::string& file) {
  const std::string err_file =
      (fs::temp_directory_path() / ("topolab-validate-" + std::to_string(getpid()))).string();
  const std::string cmd =
      std::string("'") + TOPOLAB_CLI + "' validate '" + file + "' >/dev/null 2>'" + err_file + "'";
  const int status = std::system(cmd.c_str());
  Result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream e(err_file);
  r.err.assign(std::istreambuf_iterator<char>(e), {});
  fs::remove(err_file);
  return r;
}

class InvalidFile : public ::testing::TestWithParam<std::string> {};

TEST_P(InvalidFile, IsRefusedWithTheProblemAtItsLineAndColumn) {
  const std::string path = std::string(TOPOLAB_TESTDATA_DIR) + "/invalid/" + GetParam();
  std::ifstream in(path);
  std::vector<std::string> expected;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# expect: ", 0) == 0) expected.push_back(line.substr(10));
  }
  ASSERT_FALSE(expected.empty()) << path << " has no '# expect:' line";
  const Result r = validate(path);
  EXPECT_EQ(r.code, 2) << r.err;
  for (const std::string& e : expected) {
    // "LINE:COL: TEXT" → "PATH:LINE:COL: error: ...TEXT..."
    const auto colon2 = e.find(':', e.find(':') + 1);
    const std::string position = path + ":" + e.substr(0, colon2) + ": error: ";
    const std::string text = e.substr(colon2 + 2);
    bool found = false;
    std::istringstream lines(r.err);
    for (std::string l; std::getline(lines, l);) {
      found |= l.rfind(position, 0) == 0 && l.find(text) != std::string::npos;
    }
    EXPECT_TRUE(found) << "expected '" << position << "…" << text << "' in:\n" << r.err;
  }
}

std::vector<std::string> invalidFiles() {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(std::string(TOPOLAB_TESTDATA_DIR) + "/invalid")) {
    files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

INSTANTIATE_TEST_SUITE_P(Validate, InvalidFile, ::testing::ValuesIn(invalidFiles()),
                         [](const auto& info) {
                           std::string n = info.param.substr(0, info.param.find('.'));
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

class HostileFile : public ::testing::Test {
 protected:
  void write(const std::string& text) { std::ofstream(path_, std::ios::binary) << text; }
  void TearDown() override { fs::remove(path_); }
  const std::string path_ =
      (fs::temp_directory_path() / ("topolab-hostile-" + std::to_string(getpid()) + ".yaml"))
          .string();
};

TEST_F(HostileFile, TwentyThousandLevelsOfNestingAreAnErrorNotACrash) {
  const int depth = 20000;
  const std::vector<std::string> shapes = {
      "topolab: 1\nname: deep\ncomponents: " + std::string(depth, '[') + std::string(depth, ']') +
          "\n",
      "topolab: 1\nname: deep\nx: " +
          [&] {
            std::string s;
            for (int i = 0; i < depth; ++i) s += "{a: ";
            s += "1";
            s += std::string(depth, '}');
            return s;
          }() +
          "\n",
      "topolab: 1\nname: deep\ncomponents:\n" +
          [&] {
            std::string s;
            for (int i = 0; i < depth; ++i) s += "- ";
            return s + "x\n";
          }(),
      "topolab: 1\nname: deep\nx:\n" +
          [&] {
            std::string s;
            for (int i = 1; i < 2000; ++i) s += std::string(i, ' ') + "a:\n";
            return s;
          }(),
  };
  for (const auto& text : shapes) {
    write(text);
    const Result r = validate(path_);
    EXPECT_EQ(r.code, 2) << r.err.substr(0, 300);
    EXPECT_NE(r.err.find(path_ + ":"), std::string::npos) << r.err.substr(0, 300);
    EXPECT_NE(r.err.find("nest"), std::string::npos) << r.err.substr(0, 300);
  }
}

TEST_F(HostileFile, RandomBytesAreAnErrorNotACrash) {
  std::mt19937_64 rng(20261125);
  for (size_t size : {1u, 17u, 300u, 4096u, 100000u}) {
    std::string bytes(size, '\0');
    for (auto& b : bytes) b = static_cast<char>(rng());
    write(bytes);
    const Result r = validate(path_);
    EXPECT_EQ(r.code, 2) << size << " bytes: " << r.err.substr(0, 300);
    EXPECT_NE(r.err.find("error:"), std::string::npos) << size;
  }
}

TEST_F(HostileFile, OversizedFileIsRefused) {
  std::string text = "topolab: 1\nname: big\ndescription: \"";
  text += std::string(5 << 20, 'x');
  text += "\"\n";
  write(text);
  const Result r = validate(path_);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("larger than"), std::string::npos) << r.err.substr(0, 300);
}

TEST_F(HostileFile, EmptyFileIsRefused) {
  write("");
  const Result r = validate(path_);
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("error:"), std::string::npos);
}

}  // namespace
