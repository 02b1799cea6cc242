// topolab: validate, run, export, import and diff topology files from the command line,
// and deploy, watch, stop and fault them on a cluster of agents.
#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "topolab/engine/plugin_loader.h"

int main(int argc, char** argv) {
  using namespace topolab::cli;
  CLI::App app{"TopoLab: design, run and measure stream topologies"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "topolab 0.1.0");

  // Plugins extend the catalogue for the commands that read topology files.
  std::vector<std::string> plugin_dirs;
  const auto add_plugin_dir = [&plugin_dirs](CLI::App* cmd) {
    cmd->add_option("--plugin-dir", plugin_dirs,
                    "load the component types of the plugins (*.so) in DIR; repeatable")
        ->allow_extra_args(false)
        ->type_name("DIR");
  };

  std::vector<std::string> validate_files;
  auto* validate = app.add_subcommand("validate", "Check topology files; exit 2 on any problem");
  validate->add_option("FILE", validate_files, "topology files")->required();
  add_plugin_dir(validate);

  RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "Run a topology in this process with live metrics");
  run_cmd->add_option("FILE", run.file, "topology file")->required();
  run_cmd->add_option("--duration", run.duration_s, "seconds to run (default: until done)")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_flag("--json", run.json, "one JSON object per line");
  run_cmd->add_option("--set", run.overrides, "override a param: ID.PARAM=VALUE")
      ->allow_extra_args(false);
  run_cmd->add_flag("--check-slo", run.check_slo, "exit 3 when the file's slo is violated");
  run_cmd->add_option("--threads", run.threads, "worker threads (default: one per core)")
      ->check(CLI::Range(0, 1024));
  run_cmd->add_flag("--no-latency", run.no_latency, "do not record latency histograms");
  run_cmd->add_option("--kafka", run.kafka,
                      "Kafka bootstrap host:port,… (default: embedded when needed)");
  run_cmd->add_option("--drain", run.drain_s, "seconds allowed to drain when stopping")
      ->check(CLI::NonNegativeNumber);
  add_plugin_dir(run_cmd);

  ExportOptions exp;
  auto* export_cmd = app.add_subcommand(
      "export", "Export a diagram of a topology, or an haproxy.cfg for its load balancers");
  export_cmd->add_option("FILE", exp.file, "topology file")->required();
  export_cmd
      ->add_option("--to", exp.to,
                   "dot, svg, png, haproxy (a frontend and backend per load balancer; "
                   "servers on 127.0.0.1 unless --cluster places them), or flux (a Storm Flux "
                   "file)")
      ->check(CLI::IsMember({"dot", "svg", "png", "haproxy", "flux"}));
  export_cmd->add_option("-o,--output", exp.out,
                         "output file (default: stdout for dot, haproxy and flux)");
  export_cmd->add_option("--cluster", exp.cluster,
                         "haproxy: a cluster file; members are placed as deploy places them and "
                         "served on their agent's host");

  ImportOptions imp;
  auto* import_cmd = app.add_subcommand("import", "Turn a Storm Flux file into a topology file");
  import_cmd->add_option("FLUX", imp.file, "Flux YAML file")->required();
  import_cmd->add_option("-o,--output", imp.out, "topology file to write (default: stdout)");
  import_cmd->add_option("--resources", imp.resources,
                         "shell components' resources folder, relative to the output's folder "
                         "(default: the Flux file's folder)");
  import_cmd->add_option("--filter", imp.filter,
                         "a properties file whose keys replace ${key}, as Flux's --filter");
  import_cmd->add_flag("-e,--env-filter", imp.env_filter,
                       "replace ${ENV-NAME} by environment variable NAME, as Flux's -e");

  DiffOptions diff_opts;
  auto* diff = app.add_subcommand("diff", "What changed between two topology files");
  diff->footer(
      "Compares the header (name, description, defaults.*, slo.*), components (added, removed; "
      "type, parallelism, each param, placement) and streams (added, removed by from, to and "
      "stream; grouping, transport), and prints each change with its line in A and in B. A "
      "value left out counts as its default where the format has one (parallelism 1, grouping "
      "shuffle, transport auto, the defaults.* fields). Layout positions are ignored, and so "
      "are comments, formatting and the order of entries.\n"
      "Exit status: 0 the same, 1 different, 2 a file that does not load.");
  diff->add_option("A", diff_opts.a, "the first (old) topology file")->required();
  diff->add_option("B", diff_opts.b, "the second (new) topology file")->required();
  diff->add_flag("--json", diff_opts.json, "one JSON object: {\"a\", \"b\", \"changes\": [...]}");
  add_plugin_dir(diff);

  bool catalogue_json = false;
  auto* catalogue = app.add_subcommand("catalogue", "List component types and their params");
  catalogue->add_flag("--json", catalogue_json, "as JSON");
  add_plugin_dir(catalogue);

  DeployOptions dep;
  auto* deploy =
      app.add_subcommand("deploy", "Deploy a topology on a cluster of agents and follow it");
  deploy->add_option("FILE", dep.file, "topology file")->required();
  deploy->add_option("--cluster", dep.cluster, "cluster file")->required();
  add_plugin_dir(deploy);
  deploy
      ->add_option("--duration", dep.duration_s, "seconds to run, then stop (default: until done)")
      ->check(CLI::NonNegativeNumber);
  deploy->add_flag("--json", dep.json, "one JSON object per line");
  deploy->add_flag("--check-slo", dep.check_slo, "exit 3 when the file's slo is violated");
  deploy->add_flag("--detach", dep.detach, "return once deployed; leave it running");
  deploy->add_flag("--plan-only", dep.plan_only, "print the placement plan; deploy nothing");
  deploy->add_option("--set", dep.overrides, "override a param: ID.PARAM=VALUE")
      ->allow_extra_args(false);
  deploy->add_option("--drain", dep.drain_s, "seconds allowed to drain when stopping")
      ->check(CLI::NonNegativeNumber);

  WatchOptions watch_opts;
  auto* watch =
      app.add_subcommand("watch", "Follow a deployment's metrics until it ends or Ctrl-C");
  watch->add_option("NAME", watch_opts.name, "deployment (the topology's name)")->required();
  watch->add_option("--cluster", watch_opts.cluster, "cluster file")->required();
  watch->add_flag("--json", watch_opts.json, "one JSON object per line");

  StopOptions stop_opts;
  auto* stop = app.add_subcommand("stop", "Stop a deployment on every agent");
  stop->add_option("NAME", stop_opts.name, "deployment (the topology's name)")->required();
  stop->add_option("--cluster", stop_opts.cluster, "cluster file")->required();
  stop->add_option("--drain", stop_opts.drain_s, "seconds allowed to drain")
      ->check(CLI::NonNegativeNumber);

  FaultOptions fault_opts;
  auto* fault = app.add_subcommand("fault", "Inject a fault into a running deployment");
  fault->add_option("NAME", fault_opts.name, "deployment (the topology's name)")->required();
  fault->add_option("--cluster", fault_opts.cluster, "cluster file")->required();
  auto* kill =
      fault->add_option("--kill", fault_opts.kill, "kill instance ID#N (or every instance of ID)");
  auto* revive = fault->add_option(
      "--revive", fault_opts.revive,
      "bring killed instance ID#N (or every killed instance of ID) back, like a restart; "
      "load balancers put it back in rotation at their next health check");
  auto* latency = fault->add_option("--latency", fault_opts.latency, "delay tuples into ID: ID=MS");
  auto* fail =
      fault->add_option("--fail", fault_opts.fail, "fail a fraction of tuples into ID: ID=RATIO");
  auto* partition = fault->add_option("--partition", fault_opts.partition,
                                      "cut an agent off from its peers: AGENT=SECONDS");
  for (CLI::Option* o : {kill, revive, latency, fail, partition}) {
    for (CLI::Option* other : {kill, revive, latency, fail, partition}) {
      if (o != other) o->excludes(other);
    }
  }

  std::string agents_cluster;
  auto* agents = app.add_subcommand("agents", "Say hello to every agent of a cluster");
  agents->add_option("--cluster", agents_cluster, "cluster file")->required();

  ErrorsOptions errors_opts;
  auto* errors = app.add_subcommand(
      "errors", "Print a deployment's error samples: the last 20 errors of each instance");
  errors->add_option("NAME", errors_opts.name, "deployment (the topology's name)")->required();
  errors->add_option("--cluster", errors_opts.cluster, "cluster file")->required();
  errors->add_flag("--json", errors_opts.json, "one JSON object per sample");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kOk : kInvalidInput;
  }
  if (!plugin_dirs.empty()) {
    const topolab::PluginLoadReport plugins = topolab::loadPluginDirs(plugin_dirs);
    for (const std::string& e : plugins.errors) std::cerr << "topolab: plugin " << e << '\n';
    if (!plugins.ok()) return kInvalidInput;
  }
  if (*validate) return validateCommand(validate_files);
  if (*run_cmd) return runCommand(run);
  if (*export_cmd) return exportCommand(exp);
  if (*import_cmd) return importCommand(imp);
  if (*catalogue) return catalogueCommand(catalogue_json);
  if (*deploy) return deployCommand(dep);
  if (*watch) return watchCommand(watch_opts);
  if (*stop) return stopCommand(stop_opts);
  if (*fault) return faultCommand(fault_opts);
  if (*agents) return agentsCommand(agents_cluster);
  if (*errors) return errorsCommand(errors_opts);
  if (*diff) return diffCommand(diff_opts);
  return kFailure;
}
