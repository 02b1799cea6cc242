// LivePainter and the live figures it draws.
#include "topolab/widgets/live_painter.h"

#include <QFontMetricsF>
#include <QLocale>
#include <QPainter>
#include <QRegularExpression>
#include <algorithm>
#include <map>

#include "topolab/widgets/topology_model.h"

namespace topolab::widgets {
namespace {

constexpr qreal kFiguresGap = 4;      // between a component and its rates line
constexpr qreal kFiguresHeight = 16;  // the rates line under a component
constexpr qreal kEdgeLabelDrop = 26;  // the live label sits this far below the grouping label
constexpr qreal kExitGap = 3;         // between the rates line and a dead program's line
constexpr qreal kExitHeight = 16;
constexpr qreal kExitOverhang = 40;  // the dead program's line may be this much wider each side
constexpr int kTooltipStderrLines = 6;

uint64_t minus(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

QString errorBadgeText(uint64_t errors) { return QObject::tr("%1 err").arg(errors); }

QFont smallFont(const QFont& base, qreal points, bool bold = false) {
  QFont f = base;
  f.setPointSizeF(points);
  f.setBold(bold);
  return f;
}

QString msText(double ms) {
  if (ms < 0) return QStringLiteral("–");
  return QString::number(ms, 'g', ms < 1 ? 2 : 3) + QStringLiteral(" ms");
}

void drawBadge(QPainter& p, const QRectF& r, const QColor& fill, const QColor& ring,
               const QString& text) {
  p.setPen(QPen(ring, 1.5));
  p.setBrush(fill);
  p.drawRoundedRect(r, r.height() / 2, r.height() / 2);
  p.setPen(Qt::white);
  p.drawText(r, Qt::AlignCenter, text);
}

}  // namespace

LoadLevel loadLevelOf(double load) {
  if (load >= kSaturatedLoad) return LoadLevel::Saturated;
  if (load >= kBusyLoad) return LoadLevel::Busy;
  return LoadLevel::Normal;
}

std::optional<InstanceEvent> parseInstanceEvent(const QString& kind, const QString& detail) {
  static const QRegularExpression kDied(QStringLiteral("^\\s*([^\\s#:]+)#(\\d+): (.*)$"),
                                        QRegularExpression::DotMatchesEverythingOption);
  static const QRegularExpression kRestarted(
      QStringLiteral("^\\s*([^\\s#:]+)#(\\d+) (restarted.*)$"),
      QRegularExpression::DotMatchesEverythingOption);
  static const QRegularExpression kFailed(
      QStringLiteral("^\\s*([^\\s#:]+)#(\\d+) is dead(?: \\((.*)\\))?\\s*$"),
      QRegularExpression::DotMatchesEverythingOption);
  InstanceEvent e;
  QRegularExpressionMatch m;
  if (kind == QLatin1String("process-died")) {
    m = kDied.match(detail);
    e.kind = InstanceEvent::Kind::Died;
  } else if (kind == QLatin1String("restart")) {
    m = kRestarted.match(detail);
    e.kind = InstanceEvent::Kind::Restarted;
  } else if (kind == QLatin1String("instance-failed")) {
    m = kFailed.match(detail);
    e.kind = InstanceEvent::Kind::Failed;
  } else {
    return std::nullopt;
  }
  if (!m.hasMatch()) return std::nullopt;
  e.component = m.captured(1);
  e.index = m.captured(2).toInt();
  e.text = m.captured(3).trimmed();
  if (e.kind == InstanceEvent::Kind::Died) {
    static const QLatin1String kTail("; its stderr ended with:");
    const qsizetype at = e.text.indexOf(kTail);
    if (at >= 0) {
      QStringList lines;
      for (const QString& line : e.text.mid(at + kTail.size()).split(u'\n')) {
        if (!line.trimmed().isEmpty()) lines << line.trimmed();
      }
      e.stderr_tail = lines.join(u'\n');
      e.text = e.text.left(at).trimmed();
    }
  }
  return e;
}

void applyInstanceEvent(QList<InstanceExit>& exits, const InstanceEvent& event, qint64 t_ms) {
  auto it = std::find_if(exits.begin(), exits.end(),
                         [&](const InstanceExit& x) { return x.index == event.index; });
  if (it == exits.end()) {
    InstanceExit x;
    x.index = event.index;
    it = exits.insert(std::upper_bound(exits.begin(), exits.end(), x,
                                       [](const InstanceExit& a, const InstanceExit& b) {
                                         return a.index < b.index;
                                       }),
                      x);
  }
  switch (event.kind) {
    case InstanceEvent::Kind::Died:
      // A new death: what was said of an earlier one no longer holds.
      *it = InstanceExit{};
      it->index = event.index;
      it->t_ms = t_ms;
      it->reason = event.text;
      it->stderr_tail = event.stderr_tail;
      break;
    case InstanceEvent::Kind::Restarted:
      it->restart = event.text;
      it->failed.clear();
      break;
    case InstanceEvent::Kind::Failed:
      it->failed = event.text.isEmpty() ? QObject::tr("no restart left") : event.text;
      it->restart.clear();
      if (it->reason.isEmpty()) it->reason = QObject::tr("died");
      if (it->t_ms < 0) it->t_ms = t_ms;
      break;
  }
}

QString exitLabel(const QList<InstanceExit>& exits) {
  QList<const InstanceExit*> down;
  for (const InstanceExit& x : exits) {
    if (x.down()) down << &x;
  }
  if (down.isEmpty()) return {};
  const InstanceExit& first = *down.front();
  // The runtime names the program first ("python3 killed by signal 9"); the
  // component already shows its command line, so the line keeps what happened.
  QString what = first.reason;
  if (const qsizetype space = what.indexOf(u' '); space > 0) what = what.mid(space + 1);
  QString text =
      (first.failed.isEmpty() ? QObject::tr("#%1 died: %2") : QObject::tr("#%1 dead: %2"))
          .arg(first.index)
          .arg(what);
  if (down.size() > 1) text = QObject::tr("+%1 more · ").arg(down.size() - 1) + text;
  return text;
}

QString disconnectedLabel(const LiveDatabase& database) {
  if (database.disconnected.isEmpty()) return {};
  QString text = QObject::tr("#%1 disconnected from the server").arg(database.disconnected.front());
  if (database.disconnected.size() > 1)
    text = QObject::tr("+%1 more · ").arg(database.disconnected.size() - 1) + text;
  return text;
}

QString rateText(double per_s) {
  if (per_s >= 1e6) return QString::number(per_s / 1e6, 'f', 2) + QStringLiteral("M/s");
  if (per_s >= 1e3) return QString::number(per_s / 1e3, 'f', 1) + QStringLiteral("k/s");
  if (per_s > 0 && per_s < 10 && per_s != static_cast<int>(per_s))
    return QString::number(per_s, 'f', 1) + QStringLiteral("/s");
  return QString::number(per_s, 'f', 0) + QStringLiteral("/s");
}

QString latencyText(double ms) {
  // Two or three digits at every scale ('g' alone would write 99.6 µs as "1e+02").
  const double us = ms * 1000;
  if (us < 10) return QString::number(us, 'g', 2) + QStringLiteral(" µs");
  if (us < 100) return QString::number(us, 'f', 0) + QStringLiteral(" µs");
  if (ms < 1) return QString::number(ms, 'g', 2) + QStringLiteral(" ms");
  if (ms < 100) return QString::number(ms, 'f', 1) + QStringLiteral(" ms");
  if (ms < 1000) return QString::number(ms, 'f', 0) + QStringLiteral(" ms");
  return QString::number(ms / 1000, 'f', 1) + QStringLiteral(" s");
}

QString streamToolTip(const QString& from, const QString& to, const LiveEdge& live) {
  if (!live.latency) return {};
  const LiveStreamLatency& l = *live.latency;
  // Grouped digits whatever the system's locale, like the rest of the (English) text.
  const QString tuples = QLocale(QLocale::English).toString(static_cast<qulonglong>(l.tuples));
  return QObject::tr("%1 → %2: p50 %3 · p99 %4 · p99.9 %5 · max %6 (%7 tuples in the last %8 s)")
      .arg(from, to, latencyText(l.p50_ms), latencyText(l.p99_ms), latencyText(l.p999_ms),
           latencyText(l.max_ms), tuples, QString::number(l.interval_s, 'g', 3));
}

LiveFigures liveFigures(const Topology& topology, const Snapshot& prev, const Snapshot& cur) {
  LiveFigures out;
  if (cur.t_ms <= prev.t_ms) return out;
  const double seconds = static_cast<double>(cur.t_ms - prev.t_ms) / 1000.0;
  const std::map<std::string, ComponentStats> stats = intervalStats(prev, cur);

  for (const auto& [id, s] : stats) {
    LiveComponent& c = out.components[toQString(id)];
    c.received_per_s = static_cast<double>(s.counters.received) / seconds;
    c.emitted_per_s = static_cast<double>(s.counters.emitted) / seconds;
    c.errors = s.counters.errors;
    c.queue = s.queue;
    c.blocked_ms = static_cast<double>(s.blocked_ns) / 1e6;
    c.instances = s.instances;
    c.alive = s.alive;
    if (!s.latency.empty()) c.p99_ms = static_cast<double>(s.latency.quantile(0.99)) / 1e6;
    if (!s.e2e.empty()) c.e2e_p99_ms = static_cast<double>(s.e2e.quantile(0.99)) / 1e6;
    if (s.instances > 0)
      c.blocked_share = std::min(1.0, c.blocked_ms / (seconds * 1000.0 * s.instances));
    if (s.database) {
      LiveDatabase& d = c.database.emplace();
      d.rows_per_s = static_cast<double>(s.database->rows) / seconds;
      if (!s.database->commit_latency.empty()) {
        d.commit_p50_ms = static_cast<double>(s.database->commit_latency.quantile(0.5)) / 1e6;
        d.commit_p99_ms = static_cast<double>(s.database->commit_latency.quantile(0.99)) / 1e6;
      }
      if (!s.database->batch_rows.empty())
        d.batch_rows_p50 = static_cast<double>(s.database->batch_rows.quantile(0.5));
      d.failed_batches = s.database->failed_batches;
    }
  }
  for (const InstanceSnapshot& inst : cur.instances) {
    LiveComponent& c = out.components[toQString(inst.component)];
    c.queue_capacity += inst.queue_capacity;
    if (inst.database && c.database) {
      c.database->reconnects += inst.database->reconnects;
      // A lost agent's instance keeps its last report: it is down, not disconnected.
      if (inst.alive && !inst.database->connected()) {
        QList<int>& off = c.database->disconnected;
        off.insert(std::upper_bound(off.begin(), off.end(), inst.index), inst.index);
      }
    }
    if (inst.queue_capacity > 0) {
      const double fill =
          static_cast<double>(inst.queue) / static_cast<double>(inst.queue_capacity);
      c.queue_fill = std::max(c.queue_fill, std::min(1.0, fill));
    }
  }
  for (LiveComponent& c : out.components) {
    c.load = std::max(c.queue_fill, c.blocked_share);
    c.level = loadLevelOf(c.load);
  }

  // Streams: what each balancer instance sent to each member, then the simple cases.
  std::map<std::tuple<std::string, int, std::string>, uint64_t> sent_before;
  for (const InstanceSnapshot& inst : prev.instances) {
    for (const MemberStats& m : inst.members)
      sent_before[{inst.component, inst.index, m.member}] = m.sent;
  }
  const std::map<std::string, Histogram> latencies = streamLatencies(stats);
  std::map<std::string, int> inputs, outputs;
  for (const Stream& s : topology.streams) {
    ++inputs[s.to];
    ++outputs[s.from];
  }
  for (const Stream& s : topology.streams) {
    LiveEdge e;
    uint64_t to_members = 0;
    bool members = false;
    for (const InstanceSnapshot& inst : cur.instances) {
      if (inst.component != s.from) continue;
      for (const MemberStats& m : inst.members) {
        if (m.member.rfind(s.to + "#", 0) != 0) continue;
        members = true;
        e.healthy = e.healthy && m.healthy;
        auto before = sent_before.find({inst.component, inst.index, m.member});
        to_members += minus(m.sent, before == sent_before.end() ? 0 : before->second);
      }
    }
    const LiveComponent* from =
        out.components.contains(toQString(s.from)) ? &out.components[toQString(s.from)] : nullptr;
    const LiveComponent* to =
        out.components.contains(toQString(s.to)) ? &out.components[toQString(s.to)] : nullptr;
    if (members) {
      e.known = true;
      e.balancer_member = true;
      e.tuples_per_s = static_cast<double>(to_members) / seconds;
    } else if (to && inputs[s.to] == 1) {
      e.known = true;
      e.tuples_per_s = to->received_per_s;
    } else if (from && outputs[s.from] == 1) {
      e.known = true;
      e.tuples_per_s = from->emitted_per_s;
    }
    if (e.known) e.label = rateText(e.tuples_per_s);
    if (e.balancer_member && !e.healthy) e.label = QObject::tr("down");
    if (auto it = latencies.find(s.from + ":" + s.to); it != latencies.end()) {
      const Percentiles us = percentilesUs(it->second);
      e.latency = LiveStreamLatency{.tuples = it->second.count(),
                                    .interval_s = seconds,
                                    .p50_ms = us.p50 / 1000,
                                    .p99_ms = us.p99 / 1000,
                                    .p999_ms = us.p999 / 1000,
                                    .max_ms = us.max / 1000};
    }
    out.edges.insert({toQString(s.from), toQString(s.to)}, e);
  }

  // Replicated stores: each instance's role and lag; the primary first.
  std::map<std::pair<std::string, int>, const Histogram*> writes_before;
  for (const InstanceSnapshot& inst : prev.instances) {
    if (inst.replica) writes_before[{inst.component, inst.index}] = &inst.replica->write_latency;
  }
  for (const InstanceSnapshot& inst : cur.instances) {
    if (!inst.replica) continue;
    const ReplicaStats& rs = *inst.replica;
    LiveReplica r;
    r.index = inst.index;
    // A lost agent's instances keep the figures of its last report, the role
    // included: a primary that stopped answering is dead all the same.
    r.role = inst.alive ? toQString(rs.role) : QStringLiteral("dead");
    r.epoch = rs.epoch;
    r.applied = rs.applied;
    r.lag_ops = rs.lag_ops;
    r.lag_ms = rs.lag_ms;
    r.keys = rs.keys;
    auto before = writes_before.find({inst.component, inst.index});
    const Histogram writes =
        before == writes_before.end() ? rs.write_latency : rs.write_latency.minus(*before->second);
    if (!writes.empty()) r.write_p99_ms = static_cast<double>(writes.quantile(0.99)) / 1e6;
    out.replicas[toQString(inst.component)].append(r);
  }
  for (QList<LiveReplica>& set : out.replicas) {
    std::stable_sort(set.begin(), set.end(), [](const LiveReplica& a, const LiveReplica& b) {
      const bool ap = a.role == QLatin1String("primary");
      const bool bp = b.role == QLatin1String("primary");
      return ap != bp ? ap : a.index < b.index;
    });
  }
  return out;
}

QString replicaBoxText(const LiveReplica& r) {
  const QString head = QStringLiteral("#%1 %2").arg(r.index).arg(r.role);
  if (r.role == QLatin1String("primary"))
    return head + QLatin1Char('\n') + QObject::tr("epoch %1").arg(r.epoch);
  if (r.role == QLatin1String("dead"))
    return head + QLatin1Char('\n') + QObject::tr("applied %1").arg(r.applied);
  return head + QLatin1Char('\n') + QObject::tr("lag %1 ops · %2 ms").arg(r.lag_ops).arg(r.lag_ms);
}

QString replicaToolTip(const QList<LiveReplica>& replicas) {
  QStringList lines;
  for (const LiveReplica& r : replicas) {
    QString line = QObject::tr("#%1 %2 · applied %3").arg(r.index).arg(r.role).arg(r.applied);
    if (r.role != QLatin1String("primary"))
      line += QObject::tr(" · lag %1 ops · %2 ms").arg(r.lag_ops).arg(r.lag_ms);
    line += QObject::tr(" · %1 keys").arg(r.keys);
    if (r.role == QLatin1String("primary")) {
      line += QObject::tr(" · epoch %1 · write p99 %2").arg(r.epoch).arg(msText(r.write_p99_ms));
    }
    lines << line;
  }
  return lines.join(QLatin1Char('\n'));
}

QString liveToolTip(const QString& id, const LiveComponent& c) {
  static const char* const kLevels[] = {"normal", "busy", "saturated"};
  QStringList lines;
  lines << QObject::tr("%1 — %2 of %3 instances alive").arg(id).arg(c.alive).arg(c.instances);
  lines << QObject::tr("received %1 · emitted %2")
               .arg(rateText(c.received_per_s), rateText(c.emitted_per_s));
  lines << QObject::tr("errors %1 in the interval").arg(c.errors);
  lines << QObject::tr("queue %1 of %2 (fullest instance %3%)")
               .arg(c.queue)
               .arg(c.queue_capacity)
               .arg(qRound(c.queue_fill * 100));
  lines << QObject::tr("blocked %1 (%2% of the time)")
               .arg(msText(c.blocked_ms))
               .arg(qRound(c.blocked_share * 100));
  QString latency = QObject::tr("p99 %1").arg(msText(c.p99_ms));
  if (c.e2e_p99_ms >= 0) latency += QObject::tr(" · end-to-end p99 %1").arg(msText(c.e2e_p99_ms));
  lines << latency;
  if (c.database) {
    const LiveDatabase& d = *c.database;
    QString db = QObject::tr("rows %1 · commit p50 %2 · p99 %3")
                     .arg(rateText(d.rows_per_s), msText(d.commit_p50_ms), msText(d.commit_p99_ms));
    if (d.batch_rows_p50 >= 0) db += QObject::tr(" · batch %1 rows").arg(qRound(d.batch_rows_p50));
    lines << db;
    lines << QObject::tr("reconnects %1 since the start · failed batches %2 in the interval")
                 .arg(d.reconnects)
                 .arg(d.failed_batches);
    for (int index : d.disconnected)
      lines << QObject::tr("%1#%2 disconnected from the server").arg(id).arg(index);
  }
  lines << QObject::tr("load %1% (%2)")
               .arg(qRound(c.load * 100))
               .arg(QLatin1String(kLevels[static_cast<int>(c.level)]));
  for (const InstanceExit& x : c.exits) {
    if (x.reason.isEmpty()) {  // only its restart was seen
      lines << QStringLiteral("%1#%2 %3").arg(id).arg(x.index).arg(x.restart);
      continue;
    }
    QString line = x.t_ms >= 0 ? QObject::tr("%1#%2 died at %3 s: %4")
                                     .arg(id)
                                     .arg(x.index)
                                     .arg(static_cast<double>(x.t_ms) / 1000.0, 0, 'f', 1)
                                     .arg(x.reason)
                               : QObject::tr("%1#%2 died: %3").arg(id).arg(x.index).arg(x.reason);
    if (!x.restart.isEmpty()) line += QObject::tr(" — %1").arg(x.restart);
    if (!x.failed.isEmpty()) line += QObject::tr(" — stays dead (%1)").arg(x.failed);
    lines << line;
    QStringList tail = x.stderr_tail.split(u'\n', Qt::SkipEmptyParts);
    if (tail.size() > kTooltipStderrLines) tail = tail.mid(tail.size() - kTooltipStderrLines);
    for (const QString& t : tail) lines << QStringLiteral("    ") + t;
  }
  return lines.join(QLatin1Char('\n'));
}

QColor LivePainter::levelColour(LoadLevel level, bool dark) {
  switch (level) {
    case LoadLevel::Normal:
      return dark ? QColor(0x3f, 0xb9, 0x6b) : QColor(0x2e, 0x9e, 0x4f);
    case LoadLevel::Busy:
      return dark ? QColor(0xf2, 0xb1, 0x3a) : QColor(0xe0, 0x9a, 0x10);
    case LoadLevel::Saturated:
      break;
  }
  return dark ? QColor(0xff, 0x5c, 0x5c) : QColor(0xd6, 0x2f, 0x2f);
}

QRectF LivePainter::componentPaintRect() const {
  // Always room for a dead program's line, so bounds do not change with each round.
  return base_->componentPaintRect().united(componentRect().adjusted(
      -kExitOverhang, 0, kExitOverhang, kFiguresGap + kFiguresHeight + kExitGap + kExitHeight + 2));
}

QRectF LivePainter::liveEdgeRect(const EdgeLook& look) const {
  QFont f;
  f.setPointSizeF(7.5);
  const QFontMetricsF fm(f);
  // A fixed width, so an edge's bounds do not change with each round's text.
  const qreal w = fm.horizontalAdvance(QStringLiteral("000.0k/s")) + 12;
  const qreal h = fm.height() + 4;
  const QPointF at = look.label_at + QPointF(0, kEdgeLabelDrop);
  return {at.x() - w / 2, at.y() - h / 2, w, h};
}

QRectF LivePainter::edgeLabelRect(const EdgeLook& look) const {
  const QRectF base = base_->edgeLabelRect(look);
  const QRectF live = liveEdgeRect(look);
  return base.isEmpty() ? live : base.united(live);
}

QRectF LivePainter::errorBadgeRect(uint64_t errors, const QFont& font) const {
  const QRectF r = componentRect();
  const QFontMetricsF fm(smallFont(font, 7.5, true));
  return {r.left() - 6, r.top() - 9, fm.horizontalAdvance(errorBadgeText(errors)) + 12, 17};
}

void LivePainter::paintComponent(QPainter& p, const ComponentLook& look) const {
  base_->paintComponent(p, look);
  if (!look.live) return;
  const LiveComponent& live = *look.live;
  const CanvasColors& c = colors();
  const QRectF r = componentRect();
  const QColor level = levelColour(live.level, c.dark);
  const QFont base = p.font();
  p.save();
  p.setRenderHint(QPainter::Antialiasing);

  // The load as a tint over the whole shape, and as a bar along its bottom.
  QColor tint = level;
  tint.setAlpha(c.dark ? 70 : 60);
  p.setPen(Qt::NoPen);
  p.setBrush(tint);
  p.drawPath(componentShape(look.role, look.type));
  const QRectF track(r.left() + 16, r.bottom() - 8, r.width() - 44, 4);
  QColor trackColour = c.subtext;
  trackColour.setAlpha(60);
  p.setBrush(trackColour);
  p.drawRoundedRect(track, 2, 2);
  p.setBrush(level);
  p.drawRoundedRect(QRectF(track.left(), track.top(), std::max(4.0, track.width() * live.load), 4),
                    2, 2);

  // The rates under the shape.
  QString figures;
  if (look.role == Role::Producer) {
    figures = QObject::tr("out %1").arg(rateText(live.emitted_per_s));
  } else if (look.role == Role::Sink) {
    figures = QObject::tr("in %1").arg(rateText(live.received_per_s));
  } else {
    figures = QObject::tr("in %1 · out %2")
                  .arg(rateText(live.received_per_s), rateText(live.emitted_per_s));
  }
  p.setFont(smallFont(base, 7.5, true));
  const QFontMetricsF fm(p.font());
  // As wide as the text, up to a little wider than the shape (the paint rectangle's margins).
  const qreal w = std::min(r.width() + 16, fm.horizontalAdvance(figures) + 12);
  const QRectF pill(r.center().x() - w / 2, r.bottom() + kFiguresGap, w, kFiguresHeight);
  p.setPen(QPen(level, 1.2));
  p.setBrush(c.label_bg);
  p.drawRoundedRect(pill, kFiguresHeight / 2, kFiguresHeight / 2);
  p.setPen(c.text);
  p.drawText(pill, Qt::AlignCenter, fm.elidedText(figures, Qt::ElideRight, pill.width() - 8));

  // A program that died, or a database sink that lost its server: the shape
  // outlined as a problem (why goes under the rates, a death first).
  QString exit = exitLabel(live.exits);
  if (exit.isEmpty() && live.database) exit = disconnectedLabel(*live.database);
  if (!exit.isEmpty()) {
    p.setPen(QPen(c.problem, 2.2, Qt::DashLine));
    p.setBrush(Qt::NoBrush);
    p.drawPath(componentShape(look.role, look.type));
  }

  // Errors in the interval, and instances that are down, as badges on the top left.
  qreal x = r.left() - 6;
  if (live.errors > 0) {
    const QRectF badge = errorBadgeRect(live.errors, base);
    drawBadge(p, badge, c.problem, c.background, errorBadgeText(live.errors));
    x = badge.right() + 3;
  }
  if (live.alive < live.instances) {
    const QString text = QObject::tr("%1 down").arg(live.instances - live.alive);
    const QRectF badge(x, r.top() - 9, fm.horizontalAdvance(text) + 12, 17);
    drawBadge(p, badge, QColor(0x5f, 0x67, 0x73), c.background, text);
    x = badge.right() + 3;
  }
  if (live.database && !live.database->disconnected.isEmpty()) {
    const QString text = QObject::tr("%1 disconnected").arg(live.database->disconnected.size());
    const QRectF badge(x, r.top() - 9, fm.horizontalAdvance(text) + 12, 17);
    drawBadge(p, badge, c.problem, c.background, text);
    x = badge.right() + 3;
  }
  // Programs that died and were restarted: the run goes on, but it happened.
  const auto restarted = std::count_if(live.exits.begin(), live.exits.end(),
                                       [](const InstanceExit& e) { return !e.down(); });
  if (restarted > 0) {
    const QString text = QObject::tr("%1 restarted").arg(restarted);
    drawBadge(p, QRectF(x, r.top() - 9, fm.horizontalAdvance(text) + 12, 17),
              QColor(0x5f, 0x67, 0x73), c.background, text);
  }

  if (!exit.isEmpty()) {
    p.setFont(smallFont(base, 7.5, true));
    const QFontMetricsF em(p.font());
    const qreal most = r.width() + 2 * kExitOverhang;
    const qreal width = std::min(most, em.horizontalAdvance(exit) + 14);
    const QRectF line(r.center().x() - width / 2, pill.bottom() + kExitGap, width, kExitHeight);
    drawBadge(p, line, c.problem, c.background,
              em.elidedText(exit, Qt::ElideRight, line.width() - 10));
  }
  p.restore();
}

void LivePainter::paintReplicaSet(QPainter& p, const ReplicaSetLook& look) const {
  if (look.live.isEmpty()) {
    base_->paintReplicaSet(p, look);
    return;
  }
  // The design's frame, arrows and boxes without their labels; each box then
  // shows the instance it stands for.
  ReplicaSetLook frame = look;
  frame.labels.clear();
  base_->paintReplicaSet(p, frame);
  const CanvasColors& c = colors();
  const QColor deadColour(0x8a, 0x91, 0x9c);
  const QFont base = p.font();
  p.save();
  p.setRenderHint(QPainter::Antialiasing);

  // The instance in the primary's place, as a pill over the primary's top right.
  const LiveReplica& top = look.live.front();
  const bool primary = top.role == QLatin1String("primary");
  p.setFont(smallFont(base, 7.5, true));
  const QFontMetricsF fm(p.font());
  const QString topText = primary
                              ? QObject::tr("#%1 primary · epoch %2").arg(top.index).arg(top.epoch)
                              : QObject::tr("#%1 %2 · no primary").arg(top.index).arg(top.role);
  const qreal w = fm.horizontalAdvance(topText) + 14;
  const QRectF pill(look.primary.right() - w, look.primary.top() - 30, w, 16);
  drawBadge(p, pill, primary ? c.store : deadColour, c.background, topText);

  // One box per follower: role and lag; the last may stand for several.
  for (qsizetype i = 0; i < look.replicas.size(); ++i) {
    const QRectF& box = look.replicas[i];
    const qsizetype first = i + 1;
    if (first >= look.live.size()) {  // an instance no agent reported
      p.setPen(QPen(deadColour, 1.4, Qt::DashLine));
      p.setBrush(c.label_bg);
      p.drawRoundedRect(box, 6, 6);
      p.setFont(smallFont(base, 7.5));
      p.setPen(c.subtext);
      p.drawText(box, Qt::AlignCenter, QObject::tr("no report"));
      continue;
    }
    const bool folded = i == look.replicas.size() - 1 && look.live.size() > first + 1;
    const LiveReplica& r = look.live[first];
    const bool dead = !folded && r.role == QLatin1String("dead");
    const bool isPrimary = !folded && r.role == QLatin1String("primary");
    QColor fill = dead ? deadColour : c.store;
    fill.setAlpha(dead ? 70 : isPrimary ? 200 : (c.dark ? 60 : 30));
    p.setPen(QPen(dead ? deadColour : c.store, isPrimary ? 2.2 : 1.4,
                  dead ? Qt::DashLine : Qt::SolidLine));
    p.setBrush(c.label_bg);
    p.drawRoundedRect(box, 6, 6);
    p.setBrush(fill);
    p.drawRoundedRect(box, 6, 6);
    QString text;
    if (folded) {
      int64_t worst = 0;
      for (qsizetype k = first; k < look.live.size(); ++k)
        worst = std::max(worst, look.live[k].lag_ops);
      text = QObject::tr("+%1 more").arg(look.live.size() - first) + QLatin1Char('\n') +
             QObject::tr("max lag %1 ops").arg(worst);
    } else {
      text = replicaBoxText(r);
    }
    const QStringList lines = text.split(QLatin1Char('\n'));
    const QRectF upper = box.adjusted(4, 3, -4, -box.height() / 2);
    const QRectF lower = box.adjusted(4, box.height() / 2 - 1, -4, -3);
    p.setFont(smallFont(base, 7.5, true));
    p.setPen(isPrimary ? QColor(Qt::white) : dead ? c.subtext : c.text);
    p.drawText(upper, Qt::AlignCenter,
               QFontMetricsF(p.font()).elidedText(lines.value(0), Qt::ElideRight, upper.width()));
    p.setFont(smallFont(base, 7));
    p.drawText(lower, Qt::AlignCenter,
               QFontMetricsF(p.font()).elidedText(lines.value(1), Qt::ElideRight, lower.width()));
  }
  p.restore();
}

void LivePainter::paintEdge(QPainter& p, const EdgeLook& look) const {
  base_->paintEdge(p, look);
  if (!look.live || look.live->label.isEmpty()) return;
  const LiveEdge& live = *look.live;
  const CanvasColors& c = colors();
  p.save();
  p.setRenderHint(QPainter::Antialiasing);
  const bool down = live.balancer_member && !live.healthy;
  const QColor accent = down ? c.problem : c.edge;
  if (down) {
    p.setPen(QPen(c.problem, 2.2, Qt::DotLine));
    p.setBrush(Qt::NoBrush);
    p.drawPath(look.path);
  }
  QFont f = p.font();
  f.setPointSizeF(7.5);
  f.setBold(true);
  p.setFont(f);
  const QRectF r = liveEdgeRect(look);
  p.setPen(QPen(accent, 1));
  p.setBrush(c.label_bg);
  p.drawRoundedRect(r, r.height() / 2, r.height() / 2);
  p.setPen(down ? c.problem : c.text);
  p.drawText(r, Qt::AlignCenter, live.label);
  p.restore();
}

}  // namespace topolab::widgets
