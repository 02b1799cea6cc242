// postgres-sink: writes tuples as rows into a PostgreSQL table through libpqxx.
// Each column takes the tuple's key, value, ts (ns), payload, or a JSON
// pointer into the payload (`/user/id`).
//
// Rows are written in batches of `batch_rows` (or what arrived within
// `flush_ms`), one transaction each, by a writer thread on the sink's own
// connection: the task fills the next batch while the writer sends one, and
// one more full batch may wait for the writer; beyond that the sink takes no
// input (back pressure). The task also turns a batch into its statement's
// rows (BatchPreparer) when it hands it over, so that the writer, which the
// server waits for, only sends. A tuple completes only after its batch committed
// (the writer hands finished batches back, and the task completes them in
// poll()), so in at-least-once a lost batch is replayed, and upsert makes the
// replay idempotent.
//
// Each batch is one statement on its own (autocommit, so one transaction):
// `insert` is a COPY. `upsert` is a COPY too while the keys it meets are new
// (a COPY is about twice as cheap for the server as INSERT … ON CONFLICT;
// tests/bench/BENCHMARKS.md): a COPY that meets an existing key fails as a
// whole and the batch is written again with INSERT … ON CONFLICT … DO UPDATE.
// After such a conflict the sink keeps to the upsert statement and tries a
// COPY again after 1, 2, 4 … up to 64 batches, so a stream of updates pays
// for few failed COPYs. Rows of a batch with the same key are merged first
// (the last wins), as one statement may not update a row twice.
//
// A batch the server refuses (a constraint, a wrong type) is an error with the
// server's message; its rows are then tried one by one, so only the bad rows
// fail. A row failing kMaxRowAttempts times is given up (an error, its tuple
// acknowledged) so that replays of it cannot go on for ever. A lost server
// fails the batches in flight (replayed) and is reconnected with back-off,
// also while no batch waits, so the metrics show when it is back.
#include <nlohmann/json.hpp>
#include <pqxx/nontransaction>
#include <pqxx/pqxx>
#include <pqxx/tablewriter>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "topolab/engine/database_sink_stats.h"
#include "topolab/engine/histogram.h"
#include "topolab/engine/operator.h"

namespace topolab {
namespace {

constexpr int64_t kFirstBackoffNs = 100'000'000;  // 100 ms, doubling …
constexpr int64_t kMaxBackoffNs = 5'000'000'000;  // … up to 5 s
constexpr int kMaxRowAttempts = 3;                // then a row is given up
constexpr size_t kMaxRememberedRows = 100'000;    // failing rows remembered
constexpr size_t kQueuedBatches = 1;              // full batches waiting for the writer
constexpr int kMaxCopyPause = 64;                 // upsert: batches between COPY attempts, at most
constexpr const char* kUniqueViolation = "23505";

// What a column is filled from.
struct ColumnSource {
  enum class Kind { Key, Value, Ts, Payload, Pointer } kind = Kind::Key;
  nlohmann::json::json_pointer pointer;
};

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

// A field in COPY's text format (tab-separated, backslash escapes, \N for NULL).
void appendCopyField(std::string& line, std::string_view v, bool null) {
  if (null) {
    line += "\\N";
    return;
  }
  for (char ch : v) {
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

// A string constant, E'…' so that backslashes mean the same whatever
// standard_conforming_strings says. Safe because the sink's connections speak
// UTF-8, where no byte of a multi-byte character is a quote or a backslash.
void appendLiteral(std::string& sql, std::string_view v) {
  sql += "E'";
  for (char ch : v) {
    if (ch == '\'' || ch == '\\') sql += ch;
    sql += ch;
  }
  sql += '\'';
}

// The rows of one batch: every field's bytes back to back in one buffer (no
// allocation per row once the buffers have grown), the inputs they complete,
// and what the writer made of them.
struct RowBatch {
  std::string data;            // the fields' bytes, back to back
  std::vector<size_t> ends;    // per field (row-major): where it ends in `data`
  std::vector<uint8_t> nulls;  // per field: 1 for NULL
  std::vector<AckOp> held;     // per row: the input it completes
  // Made by BatchPreparer when the batch is handed over: the rows a
  // statement writes, and those rows in COPY's text format.
  std::vector<uint32_t> selected;
  std::string copy;
  std::vector<uint8_t> ok;          // per row, set by the writer: committed (or given up)
  std::vector<std::string> errors;  // set by the writer: each one an error to count
  std::string why_failed;           // set by the writer: why rows not ok failed (the last reason)
  int64_t first_ns = 0;             // when its first row arrived
  bool last = false;  // the end of the input's: one reconnect now rather than after back-off

  size_t rows() const { return held.size(); }
  void add(std::string_view v) {
    data.append(v);
    ends.push_back(data.size());
    nulls.push_back(0);
  }
  void addNull() {
    ends.push_back(data.size());
    nulls.push_back(1);
  }
  std::string_view field(size_t i) const {
    const size_t begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view(data).substr(begin, ends[i] - begin);
  }
  void clear() {
    data.clear();
    ends.clear();
    nulls.clear();
    held.clear();
    selected.clear();
    copy.clear();
    ok.clear();
    errors.clear();
    why_failed.clear();
    first_ns = 0;
    last = false;
  }
};

// What a batch's statement writes, made on the task's thread when the batch
// is handed over, so that the writer only sends: the rows (an upsert keeps
// the last row of each key, since one statement may not update a row twice;
// a key with a NULL never conflicts, so such rows are all kept), and those
// rows in COPY's text format.
class BatchPreparer {
 public:
  BatchPreparer(size_t width, bool upsert, std::vector<size_t> conflict_index)
      : width_(width), upsert_(upsert), conflict_index_(std::move(conflict_index)) {}

  void prepare(RowBatch& b) {
    selectRows(b);
    b.copy.clear();
    for (size_t k = 0; k < b.selected.size(); ++k) {
      if (k) b.copy += '\n';  // write_raw_line ends the last line
      const size_t first = b.selected[k] * width_;
      for (size_t c = 0; c < width_; ++c) {
        if (c) b.copy += '\t';
        appendCopyField(b.copy, b.field(first + c), b.nulls[first + c] != 0);
      }
    }
  }

 private:
  void selectRows(RowBatch& b) {
    const size_t n = b.rows();
    b.selected.clear();
    if (!upsert_) {
      for (uint32_t i = 0; i < n; ++i) b.selected.push_back(i);
      return;
    }
    // A key: its single field as it is, or several length-prefixed.
    keys_.clear();
    key_ends_.clear();
    if (conflict_index_.size() > 1) {
      for (size_t i = 0; i < n; ++i) {
        for (size_t c : conflict_index_) {
          const std::string_view f = b.field(i * width_ + c);
          keys_ += std::to_string(f.size());
          keys_ += ':';
          keys_ += f;
        }
        key_ends_.push_back(keys_.size());
      }
    }
    auto keyOf = [&](size_t i) -> std::string_view {
      if (conflict_index_.size() == 1) return b.field(i * width_ + conflict_index_[0]);
      const size_t begin = i == 0 ? 0 : key_ends_[i - 1];
      return std::string_view(keys_).substr(begin, key_ends_[i] - begin);
    };
    auto hasNull = [&](size_t i) {
      for (size_t c : conflict_index_) {
        if (b.nulls[i * width_ + c]) return true;
      }
      return false;
    };
    last_.clear();
    last_.reserve(n);
    for (uint32_t i = 0; i < n; ++i) {
      if (!hasNull(i)) last_[keyOf(i)] = i;
    }
    for (uint32_t i = 0; i < n; ++i) {
      if (hasNull(i) || last_[keyOf(i)] == i) b.selected.push_back(i);
    }
  }

  const size_t width_;
  const bool upsert_;
  const std::vector<size_t> conflict_index_;  // the conflict columns' places in a row
  // Buffers kept between batches.
  std::string keys_;
  std::vector<size_t> key_ends_;
  std::unordered_map<std::string_view, uint32_t> last_;
};

// The sink's side of the server: its connection, the statements, and the
// figures. Used only on the writer thread after construction (stats() from
// any thread).
class TableWriter {
 public:
  struct Config {
    std::string name;  // "component#index", for events
    std::string dsn;
    std::string table;
    std::vector<std::string> columns;
    std::vector<ColumnSource::Kind> kinds;  // per column, for create
    std::vector<std::string> conflict;
    bool upsert = false;
    bool at_least_once = false;
    std::function<void(const std::string&, const std::string&)> event;
    std::function<void(int, const std::string&)> log;
  };

  // Connects and checks (or creates) the table; throws a message for the user.
  TableWriter(Config config, bool create) : c_(std::move(config)) {
    try {
      conn_ = open();
    } catch (const std::exception& e) {
      throw std::runtime_error("postgres-sink: cannot connect to '" + c_.dsn +
                               "': " + trim(e.what()));
    }
    quoted_table_ = quoteTable(*conn_, c_.table);
    for (const std::string& c : c_.columns) quoted_columns_.push_back(conn_->quote_name(c));
    head_ = "INSERT INTO " + quoted_table_ + " (" + nameList(c_.columns) + ") VALUES ";
    tail_ = upsertTail();
    prepareTable(create);
  }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

  // Writes batch `b` (sets b.ok and b.errors); never throws.
  void write(RowBatch& b) {
    const size_t n = b.rows();
    b.ok.assign(n, 0);
    const int64_t start = monoNowNs();
    if (!connect(start, b.last)) {
      failed_batches_.fetch_add(1, std::memory_order_relaxed);
      b.why_failed = "the server is away (reconnecting)";
      return;  // the server is away: these tuples fail (at-least-once replays them)
    }
    try {
      writeRows(b, b.selected, true);
      committed(b.selected.size(), start);
      b.ok.assign(n, 1);  // rows merged into a later one of the same key are written too
      return;
    } catch (const std::exception& e) {
      failed_batches_.fetch_add(1, std::memory_order_relaxed);
      if (lostConnection(e)) {
        b.why_failed = "lost the server: " + trim(e.what());
        disconnect(trim(e.what()), monoNowNs());
        return;
      }
      b.errors.push_back(trim(e.what()));
      note("error", "refused a batch of " + std::to_string(n) + " rows: " + trim(e.what()));
    }
    // Only some rows are bad: each on its own, so the others arrive.
    for (uint32_t i = 0; i < n && conn_; ++i) {
      const int64_t t0 = monoNowNs();
      one_.assign(1, i);
      try {
        writeRows(b, one_, false);
        committed(1, t0);
        b.ok[i] = 1;
      } catch (const std::exception& e) {
        if (lostConnection(e)) {
          b.why_failed = "lost the server: " + trim(e.what());
          disconnect(trim(e.what()), monoNowNs());
          break;
        }
        rowFailed(b, i, trim(e.what()));
      }
    }
  }

  // Connects if there is no connection and the back-off allows it (or `now_anyway`).
  bool connect(int64_t now, bool now_anyway) {
    if (conn_) return true;
    if (!now_anyway && now < next_connect_ns_) return false;
    try {
      conn_ = open();
    } catch (const std::exception& e) {
      backoff_ns_ = std::min(std::max(backoff_ns_, kFirstBackoffNs / 2) * 2, kMaxBackoffNs);
      next_connect_ns_ = now + backoff_ns_;
      return false;
    }
    backoff_ns_ = 0;
    reconnects_.fetch_add(1, std::memory_order_relaxed);
    connected_.store(true, std::memory_order_relaxed);
    note("reconnected", "reconnected to the server");
    return true;
  }
  bool connected() const { return conn_ != nullptr; }
  int64_t nextConnectNs() const { return next_connect_ns_; }

  DatabaseStats stats() {
    DatabaseStats d;
    d.disconnected = connected_.load(std::memory_order_relaxed) ? 0 : 1;
    d.rows = rows_written_.load(std::memory_order_relaxed);
    d.commits = commits_.load(std::memory_order_relaxed);
    d.failed_batches = failed_batches_.load(std::memory_order_relaxed);
    d.reconnects = reconnects_.load(std::memory_order_relaxed);
    d.commit_latency = commit_latency_.snapshot(false);
    d.batch_rows = batch_rows_.snapshot(false);
    return d;
  }

 private:
  // A connection speaking UTF-8 (tuples carry UTF-8; the server converts to
  // the database's encoding), which COPY's text format and appendLiteral()
  // rely on.
  std::unique_ptr<pqxx::connection> open() const {
    auto c = std::make_unique<pqxx::connection>(c_.dsn);
    c->set_client_encoding("UTF8");
    return c;
  }

  // Checks (or creates) the table and its columns, and that the statement
  // the sink will run is one the server accepts (e.g. that `conflict` is a
  // unique key), so that a mistake is a PREPARE error, not a stream of them.
  void prepareTable(bool create) {
    try {
      pqxx::work w(*conn_);
      const pqxx::result exists =
          w.exec("SELECT to_regclass(" + w.quote(c_.table) + ") IS NOT NULL");
      if (!exists[0][0].as<bool>()) {
        if (!create) {
          throw std::runtime_error("postgres-sink: table '" + c_.table +
                                   "' does not exist (create it, or set create: true)");
        }
        w.exec(createSql());
      } else {
        const pqxx::result cols =
            w.exec("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(" +
                   w.quote(c_.table) + ") AND attnum > 0 AND NOT attisdropped");
        std::vector<std::string> have;
        for (const auto& r : cols) have.push_back(r[0].as<std::string>());
        for (const std::string& c : c_.columns) {
          if (std::find(have.begin(), have.end(), c) == have.end()) {
            throw std::runtime_error("postgres-sink: table '" + c_.table + "' has no column '" + c +
                                     "'");
          }
        }
      }
      // EXPLAIN plans the statement (and so checks ON CONFLICT against the
      // table's unique keys) without running it.
      std::string nulls = "NULL";
      for (size_t i = 1; i < c_.columns.size(); ++i) nulls += ",NULL";
      w.exec("EXPLAIN " + head_ + "(" + nulls + ")" + tail_);
      w.commit();
    } catch (const pqxx::sql_error& e) {
      throw std::runtime_error("postgres-sink: table '" + c_.table + "': " + trim(e.what()));
    } catch (const pqxx::broken_connection& e) {
      throw std::runtime_error("postgres-sink: lost the server: " + trim(e.what()));
    }
  }

  std::string createSql() const {
    std::string sql = "CREATE TABLE " + quoted_table_ + " (";
    for (size_t i = 0; i < c_.columns.size(); ++i) {
      if (i) sql += ", ";
      sql += quoted_columns_[i];
      switch (c_.kinds[i]) {
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
    if (!c_.conflict.empty()) sql += ", PRIMARY KEY (" + nameList(c_.conflict) + ")";
    return sql + ")";
  }

  std::string nameList(const std::vector<std::string>& names) const {
    std::string s;
    for (const std::string& n : names) s += (s.empty() ? "" : ",") + conn_->quote_name(n);
    return s;
  }

  std::string upsertTail() const {
    if (!c_.upsert) return {};
    std::string set;
    for (const std::string& c : c_.columns) {
      if (std::find(c_.conflict.begin(), c_.conflict.end(), c) != c_.conflict.end()) continue;
      const std::string q = conn_->quote_name(c);
      set += (set.empty() ? "" : ", ") + q + " = EXCLUDED." + q;
    }
    return " ON CONFLICT (" + nameList(c_.conflict) + ")" +
           (set.empty() ? " DO NOTHING" : " DO UPDATE SET " + set);
  }

  // Writes `rows` of `b` in one statement (one transaction); throws what
  // libpqxx throws. `batch`: a whole batch, which may try a COPY first.
  void writeRows(const RowBatch& b, const std::vector<uint32_t>& rows, bool batch) {
    if (!c_.upsert) {
      if (batch) {
        copy(b);
      } else {
        exec(b, rows, false);
      }
      return;
    }
    if (!batch) {
      exec(b, rows, true);
      return;
    }
    if (copy_pause_ == 0) {
      try {
        copy(b);
        copy_pause_next_ = 1;
        return;
      } catch (const pqxx::sql_error& e) {
        if (e.sqlstate() != kUniqueViolation) throw;
        // A key is there already: the upsert below; no COPY for a while.
        copy_pause_ = copy_pause_next_;
        copy_pause_next_ = std::min(copy_pause_next_ * 2, kMaxCopyPause);
      }
    } else {
      --copy_pause_;
    }
    exec(b, rows, true);
  }

  // The batch's rows, made COPY text by BatchPreparer.
  void copy(const RowBatch& b) {
    pqxx::nontransaction w(*conn_);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    // libpqxx 6's stream_to takes only fixed tuples; tablewriter takes lines
    // (all of a batch's in one: COPY data need not end at a row).
    pqxx::tablewriter copy(w, quoted_table_, quoted_columns_.begin(), quoted_columns_.end());
#pragma GCC diagnostic pop
    copy.write_raw_line(b.copy);
    copy.complete();
    w.commit();
  }

  // INSERT … VALUES (…),(…) [ON CONFLICT …].
  void exec(const RowBatch& b, const std::vector<uint32_t>& rows, bool upsert) {
    const size_t width = c_.columns.size();
    text_ = head_;
    for (size_t k = 0; k < rows.size(); ++k) {
      text_ += k ? ",(" : "(";
      const size_t first = rows[k] * width;
      for (size_t c = 0; c < width; ++c) {
        if (c) text_ += ',';
        if (b.nulls[first + c]) {
          text_ += "NULL";
          continue;
        }
        appendLiteral(text_, b.field(first + c));
      }
      text_ += ')';
    }
    if (upsert) text_ += tail_;
    pqxx::nontransaction w(*conn_);
    w.exec(text_);
    w.commit();
  }

  void committed(size_t rows, int64_t start) {
    rows_written_.fetch_add(rows, std::memory_order_relaxed);
    commits_.fetch_add(1, std::memory_order_relaxed);
    commit_latency_.record(static_cast<uint64_t>(std::max<int64_t>(0, monoNowNs() - start)));
    batch_rows_.record(rows);
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
    connected_.store(false, std::memory_order_relaxed);
    backoff_ns_ = backoff_ns_ == 0 ? kFirstBackoffNs : std::min(backoff_ns_ * 2, kMaxBackoffNs);
    next_connect_ns_ = now + backoff_ns_;
    note("disconnected", "lost the server: " + why);
  }

  // An event on the charts ("db#0 lost the server: …") and a log line.
  void note(const std::string& kind, const std::string& what) {
    if (c_.event) c_.event(kind, c_.name + " " + what);
    if (c_.log) c_.log(kind == "reconnected" ? 2 : 4, what);
  }

  // A row the server refuses: failed (replayed in at-least-once) until it has
  // failed kMaxRowAttempts times, then given up as an error.
  void rowFailed(RowBatch& b, uint32_t row, const std::string& why) {
    b.why_failed = "the server refused the row: " + why;
    if (!c_.at_least_once) {
      note("error", "refused a row: " + why);
      return;  // b.ok[row] stays 0: failed
    }
    const size_t width = c_.columns.size();
    std::string id;
    for (size_t c = 0; c < width; ++c) {
      const size_t f = row * width + c;
      if (b.nulls[f]) {
        id += "n";
        continue;
      }
      const std::string_view v = b.field(f);
      id += std::to_string(v.size());
      id += ':';
      id += v;
    }
    if (failures_.size() >= kMaxRememberedRows) failures_.clear();
    const int n = ++failures_[id];
    if (n < kMaxRowAttempts) return;
    failures_.erase(id);
    b.errors.push_back(why);
    note("error", "gave up a row after " + std::to_string(n) + " attempts: " + why);
    b.ok[row] = 1;  // acknowledged: its replays end here
  }

  Config c_;
  std::unique_ptr<pqxx::connection> conn_;  // null while the server is away
  std::string quoted_table_;
  std::vector<std::string> quoted_columns_;
  std::string head_;  // INSERT INTO t (…) VALUES
  std::string tail_;  // ON CONFLICT (…) DO UPDATE SET …, for upsert
  int64_t backoff_ns_ = 0;
  int64_t next_connect_ns_ = 0;
  int copy_pause_ = 0;       // upsert: batches to go before a COPY is tried again
  int copy_pause_next_ = 1;  // … after the next conflict
  std::unordered_map<std::string, int> failures_;  // refused rows → attempts
  // Buffers kept between batches.
  std::string text_;
  std::vector<uint32_t> one_;
  // Figures, read by stats() from other threads.
  std::atomic<bool> connected_{true};
  std::atomic<uint64_t> rows_written_{0};
  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> failed_batches_{0};
  std::atomic<uint64_t> reconnects_{0};
  AtomicHistogram commit_latency_;  // one writer: the writer thread
  AtomicHistogram batch_rows_;
};

class PostgresSink final : public Operator, public DatabaseSinkStats {
 public:
  PostgresSink(const Params& p, const OperatorContext& ctx)
      : batch_rows_(static_cast<size_t>(p.getInt("batch_rows"))),
        flush_ns_(p.getInt("flush_ms") * 1'000'000) {
    TableWriter::Config c;
    c.name = ctx.component + "#" + std::to_string(ctx.index);
    c.dsn = p.getString("dsn");
    c.table = p.getString("table");
    c.upsert = p.getString("mode") == "upsert";
    c.conflict = p.getList("conflict");
    c.at_least_once = ctx.at_least_once;
    c.event = ctx.event;
    c.log = ctx.log;
    for (const auto& [column, source] : p.getMap("columns")) {
      c.columns.push_back(column);
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
      c.kinds.push_back(s.kind);
      sources_.push_back(std::move(s));
    }
    if (c.columns.empty()) throw std::runtime_error("postgres-sink: 'columns' names no column");
    if (c.upsert && c.conflict.empty()) {
      throw std::runtime_error(
          "postgres-sink: mode upsert needs 'conflict', the columns of a unique key");
    }
    for (const std::string& k : c.conflict) {
      if (std::find(c.columns.begin(), c.columns.end(), k) == c.columns.end()) {
        throw std::runtime_error("postgres-sink: conflict column '" + k +
                                 "' is not one of the written columns");
      }
    }
    std::vector<size_t> conflict_index;
    for (const std::string& k : c.conflict) {
      conflict_index.push_back(static_cast<size_t>(
          std::find(c.columns.begin(), c.columns.end(), k) - c.columns.begin()));
    }
    preparer_ =
        std::make_unique<BatchPreparer>(c.columns.size(), c.upsert, std::move(conflict_index));
    writer_ = std::make_unique<TableWriter>(std::move(c), p.getBool("create"));
  }

  ~PostgresSink() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  ProcessResult process(Tuple& in, Emitter& out, int64_t now) override {
    if (filling_.rows() == 0) filling_.first_ns = now;
    addRow(in, filling_);
    filling_.held.push_back(out.holdInput());
    if (filling_.rows() >= batch_rows_) handOff();
    return {};
  }

  // A full batch the writer has no room for yet waits; the writer wakes the
  // task when it takes the batch before.
  bool accepting() const override { return filling_.rows() < batch_rows_; }
  bool idle() const override { return handed_ == 0; }
  void setWaker(std::function<void()> wake) override { wake_ = std::move(wake); }

  void poll(Emitter& out, int64_t now) override {
    finishWritten(out);
    if (filling_.rows() >= batch_rows_ || (filling_.rows() > 0 && now >= flushDue())) handOff();
  }

  int64_t nextTimerMonoNs() const override {
    // While the writer has no room, its wake-up comes first.
    if (filling_.rows() == 0 || queued_.load(std::memory_order_relaxed) >= kQueuedBatches) return 0;
    return flushDue();
  }
  void onTimer(Emitter&, int64_t now) override {
    if (filling_.rows() > 0 && now >= flushDue()) handOff();
  }

  // Writes what is left and waits for every batch to be finished.
  void onEndOfInput(Emitter& out) override {
    std::unique_lock lock(mu_);
    if (filling_.rows() > 0) {
      filling_.last = true;
      room_cv_.wait(lock, [&] { return queue_.size() < kQueuedBatches; });
      lock.unlock();
      handOff();
      lock.lock();
    }
    room_cv_.wait(lock, [&] { return queue_.empty() && !writing_; });
    lock.unlock();
    finishWritten(out);
  }
  bool recordsEndToEnd() const override { return true; }

  DatabaseStats databaseStats() override { return writer_->stats(); }

 private:
  int64_t flushDue() const { return filling_.first_ns + flush_ns_; }

  void addRow(const Tuple& t, RowBatch& b) {
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
          b.add(t.key);
          break;
        case ColumnSource::Kind::Value:
          b.add(std::string_view(buf, std::to_chars(buf, buf + sizeof buf, t.value).ptr - buf));
          break;
        case ColumnSource::Kind::Ts:
          b.add(std::string_view(buf, std::to_chars(buf, buf + sizeof buf, t.ts).ptr - buf));
          break;
        case ColumnSource::Kind::Payload:
          b.add(t.payload);
          break;
        case ColumnSource::Kind::Pointer: {
          if (!parsed || !doc.contains(s.pointer)) {
            b.addNull();
            break;
          }
          const nlohmann::json& v = doc.at(s.pointer);
          if (v.is_null())
            b.addNull();
          else if (v.is_string())
            b.add(v.get_ref<const std::string&>());
          else
            b.add(v.dump());
          break;
        }
      }
    }
  }

  // Gives the filling batch to the writer if it has room; false if not.
  bool handOff() {
    // Only this thread adds to the queue: room seen here stays.
    if (queued_.load(std::memory_order_relaxed) >= kQueuedBatches) return false;
    preparer_->prepare(filling_);
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(filling_));
      queued_.store(queue_.size(), std::memory_order_relaxed);
    }
    ++handed_;
    work_cv_.notify_one();
    if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
    if (spare_.empty()) {
      filling_ = RowBatch{};
    } else {
      filling_ = std::move(spare_.back());
      spare_.pop_back();
    }
    filling_.clear();
    return true;
  }

  // Completes the inputs of the batches the writer finished, on the task's thread.
  void finishWritten(Emitter& out) {
    if (!has_written_.load(std::memory_order_acquire)) return;
    {
      std::lock_guard lock(mu_);
      taken_.swap(written_);
      has_written_.store(false, std::memory_order_relaxed);
    }
    for (RowBatch& b : taken_) {
      for (size_t i = 0; i < b.rows(); ++i) out.complete(b.held[i], b.ok[i] != 0, b.why_failed);
      for (const std::string& e : b.errors) out.reportError(e);
      --handed_;
      if (spare_.size() < 2) spare_.push_back(std::move(b));
    }
    taken_.clear();
  }

  void wake() {
    if (wake_) wake_();
  }

  // The writer thread: one batch at a time; while the server is away and no
  // batch waits, reconnects when the back-off ends.
  void run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      if (queue_.empty()) {
        if (writer_->connected()) {
          work_cv_.wait(lock);
          continue;
        }
        const int64_t due = writer_->nextConnectNs();
        if (monoNowNs() < due) {
          work_cv_.wait_until(lock,
                              std::chrono::steady_clock::time_point(std::chrono::nanoseconds(due)));
          continue;
        }
        lock.unlock();
        writer_->connect(monoNowNs(), false);
        lock.lock();
        continue;
      }
      RowBatch b = std::move(queue_.front());
      queue_.pop_front();
      queued_.store(queue_.size(), std::memory_order_relaxed);
      writing_ = true;
      lock.unlock();
      room_cv_.notify_all();
      wake();  // room for the next batch
      writer_->write(b);
      lock.lock();
      writing_ = false;
      written_.push_back(std::move(b));
      has_written_.store(true, std::memory_order_release);
      lock.unlock();
      room_cv_.notify_all();
      wake();
      lock.lock();
    }
  }

  const size_t batch_rows_;
  const int64_t flush_ns_;
  std::vector<ColumnSource> sources_;
  bool parse_payload_ = false;
  std::unique_ptr<BatchPreparer> preparer_;  // on the task's thread
  std::unique_ptr<TableWriter> writer_;
  std::function<void()> wake_;
  // The task's side.
  RowBatch filling_;
  std::vector<RowBatch> spare_;  // finished batches, for their buffers
  std::vector<RowBatch> taken_;
  size_t handed_ = 0;  // batches given to the writer and not finished yet
  // Between the task and the writer thread.
  std::mutex mu_;
  std::condition_variable work_cv_;  // the writer waits for a batch
  std::condition_variable room_cv_;  // the end of input waits for the writer
  std::deque<RowBatch> queue_;       // full batches waiting for the writer
  std::atomic<size_t> queued_{0};    // queue_.size(), for the timer and handOff()
  bool writing_ = false;
  std::vector<RowBatch> written_;  // finished, for the task to complete
  std::atomic<bool> has_written_{false};
  bool stop_ = false;
  std::thread thread_;  // started with the first batch
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
