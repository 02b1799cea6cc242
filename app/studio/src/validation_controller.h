// ValidationController: runs the engine's validator after each edit (coalesced
// to one run per event-loop turn), against the known cluster's agents when
// there is one, plus the studio's own checks of what shell components need on
// this machine (program_checks.h: programs, scripts, resources folders, found
// from the document's folder), and hands the model its problems, each tied to
// the component or stream its message names.
#pragma once

#include <QObject>
#include <QString>
#include <QTimer>
#include <optional>
#include <string>
#include <vector>

#include "topolab/widgets/topology_model.h"

namespace topolab::studio {

class Document;

class ValidationController final : public QObject {
  Q_OBJECT

 public:
  explicit ValidationController(Document& document, QObject* parent = nullptr);
  // Validates now instead of at the next turn of the event loop.
  void validateNow();
  // The agents of the cluster the design is meant for: each `placement` must
  // name one of them. nullopt (no cluster known) leaves placement unchecked.
  void setAgentNames(std::optional<std::vector<std::string>> agents);

 private:
  Document& document_;
  QString searchPath_;  // where shell components' programs are looked up
  std::optional<std::vector<std::string>> agents_;
  QTimer pending_;
};

// The component or stream a validator message is about ("component 'x': …",
// "stream a -> b: …", "duplicate stream a -> b …").
widgets::Problem problemFromMessage(const QString& message);

}  // namespace topolab::studio
