// safetensors files: an 8-byte little-endian header length, a JSON header mapping tensor names
// to {dtype, shape, data_offsets}, then the raw bytes. Reading memory-maps the file and checks
// every field before any byte is touched, so a damaged file gives an Error naming the file and
// the problem and never reads out of bounds. Writing is atomic (temp file + rename).
//
// Opening a file also checks it against the checksums.json of its folder when there is one
// (core/file_checksums.h): our checkpoints record one for every tensor file they write, so a
// bit flip inside a weight fails the open naming the file.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace r1 {

struct TensorInfo {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;  // into the mapping; not aligned in general
  size_t nbytes = 0;
  int64_t numel() const;
};

std::string shape_str(const std::vector<int64_t>& shape);  // "[4, 8]"

// The tensors and metadata that a file's header describes; TensorInfo::data points into the
// bytes parsed.
struct SafetensorsLayout {
  std::vector<TensorInfo> tensors;
  std::map<std::string, std::string> metadata;
};

// Parses and checks the header of a whole safetensors file held in `bytes` (`size` bytes): every
// tensor must lie inside the data, which they must cover exactly. Throws r1::Error naming `path`.
SafetensorsLayout parse_safetensors(const uint8_t* bytes, size_t size, const std::string& path);

// Throws naming `file`, the tensor and the index when data[0..n) holds a NaN or an infinity: a
// tensor read back that is not finite is a damaged file (weights, optimizer moments).
void check_finite_tensor(const std::string& file, const std::string& tensor, const float* data,
                         size_t n);

class SafetensorsFile {
 public:
  // Opens and validates `path` (and its checksum, see above). Throws r1::Error naming the file
  // on any problem.
  explicit SafetensorsFile(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find(const std::string& name) const;  // nullptr when absent
  const TensorInfo& get(const std::string& name) const;   // throws naming the tensor
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

  // Copies a tensor into float32, converting from its stored type, after checking its shape.
  void read_f32(const std::string& name, const std::vector<int64_t>& expected_shape,
                float* out) const;

 private:
  std::string path_;
  void* map_ = nullptr;
  size_t size_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

class SafetensorsWriter {
 public:
  // `data` must stay valid until write(); bytes are copied at write time.
  void add(const std::string& name, DType dtype, std::vector<int64_t> shape, const void* data);
  // Adds a float32 tensor stored as `dtype` (F32, F16, BF16): converted at write time.
  void add_f32(const std::string& name, std::vector<int64_t> shape, const float* data,
               DType stored = DType::F32);
  void set_metadata(const std::string& key, const std::string& value) { metadata_[key] = value; }
  void write(const std::string& path) const;

 private:
  struct Entry {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;
    const void* data;
    bool from_f32;
  };
  std::vector<Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

}  // namespace r1
