// Three agents in their own network namespaces, joined by veth pairs and a
// bridge, with mutual TLS between everyone: one agent's link is taken down
// for 5 s and up again in the middle of an at-least-once run. The deploy
// must say the agent was lost and is back, keep delivering around it, and
// end with every tree acked.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "cli_lab.h"
#include "network_lab.h"
#include "test_files.h"
#include "test_pki.h"

namespace topolab {
namespace {

using testing::Clock;
using testing::Lab;
using testing::NetworkLab;
using Json = nlohmann::json;
using namespace std::chrono_literals;

// The generator's rate and count in kTopology.
constexpr uint64_t kRate = 2000;    // tuples/s
constexpr uint64_t kCount = 24000;  // trees: 12 s
constexpr int kCut = 2;             // node-c

// gen on node-a; work#0, #1, #2 on node-a, node-b, node-c; the sink on
// node-b, so what reaches it crosses a link that stays up. The trees that
// were on the cut link when it went down are lost with the stream; gen's
// agent fails them as soon as node-c is out of reach, so they replay at once
// and not after the default ack_timeout_ms (30 s): the run stays near the
// generator's 12 s.
const char* kTopology = R"(topolab: 1
name: netns-lab
defaults: {delivery: at-least-once, metrics_interval_ms: 500}
components:
  - {id: gen, type: generator, params: {rate: 2000, count: 24000, keys: 24000, distribution: sequential}, placement: [node-a]}
  - {id: work, type: work, parallelism: 3, params: {cost_us: 50}, placement: [node-a, node-b, node-c]}
  - {id: sink, type: counter, placement: [node-b]}
streams:
  - {from: gen, to: work, grouping: shuffle}
  - {from: work, to: sink, grouping: shuffle}
)";

struct Line {
  Clock::time_point at;
  Json json;
};

std::vector<Line> jsonLines(const testing::CliRun& run) {
  std::vector<Line> out;
  for (const auto& [at, text] : run.lines) {
    Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_object()) out.push_back({at, std::move(j)});
  }
  return out;
}

uint64_t count(const Json& line, const std::string& component, const std::string& field) {
  const Json& c = line["components"][component];
  return c.is_object() && c.contains(field) ? c[field].get<uint64_t>() : 0;
}

std::optional<Clock::time_point> eventAbout(const std::vector<Line>& lines, const std::string& kind,
                                            const std::string& agent) {
  for (const Line& l : lines) {
    if (l.json.value("type", "") == "event" && l.json.value("kind", "") == kind &&
        l.json.value("detail", "").find(agent) != std::string::npos) {
      return l.at;
    }
  }
  return std::nullopt;
}

double secondsBetween(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

TEST(NetnsLab, AnAgentCutOffForFiveSecondsIsLostThenBackAndEveryTreeIsAcked) {
  NetworkLab net(3);
  if (!net.ok()) GTEST_SKIP() << net.error();

  testing::TempDir pki("topolab-netns-pki");
  std::string log;
  ASSERT_TRUE(testing::makeTestPki(pki.path(), &log)) << log;
  std::vector<std::vector<std::string>> flags;
  for (int i = 0; i < 3; ++i) {
    const std::string name = "node-" + std::string(1, char('a' + i));
    ASSERT_TRUE(
        testing::makeAgentCertificate(pki.path(), name, NetworkLab::address(i), 10 + i, &log))
        << log;
    flags.push_back({"--listen", NetworkLab::address(i) + ":7701", "--tls-cert",
                     pki.file(name + ".crt"), "--tls-key", pki.file(name + ".key"),
                     "--tls-client-ca", pki.file("ca.crt")});
  }
  Lab lab(3, flags, [&net](int i) { net.enter(i); });
  for (const auto& a : lab.agents) ASSERT_TRUE(a->started()) << a->name() << ":\n" << a->log();
  lab.cluster_extra = "tls: {ca: \"" + pki.file("ca.crt") + "\", cert: \"" +
                      pki.file("client.crt") + "\", key: \"" + pki.file("client.key") + "\"}\n";
  lab.writeClusterFile();
  const std::string file = pki.file("netns-lab.yaml");
  std::ofstream(file) << kTopology;

  std::mutex mu;
  std::vector<std::pair<Clock::time_point, std::string>> live;
  std::atomic<bool> started{false};
  testing::CliRun deployed;
  const auto t0 = Clock::now();
  std::thread deploy([&] {
    deployed =
        testing::runCommand(net.inHub(std::string(TOPOLAB_CLI) + " deploy " + file + " --cluster " +
                                      lab.cluster_file + " --json --duration 100"),
                            &started, &mu, &live);
  });
  // Cut node-c's link once the sink is receiving.
  auto sinkReceiving = [&] {
    std::lock_guard lock(mu);
    for (const auto& [at, text] : live) {
      const Json j = Json::parse(text, nullptr, false);
      if (j.is_object() && j.value("type", "") == "interval" && count(j, "sink", "received") > 0)
        return true;
    }
    return false;
  };
  const auto give_up = Clock::now() + 30s;
  while (!sinkReceiving() && Clock::now() < give_up) std::this_thread::sleep_for(20ms);
  const bool receiving = sinkReceiving();
  Clock::time_point cut_at{}, up_at{};
  bool cut = false, restored = false;
  if (receiving) {
    cut_at = Clock::now();
    cut = net.setLink(kCut, false);
    std::this_thread::sleep_for(5s);  // the cut itself
    restored = net.setLink(kCut, true);
    up_at = Clock::now();
  }
  deploy.join();
  const auto took = Clock::now() - t0;
  const std::string all = testing::allLines(deployed);
  ASSERT_TRUE(receiving) << "the sink never received anything:\n" << all;
  ASSERT_TRUE(cut && restored) << net.error();
  ASSERT_EQ(deployed.code, 0) << all;

  const std::vector<Line> lines = jsonLines(deployed);
  ASSERT_FALSE(lines.empty()) << all;
  // When each line came and what the sink received in it, for the messages.
  std::string timeline = "cut at " + std::to_string(secondsBetween(t0, cut_at)) + " s, up at " +
                         std::to_string(secondsBetween(t0, up_at)) + " s\n";
  for (const Line& l : lines) {
    const std::string type = l.json.value("type", "");
    std::string what = l.json.value("kind", "") + " " + l.json.value("detail", "");
    if (type == "interval") {
      what = "sink received " + std::to_string(count(l.json, "sink", "received")) + " in " +
             std::to_string(l.json.value("interval_ms", 0)) + " ms";
    }
    if (type == "summary") {
      what = "gen acked " + std::to_string(count(l.json, "gen", "acked")) + ", replayed " +
             std::to_string(count(l.json, "gen", "replayed"));
    }
    timeline += std::to_string(secondsBetween(t0, l.at)) + " s: " + type + " " + what + "\n";
  }
  std::cout << "the deploy took " << secondsBetween(t0, t0 + took) << " s; " << timeline;

  // The deploy named the agent lost during the cut and back after it.
  const auto lost = eventAbout(lines, "agent-lost", "node-c");
  ASSERT_TRUE(lost) << all;
  EXPECT_GT(*lost, cut_at) << timeline;
  EXPECT_LT(*lost, up_at) << timeline;
  const auto back = eventAbout(lines, "agent-back", "node-c");
  ASSERT_TRUE(back) << all;
  EXPECT_GT(*back, up_at) << timeline;
  // Each event once: the history a reopened stream starts with is not news.
  std::set<std::string> events;
  for (const Line& l : lines) {
    if (l.json.value("type", "") != "event") continue;
    EXPECT_TRUE(events.insert(l.json.dump()).second) << "twice: " << l.json.dump() << "\n"
                                                     << timeline;
  }

  // The sink went on receiving while node-c was cut off, at about the
  // offered rate: traffic took the other work instances (a shuffle that kept
  // sending a third to work#2 would deliver at most two thirds). The first
  // 2 s are the senders' links noticing the cut (gRPC keepalive: 1 s, then
  // 1 s for the answer).
  int during = 0;
  uint64_t received = 0, interval_ms = 0;
  for (const Line& l : lines) {
    if (l.json.value("type", "") != "interval" || l.at < cut_at + 2s || l.at > up_at) continue;
    ++during;
    EXPECT_GT(count(l.json, "sink", "received"), 0u) << timeline;
    received += count(l.json, "sink", "received");
    interval_ms += l.json.value("interval_ms", uint64_t{0});
  }
  EXPECT_GE(during, 2) << timeline;
  EXPECT_GE(received * 1000, kRate * interval_ms * 3 / 4)
      << received << " in " << interval_ms << " ms during the cut\n"
      << timeline;

  // Every tree acked, nothing lost, and never an accounting error.
  const Json& summary = lines.back().json;
  ASSERT_EQ(summary.value("type", ""), "summary") << all;
  EXPECT_EQ(count(summary, "gen", "acked"), kCount) << summary.dump();
  EXPECT_GE(count(summary, "sink", "received"), kCount) << summary.dump();
  EXPECT_EQ(all.find("\"type\":\"error\""), std::string::npos) << all;
  // The trees cut off were replayed at once, not after the 30 s ack timeout.
  EXPECT_LT(took, 25s) << timeline;
  RecordProperty(
      "duration_ms",
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));
}

}  // namespace
}  // namespace topolab
