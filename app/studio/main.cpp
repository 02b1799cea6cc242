// topolab-studio: parses the command line and shows the main window.
// `topolab-studio FILE` opens FILE; `--screenshot OUT.png` saves a picture of
// the window once it is laid out, then exits (for docs and CI).
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

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
  const QCommandLineOption select(QStringLiteral("select"),
                                  QStringLiteral("Select component ID after opening."),
                                  QStringLiteral("ID"));
  parser.addOption(select);
  parser.process(app);

  topolab::studio::MainWindow window;
  if (!parser.positionalArguments().isEmpty() &&
      !window.files().openFile(parser.positionalArguments().front())) {
    if (parser.isSet(screenshot)) return 1;
  }
  if (parser.isSet(select)) window.scene().selectIds({parser.value(select)});
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
