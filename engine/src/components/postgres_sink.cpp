// postgres-sink: writes tuples as rows into a PostgreSQL table through libpqxx.
// Each column takes the tuple's key, value, ts (ns), payload, or a JSON
// pointer into the payload (`/user/id`).
//
// Rows are written in batches of `batch_rows` (or what arrived within
// `flush_ms`), one transaction each: COPY for `insert`, a multi-row
// INSERT … ON CONFLICT … DO UPDATE for `upsert`. A tuple completes only after
// its batch commits, so in at-least-once a lost batch is replayed, and upsert
// makes the replay idempotent.
//
// A batch the server refuses (a constraint, a wrong type) is an error with the
// server's message; its rows are then tried one by one, so only the bad rows
// fail. A row failing kMaxRowAttempts times is given up (an error, its tuple
// acknowledged) so that replays of it cannot go on for ever. A lost server
// fails the batch in flight (replayed) and is reconnected with back-off.
//
// Everything runs on the hosting task's thread: a batch being written is back
// pressure on the topology.
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include <algorithm>
#include <charconv>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "topolab/engine/operator.h"

namespace topolab {
namespace {

constexpr int64_t kFirstBackoffNs = 100'000'000;  // 100 ms, doubling …
constexpr int64_t kMaxBackoffNs = 5'000'000'000;  // … up to 5 s
constexpr int kMaxRowAttempts = 3;                // then a row is given up
constexpr size_t kMaxRememberedRows = 100'000;    // failing rows remembered

// What a column is filled from.
struct ColumnSource {
  enum class Kind { Key, Value, Ts, Payload, Pointer } kind = Kind::Key;
  nlohmann::json::json_pointer pointer;
};

using Row = std::vector<std::optional<std::string>>;

// Refuses a password written into a DSN (key/value or URI form): passwords
// come from a passfile (PGPASSFILE) or the environment.
std::string checkDsn(const ParamValue& v) {
  const std::string& dsn = std::get<std::string>(v);
  static const std::regex kKeyword(R"((^|[\s?&])password\s*=)", std::regex::icase);
  static const std::regex kUriPassword(R"(^postgres(ql)?://[^/@?]*:[^/@?]*@)", std::regex::icase);
  if (std::regex_search(dsn, kKeyword) || std::regex_search(dsn, kUriPassword)) {
    return "a password does not belong in the dsn (put it in a passfile named by PGPASSFILE, "
           "or in the agent's environment as PGPASSWORD)";
  }
  return {};
}

// Column sources: key, value, ts, payload or a JSON pointer.
std::string checkColumns(const ParamValue& v) {
  for (const auto& [column, source] : std::get<StringMap>(v)) {
    if (source == "key" || source == "value" || source == "ts" || source == "payload") continue;
    if (!source.empty() && source.front() == '/') {
      try {
        nlohmann::json::json_pointer p(source);
        continue;
      } catch (const std::exception& e) {
        return "column '" + column + "': bad JSON pointer '" + source + "'";
      }
    }
    return "column '" + column + "': source '" + source +
           "' is not key, value, ts, payload or a JSON pointer like /user/id";
  }
  return {};
}

// "schema.table" or "table", each part quoted as an identifier.
std::string quoteTable(pqxx::connection_base& c, const std::string& table) {
  const auto dot = table.find('.');
  if (dot == std::string::npos) return c.quote_name(table);
  return c.quote_name(table.substr(0, dot)) + "." + c.quote_name(table.substr(dot + 1));
}

void appendCopyField(std::string& line, const std::optional<std::string>& v) {
  if (!v) {
    line += "\\N";
    return;
  }
  for (char ch : *v) {
    switch (ch) {
      case '\\':
        line += "\\\\";
        break;
      case '\t':
        line += "\\t";
        break;
      case '\n':
        line += "\\n";
        break;
      case '\r':
        line += "\\r";
        break;
      default:
        line += ch;
    }
  }
}

class PostgresSink final : public Operator {
 public:
  PostgresSink(const Params& p, const OperatorContext& ctx)
      : ctx_(ctx),
        name_(ctx.component + "#" + std::to_string(ctx.index)),
        dsn_(p.getString("dsn")),
        table_(p.getString("table")),
        upsert_(p.getString("mode") == "upsert"),
        conflict_(p.getList("conflict")),
        batch_rows_(static_cast<size_t>(p.getInt("batch_rows"))),
        flush_ns_(p.getInt("flush_ms") * 1'000'000) {
    for (const auto& [column, source] : p.getMap("columns")) {
      columns_.push_back(column);
      ColumnSource s;
      if (source == "key")
        s.kind = ColumnSource::Kind::Key;
      else if (source == "value")
        s.kind = ColumnSource::Kind::Value;
      else if (source == "ts")
        s.kind = ColumnSource::Kind::Ts;
      else if (source == "payload")
        s.kind = ColumnSource::Kind::Payload;
      else {
        s.kind = ColumnSource::Kind::Pointer;
        s.pointer = nlohmann::json::json_pointer(source);
        parse_payload_ = true;
      }
      sources_.push_back(std::move(s));
    }
    if (columns_.empty()) throw std::runtime_error("postgres-sink: 'columns' names no column");
    if (upsert_ && conflict_.empty()) {
      throw std::runtime_error(
          "postgres-sink: mode upsert needs 'conflict', the columns of a unique key");
    }
    for (const std::string& c : conflict_) {
      if (std::find(columns_.begin(), columns_.end(), c) == columns_.end()) {
        throw std::runtime_error("postgres-sink: conflict column '" + c +
                                 "' is not one of the written columns");
      }
    }
    try {
      conn_ = std::make_unique<pqxx::connection>(dsn_);
    } catch (const std::exception& e) {
      throw std::runtime_error("postgres-sink: cannot connect to '" + dsn_ +
                               "': " + trim(e.what()));
    }
    prepareTable(p.getBool("create"));
    batch_.reserve(batch_rows_);
  }

  ~PostgresSink() override = default;

  ProcessResult process(Tuple& in, Emitter& out, int64_t now) override {
    if (batch_.empty()) first_ns_ = now;
    batch_.push_back(Pending{rowOf(in), out.holdInput()});
    if (batch_.size() >= batch_rows_) flush(out, now);
    return {};
  }

  int64_t nextTimerMonoNs() const override {
    if (batch_.empty()) return 0;
    return std::max(first_ns_ + flush_ns_, conn_ ? 0 : next_connect_ns_);
  }
  void onTimer(Emitter& out, int64_t now) override {
    if (!batch_.empty() && now >= nextTimerMonoNs()) flush(out, now);
  }
  void onEndOfInput(Emitter& out) override {
    int64_t now = monoNowNs();
    // The last rows get one reconnect, not the back-off's wait.
    if (!conn_) next_connect_ns_ = now;
    flush(out, now);
  }
  bool recordsEndToEnd() const override { return true; }

 private:
  struct Pending {
    Row row;
    AckOp held;
  };

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  Row rowOf(const Tuple& t) const {
    Row row;
    row.reserve(sources_.size());
    nlohmann::json doc;
    bool parsed = false;
    if (parse_payload_) {
      doc = nlohmann::json::parse(t.payload, nullptr, false);
      parsed = !doc.is_discarded();
    }
    char buf[32];
    for (const ColumnSource& s : sources_) {
      switch (s.kind) {
        case ColumnSource::Kind::Key:
          row.emplace_back(t.key);
          break;
        case ColumnSource::Kind::Value: {
          auto r = std::to_chars(buf, buf + sizeof buf, t.value);
          row.emplace_back(std::string(buf, r.ptr));
          break;
        }
        case ColumnSource::Kind::Ts: {
          auto r = std::to_chars(buf, buf + sizeof buf, t.ts);
          row.emplace_back(std::string(buf, r.ptr));
          break;
        }
        case ColumnSource::Kind::Payload:
          row.emplace_back(t.payload);
          break;
        case ColumnSource::Kind::Pointer: {
          if (!parsed || !doc.contains(s.pointer)) {
            row.emplace_back(std::nullopt);
            break;
          }
          const nlohmann::json& v = doc.at(s.pointer);
          if (v.is_null())
            row.emplace_back(std::nullopt);
          else if (v.is_string())
            row.emplace_back(v.get<std::string>());
          else
            row.emplace_back(v.dump());
          break;
        }
      }
    }
    return row;
  }

  // Checks (or creates) the table and its columns, and that the statement
  // the sink will run is one the server accepts (e.g. that `conflict` is a
  // unique key), so that a mistake is a PREPARE error, not a stream of them.
  void prepareTable(bool create) {
    try {
      pqxx::work w(*conn_);
      const pqxx::result exists = w.exec("SELECT to_regclass(" + w.quote(table_) + ") IS NOT NULL");
      if (!exists[0][0].as<bool>()) {
        if (!create) {
          throw std::runtime_error("postgres-sink: table '" + table_ +
                                   "' does not exist (create it, or set create: true)");
        }
        w.exec(createSql());
      } else {
        const pqxx::result cols =
            w.exec("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(" +
                   w.quote(table_) + ") AND attnum > 0 AND NOT attisdropped");
        std::vector<std::string> have;
        for (const auto& r : cols) have.push_back(r[0].as<std::string>());
        for (const std::string& c : columns_) {
          if (std::find(have.begin(), have.end(), c) == have.end()) {
            throw std::runtime_error("postgres-sink: table '" + table_ + "' has no column '" + c +
                                     "'");
          }
        }
      }
      // EXPLAIN plans the statement (and so checks ON CONFLICT against the
      // table's unique keys) without running it.
      std::string nulls = "NULL";
      for (size_t i = 1; i < columns_.size(); ++i) nulls += ",NULL";
      w.exec("EXPLAIN " + statementHead() + "(" + nulls + ")" + statementTail());
      w.commit();
    } catch (const pqxx::sql_error& e) {
      throw std::runtime_error("postgres-sink: table '" + table_ + "': " + trim(e.what()));
    } catch (const pqxx::broken_connection& e) {
      throw std::runtime_error("postgres-sink: lost the server: " + trim(e.what()));
    }
  }

  std::string createSql() const {
    std::string sql = "CREATE TABLE " + quoteTable(*conn_, table_) + " (";
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (i) sql += ", ";
      sql += conn_->quote_name(columns_[i]);
      switch (sources_[i].kind) {
        case ColumnSource::Kind::Value:
          sql += " double precision";
          break;
        case ColumnSource::Kind::Ts:
          sql += " bigint";
          break;
        default:
          sql += " text";
      }
    }
    if (!conflict_.empty()) sql += ", PRIMARY KEY (" + nameList(conflict_) + ")";
    return sql + ")";
  }

  std::string nameList(const std::vector<std::string>& names) const {
    std::string s;
    for (const std::string& n : names) s += (s.empty() ? "" : ",") + conn_->quote_name(n);
    return s;
  }

  std::string statementHead() const {
    return "INSERT INTO " + quoteTable(*conn_, table_) + " (" + nameList(columns_) + ") VALUES ";
  }
  std::string statementTail() const {
    if (!upsert_) return {};
    std::string set;
    for (const std::string& c : columns_) {
      if (std::find(conflict_.begin(), conflict_.end(), c) != conflict_.end()) continue;
      const std::string q = conn_->quote_name(c);
      set += (set.empty() ? "" : ", ") + q + " = EXCLUDED." + q;
    }
    return " ON CONFLICT (" + nameList(conflict_) + ")" +
           (set.empty() ? " DO NOTHING" : " DO UPDATE SET " + set);
  }

  void appendValues(pqxx::transaction_base& w, std::string& sql, const Row& row) const {
    sql += '(';
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) sql += ',';
      sql += row[i] ? w.quote(*row[i]) : "NULL";
    }
    sql += ')';
  }

  // Writes rows [begin, end) of the batch in one transaction.
  void write(size_t begin, size_t end) {
    pqxx::work w(*conn_);
    if (upsert_) {
      // One statement may not update a row twice: the last of a key wins.
      std::unordered_map<std::string, size_t> last;
      std::vector<size_t> conflict_index;
      for (const std::string& c : conflict_) {
        conflict_index.push_back(
            static_cast<size_t>(std::find(columns_.begin(), columns_.end(), c) - columns_.begin()));
      }
      for (size_t i = begin; i < end; ++i) {
        std::string k;
        for (size_t ci : conflict_index) {
          const auto& v = batch_[i].row[ci];
          k += v ? "v" + *v : "n";
          k += '\0';
        }
        last[k] = i;
      }
      std::string sql = statementHead();
      bool first = true;
      for (size_t i = begin; i < end; ++i) {
        std::string k;
        for (size_t ci : conflict_index) {
          const auto& v = batch_[i].row[ci];
          k += v ? "v" + *v : "n";
          k += '\0';
        }
        if (last[k] != i) continue;
        if (!first) sql += ',';
        first = false;
        appendValues(w, sql, batch_[i].row);
      }
      w.exec(sql + statementTail());
    } else if (end - begin == 1) {
      std::string sql = statementHead();
      appendValues(w, sql, batch_[begin].row);
      w.exec(sql);
    } else {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      // libpqxx 6's stream_to takes only fixed tuples; tablewriter takes lines.
      pqxx::tablewriter copy(w, table_, columns_.begin(), columns_.end());
#pragma GCC diagnostic pop
      std::string line;
      for (size_t i = begin; i < end; ++i) {
        line.clear();
        for (size_t c = 0; c < batch_[i].row.size(); ++c) {
          if (c) line += '\t';
          appendCopyField(line, batch_[i].row[c]);
        }
        copy.write_raw_line(line);
      }
      copy.complete();
    }
    w.commit();
  }

  // Whether an exception means the connection is gone (not the data's fault).
  bool lostConnection(const std::exception& e) const {
    if (dynamic_cast<const pqxx::broken_connection*>(&e)) return true;
    if (dynamic_cast<const pqxx::in_doubt_error*>(&e)) return true;
    if (const auto* s = dynamic_cast<const pqxx::sql_error*>(&e)) {
      const std::string& state = s->sqlstate();
      if (state.rfind("08", 0) == 0 || state.rfind("57", 0) == 0) return true;
    }
    return !conn_ || !conn_->is_open();
  }

  void disconnect(const std::string& why, int64_t now) {
    conn_.reset();
    backoff_ns_ = backoff_ns_ == 0 ? kFirstBackoffNs : std::min(backoff_ns_ * 2, kMaxBackoffNs);
    next_connect_ns_ = now + backoff_ns_;
    note("disconnected", "lost the server: " + why);
  }

  bool connect(int64_t now) {
    if (conn_) return true;
    if (now < next_connect_ns_) return false;
    try {
      conn_ = std::make_unique<pqxx::connection>(dsn_);
    } catch (const std::exception& e) {
      backoff_ns_ = std::min(std::max(backoff_ns_, kFirstBackoffNs / 2) * 2, kMaxBackoffNs);
      next_connect_ns_ = now + backoff_ns_;
      return false;
    }
    backoff_ns_ = 0;
    ++reconnects_;
    note("reconnected", "reconnected to the server");
    return true;
  }

  // An event on the charts ("db#0 lost the server: …") and a log line.
  void note(const std::string& kind, const std::string& what) {
    if (ctx_.event) ctx_.event(kind, name_ + " " + what);
    if (ctx_.log) ctx_.log(kind == "reconnected" ? 2 : 4, what);
  }

  void flush(Emitter& out, int64_t now) {
    if (batch_.empty()) return;
    if (!connect(now)) {
      // The server is away: these tuples fail (at-least-once replays them).
      for (Pending& p : batch_) out.complete(p.held, false);
      batch_.clear();
      return;
    }
    try {
      write(0, batch_.size());
      for (Pending& p : batch_) out.complete(p.held, true);
      batch_.clear();
      return;
    } catch (const std::exception& e) {
      if (lostConnection(e)) {
        disconnect(trim(e.what()), now);
        for (Pending& p : batch_) out.complete(p.held, false);
        batch_.clear();
        return;
      }
      out.reportError(e.what());
      note("error",
           "refused a batch of " + std::to_string(batch_.size()) + " rows: " + trim(e.what()));
    }
    // Only some rows are bad: each on its own, so the others arrive.
    for (size_t i = 0; i < batch_.size(); ++i) {
      Pending& p = batch_[i];
      if (!conn_) {
        out.complete(p.held, false);
        continue;
      }
      try {
        write(i, i + 1);
        out.complete(p.held, true);
      } catch (const std::exception& e) {
        if (lostConnection(e)) {
          disconnect(trim(e.what()), monoNowNs());
          out.complete(p.held, false);
          continue;
        }
        rowFailed(p, trim(e.what()), out);
      }
    }
    batch_.clear();
  }

  // A row the server refuses: failed (replayed in at-least-once) until it has
  // failed kMaxRowAttempts times, then given up as an error.
  void rowFailed(Pending& p, const std::string& why, Emitter& out) {
    if (!ctx_.at_least_once) {
      note("error", "refused a row: " + why);
      out.complete(p.held, false);
      return;
    }
    std::string id;
    for (const auto& v : p.row) id += (v ? "v" + *v : "n") + '\0';
    if (failures_.size() >= kMaxRememberedRows) failures_.clear();
    const int n = ++failures_[id];
    if (n < kMaxRowAttempts) {
      out.complete(p.held, false);
      return;
    }
    failures_.erase(id);
    out.reportError(why);
    note("error", "gave up a row after " + std::to_string(n) + " attempts: " + why);
    out.complete(p.held, true);
  }

  OperatorContext ctx_;
  std::string name_;
  std::string dsn_;
  std::string table_;
  bool upsert_;
  std::vector<std::string> conflict_;
  size_t batch_rows_;
  int64_t flush_ns_;
  std::vector<std::string> columns_;
  std::vector<ColumnSource> sources_;
  bool parse_payload_ = false;
  std::unique_ptr<pqxx::connection> conn_;  // null while the server is away
  int64_t backoff_ns_ = 0;
  int64_t next_connect_ns_ = 0;
  uint64_t reconnects_ = 0;
  std::vector<Pending> batch_;
  int64_t first_ns_ = 0;
  std::unordered_map<std::string, int> failures_;  // refused rows → attempts
};

const CatalogueRegistration kRegistration{ComponentType{
    .name = "postgres-sink",
    .role = Role::Sink,
    .doc = "Writes rows into a PostgreSQL table",
    .params =
        {
            {.name = "dsn",
             .type = ParamType::String,
             .required = true,
             .doc = "libpq connection string, e.g. 'host=db dbname=app user=topolab' (no "
                    "password: use PGPASSFILE)",
             .check = checkDsn},
            {.name = "table",
             .type = ParamType::String,
             .required = true,
             .doc = "table to write to (schema.table or table)"},
            {.name = "columns",
             .type = ParamType::StringMap,
             .required = true,
             .min = 1,
             .doc =
                 "column → key, value, ts, payload or a JSON pointer into the payload (/user/id)",
             .check = checkColumns},
            {.name = "mode",
             .type = ParamType::Enum,
             .default_text = "insert",
             .choices = {"insert", "upsert"},
             .doc = "insert rows, or update the row with the same conflict columns"},
            {.name = "conflict",
             .type = ParamType::StringList,
             .default_text = "[]",
             .doc = "columns of a unique key (upsert)"},
            {.name = "batch_rows",
             .type = ParamType::Int,
             .default_text = "1000",
             .min = 1,
             .max = 1'000'000,
             .doc = "rows per transaction"},
            {.name = "flush_ms",
             .type = ParamType::Int,
             .default_text = "100",
             .min = 1,
             .max = 3'600'000,
             .doc = "a batch not full after this long is written anyway"},
            {.name = "create",
             .type = ParamType::Bool,
             .default_text = "false",
             .doc = "create the table when it does not exist"},
        },
    .factory = [](const Params& p, const OperatorContext& c) -> OperatorPtr {
      return std::make_unique<PostgresSink>(p, c);
    },
}};

}  // namespace
}  // namespace topolab
