#include <iostream>

#include "commands.h"
#include "topolab/engine/catalogue.h"
#include "topolab/engine/json.h"

namespace topolab::cli {

int catalogueCommand(bool json) {
  const auto types = Catalogue::instance().types();
  if (json) {
    std::string out = "[";
    for (size_t i = 0; i < types.size(); ++i) {
      const ComponentType& t = *types[i];
      if (i) out += ',';
      out += "{\"name\":";
      appendJsonString(out, t.name);
      out += ",\"role\":";
      appendJsonString(out, toString(t.role));
      out += ",\"runnable\":";
      out += t.factory ? "true" : "false";
      out += ",\"doc\":";
      appendJsonString(out, t.doc);
      if (!t.plugin.empty()) {
        out += ",\"plugin\":";
        appendJsonString(out, t.plugin);
      }
      out += ",\"params\":[";
      for (size_t j = 0; j < t.params.size(); ++j) {
        const ParamSchema& p = t.params[j];
        if (j) out += ',';
        out += "{\"name\":";
        appendJsonString(out, p.name);
        out += ",\"type\":";
        appendJsonString(out, toString(p.type));
        out += ",\"default\":";
        if (p.required) {
          out += "null";
        } else {
          appendJsonString(out, p.default_text);
        }
        if (p.min) {
          out += ",\"min\":";
          appendJsonNumber(out, *p.min);
        }
        if (p.max) {
          out += ",\"max\":";
          appendJsonNumber(out, *p.max);
        }
        if (!p.choices.empty()) {
          out += ",\"choices\":[";
          for (size_t k = 0; k < p.choices.size(); ++k) {
            if (k) out += ',';
            appendJsonString(out, p.choices[k]);
          }
          out += ']';
        }
        out += ",\"doc\":";
        appendJsonString(out, p.doc);
        out += '}';
      }
      out += "]}";
    }
    out += "]\n";
    std::cout << out;
    return kOk;
  }
  for (const ComponentType* t : types) {
    std::cout << t->name << " (" << toString(t->role) << ")"
              << (t->factory ? "" : " [not runnable yet]")
              << (t->plugin.empty() ? "" : " [plugin " + t->plugin + "]") << "\n  " << t->doc
              << '\n';
    for (const ParamSchema& p : t->params) {
      std::cout << "  " << p.name << ": " << toString(p.type);
      if (!p.choices.empty()) {
        std::cout << " {";
        for (size_t k = 0; k < p.choices.size(); ++k) std::cout << (k ? ", " : "") << p.choices[k];
        std::cout << '}';
      }
      if (p.min || p.max) {
        std::cout << " [" << (p.min ? std::to_string(*p.min) : "") << ", "
                  << (p.max ? std::to_string(*p.max) : "") << "]";
      }
      std::cout << (p.required ? " (required)" : " = " + p.default_text) << "  — " << p.doc << '\n';
    }
  }
  return kOk;
}

}  // namespace topolab::cli
