// postToGui: hands a result from a control-layer thread (a ClusterClient
// worker, a MetricsWatcher) to the GUI thread, and drops it when the object
// it is meant for has gone by then.
#pragma once

#include <QCoreApplication>
#include <QMetaObject>
#include <QPointer>
#include <utility>

namespace topolab::studio {

// Callable from any thread: runs `f(*target)` on the GUI thread if `target`
// still exists there. `target` is a QPointer made on the GUI thread; only its
// copy crosses threads, and it is read on the GUI thread alone.
template <typename Object, typename F>
void postToGui(const QPointer<Object>& target, F&& f) {
  QMetaObject::invokeMethod(
      QCoreApplication::instance(),
      [target, f = std::forward<F>(f)]() mutable {
        if (target) f(*target.data());
      },
      Qt::QueuedConnection);
}

}  // namespace topolab::studio
