// EventLog: the log dock — what the cluster, the local lab and deployments did
// and why something failed, one time-stamped line each, newest last.
#pragma once

#include <QPlainTextEdit>

namespace topolab::studio {

class EventLog final : public QPlainTextEdit {
  Q_OBJECT

 public:
  explicit EventLog(QWidget* parent = nullptr);

 public slots:
  void addLine(const QString& line);
};

}  // namespace topolab::studio
