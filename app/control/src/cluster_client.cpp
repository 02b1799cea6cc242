// The cluster client: parallel calls to the agents, and the two-phase deploy
// that leaves either the whole topology prepared and started or nothing.
#include "topolab/control/cluster_client.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "bundle_builder.h"
#include "client_shared.h"
#include "topolab/engine/kafka.h"
#include "topolab/engine/spec.h"
#include "topolab/wire/bundle.h"
#include "topolab/wire/convert.h"

namespace topolab::control {
namespace {

// Runs `f` for every agent on a thread of its own; results in the same order.
template <typename R, typename F>
std::vector<R> fanOut(const std::vector<const AgentChannel*>& agents, F f) {
  std::vector<R> results(agents.size());
  std::vector<std::thread> threads;
  threads.reserve(agents.size());
  for (size_t i = 0; i < agents.size(); ++i) {
    threads.emplace_back([&, i] { results[i] = f(*agents[i]); });
  }
  for (std::thread& t : threads) t.join();
  return results;
}

std::vector<const AgentChannel*> allAgents(const ClusterClient::Shared& s) {
  std::vector<const AgentChannel*> out;
  for (const AgentChannel& a : s.agents) out.push_back(&a);
  return out;
}

std::string newPlanId() {
  std::random_device rd;
  std::mt19937_64 gen(
      (static_cast<uint64_t>(rd()) << 32) ^ rd() ^
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t v = gen();
  std::string id(16, '0');
  for (char& c : id) {
    c = kHex[v & 15];
    v >>= 4;
  }
  return id;
}

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

AgentHello helloOne(const ClusterClient::Shared& s, const AgentChannel& a) {
  AgentHello h;
  h.agent = a.entry.name;
  h.address = a.entry.address;
  v1::HelloRequest request;
  request.set_api_version(kApiVersion);
  v1::HelloReply reply;
  const grpc::Status status = s.call(
      a, s.options.hello_deadline,
      [&](grpc::ClientContext& context) { return a.stub->Hello(&context, request, &reply); });
  if (!status.ok()) {
    h.error = describeStatus(status, a.entry, s.options.hello_deadline);
    return h;
  }
  if (reply.api_version() != kApiVersion) {
    h.error = "agent " + a.entry.name + " speaks API v" + std::to_string(reply.api_version()) +
              ", this topolab speaks v" + std::to_string(kApiVersion) +
              ": use the same TopoLab release on both sides";
  }
  h.reported_name = reply.agent_name();
  h.version = reply.version();
  h.cores = reply.cores();
  h.memory_bytes = reply.memory_bytes();
  h.load_average = reply.load_average();
  h.capabilities.assign(reply.capabilities().begin(), reply.capabilities().end());
  h.deployments.assign(reply.deployments().begin(), reply.deployments().end());
  h.kafka_bootstrap = reply.kafka_bootstrap();
  h.role = reply.role();
  h.allowed_programs.assign(reply.allowed_programs().begin(), reply.allowed_programs().end());
  h.max_bundle_bytes = reply.max_bundle_bytes();
  h.max_bundle_files = reply.max_bundle_files();
  h.plugin_types.assign(reply.plugin_types().begin(), reply.plugin_types().end());
  return h;
}

grpc::Status deployCall(const ClusterClient::Shared& s, const AgentChannel& a,
                        const v1::DeployRequest& base, std::chrono::milliseconds deadline) {
  v1::DeployRequest request = base;
  request.set_self(a.entry.name);
  v1::DeployReply reply;
  return s.call(a, deadline, [&](grpc::ClientContext& context) {
    return a.stub->Deploy(&context, request, &reply);
  });
}

grpc::Status stopCall(const ClusterClient::Shared& s, const AgentChannel& a,
                      const std::string& deployment, std::chrono::milliseconds drain,
                      v1::StopReply* reply) {
  v1::StopRequest request;
  request.set_deployment(deployment);
  request.set_drain_ms(static_cast<uint32_t>(std::max<int64_t>(drain.count(), 0)));
  return s.call(a, s.options.call_deadline + drain, [&](grpc::ClientContext& context) {
    return a.stub->Stop(&context, request, reply);
  });
}

// A call whose outcome is unknown: the agent may have acted on it.
bool uncertain(const grpc::Status& s) {
  return s.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
         s.error_code() == grpc::StatusCode::CANCELLED;
}

// Undoes a failed deploy: ABORT where only prepared, Stop where (maybe) started.
std::vector<AgentError> rollBack(const ClusterClient::Shared& s, const v1::DeployRequest& base,
                                 const std::vector<const AgentChannel*>& abort,
                                 const std::vector<const AgentChannel*>& stop) {
  v1::DeployRequest request = base;
  request.set_phase(v1::DeployRequest::PHASE_ABORT);
  request.clear_topology_yaml();
  request.clear_placements();
  auto ignorable = [](const grpc::Status& st) {
    return st.ok() || st.error_code() == grpc::StatusCode::NOT_FOUND;
  };
  std::vector<AgentError> errors;
  const auto aborted = fanOut<grpc::Status>(abort, [&](const AgentChannel& a) {
    return deployCall(s, a, request, s.options.call_deadline);
  });
  for (size_t i = 0; i < abort.size(); ++i) {
    if (!ignorable(aborted[i])) {
      errors.push_back({abort[i]->entry.name,
                        "abort failed: " +
                            describeStatus(aborted[i], abort[i]->entry, s.options.call_deadline)});
    }
  }
  const auto stopped = fanOut<grpc::Status>(stop, [&](const AgentChannel& a) {
    v1::StopReply reply;
    return stopCall(s, a, base.deployment(), std::chrono::milliseconds(0), &reply);
  });
  for (size_t i = 0; i < stop.size(); ++i) {
    if (!ignorable(stopped[i])) {
      errors.push_back(
          {stop[i]->entry.name,
           "stop failed: " + describeStatus(stopped[i], stop[i]->entry, s.options.call_deadline)});
    }
  }
  return errors;
}

// The Kafka cluster a deployment uses: the cluster file's bootstrap, or (when
// it says `embedded` or nothing) the one an agent hosts, as its Hello reports;
// then `host` names that agent.
std::string kafkaBootstrapFor(const ClusterClient::Shared& s, const std::vector<AgentHello>& known,
                              std::string* host, std::string* problem) {
  const std::string& configured = s.cluster.kafka_bootstrap;
  if (!configured.empty() && configured != "embedded") return configured;
  auto hosted = [host](const std::vector<AgentHello>& hellos) -> std::string {
    for (const AgentHello& h : hellos) {
      if (!h.kafka_bootstrap.empty()) {
        *host = h.agent;
        return h.kafka_bootstrap;
      }
    }
    return {};
  };
  if (std::string b = hosted(known); !b.empty()) return b;
  std::vector<const AgentChannel*> others;
  for (const AgentChannel& a : s.agents) {
    const bool asked = std::any_of(known.begin(), known.end(),
                                   [&](const AgentHello& h) { return h.agent == a.entry.name; });
    if (!asked) others.push_back(&a);
  }
  if (std::string b =
          hosted(fanOut<AgentHello>(others, [&](const AgentChannel& a) { return helloOne(s, a); }));
      !b.empty()) {
    return b;
  }
  *problem = "no agent of " + s.cluster.path +
             " hosts an embedded Kafka cluster (start one agent with --embedded-kafka) and the "
             "cluster file names none (kafka: {bootstrap: HOST:PORT,…})";
  return {};
}

// The bundles of a deploy: one per resources folder of a component that
// runs a program, which agents get which, and the file they get (with each
// such component's resources rewritten to "bundles/<hash>").
struct Shipment {
  std::map<std::string, LocalBundle> bundles;              // by hash
  std::map<std::string, std::string> component_of;         // hash -> a component using it
  std::map<std::string, std::set<std::string>> per_agent;  // agent -> hashes
  std::string yaml;
};

// Defaults of agents whose Hello names no caps (DESIGN.md §6).
constexpr uint64_t kDefaultMaxBundleBytes = uint64_t{64} << 20;
constexpr uint64_t kDefaultMaxBundleFiles = 10000;

bool planBundles(const Topology& topology, const Plan& plan, std::string_view yaml,
                 const std::vector<AgentHello>& hellos, std::string_view resources_base,
                 Shipment* out, std::string* error) {
  namespace fs = std::filesystem;
  out->yaml = std::string(yaml);
  Topology rewritten = topology;
  bool any = false;
  std::map<std::string, std::string> hash_of_folder;
  for (Component& c : rewritten.components) {
    const ComponentType* type = Catalogue::instance().find(c.type);
    if (type == nullptr || type->traits.command_param.empty() ||
        type->traits.resources_param.empty()) {
      continue;
    }
    std::string why;
    const std::optional<Params> params = resolveParams(c, *type, &why);
    if (!params) {
      *error = "component '" + c.id + "': " + why;
      return false;
    }
    fs::path folder(params->getString(type->traits.resources_param));
    if (folder.is_relative()) {
      // Never the current folder by default: a deploy sends what it bundles
      // to other machines, so it must be the folder the user meant.
      if (resources_base.empty()) {
        *error = "component '" + c.id + "': its resources folder '" + folder.string() +
                 "' is relative to the topology file's folder, which this deploy was not told";
        return false;
      }
      std::error_code ec;
      folder = fs::absolute(fs::path(std::string(resources_base)) / folder, ec);
    }
    const std::string folder_text = folder.lexically_normal().string();
    std::set<std::string> agents;
    for (const PlacedInstance& p : plan.instances) {
      if (p.component == c.id) agents.insert(p.agent);
    }
    BundleCaps caps{UINT64_MAX, UINT64_MAX, {}, {}};
    for (const AgentHello& h : hellos) {
      if (!agents.count(h.agent)) continue;
      const uint64_t bytes = h.max_bundle_bytes ? h.max_bundle_bytes : kDefaultMaxBundleBytes;
      const uint64_t files = h.max_bundle_files ? h.max_bundle_files : kDefaultMaxBundleFiles;
      if (bytes < caps.max_bytes) {
        caps.max_bytes = bytes;
        caps.bytes_agent = h.agent;
      }
      if (files < caps.max_files) {
        caps.max_files = files;
        caps.files_agent = h.agent;
      }
    }
    std::string hash;
    if (auto it = hash_of_folder.find(folder_text); it != hash_of_folder.end()) {
      hash = it->second;
      if (std::string over = checkCaps(out->bundles.at(hash).manifest, caps); !over.empty()) {
        *error = "component '" + c.id + "': resources folder " + folder_text + ": " + over;
        return false;
      }
    } else {
      std::optional<LocalBundle> bundle = buildBundle(folder_text, caps, &why);
      if (!bundle) {
        *error = "component '" + c.id + "': " + why;
        return false;
      }
      hash = bundle->manifest.hash;
      hash_of_folder[folder_text] = hash;
      out->component_of.emplace(hash, c.id);
      out->bundles.emplace(hash, std::move(*bundle));
    }
    for (const std::string& a : agents) out->per_agent[a].insert(hash);
    // The agents find the bundle in the deployment's folder.
    auto entry = std::find_if(c.params.begin(), c.params.end(), [&](const ParamEntry& p) {
      return p.name == type->traits.resources_param;
    });
    if (entry == c.params.end()) {
      c.params.push_back(ParamEntry{.name = type->traits.resources_param});
      entry = std::prev(c.params.end());
    }
    entry->text = wire::bundleResourcesPath(hash);
    entry->quoted = false;
    entry->flow = false;
    any = true;
  }
  if (any) out->yaml = writeTopology(rewritten);
  return true;
}

// Sends `bundle` to `a`: the manifest, then the files' bytes in manifest
// order, kBundleChunkBytes per message. Adds the file bytes written to `sent`.
grpc::Status putBundle(const ClusterClient::Shared& s, const AgentChannel& a,
                       const LocalBundle& bundle, const std::string& deployment, uint64_t* sent) {
  const uint64_t total = bundle.manifest.bytes();
  // Generous for a slow link: a second per 4 MiB on top of the PREPARE deadline.
  const auto deadline = s.options.prepare_deadline + std::chrono::seconds(total >> 22);
  uint64_t written = 0;
  grpc::Status status = s.call(a, deadline, [&](grpc::ClientContext& context) {
    written = 0;
    v1::PutBundleReply reply;
    auto writer = a.stub->PutBundle(&context, &reply);
    v1::BundleChunk chunk;
    wire::toProto(bundle.manifest, chunk.mutable_manifest());
    chunk.set_deployment(deployment);
    bool open = writer->Write(chunk);
    chunk.Clear();
    std::string data;
    data.reserve(wire::kBundleChunkBytes);
    std::string local_error;
    for (size_t i = 0; open && i < bundle.sources.size(); ++i) {
      std::ifstream in(bundle.sources[i], std::ios::binary);
      uint64_t left = bundle.manifest.files[i].size;
      while (open && left > 0) {
        const size_t room = wire::kBundleChunkBytes - data.size();
        const size_t want = static_cast<size_t>(std::min<uint64_t>(room, left));
        const size_t at = data.size();
        data.resize(at + want);
        in.read(data.data() + at, static_cast<std::streamsize>(want));
        if (static_cast<size_t>(in.gcount()) != want) {
          local_error = "'" + bundle.sources[i] + "' changed while it was being sent";
          open = false;
          break;
        }
        left -= want;
        if (data.size() == wire::kBundleChunkBytes) {
          chunk.set_data(std::move(data));
          open = writer->Write(chunk);
          if (open) written += chunk.data().size();
          data = std::string();
          data.reserve(wire::kBundleChunkBytes);
        }
      }
    }
    if (open && !data.empty()) {
      chunk.set_data(std::move(data));
      open = writer->Write(chunk);
      if (open) written += chunk.data().size();
    }
    if (!local_error.empty()) {
      context.TryCancel();
      (void)writer->Finish();
      return grpc::Status(grpc::StatusCode::ABORTED, local_error);
    }
    writer->WritesDone();
    return writer->Finish();
  });
  *sent += written;
  return status;
}

struct AgentShipment {
  grpc::Status status;
  std::string hash;  // the bundle that failed
  int sent = 0;
  uint64_t bytes = 0;
};

// Asks every agent which of its bundles it lacks and sends those, the agents
// in parallel; false with out->message naming the agent, the component and
// the problem.
bool sendBundles(const ClusterClient::Shared& s, const std::vector<const AgentChannel*>& involved,
                 const Shipment& shipment, const std::string& deployment, DeployOutcome* out) {
  const auto results = fanOut<AgentShipment>(involved, [&](const AgentChannel& a) {
    AgentShipment r;
    auto wanted = shipment.per_agent.find(a.entry.name);
    if (wanted == shipment.per_agent.end()) return r;
    v1::HasBundlesRequest request;
    for (const std::string& h : wanted->second) request.add_hashes(h);
    v1::HasBundlesReply reply;
    r.status = s.call(a, s.options.call_deadline, [&](grpc::ClientContext& context) {
      return a.stub->HasBundles(&context, request, &reply);
    });
    for (const std::string& hash : reply.missing()) {
      if (!r.status.ok()) break;
      auto bundle = shipment.bundles.find(hash);
      if (bundle == shipment.bundles.end()) continue;  // not one we asked about
      r.hash = hash;
      r.status = putBundle(s, a, bundle->second, deployment, &r.bytes);
      if (r.status.ok()) ++r.sent;
    }
    if (r.status.ok()) r.hash.clear();
    return r;
  });
  for (size_t i = 0; i < involved.size(); ++i) {
    out->bundles_sent += results[i].sent;
    out->bundle_bytes_sent += results[i].bytes;
  }
  for (size_t i = 0; i < involved.size(); ++i) {
    const AgentShipment& r = results[i];
    if (r.status.ok()) continue;
    const AgentChannel& a = *involved[i];
    out->failed_agent = a.entry.name;
    std::string what = "asking which bundles it holds";
    if (!r.hash.empty()) {
      what = "sending the resources of component '" + shipment.component_of.at(r.hash) + "' (" +
             shipment.bundles.at(r.hash).folder + ", bundle " + r.hash.substr(0, 12) + ")";
    }
    out->message = "deploying '" + deployment + "' failed " + what + " to " + a.entry.name + ": " +
                   describeStatus(r.status, a.entry, s.options.prepare_deadline);
    return false;
  }
  return true;
}

DeployOutcome deployImpl(const ClusterClient::Shared& s, const Topology& topology,
                         std::string_view yaml, const Plan& plan, std::string_view resources_base) {
  DeployOutcome out;
  out.plan_id = newPlanId();
  std::vector<const AgentChannel*> involved;
  v1::DeployRequest base;
  base.set_deployment(topology.name);
  base.set_plan_id(out.plan_id);
  for (const std::string& name : plan.agents) {
    const AgentChannel* a = s.find(name);
    if (!a) {
      out.message = "the plan names agent '" + name + "', which the cluster file " +
                    s.cluster.path + " does not list";
      return out;
    }
    auto* address = base.add_agents();
    address->set_name(name);
    address->set_address(a->entry.address);
    if (!plan.on(name).empty()) {
      involved.push_back(a);
      out.agents.push_back(name);
    }
  }
  if (involved.empty()) {
    out.message = "the plan for '" + topology.name + "' places no instance on any agent";
    return out;
  }

  // Hello first: a version mismatch or a viewer token fails before anything is prepared.
  const auto hellos =
      fanOut<AgentHello>(involved, [&](const AgentChannel& a) { return helloOne(s, a); });
  for (const AgentHello& h : hellos) {
    if (!h.ok() || h.role == "viewer") {
      out.failed_agent = h.agent;
      out.message = h.agent + ": " +
                    (h.ok() ? "the token in " + s.find(h.agent)->entry.token_file +
                                  " is a viewer token; deploying needs the agent's operator.token"
                            : h.error);
      return out;
    }
  }

  if (topologyNeedsKafka(topology)) {
    std::string problem;
    std::string host;
    const std::string bootstrap = kafkaBootstrapFor(s, hellos, &host, &problem);
    if (bootstrap.empty()) {
      out.message = "'" + topology.name + "' reads or writes Kafka, but " + problem;
      return out;
    }
    base.set_kafka_bootstrap(bootstrap);
    // An embedded cluster cannot create topics on request: its host does.
    if (!host.empty()) {
      const AgentChannel& a = *s.find(host);
      v1::KafkaTopicsRequest request;
      request.set_deployment(topology.name);
      for (const KafkaTopicSpec& t : kafkaTopicsFor(topology, 1, out.plan_id)) {
        auto* topic = request.add_topics();
        topic->set_name(t.name);
        topic->set_partitions(static_cast<uint32_t>(t.partitions));
      }
      v1::KafkaTopicsReply reply;
      const grpc::Status st = s.call(a, s.options.call_deadline, [&](grpc::ClientContext& context) {
        return a.stub->CreateKafkaTopics(&context, request, &reply);
      });
      if (!st.ok()) {
        out.failed_agent = host;
        out.message = host + ": cannot create the Kafka topics of '" + topology.name +
                      "': " + describeStatus(st, a.entry, s.options.call_deadline);
        return out;
      }
    }
  }

  // Code travels with the deploy: each agent gets the bundles it lacks.
  Shipment shipment;
  std::string problem;
  if (!planBundles(topology, plan, yaml, hellos, resources_base, &shipment, &problem)) {
    out.message = "cannot deploy '" + topology.name + "': " + problem;
    return out;
  }
  if (!shipment.bundles.empty() && !sendBundles(s, involved, shipment, topology.name, &out)) {
    return out;
  }

  v1::DeployRequest prepare = base;
  prepare.set_phase(v1::DeployRequest::PHASE_PREPARE);
  prepare.set_topology_yaml(shipment.yaml);
  wire::toProto(plan, &prepare);
  const auto prepared = fanOut<grpc::Status>(involved, [&](const AgentChannel& a) {
    auto bundles = shipment.per_agent.find(a.entry.name);
    if (bundles == shipment.per_agent.end()) {
      return deployCall(s, a, prepare, s.options.prepare_deadline);
    }
    v1::DeployRequest request = prepare;
    for (const std::string& hash : bundles->second) request.add_bundles(hash);
    return deployCall(s, a, request, s.options.prepare_deadline);
  });

  auto fail = [&](const std::vector<grpc::Status>& results, std::string_view phase,
                  std::chrono::milliseconds deadline) {
    std::vector<std::string> problems;
    for (size_t i = 0; i < involved.size(); ++i) {
      if (results[i].ok()) continue;
      if (out.failed_agent.empty()) out.failed_agent = involved[i]->entry.name;
      problems.push_back(involved[i]->entry.name + ": " +
                         describeStatus(results[i], involved[i]->entry, deadline));
    }
    out.message = "deploying '" + topology.name + "' failed at " + std::string(phase) + " on ";
    for (size_t i = 0; i < problems.size(); ++i) out.message += (i ? "; " : "") + problems[i];
  };

  const bool all_prepared =
      std::all_of(prepared.begin(), prepared.end(), [](const grpc::Status& st) { return st.ok(); });
  if (!all_prepared) {
    fail(prepared, "PREPARE", s.options.prepare_deadline);
    std::vector<const AgentChannel*> abort;
    for (size_t i = 0; i < involved.size(); ++i) {
      if (prepared[i].ok() || uncertain(prepared[i])) abort.push_back(involved[i]);
    }
    out.rollback_errors = rollBack(s, base, abort, {});
    std::vector<std::string> names;
    for (const AgentChannel* a : abort) names.push_back(a->entry.name);
    if (!names.empty()) out.message += " (aborted on " + joinNames(names) + ")";
    return out;
  }

  v1::DeployRequest start = base;
  start.set_phase(v1::DeployRequest::PHASE_START);
  const auto started = fanOut<grpc::Status>(involved, [&](const AgentChannel& a) {
    return deployCall(s, a, start, s.options.call_deadline);
  });
  const bool all_started =
      std::all_of(started.begin(), started.end(), [](const grpc::Status& st) { return st.ok(); });
  if (!all_started) {
    fail(started, "START", s.options.call_deadline);
    std::vector<const AgentChannel*> abort, stop;
    for (size_t i = 0; i < involved.size(); ++i) {
      (started[i].ok() || uncertain(started[i]) ? stop : abort).push_back(involved[i]);
    }
    out.rollback_errors = rollBack(s, base, abort, stop);
    std::vector<std::string> names;
    for (const AgentChannel* a : stop) names.push_back(a->entry.name);
    if (!names.empty()) out.message += " (stopped on " + joinNames(names) + ")";
    return out;
  }
  out.ok = true;
  return out;
}

StopOutcome stopImpl(const ClusterClient::Shared& s, const std::string& deployment,
                     std::chrono::milliseconds drain) {
  StopOutcome out;
  const auto agents = allAgents(s);
  std::vector<v1::StopReply> replies(agents.size());
  const auto results = fanOut<grpc::Status>(agents, [&](const AgentChannel& a) {
    return stopCall(s, a, deployment, drain, &replies[&a - &s.agents[0]]);
  });
  for (size_t i = 0; i < agents.size(); ++i) {
    if (results[i].ok()) {
      out.stopped.push_back({agents[i]->entry.name, replies[i].drained(), replies[i].abandoned()});
    } else if (results[i].error_code() != grpc::StatusCode::NOT_FOUND) {
      out.errors.push_back(
          {agents[i]->entry.name,
           describeStatus(results[i], agents[i]->entry, s.options.call_deadline + drain)});
    }
  }
  out.ok = !out.stopped.empty() && out.errors.empty();
  if (out.stopped.empty() && out.errors.empty()) {
    out.message = "no agent of " + s.cluster.path + " runs deployment '" + deployment + "'";
  } else if (!out.errors.empty()) {
    out.message = "stopping '" + deployment + "' failed on ";
    for (size_t i = 0; i < out.errors.size(); ++i) {
      out.message += (i ? "; " : "") + out.errors[i].agent + ": " + out.errors[i].message;
    }
  }
  return out;
}

ListOutcome listImpl(const ClusterClient::Shared& s) {
  ListOutcome out;
  const auto agents = allAgents(s);
  std::vector<v1::ListReply> replies(agents.size());
  const auto results = fanOut<grpc::Status>(agents, [&](const AgentChannel& a) {
    return s.call(a, s.options.call_deadline, [&](grpc::ClientContext& context) {
      return a.stub->List(&context, v1::ListRequest(), &replies[&a - &s.agents[0]]);
    });
  });
  for (size_t i = 0; i < agents.size(); ++i) {
    if (!results[i].ok()) {
      out.errors.push_back({agents[i]->entry.name,
                            describeStatus(results[i], agents[i]->entry, s.options.call_deadline)});
      continue;
    }
    for (const v1::DeploymentInfo& d : replies[i].deployments()) {
      out.deployments.push_back({agents[i]->entry.name, d.name(), d.state(), d.local_instances(),
                                 d.started_unix_ms(), d.plan_id()});
    }
  }
  return out;
}

FaultOutcome faultImpl(const ClusterClient::Shared& s, const std::string& deployment,
                       const FaultSpec& f) {
  FaultOutcome out;
  v1::FaultRequest request;
  request.set_deployment(deployment);
  std::vector<const AgentChannel*> targets;
  switch (f.kind) {
    case FaultSpec::Kind::KillInstance:
      request.mutable_kill_instance()->set_component(f.component);
      request.mutable_kill_instance()->set_index(f.index);
      break;
    case FaultSpec::Kind::KillDeployment:
      request.set_kill_deployment(true);
      break;
    case FaultSpec::Kind::Revive:
      request.mutable_revive_instance()->set_component(f.component);
      request.mutable_revive_instance()->set_index(f.index);
      break;
    case FaultSpec::Kind::Latency:
      request.mutable_latency()->set_component(f.component);
      request.mutable_latency()->set_latency_ms(f.latency_ms);
      break;
    case FaultSpec::Kind::Fail:
      request.mutable_fail()->set_component(f.component);
      request.mutable_fail()->set_ratio(f.ratio);
      break;
    case FaultSpec::Kind::Partition:
      request.mutable_partition()->set_seconds(f.seconds);
      break;
  }
  if (f.kind == FaultSpec::Kind::Partition || f.kind == FaultSpec::Kind::KillDeployment) {
    const AgentChannel* a = s.find(f.agent);
    if (!a) {
      out.message = "no agent '" + f.agent + "' in " + s.cluster.path +
                    " (agents: " + joinNames(s.cluster.agentNames()) + ")";
      return out;
    }
    targets.push_back(a);
  } else {
    targets = allAgents(s);
  }
  std::vector<v1::FaultReply> replies(targets.size());
  std::vector<size_t> slot(s.agents.size());
  for (size_t i = 0; i < targets.size(); ++i) slot[targets[i] - &s.agents[0]] = i;
  const auto results = fanOut<grpc::Status>(targets, [&](const AgentChannel& a) {
    return s.call(a, s.options.call_deadline, [&](grpc::ClientContext& context) {
      return a.stub->InjectFault(&context, request, &replies[slot[&a - &s.agents[0]]]);
    });
  });
  std::vector<std::string> not_found;
  for (size_t i = 0; i < targets.size(); ++i) {
    const std::string& name = targets[i]->entry.name;
    if (results[i].ok()) {
      out.details.emplace_back(name, replies[i].detail());
    } else if (results[i].error_code() == grpc::StatusCode::NOT_FOUND) {
      not_found.push_back(name + ": " + results[i].error_message());
    } else {
      out.errors.push_back(
          {name, describeStatus(results[i], targets[i]->entry, s.options.call_deadline)});
    }
  }
  out.ok = !out.details.empty() && out.errors.empty();
  if (out.ok) return out;
  out.message = f.describe() + " in '" + deployment + "' failed: ";
  if (!out.errors.empty()) {
    for (size_t i = 0; i < out.errors.size(); ++i) {
      out.message += (i ? "; " : "") + out.errors[i].agent + ": " + out.errors[i].message;
    }
  } else {
    out.message += "no agent has it (" + joinNames(not_found) + ")";
  }
  return out;
}

// A new metrics watch's first update holds every error sample its agent's
// instances keep: one read from each agent, then the stream is cancelled.
ErrorsOutcome errorsImpl(const ClusterClient::Shared& s, const std::string& deployment) {
  ErrorsOutcome out;
  const auto agents = allAgents(s);
  std::vector<v1::MetricsUpdate> updates(agents.size());
  v1::WatchRequest request;
  request.set_deployment(deployment);
  const auto results = fanOut<grpc::Status>(agents, [&](const AgentChannel& a) {
    return s.call(a, s.options.call_deadline, [&](grpc::ClientContext& context) {
      auto reader = a.stub->WatchMetrics(&context, request);
      if (!reader->Read(&updates[&a - &s.agents[0]])) return reader->Finish();
      context.TryCancel();
      reader->Finish();  // CANCELLED, as asked
      return grpc::Status::OK;
    });
  });
  bool found = false;
  for (size_t i = 0; i < agents.size(); ++i) {
    const std::string& name = agents[i]->entry.name;
    if (results[i].error_code() == grpc::StatusCode::NOT_FOUND) continue;
    if (!results[i].ok()) {
      out.errors.push_back(
          {name, describeStatus(results[i], agents[i]->entry, s.options.call_deadline)});
      continue;
    }
    found = true;
    for (const v1::InstanceMetrics& m : updates[i].instances()) {
      const InstanceSnapshot inst = wire::fromProto(m, name);
      for (const ErrorSample& e : inst.errors) {
        out.samples.push_back({inst.component + "#" + std::to_string(inst.index), name, e});
      }
    }
  }
  std::stable_sort(out.samples.begin(), out.samples.end(),
                   [](const InstanceError& a, const InstanceError& b) {
                     return a.sample.unix_ns < b.sample.unix_ns;
                   });
  out.ok = found && out.errors.empty();
  if (out.ok) return out;
  if (!out.errors.empty()) {
    out.message = "error samples of '" + deployment + "': ";
    for (size_t i = 0; i < out.errors.size(); ++i) {
      out.message += (i ? "; " : "") + out.errors[i].agent + ": " + out.errors[i].message;
    }
  } else {
    out.message = "no deployment '" + deployment + "' on any agent of " + s.cluster.path;
  }
  return out;
}

}  // namespace

std::vector<std::string> ListOutcome::agentsOf(std::string_view deployment) const {
  std::vector<std::string> out;
  for (const AgentDeployment& d : deployments) {
    if (d.name == deployment && std::find(out.begin(), out.end(), d.agent) == out.end()) {
      out.push_back(d.agent);
    }
  }
  return out;
}

// One thread running queued calls in order, so async callers never block.
struct ClusterClient::Worker {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> jobs;
  bool stopping = false;
  std::thread thread;

  void run() {
    std::unique_lock lock(mutex);
    while (true) {
      wake.wait(lock, [&] { return stopping || !jobs.empty(); });
      if (stopping) return;
      auto job = std::move(jobs.front());
      jobs.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
  }
};

std::unique_ptr<ClusterClient> ClusterClient::create(const ClusterFile& cluster, std::string* error,
                                                     const ClientOptions& options) {
  auto shared = std::make_shared<Shared>();
  shared->cluster = cluster;
  shared->options = options;
  for (const AgentEntry& entry : cluster.agents) {
    auto credentials = credentialsFor(entry);
    if (!credentials) {
      if (error) *error = "agent '" + entry.name + "': the TLS files cannot be used";
      return nullptr;
    }
    AgentChannel a;
    a.entry = entry;
    a.channel = grpc::CreateCustomChannel(entry.address, credentials, channelArguments());
    a.stub = v1::Agent::NewStub(a.channel);
    shared->agents.push_back(std::move(a));
  }
  return std::unique_ptr<ClusterClient>(new ClusterClient(std::move(shared)));
}

ClusterClient::ClusterClient(std::shared_ptr<const Shared> shared)
    : shared_(std::move(shared)), worker_(std::make_unique<Worker>()) {}

ClusterClient::~ClusterClient() {
  {
    std::lock_guard lock(worker_->mutex);
    worker_->stopping = true;
  }
  worker_->wake.notify_all();
  if (worker_->thread.joinable()) worker_->thread.join();
}

void ClusterClient::post(std::function<void()> job) {
  std::lock_guard lock(worker_->mutex);
  if (!worker_->thread.joinable()) worker_->thread = std::thread([w = worker_.get()] { w->run(); });
  worker_->jobs.push_back(std::move(job));
  worker_->wake.notify_one();
}

const ClusterFile& ClusterClient::cluster() const { return shared_->cluster; }

TypeOffers typeOffers(const std::vector<AgentHello>& hellos, const Topology& topology) {
  TypeOffers offers;
  for (const Component& c : topology.components) {
    const ComponentType* type = Catalogue::instance().find(c.type);
    if (type != nullptr && type->plugin.empty()) continue;  // built in: every agent has it
    std::vector<std::string>& agents = offers.agents_of_type[c.type];
    if (!agents.empty()) continue;
    for (const AgentHello& h : hellos) {
      if (h.ok() &&
          std::find(h.plugin_types.begin(), h.plugin_types.end(), c.type) != h.plugin_types.end()) {
        agents.push_back(h.agent);
      }
    }
  }
  return offers;
}

std::set<std::string> offeredTypes(const TypeOffers& offers) {
  std::set<std::string> out;
  for (const auto& [type, agents] : offers.agents_of_type) {
    if (!agents.empty()) out.insert(type);
  }
  return out;
}

std::vector<AgentHello> ClusterClient::hello() const {
  return fanOut<AgentHello>(allAgents(*shared_),
                            [&](const AgentChannel& a) { return helloOne(*shared_, a); });
}

DeployOutcome ClusterClient::deploy(const Topology& topology, std::string_view topology_yaml,
                                    const Plan& plan, std::string_view resources_base) const {
  return deployImpl(*shared_, topology, topology_yaml, plan, resources_base);
}

StopOutcome ClusterClient::stop(const std::string& deployment,
                                std::chrono::milliseconds drain) const {
  return stopImpl(*shared_, deployment, drain);
}

ListOutcome ClusterClient::list() const { return listImpl(*shared_); }

FaultOutcome ClusterClient::fault(const std::string& deployment, const FaultSpec& fault) const {
  return faultImpl(*shared_, deployment, fault);
}

ErrorsOutcome ClusterClient::errors(const std::string& deployment) const {
  return errorsImpl(*shared_, deployment);
}

void ClusterClient::helloAsync(std::function<void(std::vector<AgentHello>)> done) {
  post([this, done = std::move(done)] { done(hello()); });
}

void ClusterClient::deployAsync(Topology topology, std::string topology_yaml, Plan plan,
                                std::function<void(DeployOutcome)> done,
                                std::string resources_base) {
  post([this, t = std::move(topology), y = std::move(topology_yaml), p = std::move(plan),
        done = std::move(done), b = std::move(resources_base)] { done(deploy(t, y, p, b)); });
}

void ClusterClient::stopAsync(std::string deployment, std::chrono::milliseconds drain,
                              std::function<void(StopOutcome)> done) {
  post([this, d = std::move(deployment), drain, done = std::move(done)] { done(stop(d, drain)); });
}

void ClusterClient::listAsync(std::function<void(ListOutcome)> done) {
  post([this, done = std::move(done)] { done(list()); });
}

void ClusterClient::faultAsync(std::string deployment, FaultSpec fault,
                               std::function<void(FaultOutcome)> done) {
  post([this, d = std::move(deployment), f = std::move(fault), done = std::move(done)] {
    done(this->fault(d, f));
  });
}

}  // namespace topolab::control
