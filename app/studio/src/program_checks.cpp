// programProblems: stat calls only, so it runs after every edit with validation.
#include "program_checks.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

namespace topolab::studio {

using widgets::toQString;
using widgets::toStd;

namespace {

// Arguments that name a script the interpreter reads from the resources folder.
bool looksLikeScript(const QString& arg) {
  static const QRegularExpression kScript(
      QStringLiteral("^[^-=][^=]*\\.(py|js|mjs|cjs|ts|rb|pl|php|lua|sh|R|jar)$"));
  return kScript.match(arg).hasMatch();
}

// The typed value of a list or map param, from the file or the schema's default.
template <typename T>
std::optional<T> collectionParam(const Component& c, const ComponentType& type,
                                 const std::string& name) {
  const ParamSchema* schema = type.param(name);
  if (!schema) return std::nullopt;
  const ParamEntry* p = c.param(name);
  if (p && p->unreadable) return std::nullopt;
  const std::string text = p ? p->text : schema->default_text;
  if (text.empty()) return std::nullopt;
  std::optional<ParamValue> v = convertParam(*schema, text, p && p->quoted, nullptr);
  if (!v || !std::holds_alternative<T>(*v)) return std::nullopt;
  return std::get<T>(*v);
}

QString findOnPath(const QString& program, const QString& path) {
  for (const QString& dir : path.split(u':')) {
    const QFileInfo candidate(QDir(dir.isEmpty() ? QStringLiteral(".") : dir), program);
    if (candidate.isFile() && candidate.isExecutable()) return candidate.absoluteFilePath();
  }
  return {};
}

}  // namespace

QString defaultSearchPath() {
  return qEnvironmentVariable("PATH", QStringLiteral("/usr/local/bin:/usr/bin:/bin"));
}

std::vector<widgets::Problem> programProblems(const Topology& topology, const Catalogue& catalogue,
                                              const QString& baseFolder, const QString& searchPath,
                                              bool positions) {
  std::vector<widgets::Problem> out;
  for (const Component& c : topology.components) {
    const ComponentType* type = catalogue.find(c.type);
    if (!type || type->traits.command_param.empty()) continue;
    const QString id = toQString(c.id);
    auto problem = [&](const std::string& param, const QString& message) {
      widgets::Problem p;
      p.component = id;
      p.message = QStringLiteral("component '%1': %2").arg(id, message);
      if (positions) {
        const ParamEntry* e = c.param(param);
        const Mark m = e && e->mark.line > 0 ? e->mark : c.mark;
        p.line = m.line;
        p.col = m.col;
      }
      out.push_back(std::move(p));
    };

    // The folder the program runs in; unknown when relative to an unsaved file.
    QString folder;
    const std::string& resourcesParam = type->traits.resources_param;
    if (!resourcesParam.empty()) {
      const ParamEntry* e = c.param(resourcesParam);
      const ParamSchema* s = type->param(resourcesParam);
      QString written = toQString(e ? e->text : (s ? s->default_text : std::string()));
      if (written.isEmpty()) written = QStringLiteral(".");
      if (QDir::isAbsolutePath(written)) {
        folder = QDir::cleanPath(written);
      } else if (!baseFolder.isEmpty()) {
        folder = QDir::cleanPath(QDir(baseFolder).filePath(written));
      }
      if (!folder.isEmpty() && !QFileInfo(folder).isDir()) {
        problem(resourcesParam,
                QFileInfo::exists(folder)
                    ? QObject::tr("resources %1 is not a folder").arg(folder)
                    : QObject::tr("resources folder %1 does not exist").arg(folder));
        continue;
      }
    } else {
      folder = baseFolder;
    }

    const std::string& commandParam = type->traits.command_param;
    const std::optional<StringList> command = collectionParam<StringList>(c, *type, commandParam);
    if (!command || command->empty() || command->front().empty()) continue;  // the validator's
    const QString program = toQString(command->front());
    if (program.contains(u'/')) {
      if (!QDir::isAbsolutePath(program) && folder.isEmpty()) continue;
      const QString full = QDir::isAbsolutePath(program)
                               ? QDir::cleanPath(program)
                               : QDir::cleanPath(QDir(folder).filePath(program));
      const QFileInfo info(full);
      if (!info.isFile()) {
        problem(commandParam, QDir::isAbsolutePath(program)
                                  ? QObject::tr("program %1 does not exist").arg(full)
                                  : QObject::tr("program %1 is not in its resources folder (no %2)")
                                        .arg(program, full));
      } else if (!info.isExecutable()) {
        problem(commandParam,
                QObject::tr("program %1 is not executable (chmod +x %2)").arg(program, full));
      }
    } else {
      QString path = searchPath;
      bool ownPath = false;
      if (const auto env = collectionParam<StringMap>(c, *type, "env")) {
        for (const auto& [name, value] : *env) {
          if (name == "PATH") {
            path = toQString(value);
            ownPath = true;
          }
        }
      }
      if (findOnPath(program, path).isEmpty()) {
        problem(commandParam,
                ownPath ? QObject::tr("program '%1' is not found on the PATH its env sets (%2)")
                              .arg(program, path)
                        : QObject::tr("program '%1' is not found on PATH; install it, or name "
                                      "it by its path")
                              .arg(program));
      }
    }
    if (folder.isEmpty()) continue;
    for (size_t i = 1; i < command->size(); ++i) {
      const QString arg = toQString((*command)[i]);
      if (!looksLikeScript(arg) || QDir::isAbsolutePath(arg)) continue;
      const QString full = QDir::cleanPath(QDir(folder).filePath(arg));
      if (!QFileInfo(full).isFile()) {
        problem(commandParam,
                QObject::tr("%1 is not in its resources folder (no %2)").arg(arg, full));
      }
    }
  }
  return out;
}

}  // namespace topolab::studio
