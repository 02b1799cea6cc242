// HAProxy export of a topology's load-balancers: the haproxy.cfg that
// `topolab export --to haproxy` writes, so a layout designed and broken on
// purpose here can be run with the real proxy.
#include <map>
#include <optional>
#include <set>

#include "topolab/engine/spec.h"

namespace topolab {
namespace {

constexpr int kFirstFrontendPort = 8080;
constexpr int kPortsPerBalancer = 100;

const char* balanceOf(const std::string& policy) {
  if (policy == "least-outstanding") return "leastconn";
  if (policy == "consistent-hash") return "uri";  // the request's key, hashed on a ring
  if (policy == "random") return "random";
  return "roundrobin";
}

}  // namespace

std::optional<std::string> exportHaproxy(const Topology& t,
                                         const std::map<std::string, std::string>& member_hosts,
                                         std::string* error, const Catalogue& catalogue) {
  std::string out = "# haproxy.cfg for the load-balancers of topology '" + t.name + "'\n";
  out += "# written by `topolab export --to haproxy`; check it with `haproxy -c -f FILE`\n";
  out +=
      "\nglobal\n"
      "    maxconn 4096\n"
      "\ndefaults\n"
      "    mode http\n"
      "    option redispatch\n"
      "    retries 2\n"
      "    timeout connect 5s\n"
      "    timeout client 30s\n"
      "    timeout server 30s\n"
      "    timeout queue 30s\n";
  int balancers = 0;
  for (const Component& c : t.components) {
    const ComponentType* type = catalogue.find(c.type);
    if (type == nullptr || type->traits.shape != ComponentTraits::Shape::Balancer) continue;
    std::string param_error;
    const std::optional<Params> params = resolveParams(c, *type, &param_error);
    if (!params) {
      *error = "component '" + c.id + "': " + param_error;
      return std::nullopt;
    }
    const std::string& policy = params->getString("policy");
    const int64_t check_ms = params->getInt("health_check_ms");
    const int frontend_port = kFirstFrontendPort + kPortsPerBalancer * balancers++;
    // Members: every instance of every component its streams lead to, once each.
    std::vector<std::pair<std::string, int>> members;
    std::set<std::string> seen;
    for (const Stream& s : t.streams) {
      if (s.from != c.id || !seen.insert(s.to).second) continue;
      const Component* to = t.component(s.to);
      for (int i = 0; to != nullptr && i < to->instances(); ++i) members.emplace_back(s.to, i);
    }
    const std::string name = c.id;
    out += "\n# " + c.id + ": " + policy + " over " + std::to_string(members.size()) + " member" +
           (members.size() == 1 ? "" : "s") +
           "; a member failing one check is taken out, one passing check puts it back\n";
    out += "frontend " + name + "\n";
    out += "    bind 127.0.0.1:" + std::to_string(frontend_port) + "\n";
    out += "    default_backend " + name + "-members\n";
    out += "\nbackend " + name + "-members\n";
    out += "    balance " + std::string(balanceOf(policy)) + "\n";
    if (policy == "consistent-hash") out += "    hash-type consistent\n";
    out += "    timeout check " + std::to_string(check_ms) + "ms\n";
    for (size_t k = 0; k < members.size(); ++k) {
      const auto& [component, index] = members[k];
      const std::string instance = component + "#" + std::to_string(index);
      auto host = member_hosts.find(instance);
      out += "    server " + component + "-" + std::to_string(index) + " " +
             (host == member_hosts.end() ? "127.0.0.1" : host->second) + ":" +
             std::to_string(frontend_port + 1 + static_cast<int>(k)) + " check inter " +
             std::to_string(check_ms) + "ms fall 1 rise 1  # " + instance + "\n";
    }
  }
  if (balancers == 0) {
    *error = "topology '" + t.name +
             "' has no load-balancer component: there is nothing to write an haproxy.cfg for";
    return std::nullopt;
  }
  return out;
}

}  // namespace topolab
