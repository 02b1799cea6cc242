// DesignPainter: producers are arrow-shaped, bolts rounded boxes, sinks
// cylinders; load-balancers and replicated stores carry a glyph of their layout.
#include <QFontMetricsF>
#include <QPainter>
#include <cmath>

#include "topolab/widgets/canvas_painter.h"

namespace topolab::widgets {
namespace {

constexpr qreal kWidth = 136;
constexpr qreal kHeight = 64;

QFont withSize(QFont f, qreal points, bool bold = false) {
  f.setPointSizeF(points);
  f.setBold(bold);
  return f;
}

void drawArrowHead(QPainter& p, const QPainterPath& path, const QColor& colour) {
  const QPointF tip = path.pointAtPercent(1.0);
  const qreal angle = path.angleAtPercent(0.98) * M_PI / 180.0;
  constexpr qreal kSize = 9;
  const QPointF back(tip.x() - kSize * std::cos(angle), tip.y() + kSize * std::sin(angle));
  const QPointF normal(-std::sin(angle) * kSize / 2.2, -std::cos(angle) * kSize / 2.2);
  QPolygonF head{tip, back + normal, back - normal};
  p.setPen(Qt::NoPen);
  p.setBrush(colour);
  p.drawPolygon(head);
}

}  // namespace

CanvasColors CanvasColors::fromPalette(const QPalette& palette) {
  CanvasColors c;
  c.dark = palette.color(QPalette::Window).lightness() < 128;
  if (c.dark) {
    c.background = QColor(0x1e, 0x21, 0x26);
    c.grid = QColor(0x2a, 0x2e, 0x35);
    c.text = QColor(0xee, 0xf0, 0xf3);
    c.subtext = QColor(0xb4, 0xbb, 0xc6);
    c.edge = QColor(0x9a, 0xa4, 0xb2);
    c.label_bg = QColor(0x2b, 0x30, 0x38);
    c.problem = QColor(0xff, 0x5c, 0x5c);
    c.selection = QColor(0x4d, 0xa3, 0xff);
    c.producer = QColor(0x3f, 0xb9, 0x6b);
    c.bolt = QColor(0x4d, 0x8d, 0xf0);
    c.sink = QColor(0xf0, 0x9a, 0x3e);
    c.balancer = QColor(0xb0, 0x7c, 0xf0);
    c.store = QColor(0xe0, 0x6c, 0x9f);
  } else {
    c.background = QColor(0xfa, 0xfb, 0xfc);
    c.grid = QColor(0xec, 0xee, 0xf1);
    c.text = QColor(0x1a, 0x1d, 0x21);
    c.subtext = QColor(0x4a, 0x52, 0x5e);
    c.edge = QColor(0x6b, 0x74, 0x80);
    c.label_bg = QColor(0xff, 0xff, 0xff);
    c.problem = QColor(0xd0, 0x1f, 0x1f);
    c.selection = QColor(0x1a, 0x73, 0xe8);
    c.producer = QColor(0x1e, 0x9e, 0x52);
    c.bolt = QColor(0x2f, 0x6f, 0xd6);
    c.sink = QColor(0xd9, 0x77, 0x06);
    c.balancer = QColor(0x86, 0x4b, 0xd6);
    c.store = QColor(0xc2, 0x3d, 0x7a);
  }
  return c;
}

QRectF DesignPainter::componentRect() const { return {0, 0, kWidth, kHeight}; }
QPointF DesignPainter::inPort() const { return {0, kHeight / 2}; }
QPointF DesignPainter::outPort() const { return {kWidth, kHeight / 2}; }

QColor DesignPainter::roleColor(Role role, const QString& type) const {
  if (type == QLatin1String("load-balancer")) return colors_.balancer;
  if (type == QLatin1String("replicated-store")) return colors_.store;
  switch (role) {
    case Role::Producer:
      return colors_.producer;
    case Role::Sink:
      return colors_.sink;
    case Role::Bolt:
      break;
  }
  return colors_.bolt;
}

QPainterPath DesignPainter::componentShape(Role role, const QString& type) const {
  QPainterPath path;
  const QRectF r = componentRect();
  if (role == Role::Producer) {
    // A box whose right side points downstream.
    path.moveTo(r.topLeft() + QPointF(6, 0));
    path.lineTo(r.right() - 16, r.top());
    path.lineTo(r.right(), r.center().y());
    path.lineTo(r.right() - 16, r.bottom());
    path.lineTo(r.left() + 6, r.bottom());
    path.quadTo(r.bottomLeft(), r.bottomLeft() - QPointF(0, 6));
    path.lineTo(r.left(), r.top() + 6);
    path.quadTo(r.topLeft(), r.topLeft() + QPointF(6, 0));
    path.closeSubpath();
  } else if (role == Role::Sink) {
    // A cylinder: flat-topped ellipses on both ends (a store of what arrives).
    constexpr qreal kCap = 8;
    path.moveTo(r.left(), r.top() + kCap);
    path.arcTo(QRectF(r.left(), r.top(), r.width(), 2 * kCap), 180, -180);
    path.lineTo(r.right(), r.bottom() - kCap);
    path.arcTo(QRectF(r.left(), r.bottom() - 2 * kCap, r.width(), 2 * kCap), 0, -180);
    path.closeSubpath();
  } else if (type == QLatin1String("load-balancer")) {
    // Chamfered on the right: one input fanning out to many.
    path.moveTo(r.left() + 8, r.top());
    path.lineTo(r.right() - 20, r.top());
    path.lineTo(r.right(), r.top() + 20);
    path.lineTo(r.right(), r.bottom() - 20);
    path.lineTo(r.right() - 20, r.bottom());
    path.lineTo(r.left() + 8, r.bottom());
    path.quadTo(r.bottomLeft(), r.bottomLeft() - QPointF(0, 8));
    path.lineTo(r.left(), r.top() + 8);
    path.quadTo(r.topLeft(), r.topLeft() + QPointF(8, 0));
    path.closeSubpath();
  } else {
    path.addRoundedRect(r, 10, 10);
  }
  return path;
}

void DesignPainter::paintComponent(QPainter& p, const ComponentLook& look) const {
  const QRectF r = componentRect();
  const QColor accent = look.known_type ? roleColor(look.role, look.type) : colors_.problem;
  const QPainterPath shape = componentShape(look.role, look.type);
  p.setRenderHint(QPainter::Antialiasing);

  // Parallel instances show as a shadow stack behind the shape.
  if (look.instances > 1) {
    QColor back = accent;
    back.setAlpha(colors_.dark ? 90 : 70);
    p.setPen(Qt::NoPen);
    p.setBrush(back);
    p.drawPath(shape.translated(5, 5));
  }
  QColor fill = colors_.dark ? accent.darker(260) : accent.lighter(185);
  if (!colors_.dark) fill = QColor::fromHsl(accent.hslHue(), 70, 238);
  p.setBrush(fill);
  QPen outline(look.selected ? colors_.selection : accent, look.selected ? 3 : 1.8);
  if (!look.problems.isEmpty()) outline = QPen(colors_.problem, 2.5, Qt::DashLine);
  p.setPen(outline);
  p.drawPath(shape);

  // Role band on the left.
  p.setPen(Qt::NoPen);
  p.setBrush(accent);
  p.drawRoundedRect(QRectF(r.left() + 5, r.top() + 12, 4, r.height() - 24), 2, 2);

  const qreal textLeft = r.left() + 16;
  qreal textRight = r.right() - (look.role == Role::Producer ? 22 : 10);
  if (look.type == QLatin1String("load-balancer")) textRight -= 26;
  const QFont base = p.font();
  p.setFont(withSize(base, 10, true));
  p.setPen(colors_.text);
  const QFontMetricsF bold(p.font());
  p.drawText(QRectF(textLeft, r.top() + 9, textRight - textLeft, 18),
             Qt::AlignLeft | Qt::AlignVCenter,
             bold.elidedText(look.id, Qt::ElideMiddle, textRight - textLeft));
  p.setFont(withSize(base, 8.5));
  p.setPen(colors_.subtext);
  const QFontMetricsF small(p.font());
  QString typeLine = look.type;
  if (look.instances > 1) typeLine += QStringLiteral("  ×%1").arg(look.instances);
  p.drawText(QRectF(textLeft, r.top() + 27, textRight - textLeft, 15),
             Qt::AlignLeft | Qt::AlignVCenter,
             small.elidedText(typeLine, Qt::ElideRight, textRight - textLeft));
  if (!look.detail.isEmpty()) {
    p.drawText(QRectF(textLeft, r.top() + 41, textRight - textLeft, 15),
               Qt::AlignLeft | Qt::AlignVCenter,
               small.elidedText(look.detail, Qt::ElideRight, textRight - textLeft));
  }

  // The balancer's layout glyph: a fan. (A replicated store's layout is its ReplicaSetItem.)
  p.setPen(QPen(accent, 1.6));
  p.setBrush(Qt::NoBrush);
  if (look.type == QLatin1String("load-balancer")) {
    const QPointF hub(r.right() - 36, r.center().y());
    p.setBrush(accent);
    p.drawEllipse(hub, 3, 3);
    for (int i = -1; i <= 1; ++i) {
      const QPointF leaf(r.right() - 18, r.center().y() + i * 11);
      p.drawLine(hub, leaf);
      p.drawEllipse(leaf, 2.5, 2.5);
    }
  }

  if (!look.problems.isEmpty()) {
    const QRectF badge(r.right() - 14, r.top() - 8, 20, 20);
    p.setPen(QPen(colors_.background, 2));
    p.setBrush(colors_.problem);
    p.drawEllipse(badge);
    p.setPen(Qt::white);
    p.setFont(withSize(base, 10, true));
    p.drawText(badge, Qt::AlignCenter, QStringLiteral("!"));
  }
  p.setFont(base);
}

void DesignPainter::paintPort(QPainter& p, const QPointF& at, Role role, bool hovered) const {
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(QPen(colors_.edge, 1.5));
  p.setBrush(hovered ? colors_.selection : colors_.background);
  const qreal radius = hovered ? portRadius() + 1.5 : portRadius() - 1;
  p.drawEllipse(at, radius, radius);
}

QRectF DesignPainter::edgeLabelRect(const EdgeLook& look) const {
  QString text = look.label;
  if (!look.transport.isEmpty())
    text += (text.isEmpty() ? QString() : QStringLiteral(" · ")) + look.transport;
  if (text.isEmpty()) return {};
  QFont f;
  f.setPointSizeF(8);
  const QFontMetricsF fm(f);
  const qreal w = fm.horizontalAdvance(text) + 10;
  const qreal h = fm.height() + 4;
  return {look.label_at.x() - w / 2, look.label_at.y() - h / 2, w, h};
}

void DesignPainter::paintEdge(QPainter& p, const EdgeLook& look) const {
  p.setRenderHint(QPainter::Antialiasing);
  QColor colour = look.from_balancer ? colors_.balancer : colors_.edge;
  if (look.problem) colour = colors_.problem;
  if (look.selected) colour = colors_.selection;
  QPen pen(colour, look.selected ? 2.6 : 1.8);
  if (look.from_balancer) pen.setStyle(Qt::DashLine);
  if (look.transport == QLatin1String("kafka")) pen.setWidthF(pen.widthF() + 1.5);
  p.setPen(pen);
  p.setBrush(Qt::NoBrush);
  p.drawPath(look.path);
  drawArrowHead(p, look.path, colour);

  const QRectF label = edgeLabelRect(look);
  if (label.isEmpty()) return;
  QString text = look.label;
  if (!look.transport.isEmpty())
    text += (text.isEmpty() ? QString() : QStringLiteral(" · ")) + look.transport;
  p.setPen(QPen(colour, 1));
  p.setBrush(colors_.label_bg);
  p.drawRoundedRect(label, 4, 4);
  QFont f = p.font();
  f.setPointSizeF(8);
  p.setFont(f);
  p.setPen(colors_.text);
  p.drawText(label, Qt::AlignCenter, text);
}

void DesignPainter::paintPool(QPainter& p, const PoolLook& look) const {
  p.setRenderHint(QPainter::Antialiasing);
  QColor fill = colors_.balancer;
  fill.setAlpha(colors_.dark ? 34 : 22);
  p.setBrush(fill);
  p.setPen(QPen(colors_.balancer, 1.4, Qt::DashLine));
  p.drawRoundedRect(look.rect, 14, 14);
  QFont f = p.font();
  f.setPointSizeF(8.5);
  f.setBold(true);
  p.setFont(f);
  p.setPen(colors_.balancer);
  p.drawText(look.rect.adjusted(12, 4, -12, 0), Qt::AlignLeft | Qt::AlignTop, look.title);
}

void DesignPainter::paintReplicaSet(QPainter& p, const ReplicaSetLook& look) const {
  p.setRenderHint(QPainter::Antialiasing);
  QColor fill = colors_.store;
  fill.setAlpha(colors_.dark ? 30 : 18);
  p.setBrush(fill);
  p.setPen(QPen(colors_.store, 1.4, Qt::DashLine));
  p.drawRoundedRect(look.frame, 14, 14);
  const QFont base = p.font();
  p.setFont(withSize(base, 8.5, true));
  p.setPen(colors_.store);
  p.drawText(look.frame.adjusted(12, 4, -12, 0), Qt::AlignLeft | Qt::AlignTop, look.title);

  // Replication flows from the primary down to each follower; async is dashed.
  const bool async = look.mode == QLatin1String("async");
  const QPointF from(look.primary.center().x(), look.primary.bottom());
  for (const QRectF& r : look.replicas) {
    QPainterPath arrow(from);
    const QPointF to(r.center().x(), r.top() - 1);
    arrow.cubicTo(from + QPointF(0, 8), to - QPointF(0, 8), to);
    p.setPen(QPen(colors_.store, 1.6, async ? Qt::DashLine : Qt::SolidLine));
    p.setBrush(Qt::NoBrush);
    p.drawPath(arrow);
    drawArrowHead(p, arrow, colors_.store);
  }
  const QColor boxFill =
      colors_.dark ? colors_.store.darker(260) : QColor::fromHsl(colors_.store.hslHue(), 70, 238);
  p.setFont(withSize(base, 8));
  for (qsizetype i = 0; i < look.replicas.size(); ++i) {
    p.setPen(QPen(colors_.store, 1.4));
    p.setBrush(boxFill);
    p.drawRoundedRect(look.replicas[i], 6, 6);
    p.setPen(colors_.text);
    p.drawText(look.replicas[i], Qt::AlignCenter, look.labels.value(i));
  }
  p.setFont(base);
}

}  // namespace topolab::widgets
