// ValidationController: runs the engine's validator after each edit (coalesced
// to one run per event-loop turn) and hands the model its problems, each tied
// to the component or stream its message names.
#pragma once

#include <QObject>
#include <QTimer>

#include "topolab/widgets/topology_model.h"

namespace topolab::studio {

class Document;

class ValidationController final : public QObject {
  Q_OBJECT

 public:
  explicit ValidationController(Document& document, QObject* parent = nullptr);
  // Validates now instead of at the next turn of the event loop.
  void validateNow();

 private:
  Document& document_;
  QTimer pending_;
};

// The component or stream a validator message is about ("component 'x': …",
// "stream a -> b: …", "duplicate stream a -> b …").
widgets::Problem problemFromMessage(const QString& message);

}  // namespace topolab::studio
