// What the CLI prints at the end of a run when its counts do not balance:
// every tuple emitted must be received or counted as dropped once the run
// drained; otherwise one error line says how many went missing.
#include <gtest/gtest.h>

#include <iostream>
#include <sstream>
#include <string>

#include "reporter.h"

namespace topolab::cli {
namespace {

// gen emitted `emitted`; sink received `received` and has `queued` waiting.
Snapshot finalSnapshot(uint64_t emitted, uint64_t received, int64_t queued = 0) {
  Snapshot s;
  s.t_ms = 2000;
  InstanceSnapshot gen;
  gen.component = "gen";
  gen.counters.emitted = emitted;
  InstanceSnapshot sink;
  sink.component = "sink";
  sink.is_sink = true;
  sink.counters.received = received;
  sink.queue = queued;
  s.instances = {gen, sink};
  return s;
}

// What `print` writes to stdout and stderr.
struct Printed {
  std::string out, err;
};
template <typename F>
Printed capture(F print) {
  std::ostringstream out, err;
  auto* old_out = std::cout.rdbuf(out.rdbuf());
  auto* old_err = std::cerr.rdbuf(err.rdbuf());
  print();
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  return {out.str(), err.str()};
}

TEST(ReporterConservation, ALossNobodyCountedIsAnErrorLine) {
  Reporter json(true, std::nullopt, {"gen", "sink"});
  const Printed p = capture([&] { json.summary(finalSnapshot(1000, 990), 2000); });
  EXPECT_NE(p.out.find(R"({"type":"error","t_ms":2000,"kind":"conservation","detail":"tuples lost )"
                       R"(without being counted: emitted 1000 ≠ received 990 + dropped 0 + in )"
                       R"(flight 0: 10 tuples unaccounted for"})"),
            std::string::npos)
      << p.out;
  Reporter table(false, std::nullopt, {"gen", "sink"});
  const Printed t = capture([&] { table.summary(finalSnapshot(1000, 990), 2000); });
  EXPECT_NE(t.err.find("error: tuples lost without being counted: emitted 1000 ≠ received 990"),
            std::string::npos)
      << t.err;
}

TEST(ReporterConservation, BalancedCountsPrintNoError) {
  Reporter json(true, std::nullopt, {"gen", "sink"});
  Snapshot s = finalSnapshot(1000, 990);
  s.instances[1].counters.dropped = 10;  // lost with a killed instance, and counted
  const Printed p = capture([&] { json.summary(s, 2000); });
  EXPECT_EQ(p.out.find("\"type\":\"error\""), std::string::npos) << p.out;
  EXPECT_NE(p.out.find("\"type\":\"summary\""), std::string::npos);
}

TEST(ReporterConservation, NotJudgedWhileTuplesAreQueuedOrAfterAnAgentWasLost) {
  Reporter queued(true, std::nullopt, {"gen", "sink"});
  EXPECT_EQ(capture([&] {
              queued.summary(finalSnapshot(1000, 900, 50), 2000);
            }).out.find("\"type\":\"error\""),
            std::string::npos)
      << "a stop before the drain ended leaves tuples queued";
  Reporter lost(true, std::nullopt, {"gen", "sink"});
  const Printed p = capture([&] {
    lost.event(1000, "agent-lost", "node-b stopped answering");
    lost.summary(finalSnapshot(1000, 990), 2000);
  });
  EXPECT_EQ(p.out.find("\"type\":\"error\""), std::string::npos)
      << "a lost agent took its counts with it";
}

}  // namespace
}  // namespace topolab::cli
