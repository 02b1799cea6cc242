// EditController: every edit a user can make, as checks plus one undo command
// pushed on the document's stack. The canvas, palette and property editor
// call it; a refused edit says why through refused().
#pragma once

#include <QHash>
#include <QObject>
#include <QPointF>
#include <QStringList>
#include <optional>

#include "topolab/engine/topology.h"

namespace topolab::studio {

class Document;

class EditController final : public QObject {
  Q_OBJECT

 public:
  explicit EditController(Document& document, QObject* parent = nullptr);

  // Adds a component of `type` (id from the type's name); returns its id, or empty if refused.
  QString addComponent(const QString& type, std::optional<QPointF> position = std::nullopt);
  // Adds `component` as is (its id must be free).
  bool addComponent(const Component& component, std::optional<QPointF> position = std::nullopt);
  // Why a stream from → to may not be drawn, or an empty string when it may.
  QString whyNotConnect(const QString& from, const QString& to) const;
  bool connectComponents(const QString& from, const QString& to, const Grouping& grouping = {},
                         std::optional<Transport> transport = std::nullopt);
  bool disconnect(const QString& from, const QString& to);
  // Sets the grouping of stream from → to; `fields` only for a fields grouping (which needs one).
  bool setGrouping(const QString& from, const QString& to, GroupingType type,
                   const QStringList& fields = {});
  // Sets the transport of stream from → to; Auto removes the key (its default).
  bool setTransport(const QString& from, const QString& to, Transport transport);
  bool removeComponents(const QStringList& ids);
  // Removes the selected components and streams in one undo step.
  bool removeSelection(const QStringList& ids, const QList<QPair<QString, QString>>& streams);
  void moveComponents(const QHash<QString, QPointF>& positions, int drag = -1);
  bool renameComponent(const QString& id, const QString& newId);
  // Sets a param as it would be written. An unknown param is refused; a value
  // that does not fit the schema is kept and shown as a problem (as in a text editor),
  // except for a list or map param: it is kept in canonical flow form ("[a, b]",
  // "{K: v}"), and text that is not a list (map) is refused.
  bool setParam(const QString& id, const QString& name, const QString& text);
  bool resetParam(const QString& id, const QString& name);
  bool setParallelism(const QString& id, int parallelism);
  // Pins `id` to `agents` (each trimmed; blanks ignored); an empty list removes
  // the key. An invalid or repeated agent name is refused.
  bool setPlacement(const QString& id, const QStringList& agents);
  void autoLayout();
  // Arranges `ids` (two or more) as one block, in one undo step; see makeGroupCommand().
  bool group(const QStringList& ids);

  // The selected components, their streams and positions as topology YAML.
  QByteArray copy(const QStringList& ids) const;
  // Adds what copy() wrote under fresh ids, shifted by `offset`; returns the new ids.
  QStringList paste(const QByteArray& yaml, const QPointF& offset = {40, 40});
  QStringList duplicate(const QStringList& ids);

 signals:
  void refused(const QString& message);

 private:
  bool refuse(const QString& message);

  Document& document_;
};

}  // namespace topolab::studio
