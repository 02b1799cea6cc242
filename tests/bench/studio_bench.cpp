// The studio's live dashboard under a real-time feed: a visible DashboardWidget
// (offscreen platform) preloaded with an hour of one-second rounds of the
// web-tier example, then fed one round per second of wall time. Reports the
// process CPU time over wall time during the real-time part and the peak
// resident memory; with --runs N, runs N child processes and reports medians.
// --preview PATH renders the dashboard with fourteen minutes of data to a PNG.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <QApplication>
#include <QChartView>
#include <QElapsedTimer>
#include <QImage>
#include <QPainter>
#include <QPalette>
#include <QProcess>
#include <QStyleFactory>
#include <QTimer>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "synthetic_run.h"
#include "topolab/engine/spec.h"
#include "topolab/widgets/dashboard_widget.h"
#include "topolab/widgets/topology_model.h"
#include "topolab/widgets/topology_scene.h"

using namespace topolab;
using namespace topolab::widgets;
using topolab::testing::SyntheticRun;

namespace {

struct Config {
  int runs = 1;
  int seconds = 30;
  int dashboards = 1;
  bool child = false;
  std::string preview;
  std::string canvas_preview;
  bool dark = false;
  std::string window = "1h";
  int width = 1280;
  int height = 820;
};

double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double maxRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// A run that breathes: load follows a slow wave, latency rises with it, and at
// t = 600–660 s node3 is killed (the balancer takes it out), node2 rejects
// some tuples and node1's queue fills.
void shape(SyntheticRun& run, int64_t second) {
  const double wave = std::sin(static_cast<double>(second) / 90.0);
  const bool fault = second % 1200 >= 600 && second % 1200 < 660;
  run.rate = 10000 + 900 * wave + static_cast<double>((second * 7919) % 13 - 6) * 15;
  run.latency_ns = static_cast<uint64_t>(150'000 + 40'000 * wave);
  run.slow_latency_ns = fault ? 6'000'000 : 1'200'000;
  run.e2e_ns = static_cast<uint64_t>((fault ? 14'000'000 : 2'500'000) + 600'000 * wave);
  run.node_errors = fault ? 25 + second % 5 : (second % 53 == 0 ? 3 : 0);
  run.node3_alive = !fault;
  run.node1_queue = fault ? 12'000 : 300;
}

Topology webTier() {
  LoadResult r = loadTopologyFile(TOPOLAB_EXAMPLES_DIR "/web-tier.yaml");
  if (!r.ok()) {
    std::fprintf(stderr, "studio-bench: cannot load %s\n", TOPOLAB_EXAMPLES_DIR "/web-tier.yaml");
    std::exit(2);
  }
  return *r.topology;
}

void preload(DashboardWidget& dash, SyntheticRun& run, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    const int64_t second = run.current().t_ms / 1000;
    if (second % 1200 == 600) {
      dash.addEvent(run.current().t_ms, QStringLiteral("fault"), QStringLiteral("kill node3#0"),
                    QStringLiteral("agent-c"));
    }
    if (second % 1200 == 660) {
      dash.addEvent(run.current().t_ms, QStringLiteral("agent-back"),
                    QStringLiteral("node3#0 restarted"), QStringLiteral("agent-c"));
    }
    shape(run, second);
    const Snapshot prev = run.current();
    dash.addRound(prev, run.next());
  }
}

QPalette darkPalette() {
  QPalette p;
  p.setColor(QPalette::Window, QColor(0x2b, 0x2e, 0x33));
  p.setColor(QPalette::WindowText, QColor(0xe6, 0xe8, 0xeb));
  p.setColor(QPalette::Base, QColor(0x1f, 0x22, 0x26));
  p.setColor(QPalette::AlternateBase, QColor(0x2b, 0x2e, 0x33));
  p.setColor(QPalette::Text, QColor(0xe6, 0xe8, 0xeb));
  p.setColor(QPalette::Button, QColor(0x35, 0x39, 0x3f));
  p.setColor(QPalette::ButtonText, QColor(0xe6, 0xe8, 0xeb));
  p.setColor(QPalette::Highlight, QColor(0x4d, 0xa3, 0xff));
  return p;
}

int preview(const Config& cfg) {
  if (cfg.dark) QApplication::setPalette(darkPalette());
  DashboardWidget dash;
  dash.setTopology(webTier());
  SyntheticRun run;
  dash.addEvent(0, QStringLiteral("deploy"), QStringLiteral("web-tier on 3 agents"));
  dash.addEvent(610'000, QStringLiteral("agent-lost"), QStringLiteral("no answer for 2 s"),
                QStringLiteral("agent-c"));
  preload(dash, run, 14 * 60 + 5);  // the window shows the fault at 600–660 s
  dash.setTimeWindow(DashboardWidget::TimeWindow::TenMinutes);
  dash.resize(cfg.width, cfg.height);
  dash.show();
  QApplication::processEvents();
  dash.flush();
  QApplication::processEvents();
  if (!dash.grab().save(QString::fromStdString(cfg.preview))) {
    std::fprintf(stderr, "studio-bench: cannot write %s\n", cfg.preview.c_str());
    return 1;
  }
  std::printf("wrote %s\n", cfg.preview.c_str());
  return 0;
}

// The web-tier canvas with the live overlay of the fault's first second.
int canvasPreview(const Config& cfg) {
  if (cfg.dark) QApplication::setPalette(darkPalette());
  TopologyModel model;
  model.reset(webTier());
  DesignPainter painter(CanvasColors::fromPalette(QApplication::palette()));
  TopologyScene scene(model, painter);
  SyntheticRun run;
  shape(run, 600);
  run.node2_queue = 9000;
  const Snapshot prev = run.current();
  scene.showLive(prev, run.next());
  const QRectF area = scene.contentsRect();
  QImage img(area.size().toSize() * 2, QImage::Format_ARGB32);
  img.fill(painter.colors().background);
  QPainter p(&img);
  scene.render(&p, QRectF(QPointF(0, 0), img.size()), area);
  p.end();
  if (!img.save(QString::fromStdString(cfg.canvas_preview))) {
    std::fprintf(stderr, "studio-bench: cannot write %s\n", cfg.canvas_preview.c_str());
    return 1;
  }
  std::printf("wrote %s\n", cfg.canvas_preview.c_str());
  return 0;
}

struct Result {
  double cpu_percent = 0;
  double max_rss_mb = 0;
  int rounds = 0;
  int redraws = 0;
  int paints = 0;
  int drawn_series = 0;
  size_t scopes = 0;
};

// Counts paint events of the chart views, to show the charts are really drawn.
class PaintCounter final : public QObject {
 public:
  int paints = 0;

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() == QEvent::Paint) ++paints;
    return QObject::eventFilter(watched, event);
  }
};

Result runOnce(const Config& cfg) {
  // Each dashboard shows another scope, so several show different series.
  const ScopeKey scopes[] = {ScopeKey::topology(),           ScopeKey::component("node1"),
                             ScopeKey::component("node2"),   ScopeKey::agent("agent-a"),
                             ScopeKey::instance("node3", 0), ScopeKey::component("responses")};
  std::vector<std::unique_ptr<DashboardWidget>> dashboards;
  PaintCounter counter;
  SyntheticRun run;
  for (int i = 0; i < cfg.dashboards; ++i) {
    auto dash = std::make_unique<DashboardWidget>();
    dash->setTopology(webTier());
    dash->addEvent(0, QStringLiteral("deploy"), QStringLiteral("web-tier on 3 agents"));
    const ScopeKey& scope = scopes[i % std::size(scopes)];
    if (scope.kind == ScopeKind::Component) dash->showComponent(QString::fromStdString(scope.name));
    if (scope.kind == ScopeKind::Agent) dash->showAgent(QString::fromStdString(scope.name));
    if (scope.kind == ScopeKind::Instance) dash->showInstance(QStringLiteral("node3"), 0);
    if (cfg.window == "1m") dash->setTimeWindow(DashboardWidget::TimeWindow::OneMinute);
    if (cfg.window == "10m") dash->setTimeWindow(DashboardWidget::TimeWindow::TenMinutes);
    if (cfg.window == "1h") dash->setTimeWindow(DashboardWidget::TimeWindow::OneHour);
    dashboards.push_back(std::move(dash));
  }
  // An hour of history, on a simulated clock.
  for (int i = 0; i < 3600; ++i) {
    const int64_t second = run.current().t_ms / 1000;
    shape(run, second);
    const Snapshot prev = run.current();
    const Snapshot& cur = run.next();
    for (auto& dash : dashboards) {
      if (second % 1200 == 600)
        dash->addEvent(prev.t_ms, QStringLiteral("fault"), QStringLiteral("kill node3#0"),
                       QStringLiteral("agent-c"));
      dash->addRound(prev, cur);
    }
  }
  for (auto& dash : dashboards) {
    dash->resize(1280, 820);
    dash->show();
    dash->flush();
    for (QChartView* view : dash->findChildren<QChartView*>())
      view->viewport()->installEventFilter(&counter);
  }
  QApplication::processEvents();

  // The measured part: one round per second of wall time.
  Result r;
  int redraws_before = 0;
  for (auto& dash : dashboards) redraws_before += dash->redrawCount();
  counter.paints = 0;
  const double cpu0 = cpuSeconds();
  QElapsedTimer wall;
  wall.start();
  QTimer tick;
  tick.setTimerType(Qt::PreciseTimer);
  tick.setInterval(1000);
  QObject::connect(&tick, &QTimer::timeout, &tick, [&] {
    shape(run, run.current().t_ms / 1000);
    const Snapshot prev = run.current();
    const Snapshot& cur = run.next();
    for (auto& dash : dashboards) dash->addRound(prev, cur);
    if (++r.rounds >= cfg.seconds) QApplication::quit();
  });
  tick.start();
  QApplication::exec();
  const double elapsed = static_cast<double>(wall.nsecsElapsed()) / 1e9;
  r.cpu_percent = (cpuSeconds() - cpu0) / elapsed * 100.0;
  r.max_rss_mb = maxRssMb();
  for (auto& dash : dashboards) {
    r.redraws += dash->redrawCount();
    r.scopes += dash->history().scopeCount();
  }
  r.redraws -= redraws_before;
  r.paints = counter.paints;
  r.drawn_series = cfg.dashboards * 11;
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  Config cfg;
  CLI::App app{"TopoLab studio dashboard benchmark"};
  app.add_option("--runs", cfg.runs, "runs, each in its own process (the median is reported)")
      ->check(CLI::Range(1, 21));
  app.add_option("--seconds", cfg.seconds, "real-time rounds per run, one a second")
      ->check(CLI::Range(1, 3600));
  app.add_option("--dashboards", cfg.dashboards, "visible dashboards, each on another scope")
      ->check(CLI::Range(1, 12));
  app.add_option("--window", cfg.window, "chart window: 1m, 10m or 1h")
      ->check(CLI::IsMember({"1m", "10m", "1h"}));
  app.add_option("--preview", cfg.preview, "render the dashboard to this PNG and exit");
  app.add_option("--canvas-preview", cfg.canvas_preview,
                 "render the web-tier canvas with live figures to this PNG and exit");
  app.add_option("--width", cfg.width, "with --preview: the dashboard's width")
      ->check(CLI::Range(300, 4000));
  app.add_option("--height", cfg.height, "with --preview: the dashboard's height")
      ->check(CLI::Range(200, 4000));
  app.add_flag("--dark", cfg.dark, "with --preview or --canvas-preview: a dark palette");
  app.add_flag("--child", cfg.child, "one measured run, printed as one line (used by --runs)");
  CLI11_PARSE(app, argc, argv);

  if (cfg.runs > 1 && !cfg.child && cfg.preview.empty() && cfg.canvas_preview.empty()) {
    // Each run in a fresh process, so its peak memory is its own.
    std::vector<double> cpu, rss;
    for (int i = 0; i < cfg.runs; ++i) {
      QProcess child;
      child.start(
          QString::fromLocal8Bit(argv[0]),
          {QStringLiteral("--child"), QStringLiteral("--seconds"), QString::number(cfg.seconds),
           QStringLiteral("--window"), QString::fromStdString(cfg.window),
           QStringLiteral("--dashboards"), QString::number(cfg.dashboards)});
      if (!child.waitForFinished(-1) || child.exitCode() != 0) {
        std::fprintf(stderr, "studio-bench: run %d failed: %s\n", i + 1,
                     child.readAllStandardError().constData());
        return 1;
      }
      const QByteArray line = child.readAllStandardOutput().trimmed();
      std::printf("run %d: %s\n", i + 1, line.constData());
      double c = 0, m = 0;
      if (std::sscanf(line.constData(), "cpu %lf %% max_rss %lf MB", &c, &m) != 2) {
        std::fprintf(stderr, "studio-bench: cannot read run %d's line\n", i + 1);
        return 1;
      }
      cpu.push_back(c);
      rss.push_back(m);
    }
    std::printf("median of %d runs: cpu %.2f %% of one core, max_rss %.1f MB\n", cfg.runs,
                median(cpu), median(rss));
    return 0;
  }

  QApplication qapp(argc, argv);
  if (!cfg.preview.empty()) return preview(cfg);
  if (!cfg.canvas_preview.empty()) return canvasPreview(cfg);
  const Result r = runOnce(cfg);
  std::printf(
      "cpu %.2f %% max_rss %.1f MB rounds %d redraws %d chart_paints %d series_drawn %d "
      "series_recorded_per_round %zu window %s\n",
      r.cpu_percent, r.max_rss_mb, r.rounds, r.redraws, r.paints, r.drawn_series, r.scopes * 8,
      cfg.window.c_str());
  return 0;
}
