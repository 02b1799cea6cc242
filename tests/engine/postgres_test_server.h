// A private PostgreSQL server for tests and benchmarks: initdb and pg_ctl in a
// temporary directory, on a Unix socket there (no TCP port), started as the
// `postgres` user when running as root (PostgreSQL refuses root), stopped and
// removed with the object.
#pragma once

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace topolab::testing {

inline const std::string kPgBin = "/usr/lib/postgresql/15/bin";

// Output of a shell command (stdout), and its exit status.
inline std::string capture(const std::string& cmd, int* status = nullptr) {
  std::string out;
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  const int rc = ::pclose(f);
  if (status) *status = rc;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

inline std::string shellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// One private PostgreSQL server, stopped and removed with the object.
class PgServer {
 public:
  static bool installed() { return std::filesystem::exists(kPgBin + "/initdb"); }

  PgServer() {
    char dir[] = "/tmp/topolab-pg-XXXXXX";
    if (!::mkdtemp(dir)) return;
    dir_ = dir;
    as_ = "";
    if (::geteuid() == 0) {
      // PostgreSQL refuses to run as root.
      const passwd* pw = ::getpwnam("postgres");
      if (!pw || ::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return;
      as_ = "runuser -u postgres -- ";
    }
    ::chmod(dir_.c_str(), 0700);
    if (!run(kPgBin + "/initdb -D " + data() + " -A trust -U postgres --no-sync -E UTF8")) return;
    started_ = start();
  }
  ~PgServer() {
    if (!dir_.empty()) {
      run(kPgBin + "/pg_ctl -D " + data() + " -m immediate -w stop");
      std::filesystem::remove_all(dir_);
    }
  }
  bool ok() const { return started_; }
  std::string dsn() const { return "host=" + dir_ + " dbname=postgres user=postgres"; }
  const std::string& socketDir() const { return dir_; }

  bool start() {
    return run(kPgBin + "/pg_ctl -D " + data() + " -l " + dir_ + "/log -w -o " +
               shellQuote("-k " + dir_ + " -c listen_addresses='' -c fsync=off") + " start");
  }
  bool restart() { return run(kPgBin + "/pg_ctl -D " + data() + " -m fast -w restart"); }
  bool stop() { return run(kPgBin + "/pg_ctl -D " + data() + " -m fast -w stop"); }

  // The first value of a query's result, through psql.
  std::string query(const std::string& sql) const {
    return capture("cd /tmp && " + as_ + "psql -X -q -At -h " + dir_ +
                   " -U postgres -d postgres -c " + shellQuote(sql) + " 2>&1");
  }
  bool exec(const std::string& sql) const {
    int status = 0;
    capture("cd /tmp && " + as_ + "psql -X -q -v ON_ERROR_STOP=1 -h " + dir_ +
                " -U postgres -d postgres -c " + shellQuote(sql) + " >/dev/null 2>&1",
            &status);
    return status == 0;
  }
  // Runs psql with `args` (-f file, -c "\copy …"); true when it succeeded.
  bool psql(const std::string& args) const {
    return run("psql -X -q -v ON_ERROR_STOP=1 -h " + dir_ + " -U postgres -d postgres " + args);
  }
  std::string log() const {
    std::ifstream in(dir_ + "/log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string data() const { return dir_ + "/data"; }
  bool run(const std::string& cmd) const {
    return std::system(("cd /tmp && " + as_ + cmd + " >/dev/null 2>&1").c_str()) == 0;
  }

  std::string dir_;
  std::string as_;
  bool started_ = false;
};

}  // namespace topolab::testing
