// TensorBoard event files, written without TensorFlow: TFRecord framing (length, masked CRC32C of
// the length, data, masked CRC32C of the data) around hand-encoded Event protobufs. The first
// record is Event{file_version: "brain.Event:2"}; each later one carries wall_time, step and a
// Summary of scalar values (simple_value), which TensorBoard's scalars dashboard reads as-is.
// The reader below checks both CRCs of every record: it exists for tests and tools.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace r1 {

double unix_time_now();  // seconds since the epoch, with sub-second precision

class TfEventWriter {
 public:
  // Creates dir if needed and a new file events.out.tfevents.<unix time>.<hostname> in it (with
  // a ".N" suffix if that name is taken, so two writers never share a file).
  explicit TfEventWriter(const std::string& dir);
  ~TfEventWriter();  // flushes; errors there are logged, not thrown
  TfEventWriter(const TfEventWriter&) = delete;
  TfEventWriter& operator=(const TfEventWriter&) = delete;

  void scalar(const std::string& tag, int64_t step, double value,
              double wall_time = unix_time_now());
  // Several scalars of one step as one Event.
  void scalars(int64_t step, const std::vector<std::pair<std::string, double>>& values,
               double wall_time = unix_time_now());
  // Records a restart at `step` (SessionLog START): TensorBoard then discards the values that
  // earlier files logged at steps >= step, which a resumed run overwrites.
  void session_start(int64_t step, double wall_time = unix_time_now());
  void flush();  // throws Error naming the file if the data cannot be written
  const std::string& path() const { return path_; }

 private:
  void write_record(const std::string& data);

  std::string path_;
  std::FILE* file_ = nullptr;
};

// ---- reading back ----

struct TfScalar {
  double wall_time = 0;
  int64_t step = 0;
  std::string tag;
  double value = 0;
};

struct TfEvent {
  double wall_time = 0;
  int64_t step = 0;
  std::string file_version;  // set in a file's first event
  int session_status = 0;    // SessionLog status (1 = START), 0 when absent
  std::vector<std::pair<std::string, double>> values;  // the Summary's simple values
};

// The payloads of every record, after checking both CRCs. Throws Error naming the file, the
// record and its byte offset on a CRC mismatch or a truncated record.
std::vector<std::string> read_tf_records(const std::string& path);
// Decodes one Event; throws Error on malformed protobuf. Unknown fields are skipped.
TfEvent parse_tf_event(const std::string& data);
// Every scalar of a file, in order.
std::vector<TfScalar> read_tf_events(const std::string& path);

}  // namespace r1
