// What a run prints: the `--json` lines of DESIGN.md §7, the human table, and
// the SLO verdict. Pure text building, no I/O; lines carry no trailing newline.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "topolab/engine/metrics.h"
#include "topolab/engine/topology.h"

namespace topolab {

struct SloResult {
  bool evaluated = false;
  bool pass = true;
  std::vector<std::string> violations;  // e.g. "throughput 81234.5/s < throughput_min 100000/s"
};

// Throughput: `received` summed over sink components / duration_s. p99: from
// the merged end-to-end histogram of all sinks, in ms (a p99 requirement fails
// when no tuple reached a sink). Error rate: errors / received over all
// components. A bound that is met exactly passes.
SloResult evaluateSlo(const Slo& slo, const std::map<std::string, ComponentStats>& stats,
                      double duration_s);

// Components are written in `order`, then any others in `stats` by id; one in
// `order` but missing from the map is written with zeros.

// {"type":"interval","t_ms":..,"components":{"ID":{"received":..,"emitted":..,"acked":..,
// "failed":..,"errors":..,"replayed":..,"queue":..,"blocked_ms":..,"latency_us":{"p50":..,
// "p90":..,"p99":..,"p999":..,"max":..},"e2e_us":{..}|null}}} — e2e_us is null unless a sink.
// A load-balancer adds "members":{"ID#N":{"sent":..,"outstanding":..,"healthy":..},..} after
// e2e_us: sent in the interval (in total in the summary), outstanding and healthy at its end.
// A kafka-source or kafka-sink adds "kafka":{"lag":..,"consumed":..,"produced":..,"delivered":..,
// "delivery_errors":..,"client_errors":..,"produce_us":{..}|null}: counts for the interval (in
// total in the summary), lag (messages not yet consumed, -1 before the first fetch) at its end.
// A postgres-sink adds "database":{"connected":..,"disconnected":..,"rows":..,"rows_per_s":..,
// "commits":..,"failed_batches":..,"reconnects":..,"commit_us":{..}|null,"batch_rows":{"p50":..,
// "p99":..,"max":..}|null}: counts and histograms for the interval (in total in the summary),
// instances disconnected at its end; rows_per_s only when the interval's length is known.
// A component whose instances took error samples in the interval ends with
// "error_samples":[{"instance":"ID#N","agent":..,"unix_ms":..,"message":..,"key":..},..], oldest
// first, each sample once ("agent" when known); in the summary, the samples its instances keep.
// With `interval_ms` (>= 0), "interval_ms":N follows t_ms: how long the
// interval was, so a reader can turn its counts into rates.
// After "components", "streams":{"FROM:TO":{"tuples":..,"latency_us":{..}},..} holds each stream
// that carried tuples: upstream emit → taken from the downstream input queue (summary: in total).
std::string intervalLine(int64_t t_ms, const std::vector<std::string>& order,
                         const std::map<std::string, ComponentStats>& interval,
                         int64_t interval_ms = -1);
// {"type":"event","t_ms":..,"kind":"..","detail":".."}; with `type` "error",
// a line that says the run's figures are wrong (kind "conservation").
std::string eventLine(int64_t t_ms, std::string_view kind, std::string_view detail,
                      std::string_view type = "event");
// {"type":"summary","duration_ms":..,"slo":{"pass":..,"violations":[..]}|null,"components":{"ID":
// {"received":..,"emitted":..,"acked":..,"failed":..,"errors":..,"replayed":..,"throughput":..,
// "latency_us":{..},"e2e_us":{..}|null}}} — throughput is received/s, or emitted/s for a
// component that received nothing (a producer).
std::string summaryLine(int64_t duration_ms, const SloResult& slo,
                        const std::vector<std::string>& order,
                        const std::map<std::string, ComponentStats>& totals);

// {"type":"error_sample","instance":"ID#N","agent":..,"unix_ms":..,"message":..,"key":..}:
// one line of `topolab errors --json` ("agent" when known).
std::string errorSampleLine(const InstanceError& e);
// One error sample as `topolab errors` prints it: "12:00:01.234  enrich#1  node-b
// simulated failure (error_rate 0.01)  [k17]" (local time; the agent and the key when known).
std::string errorSampleText(const InstanceError& e);

// A fixed-width table for a terminal: an elapsed-time header, one row per
// component and a total row (instances alive/total, in/s, out/s, errors, queue,
// blocked ms, p50 and p99 latency µs, e2e p99 ms), the newest error sample
// ("last error …", with how many more there are), then the SLO status when
// `slo` is evaluated. Rates divide by interval_s; with `as_counts` (an
// interval too short for a rate to mean anything, like the last one at a
// stop) the in and out columns are counts and the header says so. Ends with
// a newline.
std::string humanTable(int64_t t_ms, double interval_s, const std::vector<std::string>& order,
                       const std::map<std::string, ComponentStats>& interval, const SloResult* slo,
                       bool as_counts = false);
// The streams' latency for a terminal, a line each ("  events → enrich  p50 0.4 ms  p99 2.1 ms
// p99.9 3.0 ms  max 4.2 ms  (98,120 tuples)") under a heading; empty when no stream carried tuples.
std::string humanStreams(const std::map<std::string, ComponentStats>& stats);

}  // namespace topolab
