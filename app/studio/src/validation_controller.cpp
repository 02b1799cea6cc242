// ValidationController: diagnostics to problems; positions only while they still match the file.
#include "validation_controller.h"

#include <QGuiApplication>
#include <QRegularExpression>

#include "document.h"
#include "program_checks.h"
#include "topolab/engine/spec.h"

namespace topolab::studio {

widgets::Problem problemFromMessage(const QString& message) {
  static const QRegularExpression kComponent(QStringLiteral("^component '([^']+)'"));
  static const QRegularExpression kStream(
      QStringLiteral("^(?:duplicate )?stream ([^ ]+) -> ([^ :]+)"));
  widgets::Problem p;
  p.message = message;
  if (auto m = kComponent.match(message); m.hasMatch()) {
    p.component = m.captured(1);
  } else if (auto s = kStream.match(message); s.hasMatch()) {
    p.stream_from = s.captured(1);
    p.stream_to = s.captured(2);
  }
  return p;
}

ValidationController::ValidationController(Document& document, QObject* parent)
    : QObject(parent), document_(document), searchPath_(defaultSearchPath()) {
  pending_.setSingleShot(true);
  pending_.setInterval(0);
  connect(&pending_, &QTimer::timeout, this, &ValidationController::validateNow);
  connect(&document_.model(), &widgets::TopologyModel::edited, &pending_,
          qOverload<>(&QTimer::start));
  // Relative resources move with the file.
  connect(&document_, &Document::filePathChanged, &pending_, qOverload<>(&QTimer::start));
  // A program or script may have been written meanwhile in another window.
  if (qGuiApp) {
    connect(qGuiApp, &QGuiApplication::applicationStateChanged, &pending_,
            [this](Qt::ApplicationState state) {
              if (state == Qt::ApplicationActive) pending_.start();
            });
  }
  validateNow();
}

void ValidationController::setAgentNames(std::optional<std::vector<std::string>> agents) {
  agents_ = std::move(agents);
  validateNow();
}

void ValidationController::validateNow() {
  pending_.stop();
  widgets::TopologyModel& model = document_.model();
  const std::vector<Diagnostic> diagnostics =
      validateTopology(model.topology(), document_.filePath().toStdString(), model.catalogue(),
                       agents_ ? &*agents_ : nullptr);
  // Line numbers describe the file as loaded; after an edit they may point elsewhere.
  const bool positionsValid = !document_.isModified() && !document_.filePath().isEmpty();
  std::vector<widgets::Problem> problems;
  problems.reserve(diagnostics.size());
  for (const Diagnostic& d : diagnostics) {
    widgets::Problem p = problemFromMessage(QString::fromStdString(d.message));
    if (positionsValid) {
      p.line = d.mark.line;
      p.col = d.mark.col;
    }
    problems.push_back(std::move(p));
  }
  for (widgets::Problem& p : programProblems(model.topology(), model.catalogue(),
                                             document_.baseFolder(), searchPath_, positionsValid))
    problems.push_back(std::move(p));
  model.setProblems(std::move(problems));
}

}  // namespace topolab::studio
