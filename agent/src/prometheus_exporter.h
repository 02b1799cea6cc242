// The agent's Prometheus endpoint (DESIGN.md §5): serves the figures of every
// deployment on this agent in the Prometheus text format at /metrics, built
// from fresh engine snapshots at each scrape.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "topolab/engine/metrics.h"

namespace prometheus {
class Exposer;
}  // namespace prometheus

namespace topolab::agent {

class PrometheusExporter {
 public:
  // The current cumulative snapshot of each deployment on this agent. Called
  // on the HTTP server's threads, once per scrape: it must be thread-safe.
  using Collect = std::function<std::vector<std::pair<std::string /*deployment*/, Snapshot>>()>;

  // Listens on `bind` ("127.0.0.1:9100"; port 0: a free port) and serves
  // /metrics until destroyed. nullptr with `error` set when it cannot listen.
  [[nodiscard]] static std::unique_ptr<PrometheusExporter> start(const std::string& bind,
                                                                 std::string agent_name,
                                                                 Collect collect,
                                                                 std::string* error);
  ~PrometheusExporter();  // stops serving; `collect` is not called afterwards

  PrometheusExporter(const PrometheusExporter&) = delete;
  PrometheusExporter& operator=(const PrometheusExporter&) = delete;

  int port() const { return port_; }  // the bound port

 private:
  class Families;

  PrometheusExporter() = default;

  std::shared_ptr<Families> families_;
  // Declared after families_ so it stops (and stops scraping) first.
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;
};

using PrometheusExporterPtr = std::unique_ptr<PrometheusExporter>;

}  // namespace topolab::agent
