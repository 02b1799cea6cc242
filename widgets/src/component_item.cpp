// ComponentItem: asks the model what to show and the painter how to draw it.
#include "component_item.h"

#include <QPainter>
#include <QStyleOptionGraphicsItem>

#include "topolab/engine/catalogue.h"
#include "topolab/widgets/topology_scene.h"

namespace topolab::widgets {
namespace {

// The param's text as written, or its schema default.
QString paramOrDefault(const Component& c, const ComponentType* type, std::string_view name) {
  if (const ParamEntry* p = c.param(name)) return toQString(p->text);
  if (type) {
    if (const ParamSchema* s = type->param(name)) return toQString(s->default_text);
  }
  return {};
}

}  // namespace

ComponentItem::ComponentItem(QString id) : id_(std::move(id)) {
  setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
  setAcceptHoverEvents(true);
  setZValue(2);
}

void ComponentItem::refreshGeometry() {
  prepareGeometryChange();
  update();
}

void ComponentItem::setId(QString id) {
  id_ = std::move(id);
  update();
}

TopologyScene* ComponentItem::canvas() const { return static_cast<TopologyScene*>(scene()); }

QRectF ComponentItem::boundingRect() const {
  // Room for the stacked-instances shadow, the badges and the ports.
  return canvas() ? canvas()->painter().componentPaintRect() : QRectF();
}

QPainterPath ComponentItem::shape() const {
  if (!canvas()) return {};
  const TopologyModel& m = canvas()->model();
  return canvas()->painter().componentShape(
      m.roleOf(id_), m.component(id_) ? toQString(m.component(id_)->type) : QString());
}

void ComponentItem::paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget*) {
  const TopologyModel& m = canvas()->model();
  const Component* c = m.component(id_);
  if (!c) return;
  const ComponentType* type = m.typeOf(id_);
  ComponentLook look;
  look.id = id_;
  look.type = toQString(c->type);
  look.role = type ? type->role : Role::Bolt;
  look.known_type = type != nullptr;
  look.instances = c->instances();
  look.selected = option->state & QStyle::State_Selected;
  look.problems = m.problemsOf(id_);
  const ComponentTraits& traits = traitsOf(c->type);
  if (traits.shape == ComponentTraits::Shape::Balancer) {
    int members = 0;
    for (const Stream& s : m.topology().streams) members += s.from == c->id ? 1 : 0;
    look.detail = QStringLiteral("%1 member%2").arg(members).arg(members == 1 ? "" : "s");
  } else if (traits.shape == ComponentTraits::Shape::ReplicaSet) {
    look.detail = QStringLiteral("primary + %1").arg(paramOrDefault(*c, type, "replicas"));
  } else if (type && !type->traits.command_param.empty()) {
    // The program it runs, as a command line.
    const ParamEntry* p = c->param(type->traits.command_param);
    const ParamSchema* s = type->param(type->traits.command_param);
    if (p && s) {
      if (const std::optional<ParamValue> v = convertParam(*s, p->text, p->quoted, nullptr)) {
        QStringList words;
        if (const auto* list = std::get_if<StringList>(&*v)) {
          for (const std::string& w : *list) words << toQString(w);
        }
        look.detail = words.join(u' ');
      }
    }
  }
  look.live = canvas()->liveComponent(id_);
  canvas()->painter().paintComponent(*painter, look);
}

QVariant ComponentItem::itemChange(GraphicsItemChange change, const QVariant& value) {
  if (change == ItemPositionChange) return TopologyScene::snap(value.toPointF());
  return QGraphicsItem::itemChange(change, value);
}

}  // namespace topolab::widgets
