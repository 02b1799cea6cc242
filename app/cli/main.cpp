// topolab: validate, run and export topology files from the command line.
#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  using namespace topolab::cli;
  CLI::App app{"TopoLab: design, run and measure stream topologies"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "topolab 0.1.0");

  std::vector<std::string> validate_files;
  auto* validate = app.add_subcommand("validate", "Check topology files; exit 2 on any problem");
  validate->add_option("FILE", validate_files, "topology files")->required();

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
  run_cmd->add_option("--drain", run.drain_s, "seconds allowed to drain when stopping")
      ->check(CLI::NonNegativeNumber);

  ExportOptions exp;
  auto* export_cmd = app.add_subcommand("export", "Export a diagram of a topology");
  export_cmd->add_option("FILE", exp.file, "topology file")->required();
  export_cmd->add_option("--to", exp.to, "dot, svg or png")
      ->check(CLI::IsMember({"dot", "svg", "png", "haproxy"}));
  export_cmd->add_option("-o,--output", exp.out, "output file (default: stdout for dot)");

  bool catalogue_json = false;
  auto* catalogue = app.add_subcommand("catalogue", "List component types and their params");
  catalogue->add_flag("--json", catalogue_json, "as JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kOk : kInvalidInput;
  }
  if (*validate) return validateCommand(validate_files);
  if (*run_cmd) return runCommand(run);
  if (*export_cmd) return exportCommand(exp);
  if (*catalogue) return catalogueCommand(catalogue_json);
  return kFailure;
}
