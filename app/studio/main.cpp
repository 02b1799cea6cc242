// topolab-studio: parses the command line and shows the main window.
// `topolab-studio FILE` opens FILE; `--cluster FILE` uses a cluster file and
// `--local-lab [N]` starts N agents on this machine (default 3); `--deploy`
// deploys FILE once every agent answers; `--fault SPEC` injects a fault a while
// later; `--duration S` stops the deployment after S seconds and quits. `--screenshot OUT.png`
// saves a picture of the window and exits (for docs and CI): at once, or with `--after S` once S
// seconds passed and the dashboard has data. `--dark` uses Fusion with a dark palette.
// `--errors ID` brings the Errors panel forward, filtered to component ID.
// `--plugin-dir DIR` (repeatable) adds the component types of DIR's plugins to the palette.
#include <QApplication>
#include <QCommandLineParser>
#include <QDockWidget>
#include <QScreen>
#include <QStyleFactory>
#include <iostream>

#include "dark_palette.h"
#include "deploy_controller.h"
#include "document.h"
#include "file_controller.h"
#include "main_window.h"
#include "startup_sequence.h"
#include "topolab/engine/plugin_loader.h"
#include "topolab/widgets/errors_panel.h"
#include "topolab/widgets/topology_scene.h"

namespace {

// QCommandLineParser has no optional values: `--local-lab` without a count
// (or followed by something that is not one) means the default count.
QStringList withLabDefault(QStringList args) {
  for (int i = 1; i < args.size(); ++i) {
    if (args[i] != QStringLiteral("--local-lab")) continue;
    bool number = false;
    if (i + 1 < args.size()) args[i + 1].toInt(&number);
    if (!number) args.insert(i + 1, QStringLiteral("3"));
  }
  return args;
}

// `--fault kill=ID[#N] | revive=ID[#N] | latency=ID=MS | fail=ID=RATIO | partition=AGENT=S`, the
// forms of `topolab fault`.
std::optional<topolab::control::FaultSpec> parseFault(const QString& text, std::string* error) {
  const qsizetype eq = text.indexOf(u'=');
  const QString kind = text.left(eq);
  const std::string value = eq < 0 ? std::string() : text.mid(eq + 1).toStdString();
  if (kind == QStringLiteral("kill")) return topolab::control::parseKill(value, error);
  if (kind == QStringLiteral("revive")) return topolab::control::parseRevive(value, error);
  if (kind == QStringLiteral("latency")) return topolab::control::parseLatency(value, error);
  if (kind == QStringLiteral("fail")) return topolab::control::parseFail(value, error);
  if (kind == QStringLiteral("partition")) return topolab::control::parsePartition(value, error);
  *error =
      "--fault: write kill=ID[#N], revive=ID[#N], latency=ID=MS, fail=ID=RATIO or "
      "partition=AGENT=SECONDS";
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("TopoLab"));
  QApplication::setApplicationName(QStringLiteral("TopoLab Studio"));
  QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("Design topologies on a canvas, deploy them and watch them live."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("Topology file to open."));
  const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                      QStringLiteral("Save the window to FILE and exit."),
                                      QStringLiteral("FILE"));
  parser.addOption(screenshot);
  const QCommandLineOption after(
      QStringLiteral("after"),
      QStringLiteral("With --screenshot: wait SECONDS, and for the dashboard to have data."),
      QStringLiteral("SECONDS"));
  parser.addOption(after);
  const QCommandLineOption select(
      QStringLiteral("select"),
      QStringLiteral("Select component ID (or stream FROM->TO) after opening."),
      QStringLiteral("ID"));
  parser.addOption(select);
  const QCommandLineOption errors(
      QStringLiteral("errors"),
      QStringLiteral("Bring the Errors panel forward, filtered to component ID."),
      QStringLiteral("ID"));
  parser.addOption(errors);
  const QCommandLineOption dark(QStringLiteral("dark"),
                                QStringLiteral("Use the Fusion style with a dark palette."));
  parser.addOption(dark);
  const QCommandLineOption cluster(QStringLiteral("cluster"),
                                   QStringLiteral("Use the agents of cluster file FILE."),
                                   QStringLiteral("FILE"));
  parser.addOption(cluster);
  const QCommandLineOption localLab(
      QStringLiteral("local-lab"),
      QStringLiteral("Start N agents on this machine (default 3; the first hosts an embedded "
                     "Kafka cluster) and use them."),
      QStringLiteral("N"));
  parser.addOption(localLab);
  const QCommandLineOption deploy(QStringLiteral("deploy"),
                                  QStringLiteral("Deploy FILE once every agent answers."));
  parser.addOption(deploy);
  const QCommandLineOption fault(
      QStringLiteral("fault"),
      QStringLiteral("With --deploy: inject SPEC (kill=ID[#N], revive=ID[#N], latency=ID=MS, "
                     "fail=ID=RATIO, partition=AGENT=SECONDS) after --fault-after seconds."),
      QStringLiteral("SPEC"));
  parser.addOption(fault);
  const QCommandLineOption faultAfter(QStringLiteral("fault-after"),
                                      QStringLiteral("Seconds after the deploy (default 5)."),
                                      QStringLiteral("SECONDS"), QStringLiteral("5"));
  parser.addOption(faultAfter);
  const QCommandLineOption duration(
      QStringLiteral("duration"),
      QStringLiteral("Quit after SECONDS (counted from the deploy with --deploy, which is "
                     "stopped first)."),
      QStringLiteral("SECONDS"));
  parser.addOption(duration);
  const QCommandLineOption pluginDir(
      QStringLiteral("plugin-dir"),
      QStringLiteral("Load the component types of the plugins (*.so) in <dir>; repeatable."),
      QStringLiteral("dir"));
  parser.addOption(pluginDir);
  parser.process(withLabDefault(QApplication::arguments()));

  auto usage = [](const std::string& message) {
    std::cerr << "topolab-studio: error: " << message << '\n';
    return 2;
  };
  // Before any window: the palette and the validator read the catalogue.
  std::vector<std::string> plugin_dirs;
  for (const QString& dir : parser.values(pluginDir)) plugin_dirs.push_back(dir.toStdString());
  if (!plugin_dirs.empty()) {
    const topolab::PluginLoadReport plugins = topolab::loadPluginDirs(plugin_dirs);
    for (const std::string& e : plugins.errors) std::cerr << "topolab-studio: plugin " << e << '\n';
    if (!plugins.ok()) return 2;
  }
  topolab::studio::StartupSequence::Options options;
  options.clusterFile = parser.value(cluster);
  options.deploy = parser.isSet(deploy);
  options.screenshot = parser.value(screenshot);
  bool ok = true;
  if (parser.isSet(localLab)) {
    options.localLab = parser.value(localLab).toInt(&ok);
    if (!ok || options.localLab < 1 || options.localLab > 16) {
      return usage("--local-lab: give a number of agents from 1 to 16");
    }
  }
  if (parser.isSet(after)) {
    options.afterS = parser.value(after).toDouble(&ok);
    if (!ok || options.afterS < 0) return usage("--after: give a number of seconds");
  }
  if (parser.isSet(duration)) {
    options.durationS = parser.value(duration).toDouble(&ok);
    if (!ok || options.durationS < 0) return usage("--duration: give a number of seconds");
  }
  options.faultAfterS = parser.value(faultAfter).toDouble(&ok);
  if (!ok || options.faultAfterS < 0) return usage("--fault-after: give a number of seconds");
  if (parser.isSet(fault)) {
    std::string error;
    options.fault = parseFault(parser.value(fault), &error);
    if (!options.fault) return usage(error);
    if (!options.deploy) return usage("--fault needs --deploy");
  }
  if (options.deploy && parser.positionalArguments().isEmpty()) {
    return usage("--deploy needs a topology FILE");
  }
  if (options.deploy && options.clusterFile.isEmpty() && options.localLab == 0) {
    return usage("--deploy needs --cluster FILE or --local-lab");
  }
  if (parser.isSet(dark)) {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(topolab::studio::darkPalette());
  }

  topolab::studio::MainWindow window;
  if (!parser.positionalArguments().isEmpty()) {
    const QString path = parser.positionalArguments().front();
    if (parser.isSet(screenshot) || options.deploy) {
      // A scripted run says why on stderr instead of waiting on a message box.
      QString error;
      if (!window.document().open(path, &error)) {
        std::cerr << "topolab-studio: cannot open " << path.toStdString() << ": "
                  << error.toStdString() << '\n';
        return 1;
      }
    } else {
      (void)window.files().openFile(path);
    }
  }
  if (parser.isSet(select)) {
    const QStringList ends = parser.value(select).split(QStringLiteral("->"));
    if (ends.size() == 2) {
      window.scene().selectStream(ends[0], ends[1]);
    } else {
      window.scene().selectIds({parser.value(select)});
    }
  }
  if (parser.isSet(errors)) {
    window.errors().showComponent(parser.value(errors));
    window.errorsDock().raise();
    // A deploy raises its log; the errors asked for come forward again once it runs.
    QObject::connect(&window.deployments(), &topolab::studio::DeployController::deployed,
                     &window.errorsDock(), [&window] { window.errorsDock().raise(); });
  }
  if (options.afterS >= 0) {
    // A picture of a running studio: use the screen it is taken on.
    window.resize(window.screen()->availableGeometry().size());
  }
  window.show();
  topolab::studio::StartupSequence sequence(window, options);
  QObject::connect(&sequence, &topolab::studio::StartupSequence::finished, &app,
                   [](int code) { QApplication::exit(code); });
  QString error;
  if (!sequence.start(&error)) {
    std::cerr << "topolab-studio: " << error.toStdString() << '\n';
    return 2;
  }
  return QApplication::exec();
}
