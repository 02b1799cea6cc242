// Plugins on agents: Hello lists the types an agent's plugins add, an agent
// refuses to start with a plugin folder others may write, `topolab deploy`
// places plugin components only on agents that offer their type (learnt
// from Hello), and an agent asked to run a type it lacks refuses at PREPARE
// naming itself and the type.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "agent_process.h"
#include "cli_lab.h"
#include "topolab/control/cluster.h"
#include "topolab/control/cluster_client.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/plugin_loader.h"
#include "topolab/engine/spec.h"

namespace topolab {
namespace {

using testing::AgentProcess;
using testing::allLines;
using testing::CliRun;
using testing::Lab;
using testing::listOn;
using testing::runCli;

const std::string kPluginDir = TOPOLAB_JSON_EXTRACT_DIR;

double summaryField(const std::string& summary, const std::string& id, const std::string& field) {
  const auto c = summary.find("\"" + id + "\":{");
  if (c == std::string::npos) return -1;
  const auto f = summary.find("\"" + field + "\":", c);
  return f == std::string::npos ? -1 : std::stod(summary.substr(f + field.size() + 3));
}

std::vector<std::string> pluginTypesOf(const AgentProcess& a) {
  auto ctx = testing::callContext(a.viewerToken());
  v1::HelloRequest req;
  v1::HelloReply reply;
  EXPECT_TRUE(a.stub()->Hello(ctx.get(), req, &reply).ok());
  return {reply.plugin_types().begin(), reply.plugin_types().end()};
}

// generator on node-c, json-extract on EXTRACT_ON (anywhere when empty),
// counter on node-b.
std::string topologyFile(const std::string& extract_on, int extract_parallelism = 1) {
  static int n = 0;
  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("plugin-deploy-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".yaml"))
          .string();
  std::ofstream(path) << R"(topolab: 1
name: plugin-deploy
components:
  - id: src
    type: generator
    params: {count: 200, rate: 0, payload_bytes: 4}
    placement: [node-c]
  - id: extract
    type: json-extract
    parallelism: )" << extract_parallelism
                      << R"(
    params: {key_pointer: /k}
)" << (extract_on.empty() ? "" : "    placement: [" + extract_on + "]\n")
                      << R"(  - id: sink
    type: counter
    placement: [node-b]
streams:
  - {from: src, to: extract}
  - {from: extract, to: sink}
)";
  return path;
}

TEST(PluginAgent, HelloListsThePluginTypes) {
  AgentProcess with("node-a", {"--plugin-dir", kPluginDir});
  AgentProcess without("node-b");
  ASSERT_TRUE(with.started()) << with.log();
  ASSERT_TRUE(without.started()) << without.log();
  EXPECT_EQ(pluginTypesOf(with), std::vector<std::string>{"json-extract"});
  EXPECT_TRUE(pluginTypesOf(without).empty());
}

TEST(PluginAgent, AgentsCommandShowsThePluginTypes) {
  Lab lab(2, {{"--plugin-dir", kPluginDir}, {}});
  ASSERT_TRUE(lab.started());
  const CliRun r = runCli("agents --cluster " + lab.cluster_file);
  ASSERT_EQ(r.code, 0);
  const std::string all = allLines(r);
  EXPECT_NE(all.find("plugin types on node-a: json-extract"), std::string::npos) << all;
  EXPECT_EQ(all.find("plugin types on node-b"), std::string::npos) << all;
}

TEST(PluginAgent, AWorldWritablePluginFolderStopsTheStart) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("topolab-open-plugins-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::copy(kPluginDir, dir, std::filesystem::copy_options::recursive);
  ::chmod(dir.c_str(), 0777);
  AgentProcess a("node-a", {"--plugin-dir", dir.string()});
  EXPECT_FALSE(a.started());
  EXPECT_NE(a.log().find(dir.string() + ": refused: it is world-writable"), std::string::npos)
      << a.log();
  std::filesystem::remove_all(dir);
}

// The client asks the agents which types they offer, and refuses a
// placement on one that lacks the type before anything is sent.
TEST(PluginAgent, DeployRefusesToPlaceAPluginTypeOnAnAgentWithoutIt) {
  Lab lab(3, {{"--plugin-dir", kPluginDir}, {}, {}});
  ASSERT_TRUE(lab.started());
  const std::string file = topologyFile("node-b");
  const CliRun r = runCli("deploy " + file + " --cluster " + lab.cluster_file + " --duration 5");
  EXPECT_EQ(r.code, 2);
  const std::string all = allLines(r);
  EXPECT_NE(all.find("component 'extract': placement names agent 'node-b', which does not offer "
                     "type 'json-extract' (a plugin type; agents offering it: node-a)"),
            std::string::npos)
      << all;
  for (const auto& a : lab.agents)
    EXPECT_TRUE(listOn(*a).empty()) << a->name() << " got a deployment";
  std::filesystem::remove(file);
}

// A client that does not ask (here: a plan made without the agents' offers)
// meets the agent's own check at PREPARE, and nothing stays deployed.
TEST(PluginAgent, AnAgentWithoutThePluginRefusesAtPrepare) {
  Lab lab(3, {{"--plugin-dir", kPluginDir}, {}, {}});
  ASSERT_TRUE(lab.started());
  const std::string file = topologyFile("node-b");
  const control::ClusterLoadResult cluster = control::loadClusterFile(lab.cluster_file);
  ASSERT_TRUE(cluster.cluster.has_value());
  std::ifstream in(file);
  const std::string yaml((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const LoadResult loaded = parseTopology(yaml, file);
  ASSERT_TRUE(loaded.topology.has_value());
  std::string error;
  const auto plan = planDeployment(*loaded.topology, cluster.cluster->agentNames(), &error);
  ASSERT_TRUE(plan) << error;
  auto client = control::ClusterClient::create(*cluster.cluster, &error);
  ASSERT_NE(client, nullptr) << error;
  const control::DeployOutcome out = client->deploy(*loaded.topology, yaml, *plan);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.failed_agent, "node-b");
  EXPECT_NE(out.message.find("agent 'node-b' does not offer component type 'json-extract' "
                             "(component 'extract' is placed here; its plugin types: none): start "
                             "it with --plugin-dir"),
            std::string::npos)
      << out.message;
  for (const auto& a : lab.agents)
    EXPECT_TRUE(listOn(*a).empty()) << a->name() << " kept a half deployment";
  std::filesystem::remove(file);
}

// Without a placement, and with no plugin on the client's side: the client
// learns the type from Hello, validates it by a stand-in and puts both
// instances on the one agent that offers it. The generator's payloads are
// not JSON: every tuple is an error at json-extract, which proves it ran.
TEST(PluginAgent, DeployPlacesPluginComponentsOnlyWhereThePluginIs) {
  Lab lab(3, {{}, {}, {"--plugin-dir", kPluginDir}});
  ASSERT_TRUE(lab.started());
  const std::string file = topologyFile("", 2);
  const CliRun r =
      runCli("deploy " + file + " --cluster " + lab.cluster_file + " --json --duration 20");
  const std::string all = allLines(r);
  ASSERT_EQ(r.code, 0) << all;
  ASSERT_FALSE(r.lines.empty());
  const std::string& summary = r.lines.back().second;
  EXPECT_EQ(summaryField(summary, "extract", "errors"), 200) << summary;
  std::filesystem::remove(file);
}

// A type that no agent offers is named before anything is sent.
TEST(PluginAgent, DeployOfATypeNoAgentOffersNamesIt) {
  Lab lab(3);
  ASSERT_TRUE(lab.started());
  const std::string file = topologyFile("");
  const CliRun r = runCli("deploy " + file + " --cluster " + lab.cluster_file + " --plugin-dir " +
                          kPluginDir + " --duration 5");
  EXPECT_EQ(r.code, 2);
  const std::string all = allLines(r);
  EXPECT_NE(all.find("component 'extract': no agent of the cluster offers type 'json-extract'"),
            std::string::npos)
      << all;
  std::filesystem::remove(file);
}

// Placed on the agent that has the plugin, it runs; the others know the type
// only as a stand-in. The generator's payloads are not JSON: every tuple is
// an error at json-extract.
TEST(PluginAgent, APluginComponentRunsWhereItsPluginIs) {
  Lab lab(3, {{"--plugin-dir", kPluginDir}, {}, {}});
  ASSERT_TRUE(lab.started());
  const std::string file = topologyFile("node-a");
  const CliRun r = runCli("deploy " + file + " --cluster " + lab.cluster_file + " --plugin-dir " +
                          kPluginDir + " --json --duration 20");
  const std::string all = allLines(r);
  ASSERT_EQ(r.code, 0) << all;
  ASSERT_FALSE(r.lines.empty());
  const std::string& summary = r.lines.back().second;
  EXPECT_EQ(summaryField(summary, "extract", "errors"), 200) << summary;
  EXPECT_EQ(summaryField(summary, "src", "emitted"), 200) << summary;
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace topolab
