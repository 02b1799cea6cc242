// Placement of component instances on agents, and the streams that then cross
// agents. Pure and deterministic: the same topology and cluster always give the
// same plan, so every agent and the control layer can agree on task ids.
#include "topolab/engine/plan.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <utility>

#include "topolab/engine/catalogue.h"
#include "topolab/engine/json.h"
#include "topolab/engine/spec.h"

namespace topolab {
namespace {

constexpr std::string_view kReplicatedStore = "replicated-store";
constexpr std::string_view kLoadBalancer = "load-balancer";

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string instanceName(std::string_view component, int index) {
  return std::string(component) + "#" + std::to_string(index);
}

std::string streamName(const Stream& s) { return "'" + s.from + " -> " + s.to + "'"; }

class Placer {
 public:
  Placer(const Topology& topology, const std::vector<std::string>& agents, const TypeOffers& offers)
      : topology_(topology), agents_(agents), offers_(offers), load_(agents.size(), 0) {}

  bool checkInputs(std::string* error) const {
    const std::string where = "topology '" + topology_.name + "'";
    if (agents_.empty()) {
      return fail(error, "no agents to place " + where +
                             " on: list at least one agent in the cluster file");
    }
    std::set<std::string_view> seen;
    for (const std::string& a : agents_) {
      if (a.empty())
        return fail(error, "an agent of the cluster has an empty name: give every agent a name");
      if (!seen.insert(a).second) {
        return fail(error, "agent '" + a +
                               "' is listed twice in the cluster: give each agent a unique name");
      }
    }
    std::set<std::string_view> ids;
    for (const Component& c : topology_.components) {
      if (!ids.insert(c.id).second) {
        return fail(error,
                    "component '" + c.id + "' is defined twice: give each component a unique id");
      }
      if (c.type == kReplicatedStore && c.parallelism && *c.parallelism != instanceCount(c)) {
        return fail(error, "component '" + c.id + "' (replicated-store) sets parallelism " +
                               std::to_string(*c.parallelism) +
                               ": a store runs one primary and `replicas` followers; remove "
                               "parallelism and set replicas instead");
      }
      if (c.instances() < 1) {
        return fail(error, "component '" + c.id + "' has parallelism " +
                               std::to_string(c.instances()) + ": set it to 1 or more");
      }
    }
    for (const Stream& s : topology_.streams) {
      for (const std::string* end : {&s.from, &s.to}) {
        if (!topology_.component(*end)) {
          return fail(error, "stream " + streamName(s) + " names unknown component '" + *end +
                                 "': add the component or fix the stream");
        }
      }
    }
    return true;
  }

  // Places every instance of `c`, appending to `plan.instances`.
  bool place(const Component& c, Plan& plan, std::string* error) {
    const bool distinct = c.type == kReplicatedStore;
    const int n = instanceCount(c);
    const std::vector<std::string>* offering = offers_.find(c.type);
    auto offered = [&](size_t a) {
      return offering == nullptr ||
             std::find(offering->begin(), offering->end(), agents_[a]) != offering->end();
    };
    const std::string offered_by =
        offering == nullptr || offering->empty() ? "none" : joined(*offering);
    std::vector<int> chosen;
    if (!c.placement.empty()) {
      std::vector<int> listed;
      for (const std::string& name : c.placement) {
        int a = agentIndex(name);
        if (a < 0) {
          return fail(error, "component '" + c.id + "': placement names agent '" + name +
                                 "', which the cluster lacks (agents: " + joined(agents_) +
                                 "); add it to the cluster file or change the placement");
        }
        if (!offered(a)) {
          return fail(error, "component '" + c.id + "': placement names agent '" + name +
                                 "', which does not offer type '" + c.type +
                                 "' (a plugin type; agents offering it: " + offered_by +
                                 "): start it with --plugin-dir naming the plugin's folder, or "
                                 "change the placement");
        }
        // A replicated-store needs distinct agents, so a name listed twice counts once.
        if (!distinct || std::find(listed.begin(), listed.end(), a) == listed.end()) {
          listed.push_back(a);
        }
      }
      if (distinct && static_cast<int>(listed.size()) < n) {
        return fail(error, "component '" + c.id + "' (replicated-store) needs its " +
                               std::to_string(n) +
                               " instances (a primary and its followers) on distinct agents, but "
                               "its placement lists " +
                               std::to_string(listed.size()) + ": list at least " +
                               std::to_string(n) + " agents or lower its replicas");
      }
      for (int i = 0; i < n; ++i) {
        chosen.push_back(listed[i % listed.size()]);
        ++load_[chosen.back()];
      }
    } else {
      if (distinct && static_cast<size_t>(n) > agents_.size()) {
        return fail(error, "component '" + c.id + "' (replicated-store) needs its " +
                               std::to_string(n) +
                               " instances (a primary and its followers) on distinct agents, but "
                               "the cluster has " +
                               std::to_string(agents_.size()) + " (" + joined(agents_) +
                               "): add agents or lower its replicas");
      }
      if (offering != nullptr &&
          std::none_of(agents_.begin(), agents_.end(), [&](const std::string& a) {
            return std::find(offering->begin(), offering->end(), a) != offering->end();
          })) {
        return fail(error, "component '" + c.id + "': no agent of the cluster offers type '" +
                               c.type + "' (a plugin type; agents: " + joined(agents_) +
                               "): start an agent with --plugin-dir naming the plugin's folder");
      }
      for (int i = 0; i < n; ++i) {
        int best = -1;
        for (size_t a = 0; a < agents_.size(); ++a) {
          if (!offered(a)) continue;
          if (distinct &&
              std::find(chosen.begin(), chosen.end(), static_cast<int>(a)) != chosen.end()) {
            continue;
          }
          if (best < 0 || load_[a] < load_[best]) best = static_cast<int>(a);
        }
        if (best < 0) {  // a replicated-store with fewer offering agents than instances
          return fail(error, "component '" + c.id + "' needs its " + std::to_string(n) +
                                 " instances on distinct agents, but only " + offered_by +
                                 " offer type '" + c.type + "'");
        }
        chosen.push_back(best);
        ++load_[best];
      }
    }
    auto& slots = agent_of_[c.id];
    for (int i = 0; i < n; ++i) {
      slots.push_back(chosen[i]);
      PlacedInstance p;
      p.component = c.id;
      p.index = i;
      p.agent = agents_[chosen[i]];
      p.task_id = static_cast<uint32_t>(plan.instances.size());
      plan.instances.push_back(std::move(p));
    }
    return true;
  }

  bool cross(Plan& plan, std::string* error) const {
    for (const Stream& s : topology_.streams) {
      const Component* from = topology_.component(s.from);
      const std::vector<int>& from_agents = agent_of_.at(s.from);
      const std::vector<int>& to_agents = agent_of_.at(s.to);
      // A load-balancer reaches every member instance whatever the grouping;
      // a global grouping sends everything to instance #0.
      const bool only_first =
          from->type != kLoadBalancer && s.grouping.type == GroupingType::Global;
      const size_t to_count = only_first ? 1 : to_agents.size();
      std::map<std::pair<int, int>, std::pair<int, int>> pairs;  // agents → first instance pair
      for (size_t f = 0; f < from_agents.size(); ++f) {
        for (size_t t = 0; t < to_count; ++t) {
          if (from_agents[f] == to_agents[t]) continue;
          pairs.try_emplace({from_agents[f], to_agents[t]}, static_cast<int>(f),
                            static_cast<int>(t));
        }
      }
      if (pairs.empty()) continue;
      if (s.transportOrAuto() == Transport::Local) {
        const auto& [agents, example] = *pairs.begin();
        return fail(error,
                    "stream " + streamName(s) + " has transport local, but " +
                        instanceName(s.from, example.first) + " is on " + agents_[agents.first] +
                        " and " + instanceName(s.to, example.second) + " on " +
                        agents_[agents.second] +
                        ": use transport auto (or grpc), or place both components on one agent");
      }
      const Transport transport =
          s.transportOrAuto() == Transport::Kafka ? Transport::Kafka : Transport::Grpc;
      for (const auto& [agents, example] : pairs) {
        plan.crossings.push_back(
            CrossingStream{s.from, s.to, agents_[agents.first], agents_[agents.second], transport});
      }
    }
    return true;
  }

 private:
  int agentIndex(std::string_view name) const {
    auto it = std::find(agents_.begin(), agents_.end(), name);
    return it == agents_.end() ? -1 : static_cast<int>(it - agents_.begin());
  }

  const Topology& topology_;
  const std::vector<std::string>& agents_;
  const TypeOffers& offers_;
  std::vector<int> load_;                             // instances per agent so far
  std::map<std::string, std::vector<int>> agent_of_;  // component → agent index per instance
};

}  // namespace

bool isValidAgentName(std::string_view name) {
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (name.empty() || name.size() > 63 || !alnum(name.front())) return false;
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

int instanceCount(const Component& c) {
  if (c.type != kReplicatedStore) return c.instances();
  const ComponentType* type = Catalogue::instance().find(c.type);
  if (type == nullptr) return c.instances();
  const std::optional<Params> params = resolveParams(c, *type, nullptr);
  if (!params || !params->has("replicas")) return c.instances();
  return 1 + static_cast<int>(params->getInt("replicas"));
}

const PlacedInstance* Plan::find(std::string_view component, int index) const {
  for (const PlacedInstance& p : instances) {
    if (p.component == component && p.index == index) return &p;
  }
  return nullptr;
}

std::vector<const PlacedInstance*> Plan::on(std::string_view agent) const {
  std::vector<const PlacedInstance*> out;
  for (const PlacedInstance& p : instances) {
    if (p.agent == agent) out.push_back(&p);
  }
  return out;
}

const std::vector<std::string>* TypeOffers::find(std::string_view type) const {
  auto it = agents_of_type.find(std::string(type));
  return it == agents_of_type.end() ? nullptr : &it->second;
}

std::optional<Plan> planDeployment(const Topology& topology, const std::vector<std::string>& agents,
                                   std::string* error, const TypeOffers& offers) {
  Placer placer(topology, agents, offers);
  if (!placer.checkInputs(error)) return std::nullopt;
  Plan plan;
  plan.agents = agents;
  for (const std::string& id : topologicalOrder(topology)) {
    if (!placer.place(*topology.component(id), plan, error)) return std::nullopt;
  }
  if (!placer.cross(plan, error)) return std::nullopt;
  return plan;
}

std::string formatPlan(const Plan& plan) {
  size_t width = 0;
  for (const std::string& a : plan.agents) width = std::max(width, a.size());
  std::string out;
  for (const std::string& a : plan.agents) {
    out += a + ":" + std::string(width - a.size() + 1, ' ');
    const auto here = plan.on(a);
    if (here.empty()) out += "(no instances)";
    for (size_t i = 0; i < here.size(); ++i) {
      if (i > 0) out += ", ";
      out += instanceName(here[i]->component, here[i]->index);
    }
    out += '\n';
  }
  if (plan.crossings.empty()) {
    out += "streams crossing agents: none\n";
    return out;
  }
  out += "streams crossing agents:\n";
  for (const CrossingStream& c : plan.crossings) {
    out += "  " + c.from + " -> " + c.to + ": " + c.from_agent + " -> " + c.to_agent + " (" +
           std::string(toString(c.transport)) + ")\n";
  }
  return out;
}

std::string planJson(const Plan& plan) {
  std::string out = "{\"agents\":[";
  for (size_t i = 0; i < plan.agents.size(); ++i) {
    if (i > 0) out += ',';
    appendJsonString(out, plan.agents[i]);
  }
  out += "],\"instances\":[";
  for (size_t i = 0; i < plan.instances.size(); ++i) {
    const PlacedInstance& p = plan.instances[i];
    if (i > 0) out += ',';
    out += "{\"component\":";
    appendJsonString(out, p.component);
    out += ",\"index\":";
    appendJsonNumber(out, p.index);
    out += ",\"agent\":";
    appendJsonString(out, p.agent);
    out += ",\"task\":";
    appendJsonNumber(out, p.task_id);
    out += '}';
  }
  out += "],\"crossings\":[";
  for (size_t i = 0; i < plan.crossings.size(); ++i) {
    const CrossingStream& c = plan.crossings[i];
    if (i > 0) out += ',';
    out += "{\"from\":";
    appendJsonString(out, c.from);
    out += ",\"to\":";
    appendJsonString(out, c.to);
    out += ",\"from_agent\":";
    appendJsonString(out, c.from_agent);
    out += ",\"to_agent\":";
    appendJsonString(out, c.to_agent);
    out += ",\"transport\":";
    appendJsonString(out, toString(c.transport));
    out += '}';
  }
  out += "]}";
  return out;
}

}  // namespace topolab
