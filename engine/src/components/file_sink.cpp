// file-sink: appends tuples to a file as JSON lines or CSV.
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "topolab/engine/json.h"
#include "topolab/engine/operator.h"

namespace topolab {
namespace {

class FileSink final : public Operator {
 public:
  FileSink(const Params& p, const OperatorContext& ctx) : csv_(p.getString("format") == "csv") {
    std::string path = p.getString("path");
    // Several instances append to one file each, so lines never interleave.
    if (ctx.parallelism > 1) path += "." + std::to_string(ctx.index);
    file_.reset(std::fopen(path.c_str(), "a"));
    if (!file_) throw std::runtime_error("file-sink cannot open '" + path + "' for appending");
    error_ = "could not append to '" + path + "'";
    std::setvbuf(file_.get(), nullptr, _IOFBF, 1 << 16);
  }

  ProcessResult process(Tuple& in, Emitter&, int64_t) override {
    line_.clear();
    if (csv_) {
      appendCsvField(line_, in.key);
      line_ += ',';
      appendJsonNumber(line_, in.value);
      line_ += ',' + std::to_string(in.ts) + ',';
      appendCsvField(line_, in.payload);
    } else {
      line_ += "{\"key\":";
      appendJsonString(line_, in.key);
      line_ += ",\"value\":";
      appendJsonNumber(line_, in.value);
      line_ += ",\"ts\":" + std::to_string(in.ts) + ",\"payload\":";
      appendJsonString(line_, in.payload);
      line_ += '}';
    }
    line_ += '\n';
    if (std::fwrite(line_.data(), 1, line_.size(), file_.get()) != line_.size()) {
      return {.ok = false, .error = error_};
    }
    return {};
  }

  void onEndOfInput(Emitter&) override { std::fflush(file_.get()); }
  bool recordsEndToEnd() const override { return true; }

 private:
  static void appendCsvField(std::string& out, const std::string& s) {
    if (s.find_first_of(",\"\n\r") == std::string::npos) {
      out += s;
      return;
    }
    out += '"';
    for (char c : s) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }

  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  bool csv_;
  std::unique_ptr<std::FILE, Closer> file_;
  std::string line_;
  std::string error_;  // the sample's message when a write fails
};

const CatalogueRegistration kRegistration{ComponentType{
    .name = "file-sink",
    .role = Role::Sink,
    .doc = "Appends tuples to a file as JSON lines or CSV",
    .params =
        {
            {.name = "path",
             .type = ParamType::String,
             .required = true,
             .doc = "file to append to (instance N of several writes PATH.N)"},
            {.name = "format",
             .type = ParamType::Enum,
             .default_text = "jsonl",
             .choices = {"jsonl", "csv"},
             .doc = "JSON lines or CSV (key,value,ts,payload)"},
        },
    .factory = [](const Params& p, const OperatorContext& c) -> OperatorPtr {
      return std::make_unique<FileSink>(p, c);
    },
    .traits = {.output_file_param = "path"},
}};

}  // namespace
}  // namespace topolab
