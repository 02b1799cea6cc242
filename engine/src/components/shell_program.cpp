#include "components/shell_program.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "spec/storm_names.h"
#include "topolab/engine/plan.h"
#include "topolab/engine/spec.h"

namespace topolab::shell {
namespace {

namespace fs = std::filesystem;

std::string streamName(const Stream& s) { return s.stream_id.empty() ? "default" : s.stream_id; }

nlohmann::json groupingJson(const Grouping& g) {
  nlohmann::json j = {{"type", spec::stormGrouping(g.type)}};
  if (g.type == GroupingType::Fields) j["fields"] = g.fields;
  return j;
}

// The fields of what `c` emits, as a program downstream is told them.
std::vector<std::string> fieldsOf(const Component& c) {
  std::vector<std::string> f = outputFields(c, Catalogue::instance());
  if (!f.empty()) return f;
  return {"key", "value", "payload"};
}

std::string envOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

const std::string kDefaultStream = "default";

}  // namespace

std::vector<ParamSchema> paramSchemas(bool bolt) {
  std::vector<ParamSchema> p = {
      {.name = "command",
       .type = ParamType::StringList,
       .required = true,
       .min = 1,
       .doc = "the program and its arguments, e.g. [python3, split.py]"},
      {.name = "fields",
       .type = ParamType::StringList,
       .default_text = "[]",
       .max = 256,
       .doc = "names of the values it emits; field 0 is the key, a numeric field 1 the value"},
      {.name = "resources",
       .type = ParamType::String,
       .default_text = ".",
       .doc = "folder it runs in, shipped with a deploy (relative: to the topology file)"},
      {.name = "heartbeat_ms",
       .type = ParamType::Int,
       .default_text = "1000",
       .min = 10,
       .max = 600'000,
       .doc = "bolts: how often a heartbeat tuple is sent"},
      {.name = "timeout_ms",
       .type = ParamType::Int,
       .default_text = "10000",
       .min = 50,
       .max = 3'600'000,
       .doc = "silence after which the program counts as dead"},
      {.name = "env",
       .type = ParamType::StringMap,
       .default_text = "{}",
       .doc = "environment variables besides PATH, LANG and HOME"},
  };
  if (bolt) {
    p.push_back({.name = "max_pending",
                 .type = ParamType::Int,
                 .default_text = "1000",
                 .min = 1,
                 .max = 1'000'000,
                 .doc = "tuples handed to the program and not yet acked"});
  }
  return p;
}

ComponentTraits traits() {
  return ComponentTraits{
      .output_fields_param = "fields", .command_param = "command", .resources_param = "resources"};
}

std::string valuesOf(const Tuple& t) {
  if (!t.payload.empty() && t.payload.front() == '[' && nlohmann::json::accept(t.payload)) {
    return t.payload;  // a program's values, unchanged
  }
  nlohmann::json v = nlohmann::json::array({t.key, t.value});
  if (!t.payload.empty()) v.push_back(t.payload);
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Tuple tupleOf(MultilangMessage&& m, int64_t ts) {
  Tuple t;
  t.key = std::move(m.key);
  t.value = m.value;
  t.ts = ts;
  t.payload = std::move(m.values);
  return t;
}

Supervisor::Supervisor(const Params& params, const OperatorContext& ctx, bool bolt)
    : ctx_(ctx),
      bolt_(bolt),
      name_(ctx.component + "#" + std::to_string(ctx.index)),
      command_(params.getList("command")),
      fields_(params.getList("fields")),
      env_(params.getMap("env")),
      heartbeat_ns_(params.getInt("heartbeat_ms") * 1'000'000),
      timeout_ns_(params.getInt("timeout_ms") * 1'000'000),
      restarts_(ctx.topology ? ctx.topology->restartPolicy() : RestartPolicy{}) {
  fs::path folder(params.getString("resources"));
  if (folder.is_relative()) {
    folder =
        (ctx.resources_base.empty() ? fs::current_path() : fs::path(ctx.resources_base)) / folder;
  }
  folder_ = folder.lexically_normal().string();
  const fs::path work = ctx.work_dir.empty() ? fs::temp_directory_path() : fs::path(ctx.work_dir);
  pid_dir_ = (work / "pids" / (ctx.component + "-" + std::to_string(ctx.index))).string();
}

bool Supervisor::start(std::string* error) {
  std::error_code ec;
  if (!fs::is_directory(folder_, ec)) {
    *error = name_ + ": resources folder " + folder_ + " does not exist";
    return false;
  }
  fs::create_directories(pid_dir_, ec);
  if (ec) {
    *error = name_ + ": cannot create " + pid_dir_ + ": " + ec.message();
    return false;
  }
  MultilangConfig c;
  c.child.argv = command_;
  c.child.cwd = folder_;
  c.child.env = {{"PATH", envOr("PATH", "/usr/local/bin:/usr/bin:/bin")},
                 {"LANG", envOr("LANG", "C.UTF-8")},
                 {"HOME", ctx_.work_dir.empty() ? folder_ : ctx_.work_dir}};
  for (const auto& [k, v] : env_) {
    bool replaced = false;
    for (auto& [name, value] : c.child.env) {
      if (name == k) {
        value = v;
        replaced = true;
      }
    }
    if (!replaced) c.child.env.emplace_back(k, v);
  }
  c.setup = setupMessage();
  c.bolt = bolt_;
  c.heartbeat_ns = heartbeat_ns_;
  c.timeout_ns = timeout_ns_;
  c.wake = [waker = waker_] {
    std::lock_guard lock(waker->mu);
    if (waker->fn) waker->fn();
  };
  const std::string name = name_;
  auto log_fn = ctx_.log;
  c.stderr_line = [log_fn](int level, const std::string& line) {
    if (log_fn) log_fn(level, "stderr: " + line);
  };
  std::string why;
  link_ = MultilangLink::start(std::move(c), &why);
  if (!link_) {
    *error = name_ + ": cannot start " + command_.front() + ": " + why;
    return false;
  }
  return true;
}

bool Supervisor::onDeath(int64_t now) {
  const std::string reason = link_ ? link_->deathReason() : std::string("not running");
  link_.reset();  // stops what is left of it and reaps it
  event("process-died", name_ + ": " + command_.front() + " " + reason);
  log(4, command_.front() + " " + reason);
  std::string why;
  if (!restarts_.onDeath(now, &restart_due_ns_, &why)) {
    event("instance-failed", RestartBudget::failed(name_, why));
    return false;
  }
  return true;
}

void Supervisor::restarted(int64_t now) {
  restart_due_ns_ = 0;
  event("restart", restarts_.restarted(name_, now));
}

bool Supervisor::report(const MultilangMessage& m, Emitter& out) const {
  switch (m.kind) {
    case MultilangMessage::Kind::Log:
      log(m.level, m.text);
      return true;
    case MultilangMessage::Kind::Error:
      out.reportError(m.text);
      log(4, "error: " + m.text);
      return true;
    case MultilangMessage::Kind::Metrics:
      log(1, "metrics " + m.text + " " + m.params);
      return true;
    default:
      return false;
  }
}

void Supervisor::log(int level, const std::string& line) const {
  if (ctx_.log) ctx_.log(level, line);
}

void Supervisor::event(const std::string& kind, const std::string& detail) const {
  if (ctx_.event) ctx_.event(kind, detail);
}

const std::string& Supervisor::componentOf(int64_t plan_task) const {
  static const std::string kNone;
  if (!ctx_.plan || plan_task < 0) return kNone;
  for (const PlacedInstance& p : ctx_.plan->instances) {
    if (p.task_id == static_cast<uint32_t>(plan_task)) return p.component;
  }
  return kNone;
}

const std::string& Supervisor::inputStream(int64_t source) const {
  if (!ctx_.topology) return kDefaultStream;
  const std::string& from = componentOf(source);
  for (const Stream& s : ctx_.topology->streams) {
    if (s.to == ctx_.component && (from.empty() || s.from == from) && !s.stream_id.empty()) {
      return s.stream_id;
    }
  }
  return kDefaultStream;
}

std::string Supervisor::setupMessage() const {
  using nlohmann::json;
  json conf = json::object();
  json context = json::object();
  const Topology* t = ctx_.topology;
  conf["topology.name"] = t ? t->name : ctx_.component;
  conf["topology.message.timeout.secs"] = t ? std::max(1, t->ackTimeoutMs() / 1000) : 30;
  conf["topology.max.spout.pending"] = t ? t->maxPending() : 10000;
  conf["topology.acker.executors"] = ctx_.at_least_once ? 1 : 0;
  conf["topolab.instance"] = name_;
  context["taskid"] = stormTaskId(ctx_.task_id);
  context["componentid"] = ctx_.component;
  json task_component = json::object();
  if (ctx_.plan) {
    for (const PlacedInstance& p : ctx_.plan->instances) {
      task_component[std::to_string(stormTaskId(p.task_id))] = p.component;
    }
  } else {
    task_component[std::to_string(stormTaskId(ctx_.task_id))] = ctx_.component;
  }
  context["task->component"] = task_component;
  std::set<std::string> streams = {"default"};
  json outputs = json::object();
  json targets = json::object();
  json sources = json::object();
  json source_fields = json::object();
  outputs["default"] = fields_;
  if (t) {
    for (const Stream& s : t->streams) {
      if (s.from == ctx_.component) {
        streams.insert(streamName(s));
        outputs[streamName(s)] = fields_;
        targets[streamName(s)][s.to] = groupingJson(s.grouping);
      }
      if (s.to == ctx_.component) {
        sources[s.from][streamName(s)] = groupingJson(s.grouping);
        if (const Component* from = t->component(s.from)) {
          source_fields[s.from][streamName(s)] = fieldsOf(*from);
        }
      }
    }
  }
  context["streams"] = std::vector<std::string>(streams.begin(), streams.end());
  context["stream->outputfields"] = outputs;
  context["stream->target->grouping"] = targets;
  context["source->stream->grouping"] = sources;
  context["source->stream->fields"] = source_fields;
  json setup = {{"conf", conf}, {"pidDir", pid_dir_}, {"context", context}};
  return setup.dump();
}

}  // namespace topolab::shell
