#include "core/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/error.h"
#include "core/file_checksums.h"
#include "core/fs.h"
#include "core/json.h"

namespace r1 {

int64_t TensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

namespace {
// The reference implementation refuses headers above 100 MB; so do we.
constexpr uint64_t kMaxHeader = 100ull << 20;
}  // namespace

SafetensorsLayout parse_safetensors(const uint8_t* base, size_t size, const std::string& path) {
  if (size < 8)
    fail(path, ": truncated safetensors file (", size,
         " bytes, need at least 8 for the header length)");
  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | base[i];
  if (header_len > kMaxHeader)
    fail(path, ": header length ", header_len, " exceeds the 100 MB limit (corrupted?)");
  if (header_len > size - 8) {
    fail(path, ": truncated: header length says ", header_len, " bytes but only ", size - 8,
         " follow");
  }
  const json header = parse_json(std::string(reinterpret_cast<const char*>(base + 8), header_len),
                                 cat(path, ": header"));
  if (!header.is_object()) fail(path, ": header is not a JSON object");
  const uint8_t* data = base + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;

  SafetensorsLayout out;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) fail(path, ": __metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m) {
        if (!m.value().is_string())
          fail(path, ": __metadata__ value of '", m.key(), "' is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    auto bad = [&](const std::string& what) { fail(path, ": tensor '", name, "': ", what); };
    if (!v.is_object()) bad("entry is not an object");
    if (!v.contains("dtype") || !v["dtype"].is_string()) bad("missing or non-string dtype");
    if (!v.contains("shape") || !v["shape"].is_array()) bad("missing or non-array shape");
    if (!v.contains("data_offsets") || !v["data_offsets"].is_array() ||
        v["data_offsets"].size() != 2) {
      bad("data_offsets must be an array of two integers");
    }
    TensorInfo t;
    t.name = name;
    std::string dt = v["dtype"].get<std::string>();
    if (!parse_dtype(dt, &t.dtype)) bad(cat("unsupported dtype '", dt, "'"));
    uint64_t numel = 1;
    for (const auto& d : v["shape"]) {
      if (!d.is_number_unsigned()) bad("shape has a negative or non-integer dimension");
      uint64_t dim = d.get<uint64_t>();
      if (dim != 0 && numel > std::numeric_limits<uint64_t>::max() / dim) bad("shape overflows");
      numel *= dim;
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    const json& off = v["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      bad("data_offsets must be non-negative integers");
    uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (begin > end) bad(cat("data_offsets [", begin, ", ", end, "] are reversed"));
    if (end > data_size) {
      bad(cat("data_offsets end ", end, " is past the end of the data (", data_size,
              " bytes): file truncated?"));
    }
    uint64_t esize = dtype_size(t.dtype);
    if (numel > std::numeric_limits<uint64_t>::max() / esize || numel * esize != end - begin) {
      bad(cat("shape ", shape_str(t.shape), " of ", dt, " needs ", numel * esize,
              " bytes but data_offsets span ", end - begin));
    }
    t.data = data + begin;
    t.nbytes = static_cast<size_t>(end - begin);
    out.tensors.push_back(std::move(t));
  }
  // The byte buffer must be covered exactly, without holes or overlaps.
  std::vector<const TensorInfo*> order;
  for (const auto& t : out.tensors) order.push_back(&t);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) {
    return a->data != b->data ? a->data < b->data : a->nbytes < b->nbytes;
  });
  const uint8_t* cursor = data;
  for (const auto* t : order) {
    if (t->data != cursor) {
      fail(path, ": tensor '", t->name, "' starts at byte ", t->data - data,
           " but the previous tensor ends at ", cursor - data,
           " (overlap or hole: corrupted header)");
    }
    cursor += t->nbytes;
  }
  if (static_cast<uint64_t>(cursor - data) != data_size) {
    fail(path, ": ", data_size - (cursor - data),
         " trailing bytes after the last tensor (corrupted or wrong header)");
  }
  return out;
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(path, ": cannot open safetensors file: ", std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    fail(path, ": cannot stat: ", std::strerror(errno));
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ < 8) {
    ::close(fd);
    fail(path, ": truncated safetensors file (", size_, " bytes, need at least 8 for the header length)");
  }
  map_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map_ == MAP_FAILED) {
    map_ = nullptr;
    fail(path, ": mmap failed: ", std::strerror(errno));
  }
  try {
    const uint8_t* base = static_cast<const uint8_t*>(map_);
    verify_file_checksum(path, base, size_);
    SafetensorsLayout layout = parse_safetensors(base, size_, path);
    tensors_ = std::move(layout.tensors);
    metadata_ = std::move(layout.metadata);
    for (size_t i = 0; i < tensors_.size(); ++i) index_[tensors_[i].name] = i;
  } catch (...) {
    ::munmap(map_, size_);
    map_ = nullptr;
    throw;
  }
}

SafetensorsFile::~SafetensorsFile() {
  if (map_) ::munmap(map_, size_);
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

const TensorInfo& SafetensorsFile::get(const std::string& name) const {
  const TensorInfo* t = find(name);
  if (!t) fail(path_, ": missing tensor '", name, "'");
  return *t;
}

void check_finite_tensor(const std::string& file, const std::string& tensor, const float* data,
                         size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(data[i]))
      fail(file, ": tensor '", tensor, "' holds a value that is not finite (", data[i],
           ") at index ", i, " (corrupted?)");
}

void SafetensorsFile::read_f32(const std::string& name, const std::vector<int64_t>& expected_shape,
                               float* out) const {
  const TensorInfo& t = get(name);
  if (t.shape != expected_shape) {
    fail(path_, ": tensor '", name, "' has shape ", shape_str(t.shape), ", expected ", shape_str(expected_shape));
  }
  switch (t.dtype) {
    case DType::F32: case DType::F16: case DType::BF16: case DType::F64: break;
    default: fail(path_, ": tensor '", name, "' has dtype ", dtype_name(t.dtype), ", expected a float type");
  }
  convert_to_f32(t.dtype, t.data, out, static_cast<size_t>(t.numel()));
}

void SafetensorsWriter::add(const std::string& name, DType dtype, std::vector<int64_t> shape,
                            const void* data) {
  entries_.push_back({name, dtype, std::move(shape), data, false});
}

void SafetensorsWriter::add_f32(const std::string& name, std::vector<int64_t> shape, const float* data,
                                DType stored) {
  if (stored != DType::F32 && stored != DType::F16 && stored != DType::BF16 && stored != DType::F64) {
    fail("safetensors: cannot store float tensor '", name, "' as ", dtype_name(stored));
  }
  entries_.push_back({name, stored, std::move(shape), data, true});
}

void SafetensorsWriter::write(const std::string& path) const {
  ordered_json header = ordered_json::object();
  if (!metadata_.empty()) header["__metadata__"] = metadata_;
  uint64_t offset = 0;
  std::vector<uint64_t> sizes;
  for (const auto& e : entries_) {
    uint64_t n = 1;
    for (int64_t d : e.shape) n *= static_cast<uint64_t>(d);
    uint64_t bytes = n * dtype_size(e.dtype);
    header[e.name] = {{"dtype", dtype_name(e.dtype)}, {"shape", e.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
    sizes.push_back(bytes);
  }
  std::string text = header.dump();
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');
  uint8_t len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<uint8_t>(static_cast<uint64_t>(text.size()) >> (8 * i));
  AtomicWriter w(path);
  w.write(len, 8);
  w.write(text.data(), text.size());
  std::vector<char> tmp;
  for (size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (e.from_f32 && e.dtype != DType::F32) {
      tmp.resize(sizes[i]);
      convert_from_f32(e.dtype, static_cast<const float*>(e.data), tmp.data(), sizes[i] / dtype_size(e.dtype));
      w.write(tmp.data(), tmp.size());
    } else {
      w.write(e.data, sizes[i]);
    }
  }
  w.commit();
}

}  // namespace r1
