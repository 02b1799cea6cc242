// Placement: which agent runs each instance, which streams then cross agents,
// and the plan as a user reads it (table) and as a script reads it (JSON).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "spec_test_helpers.h"
#include "topolab/engine/plan.h"

namespace topolab {
namespace {

const std::vector<std::string> kThree = {"node-a", "node-b", "node-c"};

Topology load(std::string_view text) {
  LoadResult r = testing::parse(text);
  EXPECT_TRUE(r.ok()) << testing::allErrors(r.errors);
  return r.topology.value_or(Topology{});
}

// The realtime-analytics example's shape: 2 + 4 + 2 + 1 instances.
constexpr const char* kAnalytics = R"(topolab: 1
name: realtime-analytics
components:
  - {id: events, type: generator, parallelism: 2}
  - {id: enrich, type: work, parallelism: 4}
  - {id: counts, type: window-count, parallelism: 2}
  - {id: store, type: counter}
streams:
  - {from: events, to: enrich, grouping: shuffle}
  - {from: enrich, to: counts, grouping: {type: fields, fields: [key]}}
  - {from: counts, to: store, grouping: shuffle}
)";

Plan planOk(const Topology& t, const std::vector<std::string>& agents,
            const TypeOffers& offers = {}) {
  std::string error;
  std::optional<Plan> plan = planDeployment(t, agents, &error, offers);
  EXPECT_TRUE(plan) << error;
  return plan.value_or(Plan{});
}

std::string planError(const Topology& t, const std::vector<std::string>& agents,
                      const TypeOffers& offers = {}) {
  std::string error;
  std::optional<Plan> plan = planDeployment(t, agents, &error, offers);
  EXPECT_FALSE(plan) << "planned:\n" << (plan ? formatPlan(*plan) : "");
  EXPECT_FALSE(error.empty());
  return error;
}

std::string agentOf(const Plan& plan, std::string_view component, int index) {
  const PlacedInstance* p = plan.find(component, index);
  return p ? p->agent : "(missing)";
}

// "from->to:from_agent->to_agent:transport" for each crossing, in plan order.
std::vector<std::string> crossings(const Plan& plan) {
  std::vector<std::string> out;
  for (const CrossingStream& c : plan.crossings) {
    out.push_back(c.from + "->" + c.to + ":" + c.from_agent + "->" + c.to_agent + ":" +
                  std::string(toString(c.transport)));
  }
  return out;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(Plan, SpreadsInstancesEvenly) {
  const Plan plan = planOk(load(kAnalytics), kThree);
  ASSERT_EQ(plan.instances.size(), 9u);
  EXPECT_EQ(plan.agents, kThree);
  for (const std::string& a : kThree) EXPECT_EQ(plan.on(a).size(), 3u) << a;
  // Fewest instances first, ties in cluster order, component by component.
  EXPECT_EQ(agentOf(plan, "events", 0), "node-a");
  EXPECT_EQ(agentOf(plan, "events", 1), "node-b");
  EXPECT_EQ(agentOf(plan, "enrich", 0), "node-c");
  EXPECT_EQ(agentOf(plan, "enrich", 1), "node-a");
  EXPECT_EQ(agentOf(plan, "enrich", 2), "node-b");
  EXPECT_EQ(agentOf(plan, "enrich", 3), "node-c");
  EXPECT_EQ(agentOf(plan, "counts", 0), "node-a");
  EXPECT_EQ(agentOf(plan, "counts", 1), "node-b");
  EXPECT_EQ(agentOf(plan, "store", 0), "node-c");
}

TEST(Plan, SpreadsUnevenTotalsWithinOne) {
  const Plan plan = planOk(load(kAnalytics), {"n1", "n2", "n3", "n4"});
  for (const char* a : {"n1", "n2", "n3", "n4"}) {
    EXPECT_GE(plan.on(a).size(), 2u) << a;
    EXPECT_LE(plan.on(a).size(), 3u) << a;
  }
}

TEST(Plan, TaskIdsFollowTopologicalOrder) {
  // Written sink first: the plan still lists sources first.
  const Plan plan = planOk(load(R"(topolab: 1
name: reversed
components:
  - {id: store, type: counter}
  - {id: enrich, type: work, parallelism: 2}
  - {id: events, type: generator}
streams:
  - {from: enrich, to: store}
  - {from: events, to: enrich}
)"),
                           kThree);
  ASSERT_EQ(plan.instances.size(), 4u);
  const std::vector<std::string> want = {"events#0", "enrich#0", "enrich#1", "store#0"};
  for (size_t i = 0; i < plan.instances.size(); ++i) {
    const PlacedInstance& p = plan.instances[i];
    EXPECT_EQ(p.component + "#" + std::to_string(p.index), want[i]);
    EXPECT_EQ(p.task_id, i);
  }
}

TEST(Plan, HonoursPlacementRoundRobin) {
  const Plan plan = planOk(load(R"(topolab: 1
name: placed
components:
  - {id: events, type: generator, parallelism: 2, placement: [node-c]}
  - {id: enrich, type: work, parallelism: 3, placement: [node-b, node-a]}
  - {id: store, type: counter, parallelism: 2}
streams:
  - {from: events, to: enrich}
  - {from: enrich, to: store}
)"),
                           kThree);
  EXPECT_EQ(agentOf(plan, "events", 0), "node-c");
  EXPECT_EQ(agentOf(plan, "events", 1), "node-c");
  EXPECT_EQ(agentOf(plan, "enrich", 0), "node-b");
  EXPECT_EQ(agentOf(plan, "enrich", 1), "node-a");
  EXPECT_EQ(agentOf(plan, "enrich", 2), "node-b");
  // The spread counts placed instances: node-a (1) is the least loaded, then a tie.
  EXPECT_EQ(agentOf(plan, "store", 0), "node-a");
  EXPECT_EQ(agentOf(plan, "store", 1), "node-a");
}

TEST(Plan, PutsReplicatedStoreInstancesOnDistinctAgents) {
  // The producers fill node-b, which an even spread avoids as long as it can;
  // the third store instance must still go there rather than double up.
  const Plan plan = planOk(load(R"(topolab: 1
name: replicated
components:
  - {id: events, type: generator, parallelism: 3, placement: [node-b]}
  - {id: kv, type: replicated-store, params: {replicas: 2}}
streams:
  - {from: events, to: kv}
)"),
                           kThree);
  std::vector<std::string> agents;
  for (int i = 0; i < 3; ++i) agents.push_back(agentOf(plan, "kv", i));
  std::sort(agents.begin(), agents.end());
  EXPECT_EQ(agents, kThree);

  const Plan placed = planOk(load(R"(topolab: 1
name: replicated
components:
  - {id: events, type: generator}
  - {id: kv, type: replicated-store, params: {replicas: 1}, placement: [node-c, node-c, node-a]}
streams:
  - {from: events, to: kv}
)"),
                             kThree);
  EXPECT_EQ(agentOf(placed, "kv", 0), "node-c");
  EXPECT_EQ(agentOf(placed, "kv", 1), "node-a");
}

TEST(Plan, RefusesReplicatedStoreLargerThanCluster) {
  const Topology t = load(R"(topolab: 1
name: replicated
components:
  - {id: events, type: generator}
  - {id: kv, type: replicated-store, params: {replicas: 2}}
streams:
  - {from: events, to: kv}
)");
  const std::string error = planError(t, {"node-a", "node-b"});
  EXPECT_TRUE(contains(error, "'kv'")) << error;
  EXPECT_TRUE(contains(error, "3 instances (a primary and its followers) on distinct agents"))
      << error;
  EXPECT_TRUE(contains(error, "cluster has 2")) << error;
  EXPECT_TRUE(contains(error, "add agents or lower its replicas")) << error;
  EXPECT_TRUE(planDeployment(t, kThree, nullptr));
}

TEST(Plan, RefusesReplicatedStorePlacementOnTooFewAgents) {
  const Topology t = load(R"(topolab: 1
name: replicated
components:
  - {id: events, type: generator}
  - {id: kv, type: replicated-store, params: {replicas: 1}, placement: [node-b, node-b]}
streams:
  - {from: events, to: kv}
)");
  const std::string error = planError(t, kThree);
  EXPECT_TRUE(contains(error, "'kv'")) << error;
  EXPECT_TRUE(contains(error, "placement lists 1")) << error;
}

TEST(Plan, ReplicatedStoreRunsPrimaryPlusReplicasWhateverItsParallelism) {
  // The default is two followers: three instances.
  const Plan plan = planOk(load(R"(topolab: 1
name: replicated
components:
  - {id: events, type: generator}
  - {id: kv, type: replicated-store}
streams:
  - {from: events, to: kv}
)"),
                           kThree);
  EXPECT_NE(plan.find("kv", 2), nullptr);
  EXPECT_EQ(plan.find("kv", 3), nullptr);

  const std::string error = planError(load(R"(topolab: 1
name: replicated
components:
  - {id: events, type: generator}
  - {id: kv, type: replicated-store, parallelism: 2, params: {replicas: 2}}
streams:
  - {from: events, to: kv}
)"),
                                      kThree);
  EXPECT_TRUE(contains(error, "'kv'")) << error;
  EXPECT_TRUE(contains(error, "sets parallelism 2")) << error;
  EXPECT_TRUE(contains(error, "set replicas instead")) << error;
}

TEST(Plan, RefusesUnknownAgentInPlacement) {
  const Topology t = load(R"(topolab: 1
name: placed
components:
  - {id: events, type: generator, placement: [node-a, node-z]}
  - {id: store, type: counter}
streams:
  - {from: events, to: store}
)");
  const std::string error = planError(t, kThree);
  EXPECT_TRUE(contains(error, "component 'events'")) << error;
  EXPECT_TRUE(contains(error, "'node-z'")) << error;
  EXPECT_TRUE(contains(error, "node-a, node-b, node-c")) << error;
  EXPECT_TRUE(contains(error, "add it to the cluster file or change the placement")) << error;
}

TEST(Plan, RefusesEmptyOrDuplicateCluster) {
  const Topology t = load(kAnalytics);
  EXPECT_TRUE(contains(planError(t, {}), "at least one agent"));
  EXPECT_TRUE(contains(planError(t, {"node-a", "node-b", "node-a"}), "'node-a' is listed twice"));
}

TEST(Plan, RefusesStreamToUnknownComponent) {
  // A model edited in memory may not have been validated.
  Topology t = load(kAnalytics);
  t.streams.push_back(Stream{.from = "counts", .to = "ghost"});
  const std::string error = planError(t, kThree);
  EXPECT_TRUE(contains(error, "'counts -> ghost'")) << error;
  EXPECT_TRUE(contains(error, "'ghost'")) << error;
}

TEST(Plan, CrossingsAreDistinctAgentPairsPerStream) {
  const Plan plan = planOk(load(R"(topolab: 1
name: two
components:
  - {id: events, type: generator, parallelism: 2}
  - {id: enrich, type: work, parallelism: 2}
streams:
  - {from: events, to: enrich}
)"),
                           {"node-a", "node-b"});
  // events#0, enrich#0 on node-a; events#1, enrich#1 on node-b (alternating).
  EXPECT_EQ(crossings(plan), (std::vector<std::string>{"events->enrich:node-a->node-b:grpc",
                                                       "events->enrich:node-b->node-a:grpc"}));
}

TEST(Plan, GlobalGroupingCrossesOnlyToInstanceZero) {
  const Plan plan = planOk(load(R"(topolab: 1
name: global
components:
  - {id: events, type: generator, parallelism: 3}
  - {id: total, type: counter, parallelism: 3}
streams:
  - {from: events, to: total, grouping: global}
)"),
                           kThree);
  // total#0 is on node-a; only events on node-b and node-c cross, both into node-a.
  ASSERT_EQ(agentOf(plan, "total", 0), "node-a");
  EXPECT_EQ(crossings(plan), (std::vector<std::string>{"events->total:node-b->node-a:grpc",
                                                       "events->total:node-c->node-a:grpc"}));
}

TEST(Plan, LoadBalancerReachesEveryMemberWhateverTheGrouping) {
  const Plan plan = planOk(load(R"(topolab: 1
name: web
components:
  - {id: requests, type: generator, placement: [node-a]}
  - {id: haproxy, type: load-balancer, placement: [node-a]}
  - {id: svc, type: work, parallelism: 3}
  - {id: responses, type: counter, placement: [node-a]}
streams:
  - {from: requests, to: haproxy}
  - {from: haproxy, to: svc, grouping: global}
  - {from: svc, to: responses}
)"),
                           kThree);
  const std::vector<std::string> got = crossings(plan);
  EXPECT_NE(std::find(got.begin(), got.end(), "haproxy->svc:node-a->node-b:grpc"), got.end());
  EXPECT_NE(std::find(got.begin(), got.end(), "haproxy->svc:node-a->node-c:grpc"), got.end());
}

TEST(Plan, AutoCrossesByGrpcAndKafkaStaysKafka) {
  const Plan plan = planOk(load(R"(topolab: 1
name: transports
components:
  - {id: events, type: generator, placement: [node-a]}
  - {id: enrich, type: work, placement: [node-b]}
  - {id: store, type: counter, placement: [node-c]}
streams:
  - {from: events, to: enrich}
  - {from: enrich, to: store, transport: kafka}
)"),
                           kThree);
  EXPECT_EQ(crossings(plan), (std::vector<std::string>{"events->enrich:node-a->node-b:grpc",
                                                       "enrich->store:node-b->node-c:kafka"}));
}

TEST(Plan, RefusesLocalTransportAcrossAgents) {
  const std::string error = planError(load(R"(topolab: 1
name: local
components:
  - {id: events, type: generator, placement: [node-a]}
  - {id: store, type: counter, placement: [node-b]}
streams:
  - {from: events, to: store, transport: local}
)"),
                                      kThree);
  EXPECT_TRUE(contains(error, "stream 'events -> store'")) << error;
  EXPECT_TRUE(contains(error, "transport local")) << error;
  EXPECT_TRUE(contains(error, "events#0 is on node-a")) << error;
  EXPECT_TRUE(contains(error, "store#0 on node-b")) << error;
  EXPECT_TRUE(contains(error, "use transport auto")) << error;
}

TEST(Plan, AllowsLocalTransportWithinOneAgent) {
  const Plan plan = planOk(load(R"(topolab: 1
name: local
components:
  - {id: events, type: generator, parallelism: 2, placement: [node-b]}
  - {id: store, type: counter, placement: [node-b]}
streams:
  - {from: events, to: store, transport: local}
)"),
                           kThree);
  EXPECT_TRUE(plan.crossings.empty());
  EXPECT_TRUE(plan.on("node-a").empty());
}

TEST(Plan, OneAgentHasNoCrossings) {
  const Plan plan = planOk(load(kAnalytics), {"solo"});
  EXPECT_EQ(plan.on("solo").size(), 9u);
  EXPECT_TRUE(plan.crossings.empty());
}

TEST(Plan, IsDeterministic) {
  const Topology t = load(kAnalytics);
  const std::string first = planJson(planOk(t, kThree));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(planJson(planOk(t, kThree)), first);
}

TEST(Plan, FindAndOnLookUpInstances) {
  const Plan plan = planOk(load(kAnalytics), kThree);
  ASSERT_NE(plan.find("enrich", 3), nullptr);
  EXPECT_EQ(plan.find("enrich", 3)->task_id, 5u);
  EXPECT_EQ(plan.find("enrich", 4), nullptr);
  EXPECT_EQ(plan.find("nope", 0), nullptr);
  const auto on_b = plan.on("node-b");
  ASSERT_EQ(on_b.size(), 3u);
  EXPECT_EQ(on_b[0]->component, "events");  // in task order
  EXPECT_TRUE(plan.on("node-x").empty());
}

constexpr const char* kSmall = R"(topolab: 1
name: small
components:
  - {id: events, type: generator, parallelism: 2}
  - {id: store, type: counter}
streams:
  - {from: events, to: store}
)";

TEST(Plan, FormatsInstancesPerAgentThenCrossings) {
  const Plan plan = planOk(load(kSmall), {"node-a", "b", "node-c"});
  EXPECT_EQ(formatPlan(plan),
            "node-a: events#0\n"
            "b:      events#1\n"
            "node-c: store#0\n"
            "streams crossing agents:\n"
            "  events -> store: node-a -> node-c (grpc)\n"
            "  events -> store: b -> node-c (grpc)\n");
  const Plan solo = planOk(load(kSmall), {"solo", "idle"});
  EXPECT_TRUE(contains(formatPlan(planOk(load(kSmall), {"solo"})),
                       "solo: events#0, events#1, store#0\nstreams crossing agents: none\n"));
  EXPECT_TRUE(contains(formatPlan(solo), "idle: events#1\n"));
}

TEST(Plan, JsonHoldsAgentsInstancesAndCrossings) {
  const Plan plan = planOk(load(kSmall), {"node-a", "node-b"});
  EXPECT_EQ(
      planJson(plan),
      R"({"agents":["node-a","node-b"],)"
      R"("instances":[{"component":"events","index":0,"agent":"node-a","task":0},)"
      R"({"component":"events","index":1,"agent":"node-b","task":1},)"
      R"({"component":"store","index":0,"agent":"node-a","task":2}],)"
      R"("crossings":[{"from":"events","to":"store","from_agent":"node-b","to_agent":"node-a","transport":"grpc"}]})");
}

TEST(Plan, JsonParsesAsJson) {
  if (std::system("python3 -c 'import json' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 is not available";
  }
  const std::string json = planJson(planOk(load(kAnalytics), kThree));
  const std::string path = ::testing::TempDir() + "/plan_test.json";
  std::FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  std::fwrite(json.data(), 1, json.size(), f);
  std::fclose(f);
  const std::string cmd =
      "python3 -c 'import json,sys; p=json.load(open(sys.argv[1])); "
      "print(len(p[\"agents\"]), len(p[\"instances\"]), p[\"instances\"][5][\"component\"], "
      "p[\"instances\"][5][\"task\"], p[\"crossings\"][0][\"transport\"])' '" +
      path + "'";
  std::FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[256];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << json;
  std::remove(path.c_str());
  EXPECT_EQ(out, "3 9 enrich 5 grpc\n") << json;
}

// A plugin type runs only on the agents that offer it. (The planner reads
// only the type's name: the file names a built-in one, renamed after.)
Topology pluginPipeline() {
  Topology t = load(R"(topolab: 1
name: plugin
components:
  - {id: src, type: generator, parallelism: 3}
  - {id: extract, type: work, parallelism: 3}
  - {id: sink, type: counter}
streams:
  - {from: src, to: extract}
  - {from: extract, to: sink}
)");
  t.components[1].type = "json-extract";
  return t;
}

TEST(PlanTest, PluginInstancesGoOnlyToAgentsOfferingTheirType) {
  const Topology t = pluginPipeline();
  TypeOffers offers;
  offers.agents_of_type["json-extract"] = {"node-b", "node-c"};
  const Plan plan = planOk(t, kThree, offers);
  for (int i = 0; i < 3; ++i) EXPECT_NE(agentOf(plan, "extract", i), "node-a") << i;
  // The other components still spread over every agent.
  std::vector<std::string> sources;
  for (int i = 0; i < 3; ++i) sources.push_back(agentOf(plan, "src", i));
  std::sort(sources.begin(), sources.end());
  EXPECT_EQ(sources, kThree);
}

TEST(PlanTest, APlacementOnAnAgentWithoutThePluginTypeIsAnError) {
  Topology t = pluginPipeline();
  t.components[1].placement = {"node-a"};
  TypeOffers offers;
  offers.agents_of_type["json-extract"] = {"node-c"};
  EXPECT_EQ(planError(t, kThree, offers),
            "component 'extract': placement names agent 'node-a', which does not offer type "
            "'json-extract' (a plugin type; agents offering it: node-c): start it with "
            "--plugin-dir naming the plugin's folder, or change the placement");
}

TEST(PlanTest, APluginTypeNoAgentOffersIsAnError) {
  const Topology t = pluginPipeline();
  TypeOffers offers;
  offers.agents_of_type["json-extract"] = {};
  EXPECT_EQ(planError(t, kThree, offers),
            "component 'extract': no agent of the cluster offers type 'json-extract' (a plugin "
            "type; agents: node-a, node-b, node-c): start an agent with --plugin-dir naming the "
            "plugin's folder");
}

}  // namespace
}  // namespace topolab
