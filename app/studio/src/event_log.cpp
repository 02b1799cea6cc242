#include "event_log.h"

#include <QFontDatabase>
#include <QTime>

namespace topolab::studio {

EventLog::EventLog(QWidget* parent) : QPlainTextEdit(parent) {
  setObjectName(QStringLiteral("eventLog"));
  setReadOnly(true);
  setMaximumBlockCount(5000);
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  setPlaceholderText(tr("Cluster, lab and deployment messages appear here."));
}

void EventLog::addLine(const QString& line) {
  appendPlainText(QStringLiteral("%1  %2").arg(
      QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), line));
}

}  // namespace topolab::studio
