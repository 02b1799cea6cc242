// topolab-studio: parses the command line and shows the main window.
// `topolab-studio FILE` opens FILE; `--screenshot OUT.png` saves a picture of
// the window once it is laid out, then exits (for docs and CI); `--dark` uses
// Fusion with a dark palette (to check the dark look where the desktop has none).
#include <QApplication>
#include <QCommandLineParser>
#include <QStyleFactory>
#include <QTimer>

#include "dark_palette.h"
#include "file_controller.h"
#include "main_window.h"
#include "topolab/widgets/topology_scene.h"
#include "topolab/widgets/topology_view.h"

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setOrganizationName(QStringLiteral("TopoLab"));
  QApplication::setApplicationName(QStringLiteral("TopoLab Studio"));
  QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Design topologies on a canvas."));
  parser.addHelpOption();
  parser.addVersionOption();
  parser.addPositionalArgument(QStringLiteral("file"), QStringLiteral("Topology file to open."));
  const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                      QStringLiteral("Save the window to FILE and exit."),
                                      QStringLiteral("FILE"));
  parser.addOption(screenshot);
  const QCommandLineOption select(
      QStringLiteral("select"),
      QStringLiteral("Select component ID (or stream FROM->TO) after opening."),
      QStringLiteral("ID"));
  parser.addOption(select);
  const QCommandLineOption dark(QStringLiteral("dark"),
                                QStringLiteral("Use the Fusion style with a dark palette."));
  parser.addOption(dark);
  parser.process(app);
  if (parser.isSet(dark)) {
    QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
    QApplication::setPalette(topolab::studio::darkPalette());
  }

  topolab::studio::MainWindow window;
  if (!parser.positionalArguments().isEmpty() &&
      !window.files().openFile(parser.positionalArguments().front())) {
    if (parser.isSet(screenshot)) return 1;
  }
  if (parser.isSet(select)) {
    const QStringList ends = parser.value(select).split(QStringLiteral("->"));
    if (ends.size() == 2) {
      window.scene().selectStream(ends[0], ends[1]);
    } else {
      window.scene().selectIds({parser.value(select)});
    }
  }
  window.show();
  if (parser.isSet(screenshot)) {
    const QString out = parser.value(screenshot);
    QTimer::singleShot(600, &window, [&window, out] {
      window.view().fitAll();
      QApplication::processEvents();
      const bool ok = window.grab().save(out);
      QApplication::exit(ok ? 0 : 1);
    });
  }
  return QApplication::exec();
}
