// Loads plugins: checks who may have written them, their SDK version and
// entry points, and adds their types only when all of that holds.
#include "topolab/engine/plugin_loader.h"

#include <dlfcn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <system_error>

#include "topolab/engine/plugin.h"

namespace topolab {
namespace {

// A plugin's operator as the engine sees it: every call forwarded, and an
// exception from the plugin's process() is an error against that input
// (failed, so replayed in at-least-once) instead of the end of the process.
class PluginOperator final : public Operator {
 public:
  PluginOperator(OperatorPtr inner, const OperatorContext& ctx)
      : inner_(std::move(inner)), log_(ctx.log) {}

  ProduceResult produce(Emitter& out, size_t budget, int64_t now) override {
    try {
      return inner_->produce(out, budget, now);
    } catch (const std::exception& e) {
      failed(out, "produce", e.what());
    } catch (...) {
      failed(out, "produce", "an exception that is not a std::exception");
    }
    // Try again a little later rather than spinning on a throwing producer.
    return {ProduceResult::State::SleepUntil, now + 10'000'000};
  }
  void onComplete(uint64_t token, bool ok) override {
    try {
      inner_->onComplete(token, ok);
    } catch (...) {
    }
  }
  bool replaysItself() const override { return inner_->replaysItself(); }
  void onProducerDone() override {
    try {
      inner_->onProducerDone();
    } catch (...) {
    }
  }
  ProcessResult process(Tuple& in, Emitter& out, int64_t now) override {
    try {
      return inner_->process(in, out, now);
    } catch (const std::exception& e) {
      logFirst("process", e.what());
      thrown_ = std::string("process threw: ") + e.what();
    } catch (...) {
      logFirst("process", "an exception that is not a std::exception");
      thrown_ = "process threw an exception that is not a std::exception";
    }
    return {.ok = false, .error = thrown_};
  }
  int64_t nextTimerMonoNs() const override { return inner_->nextTimerMonoNs(); }
  void onTimer(Emitter& out, int64_t now) override {
    try {
      inner_->onTimer(out, now);
    } catch (const std::exception& e) {
      failed(out, "onTimer", e.what());
    } catch (...) {
      failed(out, "onTimer", "an exception that is not a std::exception");
    }
  }
  void onEndOfInput(Emitter& out) override {
    try {
      inner_->onEndOfInput(out);
    } catch (const std::exception& e) {
      failed(out, "onEndOfInput", e.what());
    } catch (...) {
      failed(out, "onEndOfInput", "an exception that is not a std::exception");
    }
  }
  bool recordsEndToEnd() const override { return inner_->recordsEndToEnd(); }
  void setWaker(std::function<void()> wake) override { inner_->setWaker(std::move(wake)); }
  void poll(Emitter& out, int64_t now) override {
    try {
      inner_->poll(out, now);
    } catch (const std::exception& e) {
      failed(out, "poll", e.what());
    } catch (...) {
      failed(out, "poll", "an exception that is not a std::exception");
    }
  }
  bool accepting() const override { return inner_->accepting(); }
  bool idle() const override { return inner_->idle(); }

 private:
  void failed(Emitter& out, const char* where, const char* what) {
    out.reportError(std::string(where) + " threw: " + what);
    logFirst(where, what);
  }
  // One line per instance: a plugin throwing on every tuple must not flood the log.
  void logFirst(const char* where, const char* what) {
    if (logged_ || !log_) return;
    logged_ = true;
    log_(4, std::string("plugin operator's ") + where + " threw (counted as an error): " + what +
                " (further exceptions are counted, not logged)");
  }

  OperatorPtr inner_;
  std::function<void(int, const std::string&)> log_;
  bool logged_ = false;
  std::string thrown_;  // the sample's message for the last exception from process()
};

class CollectingRegistrar final : public PluginRegistrar {
 public:
  void add(ComponentType type) override { types.push_back(std::move(type)); }
  std::vector<ComponentType> types;
};

// Why `path` may not be trusted, or empty. Whoever can write a plugin runs
// code in this process.
std::string permissionProblem(const std::string& path, const struct stat& st) {
  if (st.st_mode & S_IWOTH) return path + ": refused: it is world-writable (chmod o-w)";
  if (st.st_mode & S_IWGRP) return path + ": refused: it is group-writable (chmod g-w)";
  if (st.st_uid != 0 && st.st_uid != geteuid()) {
    return path + ": refused: it is owned by uid " + std::to_string(st.st_uid) +
           ", neither this process's user (uid " + std::to_string(geteuid()) + ") nor root";
  }
  return {};
}

// Loads one plugin file; on any problem returns why and adds nothing.
std::string loadPluginFile(const std::string& path, Catalogue& catalogue,
                           std::vector<std::string>* added) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return path + ": cannot read: " + std::strerror(errno);
  if (!S_ISREG(st.st_mode)) return path + ": refused: not a regular file";
  if (std::string p = permissionProblem(path, st); !p.empty()) return p;

  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* e = ::dlerror();
    return path + ": cannot load: " + (e ? e : "unknown dlopen error");
  }
  // Closed again only when nothing of the plugin was kept.
  auto close = [handle] { ::dlclose(handle); };
  using VersionFn = int (*)();
  using RegisterFn = int (*)(PluginRegistrar*);
  auto version = reinterpret_cast<VersionFn>(::dlsym(handle, "topolab_plugin_sdk_version"));
  auto reg = reinterpret_cast<RegisterFn>(::dlsym(handle, "topolab_plugin_register"));
  if (version == nullptr || reg == nullptr) {
    close();
    return path + ": refused: it does not export " +
           (version == nullptr ? "topolab_plugin_sdk_version" : "topolab_plugin_register") +
           " (define it with TOPOLAB_PLUGIN_EXPORT, see topolab/engine/plugin.h)";
  }
  const int v = version();
  if (v != TOPOLAB_SDK_VERSION) {
    close();
    return path + ": refused: built for plugin SDK version " + std::to_string(v) +
           ", this engine is version " + std::to_string(TOPOLAB_SDK_VERSION) +
           " (rebuild it against this TopoLab)";
  }
  std::string problem;
  {
    CollectingRegistrar registrar;
    try {
      const int rc = reg(&registrar);
      if (rc != 0) problem = "topolab_plugin_register returned " + std::to_string(rc);
    } catch (const std::exception& e) {
      problem = std::string("topolab_plugin_register threw: ") + e.what();
    } catch (...) {
      problem = "topolab_plugin_register threw";
    }
    std::set<std::string> names;
    for (const ComponentType& t : registrar.types) {
      if (!problem.empty()) break;
      if (t.name.empty()) {
        problem = "it registers a type without a name";
      } else if (!t.factory) {
        problem = "type '" + t.name + "' has no factory";
      } else if (const ComponentType* existing = catalogue.find(t.name)) {
        problem = "type '" + t.name + "' already exists (" +
                  (existing->plugin.empty() ? std::string("built in") : existing->plugin) + ")";
      } else if (!names.insert(t.name).second) {
        problem = "it registers type '" + t.name + "' twice";
      }
    }
    if (problem.empty() && registrar.types.empty()) problem = "it registers no component type";
    if (problem.empty()) {
      for (ComponentType& t : registrar.types) {
        t.plugin = path;
        t.factory = [inner = std::move(t.factory)](const Params& p,
                                                   const OperatorContext& ctx) -> OperatorPtr {
          OperatorPtr op = inner(p, ctx);
          if (!op) throw std::runtime_error("the plugin's factory returned no operator");
          return std::make_unique<PluginOperator>(std::move(op), ctx);
        };
        added->push_back(t.name);
        catalogue.add(std::move(t));
      }
      return {};
    }
  }  // the types (and their factories' code) are gone before the library is
  close();
  return path + ": refused: " + problem;
}

}  // namespace

PluginLoadReport loadPluginDir(const std::string& dir, Catalogue& catalogue) {
  namespace fs = std::filesystem;
  PluginLoadReport report;
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    report.errors.push_back(dir + ": cannot read plugin directory: " + std::strerror(errno));
    return report;
  }
  if (!S_ISDIR(st.st_mode)) {
    report.errors.push_back(dir + ": refused: not a directory");
    return report;
  }
  if (std::string p = permissionProblem(dir, st); !p.empty()) {
    report.errors.push_back(p);
    return report;
  }
  std::vector<std::string> files;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".so") files.push_back(e.path().string());
  }
  if (ec) {
    report.errors.push_back(dir + ": cannot list plugin directory: " + ec.message());
    return report;
  }
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    if (std::string e = loadPluginFile(f, catalogue, &report.types); !e.empty()) {
      report.errors.push_back(std::move(e));
    }
  }
  return report;
}

PluginLoadReport loadPluginDirs(const std::vector<std::string>& dirs, Catalogue& catalogue) {
  PluginLoadReport all;
  for (const std::string& d : dirs) {
    PluginLoadReport r = loadPluginDir(d, catalogue);
    all.types.insert(all.types.end(), r.types.begin(), r.types.end());
    all.errors.insert(all.errors.end(), r.errors.begin(), r.errors.end());
  }
  return all;
}

std::vector<std::string> pluginTypeNames(const Catalogue& catalogue) {
  std::vector<std::string> out;
  for (const ComponentType* t : catalogue.types()) {
    if (!t->plugin.empty()) out.push_back(t->name);
  }
  return out;
}

std::unique_ptr<Catalogue> withStandIns(const Topology& t, const std::set<std::string>& types,
                                        const std::string& elsewhere, const Catalogue& catalogue) {
  auto out = std::make_unique<Catalogue>();
  for (const ComponentType* type : catalogue.types()) out->add(*type);
  std::map<std::string, ComponentType> missing;
  for (const Component& c : t.components) {
    if (!types.count(c.type) || catalogue.find(c.type) != nullptr) continue;
    ComponentType& stand_in = missing[c.type];
    stand_in.name = c.type;
    const bool has_input = std::any_of(t.streams.begin(), t.streams.end(),
                                       [&](const Stream& s) { return s.to == c.id; });
    const bool has_output = std::any_of(t.streams.begin(), t.streams.end(),
                                        [&](const Stream& s) { return s.from == c.id; });
    stand_in.role = !has_input ? Role::Producer : has_output ? Role::Bolt : Role::Sink;
    for (const ParamEntry& p : c.params) {
      if (stand_in.param(p.name)) continue;
      const char first = p.text.empty() ? ' ' : p.text.front();
      const bool flow = p.flow || (!p.quoted && (first == '[' || first == '{'));
      stand_in.params.push_back(ParamSchema{.name = p.name,
                                            .type = !flow          ? ParamType::Scalar
                                                    : first == '{' ? ParamType::StringMap
                                                                   : ParamType::StringList,
                                            .default_text = "0"});
    }
    stand_in.factory = [why = c.type + ": " + elsewhere](const Params&,
                                                         const OperatorContext&) -> OperatorPtr {
      throw std::runtime_error(why);
    };
  }
  for (auto& [name, type] : missing) out->add(std::move(type));
  return out;
}

}  // namespace topolab
