// FileController: dialogs and QSettings around Document's open and save.
#include "file_controller.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>

#include "document.h"
#include "exporter.h"
#include "layout_commands.h"
#include "topolab/engine/flux.h"
#include "topolab/engine/spec.h"
#include "topolab/widgets/topology_model.h"

namespace topolab::studio {

constexpr int kMaxRecent = 8;
constexpr char kRecentKey[] = "recentFiles";
const QString kFilter = QObject::tr("Topology files (*.yaml *.yml);;All files (*)");
const QString kFluxFilter = QObject::tr("Storm Flux files (*.yaml *.yml);;All files (*)");
constexpr int kMostLinesShown = 12;  // in a message box; the log has them all

using widgets::toQString;
using widgets::toStd;

// "wordcount.flux.yaml" → "wordcount": the name a topology file of it would have.
QString fluxBaseName(const QString& path) {
  QString name = QFileInfo(path).completeBaseName();
  if (name.endsWith(QLatin1String(".flux"))) name.chop(5);
  return name.isEmpty() ? QStringLiteral("topology") : name;
}

// A message box that does not wait (a scripted run or a test goes on).
void warn(QWidget& parent, const QString& title, const QString& text) {
  auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, &parent);
  box->setAttribute(Qt::WA_DeleteOnClose);
  box->open();
}

QString firstLines(const QStringList& lines) {
  QStringList shown = lines.mid(0, kMostLinesShown);
  if (lines.size() > kMostLinesShown)
    shown << QObject::tr("… and %1 more (see the Log)").arg(lines.size() - kMostLinesShown);
  return shown.join(u'\n');
}

FileController::FileController(Document& document, widgets::TopologyScene& scene,
                               QWidget& dialogParent, QObject* parent)
    : QObject(parent), document_(document), scene_(scene), dialogParent_(dialogParent) {}

QStringList FileController::recentFiles() const {
  return QSettings().value(kRecentKey).toStringList();
}

void FileController::remember(const QString& path) {
  QStringList files = recentFiles();
  const QString absolute = QFileInfo(path).absoluteFilePath();
  files.removeAll(absolute);
  files.prepend(absolute);
  while (files.size() > kMaxRecent) files.removeLast();
  QSettings().setValue(kRecentKey, files);
  emit recentFilesChanged();
}

bool FileController::openFile(const QString& path) {
  QString error;
  if (!document_.open(path, &error)) {
    QMessageBox::warning(&dialogParent_, tr("Open"),
                         tr("Cannot open %1:\n%2").arg(QFileInfo(path).fileName(), error));
    return false;
  }
  remember(path);
  emit message(tr("Opened %1").arg(path));
  return true;
}

void FileController::openDialog() {
  if (!maybeSave()) return;
  const QString path =
      QFileDialog::getOpenFileName(&dialogParent_, tr("Open topology"), {}, kFilter);
  if (!path.isEmpty()) openFile(path);
}

bool FileController::save() {
  if (document_.filePath().isEmpty()) return saveAs();
  QString error;
  if (!document_.saveAs(document_.filePath(), &error)) {
    QMessageBox::warning(&dialogParent_, tr("Save"), error);
    return false;
  }
  emit message(tr("Saved %1").arg(document_.filePath()));
  return true;
}

bool FileController::saveAs() {
  QString start = document_.filePath();
  if (start.isEmpty() && !document_.baseFolder().isEmpty()) {
    // An imported document: beside what it came from, where its resources are.
    start = QDir(document_.baseFolder())
                .filePath(toQString(document_.model().topology().name) + QStringLiteral(".yaml"));
  }
  const QString path =
      QFileDialog::getSaveFileName(&dialogParent_, tr("Save topology"), start, kFilter);
  if (path.isEmpty()) return false;
  QString error;
  if (!document_.saveAs(path, &error)) {
    QMessageBox::warning(&dialogParent_, tr("Save"), error);
    return false;
  }
  remember(path);
  emit message(tr("Saved %1").arg(path));
  return true;
}

void FileController::exportDialog(const QString& format) {
  const QString base = document_.filePath().isEmpty()
                           ? QStringLiteral("topology")
                           : QFileInfo(document_.filePath()).completeBaseName();
  const QString path = QFileDialog::getSaveFileName(
      &dialogParent_, tr("Export as %1").arg(format.toUpper()), base + QLatin1Char('.') + format,
      format == QLatin1String("svg") ? tr("SVG (*.svg)") : tr("PNG (*.png)"));
  if (path.isEmpty()) return;
  QString error;
  const bool ok = format == QLatin1String("svg") ? exportSvg(scene_, path, &error)
                                                 : exportPng(scene_, path, &error);
  if (!ok) {
    QMessageBox::warning(&dialogParent_, tr("Export"), error);
    return;
  }
  emit message(tr("Exported %1").arg(path));
}

bool FileController::maybeSave() {
  if (!document_.isModified()) return true;
  const auto answer = QMessageBox::question(
      &dialogParent_, tr("Unsaved changes"), tr("Save the changes to this topology first?"),
      QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Cancel) return false;
  if (answer == QMessageBox::Save) return save();
  return true;
}

bool FileController::importFluxDialog() {
  if (!maybeSave()) return false;
  const QString path = QFileDialog::getOpenFileName(&dialogParent_, tr("Import Storm Flux file"),
                                                    document_.baseFolder(), kFluxFilter);
  if (path.isEmpty()) return false;
  QFile file(path);
  const QByteArray text = file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
  // Flux substitutes ${ENV-NAME} only with -e, ${key} only from --filter's file.
  const bool environment = text.contains("${ENV-");
  QString properties;
  if (QByteArray(text).replace("${ENV-", "").contains("${")) {
    const auto answer = QMessageBox::question(
        &dialogParent_, tr("Import Storm Flux file"),
        tr("%1 uses ${…} properties. Choose the properties file that gives them (Flux's "
           "--filter)?")
            .arg(QFileInfo(path).fileName()),
        QMessageBox::Yes | QMessageBox::No | QMessageBox::Cancel, QMessageBox::Yes);
    if (answer == QMessageBox::Cancel) return false;
    if (answer == QMessageBox::Yes) {
      properties = QFileDialog::getOpenFileName(
          &dialogParent_, tr("Properties for %1").arg(QFileInfo(path).fileName()),
          QFileInfo(path).absolutePath(), tr("Properties (*.properties);;All files (*)"));
      if (properties.isEmpty()) return false;
    }
  }
  return importFlux(path, properties, environment);
}

bool FileController::importFlux(const QString& path, const QString& properties, bool environment) {
  const QFileInfo info(path);
  const QString folder = info.absolutePath();
  FluxImportOptions options;
  // As if written beside the Flux file: its programs' folder is the topology's own.
  options.output_path = toStd(QDir(folder).filePath(fluxBaseName(path) + QStringLiteral(".yaml")));
  options.properties_file = toStd(properties);
  options.env_substitution = environment;
  if (environment) emit log(tr("%1: ${ENV-…} taken from the environment").arg(info.fileName()));
  const FluxImport imported = topolab::importFlux(toStd(info.absoluteFilePath()), options);
  QStringList warnings;
  for (const Diagnostic& w : imported.warnings) warnings << toQString(formatWarning(w));
  if (!imported.ok()) {
    QStringList errors;
    for (const Diagnostic& e : imported.errors) errors << toQString(e.format());
    if (errors.isEmpty()) errors << tr("%1: not a Flux topology").arg(path);
    emit log(tr("Cannot import %1:").arg(path));
    for (const QString& line : errors + warnings) emit log(line);
    warn(dialogParent_, tr("Import Flux"),
         tr("Cannot import %1:\n%2").arg(info.fileName(), firstLines(errors)));
    return false;
  }
  Topology topology = *imported.topology;
  if (topology.layout.empty()) {
    const QHash<QString, QPointF> at = layeredLayout(topology);
    for (const Component& c : topology.components) {
      const QPointF p = at.value(toQString(c.id));
      LayoutPos pos;
      pos.id = c.id;
      pos.x = p.x();
      pos.y = p.y();
      topology.layout.push_back(std::move(pos));
    }
  }
  const size_t components = topology.components.size();
  const size_t streams = topology.streams.size();
  document_.adopt(std::move(topology), folder);
  emit log(tr("Imported %1: %2 components, %3 streams, %4 warning(s)")
               .arg(path)
               .arg(components)
               .arg(streams)
               .arg(warnings.size()));
  for (const QString& w : warnings) emit log(w);
  emit message(warnings.isEmpty() ? tr("Imported %1").arg(info.fileName())
                                  : tr("Imported %1 with %2 warning(s): see the Log")
                                        .arg(info.fileName())
                                        .arg(warnings.size()));
  return true;
}

void FileController::exportFluxDialog() {
  const QString folder = document_.baseFolder();
  const QString base = document_.filePath().isEmpty()
                           ? toQString(document_.model().topology().name)
                           : QFileInfo(document_.filePath()).completeBaseName();
  const QString suggested = base + QStringLiteral(".flux.yaml");
  const QString path = QFileDialog::getSaveFileName(
      &dialogParent_, tr("Export as a Storm Flux file"),
      folder.isEmpty() ? suggested : QDir(folder).filePath(suggested), kFluxFilter);
  if (path.isEmpty()) return;
  QString error;
  if (!exportFlux(path, &error)) warn(dialogParent_, tr("Export Flux"), error);
}

bool FileController::exportFlux(const QString& path, QString* error) {
  const Topology& topology = document_.model().topology();
  const std::vector<Diagnostic> problems =
      validateTopology(topology, topology.name + ".yaml", document_.model().catalogue());
  if (!problems.empty()) {
    QStringList lines;
    for (const Diagnostic& d : problems) lines << toQString(d.format());
    for (const QString& line : lines) emit log(line);
    *error = tr("Fix these problems before exporting a Flux file:\n%1").arg(firstLines(lines));
    return false;
  }
  std::vector<std::string> warnings;
  const std::string text = topolab::exportFlux(topology, document_.model().catalogue(), &warnings);
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(QByteArray::fromStdString(text)) < 0 ||
      !file.commit()) {
    *error = tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
  }
  emit log(tr("Exported %1 as a Flux file: %2 (%3 warning(s))")
               .arg(toQString(topology.name), path)
               .arg(warnings.size()));
  for (const std::string& w : warnings) emit log(toQString(w));
  emit message(tr("Exported %1").arg(path));
  return true;
}

}  // namespace topolab::studio
