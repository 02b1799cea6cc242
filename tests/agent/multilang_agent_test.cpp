// Multilang programs on real topolab-agent processes: the resources bundle
// travels with the deploy (once), agents run only the programs --allow-exec
// names, bundles that are too big or escape their folder are refused, and
// nothing of a deployment (processes, folder) outlives it.
#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent_process.h"
#include "test_files.h"
#include "topolab/control/cluster_client.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/spec.h"
#include "topolab/wire/bundle.h"
#include "topolab/wire/convert.h"

namespace topolab {
namespace {

namespace fs = std::filesystem;
using testing::AgentProcess;
using testing::callContext;
using testing::listOn;
using testing::TempDir;

const std::string kPrograms = std::string(TOPOLAB_TESTDATA_DIR) + "/multilang";

// Processes whose parent chain leads to `root` (programs an agent runs, and theirs).
int descendantsOf(pid_t root) {
  std::map<pid_t, pid_t> parent;
  DIR* d = ::opendir("/proc");
  if (!d) return -1;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream stat(std::string("/proc/") + e->d_name + "/stat");
    std::string line;
    std::getline(stat, line);
    const size_t close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    std::string state;
    pid_t ppid = 0;
    rest >> state >> ppid;
    parent[std::atoi(e->d_name)] = ppid;
  }
  ::closedir(d);
  int n = 0;
  for (const auto& [pid, ppid] : parent) {
    for (pid_t p = ppid; p > 1; p = parent.count(p) ? parent[p] : 0) {
      if (p == root) {
        ++n;
        break;
      }
    }
  }
  return n;
}

template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// The folders an agent keeps for deployments that run programs.
std::vector<std::string> deploymentFolders(const AgentProcess& a) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::directory_iterator it(a.stateDir() + "/deployments", ec), end; !ec && it != end;
       it.increment(ec)) {
    out.push_back(it->path().string());
  }
  return out;
}

// A folder with the programs of a multilang topology, and the file beside them.
struct App {
  TempDir dir{"topolab-multilang-app"};

  explicit App(const std::vector<std::string>& programs = {"proto.py", "counting_spout.py",
                                                           "echo_bolt.py"}) {
    for (const std::string& p : programs) fs::copy_file(kPrograms + "/" + p, dir.file(p));
  }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories(fs::path(dir.file(name)).parent_path());
    std::ofstream(dir.file(name)) << text;
  }
  uint64_t bytes() const {
    uint64_t total = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir.path())) {
      if (e.is_regular_file()) total += e.file_size();
    }
    return total;
  }
};

// Spout (one instance) → echo bolt (three) → counter (three): every agent of
// a three-agent lab runs a program.
std::string wordcount(int count, const std::string& name = "wc",
                      const std::string& echo_program = "python3",
                      const std::string& defaults_extra = "") {
  return "topolab: 1\nname: " + name +
         "\ndefaults: {delivery: at-least-once, ack_timeout_ms: 5000" + defaults_extra +
         "}\ncomponents:\n"
         "  - {id: spout, type: shell-spout, params: {command: [python3, counting_spout.py], "
         "fields: [word, n], env: {COUNT: \"" +
         std::to_string(count) +
         "\", BATCH: \"50\", NEED_TASK_IDS: \"0\"}}}\n"
         "  - {id: echo, type: shell-bolt, parallelism: 3, params: {command: [" +
         echo_program +
         ", echo_bolt.py], fields: [word, n], env: {NEED_TASK_IDS: \"0\"}}}\n"
         "  - {id: count, type: counter, parallelism: 3}\n"
         "streams:\n"
         "  - {from: spout, to: echo, grouping: {type: fields, fields: [word]}}\n"
         "  - {from: echo, to: count}\n";
}

struct Lab {
  std::vector<std::unique_ptr<AgentProcess>> agents;
  control::ClusterFile cluster;

  Lab(int n, const std::vector<std::vector<std::string>>& flags) {
    for (int i = 0; i < n; ++i) {
      agents.push_back(std::make_unique<AgentProcess>(
          "node-" + std::string(1, char('a' + i)),
          flags.empty() ? std::vector<std::string>{}
                        : flags[std::min<size_t>(i, flags.size() - 1)]));
    }
    cluster.path = "lab.yaml";
    for (const auto& a : agents) {
      control::AgentEntry e;
      e.name = a->name();
      e.address = a->address();
      e.token_file = a->operatorTokenFile();
      e.token = a->operatorToken();
      cluster.agents.push_back(e);
    }
  }
  bool started() const {
    for (const auto& a : agents) {
      if (!a->started()) return false;
    }
    return true;
  }
  std::unique_ptr<control::ClusterClient> client() const {
    std::string error;
    auto c = control::ClusterClient::create(cluster, &error);
    EXPECT_TRUE(c) << error;
    return c;
  }
  // Deploys `yaml` as the file in `app`'s folder would be.
  control::DeployOutcome deploy(const control::ClusterClient& client, const std::string& yaml,
                                const App& app) const {
    LoadResult r = parseTopology(yaml, "app.yaml");
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return {};
    std::string error;
    const auto plan = planDeployment(*r.topology, cluster.agentNames(), &error);
    EXPECT_TRUE(plan) << error;
    if (!plan) return {};
    return client.deploy(*r.topology, yaml, *plan, app.dir.path());
  }
  // Tuples the instances of `component` received, summed over the agents.
  uint64_t received(const std::string& deployment, const std::string& component) const {
    uint64_t total = 0;
    for (const auto& a : agents) {
      auto ctx = callContext(a->viewerToken(), std::chrono::seconds(5));
      v1::WatchRequest req;
      req.set_deployment(deployment);
      auto stub = a->stub();
      auto reader = stub->WatchMetrics(ctx.get(), req);
      v1::MetricsUpdate u;
      if (reader->Read(&u)) {
        for (const InstanceSnapshot& i : wire::fromProto(u).instances) {
          if (i.component == component) total += i.counters.received;
        }
      }
      ctx->TryCancel();
      (void)reader->Finish();
    }
    return total;
  }
  int programs() const {
    int n = 0;
    for (const auto& a : agents) n += descendantsOf(a->pid());
    return n;
  }
};

const std::vector<std::string> kAllowPython = {"--allow-exec", "python3"};

TEST(MultilangAgent, WordcountRunsAcrossThreeAgentsAndItsBundleTravelsOnce) {
  Lab lab(3, {kAllowPython});
  ASSERT_TRUE(lab.started());
  App app;
  auto client = lab.client();
  const std::string yaml = wordcount(3000);

  const control::DeployOutcome first = lab.deploy(*client, yaml, app);
  ASSERT_TRUE(first.ok) << first.message;
  // One bundle (spout and echo share the folder), to each of the three agents.
  EXPECT_EQ(first.bundles_sent, 3);
  EXPECT_EQ(first.bundle_bytes_sent, 3 * app.bytes());
  EXPECT_TRUE(eventually([&] { return lab.received("wc", "count") >= 3000; }))
      << "count received " << lab.received("wc", "count");
  EXPECT_EQ(lab.received("wc", "count"), 3000u) << "at-least-once without failures: no duplicates";
  EXPECT_EQ(lab.programs(), 4) << "one spout and three echo programs";
  for (const auto& a : lab.agents) {
    const auto folders = deploymentFolders(*a);
    ASSERT_EQ(folders.size(), 1u) << a->name();
    EXPECT_EQ(fs::path(folders[0]).filename().string().rfind("wc-", 0), 0u) << folders[0];
    bool has_bolt = false;
    for (const auto& e : fs::recursive_directory_iterator(folders[0] + "/bundles")) {
      has_bolt |= e.path().filename() == "echo_bolt.py";
    }
    EXPECT_TRUE(has_bolt) << a->name() << " has no copy of the bundle in " << folders[0];
    // The programs' log lines land in the agent's log, with the deployment and the instance.
    EXPECT_TRUE(eventually([&] { return a->log().find("wc: echo#") != std::string::npos; }))
        << a->log();
    EXPECT_NE(a->log().find("echo bolt ready"), std::string::npos) << a->log();
  }

  const control::StopOutcome stopped = client->stop("wc", std::chrono::seconds(1));
  ASSERT_TRUE(stopped.ok) << stopped.message;
  // Stop returns once the programs are gone and the deployment's folder with them.
  EXPECT_EQ(lab.programs(), 0);
  for (const auto& a : lab.agents) {
    EXPECT_TRUE(deploymentFolders(*a).empty()) << a->name() << a->log();
    EXPECT_TRUE(listOn(*a).empty()) << a->name();
  }

  // The same content again: nothing is sent, and it runs as before.
  const control::DeployOutcome second = lab.deploy(*client, yaml, app);
  ASSERT_TRUE(second.ok) << second.message;
  EXPECT_EQ(second.bundles_sent, 0);
  EXPECT_EQ(second.bundle_bytes_sent, 0u);
  EXPECT_TRUE(eventually([&] { return lab.received("wc", "count") >= 3000; }));
  ASSERT_TRUE(client->stop("wc", std::chrono::seconds(1)).ok);
  EXPECT_EQ(lab.programs(), 0);

  // A changed program is a new bundle: sent again, once per agent.
  app.write("echo_bolt.py", "# changed\n" + testing::readFile(kPrograms + "/echo_bolt.py"));
  const control::DeployOutcome third = lab.deploy(*client, yaml, app);
  ASSERT_TRUE(third.ok) << third.message;
  EXPECT_EQ(third.bundles_sent, 3);
  ASSERT_TRUE(client->stop("wc", std::chrono::seconds(1)).ok);
}

TEST(MultilangAgent, HelloReportsWhatTheAgentMayRunAndItsBundleCaps) {
  AgentProcess a("node-a", {"--allow-exec", "python3", "--allow-exec", "node", "--max-bundle-bytes",
                            "5000", "--max-bundle-files", "7"});
  ASSERT_TRUE(a.started()) << a.log();
  auto ctx = callContext(a.viewerToken());
  v1::HelloReply reply;
  ASSERT_TRUE(a.stub()->Hello(ctx.get(), v1::HelloRequest(), &reply).ok());
  EXPECT_EQ(
      std::vector<std::string>(reply.allowed_programs().begin(), reply.allowed_programs().end()),
      (std::vector<std::string>{"python3", "node"}));
  EXPECT_EQ(reply.max_bundle_bytes(), 5000u);
  EXPECT_EQ(reply.max_bundle_files(), 7u);

  AgentProcess locked("node-b");
  ASSERT_TRUE(locked.started());
  auto ctx2 = callContext(locked.viewerToken());
  v1::HelloReply reply2;
  ASSERT_TRUE(locked.stub()->Hello(ctx2.get(), v1::HelloRequest(), &reply2).ok());
  EXPECT_TRUE(reply2.allowed_programs().empty());
  EXPECT_EQ(reply2.max_bundle_bytes(), uint64_t{64} << 20);
  EXPECT_EQ(reply2.max_bundle_files(), 10000u);
}

TEST(MultilangAgent, AnAgentWithoutAllowExecRefusesAndNothingIsDeployed) {
  // node-a and node-b may run python3, node-c may not: the deploy fails as a whole.
  Lab lab(3, {kAllowPython, kAllowPython, {}});
  ASSERT_TRUE(lab.started());
  App app;
  auto client = lab.client();
  const control::DeployOutcome out = lab.deploy(*client, wordcount(100), app);
  ASSERT_FALSE(out.ok);
  EXPECT_EQ(out.failed_agent, "node-c");
  EXPECT_NE(out.message.find("node-c"), std::string::npos) << out.message;
  EXPECT_NE(out.message.find("component 'echo'"), std::string::npos) << out.message;
  EXPECT_NE(out.message.find("'python3'"), std::string::npos) << out.message;
  EXPECT_NE(out.message.find("it runs no programs"), std::string::npos) << out.message;
  EXPECT_NE(out.message.find("--allow-exec python3"), std::string::npos) << out.message;
  for (const auto& a : lab.agents) {
    EXPECT_TRUE(listOn(*a).empty()) << a->name();
    EXPECT_TRUE(deploymentFolders(*a).empty()) << a->name();
  }
  EXPECT_EQ(lab.programs(), 0)
      << "the programs node-a and node-b started at PREPARE ended with ABORT";
  EXPECT_NE(lab.agents[2]->log().find("--allow-exec python3"), std::string::npos);
}

TEST(MultilangAgent, AProgramNotAllowedIsRefusedNamingTheComponentTheProgramAndTheFlag) {
  Lab lab(1, {{"--allow-exec", "node", "--allow-exec", "/opt/tools/run"}});
  ASSERT_TRUE(lab.started());
  App app;
  auto client = lab.client();
  const control::DeployOutcome out = lab.deploy(*client, wordcount(100), app);
  ASSERT_FALSE(out.ok);
  EXPECT_NE(out.message.find("component 'spout' runs 'python3', which this agent does not allow "
                             "(it allows node, /opt/tools/run): start topolab-agent with "
                             "--allow-exec python3"),
            std::string::npos)
      << out.message;
  // A program the bundle ships is allowed only by its own path, not by its name.
  std::string yaml = wordcount(100, "wc", "./node");
  yaml.replace(yaml.find("[python3, counting_spout.py]"), 28, "[node, counting_spout.py]");
  const control::DeployOutcome shipped = lab.deploy(*client, yaml, app);
  ASSERT_FALSE(shipped.ok);
  EXPECT_NE(shipped.message.find("component 'echo' runs './node', which this agent does not "
                                 "allow (it allows node, /opt/tools/run): start topolab-agent "
                                 "with --allow-exec ./node"),
            std::string::npos)
      << shipped.message;
  EXPECT_TRUE(listOn(*lab.agents[0]).empty());
  EXPECT_EQ(lab.programs(), 0);
}

TEST(MultilangAgent, BundleCapsAreCheckedByTheClientAndTheAgentNamingTheCap) {
  Lab lab(2, {{"--allow-exec", "python3", "--max-bundle-files", "3"},
              {"--allow-exec", "python3", "--max-bundle-bytes", "20000"}});
  ASSERT_TRUE(lab.started());
  App app;  // three programs of about 10 KB
  app.write("data/words.txt", std::string(19000, 'w'));
  auto client = lab.client();
  const control::DeployOutcome out = lab.deploy(*client, wordcount(100), app);
  ASSERT_FALSE(out.ok);
  EXPECT_NE(out.message.find("more than 3 files, the most agent node-a accepts in a bundle "
                             "(topolab-agent --max-bundle-files)"),
            std::string::npos)
      << out.message;
  fs::remove(app.dir.file("proto.py"));
  const control::DeployOutcome bytes = lab.deploy(*client, wordcount(100), app);
  ASSERT_FALSE(bytes.ok);
  EXPECT_NE(bytes.message.find("more than 20000 bytes"), std::string::npos) << bytes.message;
  EXPECT_NE(bytes.message.find("node-b"), std::string::npos) << bytes.message;
  EXPECT_NE(bytes.message.find("--max-bundle-bytes"), std::string::npos) << bytes.message;
  EXPECT_EQ(bytes.bundles_sent, 0);

  // The agent checks its caps itself, whatever the client says.
  for (size_t i = 0; i < 2; ++i) {
    const AgentProcess& a = *lab.agents[i];
    wire::BundleManifest m;
    for (int f = 0; f < 4; ++f) {
      m.files.push_back(
          {"f" + std::to_string(f), 6000, false, wire::sha256Hex(std::string(6000, 'x'))});
    }
    wire::seal(&m);
    auto ctx = callContext(a.operatorToken());
    v1::PutBundleReply reply;
    auto writer = a.stub()->PutBundle(ctx.get(), &reply);
    v1::BundleChunk chunk;
    wire::toProto(m, chunk.mutable_manifest());
    writer->Write(chunk);
    writer->WritesDone();
    const grpc::Status s = writer->Finish();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << a.name();
    EXPECT_NE(s.error_message().find(i == 0 ? "at most 3 per bundle (--max-bundle-files)"
                                            : "at most 20000 bytes"),
              std::string::npos)
        << s.error_message();
  }
}

TEST(MultilangAgent, ALinkOutOfTheResourcesFolderIsRefusedBeforeAnythingIsSent) {
  Lab lab(1, {kAllowPython});
  ASSERT_TRUE(lab.started());
  App app;
  TempDir outside("topolab-outside");
  std::ofstream(outside.file("secret.txt")) << "not for the agents";
  fs::create_symlink(outside.file("secret.txt"), app.dir.file("secret.txt"));
  auto client = lab.client();
  const control::DeployOutcome out = lab.deploy(*client, wordcount(100), app);
  ASSERT_FALSE(out.ok);
  EXPECT_NE(out.message.find("component 'spout'"), std::string::npos) << out.message;
  EXPECT_NE(
      out.message.find("'secret.txt' is a link to " +
                       fs::canonical(outside.file("secret.txt")).string() + ", outside the folder"),
      std::string::npos)
      << out.message;
  EXPECT_FALSE(fs::exists(lab.agents[0]->stateDir() + "/bundles")) << "nothing was sent";

  // A link that stays inside the folder is shipped as the file it leads to.
  fs::remove(app.dir.file("secret.txt"));
  fs::create_symlink("echo_bolt.py", app.dir.file("echo_link.py"));
  const control::DeployOutcome ok = lab.deploy(*client, wordcount(100), app);
  ASSERT_TRUE(ok.ok) << ok.message;
  const auto folders = deploymentFolders(*lab.agents[0]);
  ASSERT_EQ(folders.size(), 1u);
  bool found = false;
  for (const auto& e : fs::recursive_directory_iterator(folders[0])) {
    if (e.path().filename() == "echo_link.py") {
      found = true;
      EXPECT_FALSE(e.is_symlink());
      EXPECT_EQ(testing::readFile(e.path().string()),
                testing::readFile(kPrograms + "/echo_bolt.py"));
    }
  }
  EXPECT_TRUE(found);
  ASSERT_TRUE(client->stop("wc", std::chrono::seconds(1)).ok);
}

TEST(MultilangAgent, ADeployNotToldTheFilesFolderSendsNoRelativeFolder) {
  Lab lab(1, {kAllowPython});
  ASSERT_TRUE(lab.started());
  const std::string yaml = wordcount(10);
  LoadResult r = parseTopology(yaml, "app.yaml");
  ASSERT_TRUE(r.ok());
  std::string error;
  const auto plan = planDeployment(*r.topology, lab.cluster.agentNames(), &error);
  ASSERT_TRUE(plan) << error;
  const control::DeployOutcome out = lab.client()->deploy(*r.topology, yaml, *plan);
  ASSERT_FALSE(out.ok);
  EXPECT_NE(out.message.find("component 'spout': its resources folder '.' is relative to the "
                             "topology file's folder"),
            std::string::npos)
      << out.message;
  EXPECT_FALSE(fs::exists(lab.agents[0]->stateDir() + "/bundles"));
}

// PutBundle called by hand, as a hostile or broken client would.
grpc::Status putRaw(const AgentProcess& a, const std::string& token, const wire::BundleManifest& m,
                    const std::vector<std::string>& data) {
  auto ctx = callContext(token);
  v1::PutBundleReply reply;
  auto stub = a.stub();
  auto writer = stub->PutBundle(ctx.get(), &reply);
  v1::BundleChunk chunk;
  wire::toProto(m, chunk.mutable_manifest());
  chunk.set_deployment("raw");
  bool open = writer->Write(chunk);
  for (const std::string& d : data) {
    if (!open) break;
    v1::BundleChunk c;
    c.set_data(d);
    open = writer->Write(c);
  }
  writer->WritesDone();
  return writer->Finish();
}

wire::BundleManifest manifestOf(const std::vector<std::pair<std::string, std::string>>& files) {
  wire::BundleManifest m;
  for (const auto& [path, content] : files) {
    m.files.push_back({path, content.size(), false, wire::sha256Hex(content)});
  }
  wire::seal(&m);
  return m;
}

std::vector<std::string> missingOn(const AgentProcess& a, const std::string& hash) {
  auto ctx = callContext(a.operatorToken());
  v1::HasBundlesRequest req;
  req.add_hashes(hash);
  v1::HasBundlesReply reply;
  const grpc::Status s = a.stub()->HasBundles(ctx.get(), req, &reply);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return {reply.missing().begin(), reply.missing().end()};
}

TEST(MultilangAgent, PutBundleRefusesEscapingPathsMismatchesAndViewers) {
  AgentProcess a("node-a", kAllowPython);
  ASSERT_TRUE(a.started());
  const std::string token = a.operatorToken();

  // A good bundle is kept, under its hash.
  const auto good = manifestOf({{"bin/run.py", "print(1)\n"}, {"empty", ""}});
  ASSERT_TRUE(putRaw(a, token, good, {"print(1)\n"}).ok());
  EXPECT_TRUE(missingOn(a, good.hash).empty());
  EXPECT_EQ(testing::readFile(a.stateDir() + "/bundles/" + good.hash + "/bin/run.py"),
            "print(1)\n");
  EXPECT_TRUE(fs::exists(a.stateDir() + "/bundles/" + good.hash + "/empty"));

  // The viewer may not send bundles, nor ask about them.
  const auto other = manifestOf({{"x.py", "x"}});
  const grpc::Status viewer = putRaw(a, a.viewerToken(), other, {"x"});
  EXPECT_EQ(viewer.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(viewer.error_message().find("PutBundle"), std::string::npos) << viewer.error_message();
  {
    auto ctx = callContext(a.viewerToken());
    v1::HasBundlesReply reply;
    EXPECT_EQ(a.stub()->HasBundles(ctx.get(), v1::HasBundlesRequest(), &reply).error_code(),
              grpc::StatusCode::PERMISSION_DENIED);
  }

  // Paths that would leave the bundle's folder.
  for (const std::string path :
       {"../escaped.py", "/tmp/escaped.py", "a/../../escaped.py", "a//b.py", "./a.py"}) {
    wire::BundleManifest m;
    m.files.push_back({path, 1, false, wire::sha256Hex("x")});
    m.hash = wire::bundleHash(m.files);  // a well-hashed manifest, only the path is wrong
    const grpc::Status s = putRaw(a, token, m, {"x"});
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << path;
    EXPECT_NE(s.error_message().find("'" + path + "'"), std::string::npos) << s.error_message();
    EXPECT_NE(s.error_message().find("relative paths inside its folder"), std::string::npos)
        << s.error_message();
  }
  EXPECT_FALSE(fs::exists(a.stateDir() + "/escaped.py"));
  EXPECT_FALSE(fs::exists("/tmp/escaped.py"));

  // Bytes that do not match the manifest's sha256.
  const auto hello = manifestOf({{"hello.txt", "hello"}});
  const grpc::Status mismatch = putRaw(a, token, hello, {"hellp"});
  EXPECT_EQ(mismatch.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(mismatch.error_message().find("'hello.txt' have sha256 " + wire::sha256Hex("hellp") +
                                          ", the manifest says " + wire::sha256Hex("hello")),
            std::string::npos)
      << mismatch.error_message();
  EXPECT_EQ(missingOn(a, hello.hash), std::vector<std::string>{hello.hash});

  // A manifest whose hash does not match its files, too few and too many bytes.
  wire::BundleManifest forged = hello;
  forged.hash = good.hash;
  const grpc::Status forged_status = putRaw(a, token, forged, {"hello"});
  EXPECT_EQ(forged_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(forged_status.error_message().find("hash does not match"), std::string::npos);
  const grpc::Status short_status = putRaw(a, token, hello, {"hel"});
  EXPECT_NE(short_status.error_message().find("ended after 3 of 5 bytes"), std::string::npos)
      << short_status.error_message();
  const grpc::Status long_status = putRaw(a, token, hello, {"hello!"});
  EXPECT_NE(long_status.error_message().find("more bytes than its manifest lists"),
            std::string::npos)
      << long_status.error_message();
  EXPECT_EQ(missingOn(a, hello.hash), std::vector<std::string>{hello.hash});

  // No upload's leftovers, and each attempt is in the audit log.
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(a.stateDir() + "/bundles")) {
    entries.push_back(e.path().filename().string());
  }
  EXPECT_EQ(entries, std::vector<std::string>{good.hash});
  const std::string audit = testing::readFile(a.stateDir() + "/audit.log");
  EXPECT_NE(audit.find("PutBundle"), std::string::npos);
  EXPECT_NE(audit.find("sha256"), std::string::npos);
  // The agent is still up.
  auto ctx = callContext(token);
  v1::HealthReply health;
  EXPECT_TRUE(a.stub()->Health(ctx.get(), v1::HealthRequest(), &health).ok());
}

TEST(MultilangAgent, PrepareRefusesResourcesThatAreNotASentBundle) {
  AgentProcess a("node-a", kAllowPython);
  ASSERT_TRUE(a.started());
  auto request = [&](const std::string& resources, const std::vector<std::string>& bundles) {
    const std::string yaml =
        "topolab: 1\nname: raw\ncomponents:\n"
        "  - {id: spout, type: shell-spout, params: {command: [python3, counting_spout.py], "
        "resources: \"" +
        resources +
        "\"}}\n"
        "  - {id: sink, type: counter}\nstreams:\n  - {from: spout, to: sink}\n";
    LoadResult r = parseTopology(yaml, "raw.yaml");
    EXPECT_TRUE(r.ok());
    std::string error;
    const auto plan = planDeployment(*r.topology, {"node-a"}, &error);
    v1::DeployRequest req;
    req.set_deployment("raw");
    req.set_topology_yaml(yaml);
    req.set_plan_id("p1");
    req.set_phase(v1::DeployRequest::PHASE_PREPARE);
    req.set_self("node-a");
    wire::toProto(*plan, &req);
    auto* pa = req.add_agents();
    pa->set_name("node-a");
    pa->set_address(a.address());
    for (const auto& b : bundles) req.add_bundles(b);
    auto ctx = callContext(a.operatorToken());
    v1::DeployReply reply;
    return a.stub()->Deploy(ctx.get(), req, &reply);
  };
  // A path on the agent's host is not run: programs run only in bundles.
  const grpc::Status path = request(kPrograms, {});
  EXPECT_EQ(path.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(
      path.error_message().find("component 'spout': resources '" + kPrograms + "' is not a bundle"),
      std::string::npos)
      << path.error_message();
  const std::string hash = wire::sha256Hex("no such bundle");
  const grpc::Status missing = request("bundles/" + hash, {hash});
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_NE(missing.error_message().find("bundle " + hash + " is not on this agent"),
            std::string::npos)
      << missing.error_message();
  EXPECT_TRUE(listOn(a).empty());
  EXPECT_TRUE(deploymentFolders(a).empty());
  EXPECT_EQ(descendantsOf(a.pid()), 0);
}

TEST(MultilangAgent, TheAgentStaysUpWhenAProgramDies) {
  Lab lab(1, {kAllowPython});
  ASSERT_TRUE(lab.started());
  App app({"proto.py", "counting_spout.py", "crash_after_bolt.py"});
  const std::string yaml =
      "topolab: 1\nname: crashy\ndefaults: {delivery: at-most-once, restart: never}\n"
      "components:\n"
      "  - {id: spout, type: shell-spout, params: {command: [python3, counting_spout.py], "
      "env: {COUNT: \"1000\", NEED_TASK_IDS: \"0\"}}}\n"
      "  - {id: crash, type: shell-bolt, params: {command: [python3, crash_after_bolt.py], "
      "env: {CRASH_AFTER: \"50\", NEED_TASK_IDS: \"0\"}}}\n"
      "  - {id: sink, type: counter}\n"
      "streams:\n  - {from: spout, to: crash}\n  - {from: crash, to: sink}\n";
  auto client = lab.client();
  const control::DeployOutcome out = lab.deploy(*client, yaml, app);
  ASSERT_TRUE(out.ok) << out.message;
  const AgentProcess& a = *lab.agents[0];
  EXPECT_TRUE(eventually([&] {
    return a.log().find("crash#0") != std::string::npos &&
           a.log().find("status 9") != std::string::npos;
  })) << a.log();
  EXPECT_TRUE(eventually([&] { return descendantsOf(a.pid()) == 1; }))
      << "the dead program was reaped; the spout runs on";
  auto ctx = callContext(a.viewerToken());
  v1::HelloReply hello;
  EXPECT_TRUE(a.stub()->Hello(ctx.get(), v1::HelloRequest(), &hello).ok());
  EXPECT_EQ(listOn(a), std::vector<std::string>{"crashy"});
  ASSERT_TRUE(client->stop("crashy", std::chrono::seconds(1)).ok);
  EXPECT_EQ(descendantsOf(a.pid()), 0);
  EXPECT_TRUE(deploymentFolders(a).empty());
}

}  // namespace
}  // namespace topolab
