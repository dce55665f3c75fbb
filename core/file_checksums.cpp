#include "core/file_checksums.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "core/crc32c.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/json.h"

namespace r1 {

namespace {

std::string hex32(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

struct FileSum {
  uint64_t bytes = 0;
  std::string crc32c;
};

// The manifest's entry for `file`; false when the manifest does not list it.
bool read_entry(const std::string& manifest, const std::string& file, FileSum* out) {
  const json j = load_json_file(manifest);
  JsonReader r(j, manifest);
  const std::string algorithm = r.req<std::string>("algorithm");
  r.check(algorithm == "crc32c", "algorithm",
          cat("unknown algorithm '", algorithm, "' (this version knows crc32c)"));
  // Fields beyond these are allowed, so that a later version may add some.
  JsonReader files = r.child("files", true);
  if (!files.has(file)) return false;
  JsonReader e = files.child(file);
  out->bytes = e.req<uint64_t>("bytes");
  out->crc32c = e.req<std::string>("crc32c");
  return true;
}

// Streams the file: checkpoints can be larger than we want to hold twice.
FileSum sum_of_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, ": cannot read to compute its checksum");
  std::vector<char> buf(1 << 20);
  FileSum s;
  uint32_t crc = 0;
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const size_t n = static_cast<size_t>(in.gcount());
    crc = crc32c(buf.data(), n, crc);
    s.bytes += n;
  }
  if (in.bad()) fail(path, ": read error while computing its checksum");
  s.crc32c = hex32(crc);
  return s;
}

}  // namespace

void record_file_checksum(const std::string& dir, const std::string& file) {
  const FileSum sum = sum_of_file(join_path(dir, file));
  const std::string manifest = join_path(dir, kChecksumsFile);
  json j = {{"algorithm", "crc32c"}, {"files", json::object()}};
  if (file_exists(manifest)) {
    json old = load_json_file(manifest);
    if (old.is_object() && old.value("algorithm", "") == "crc32c" && old.contains("files") &&
        old["files"].is_object()) {
      j["files"] = old["files"];
    }
  }
  j["files"][file] = {{"bytes", sum.bytes}, {"crc32c", sum.crc32c}};
  write_file_atomic(manifest, j.dump(2) + "\n");
}

namespace {

// The check of verify_file_checksum; a file the manifest does not list is an error only when
// `listed_required`.
void verify_against_manifest(const std::string& path, const void* data, size_t size,
                             bool listed_required) {
  const std::filesystem::path p(path);
  const std::string dir = p.parent_path().empty() ? "." : p.parent_path().string();
  const std::string manifest = join_path(dir, kChecksumsFile);
  if (!file_exists(manifest)) return;
  const std::string file = p.filename().string();
  FileSum want;
  if (!read_entry(manifest, file, &want)) {
    if (!listed_required) return;
    fail(path, ": not listed in ", manifest,
         ", which lists the tensor files r1 saved in this folder "
         "(a file put there by something else; remove ",
         kChecksumsFile, " to load the folder unchecked)");
  }
  const std::string got = hex32(crc32c(data, size));
  if (size != want.bytes || got != want.crc32c) {
    fail(path, ": checksum mismatch: expected crc32c ", want.crc32c, " over ", want.bytes,
         " bytes (recorded in ", manifest, "), actual ", got, " over ", size,
         " bytes: the file changed after it was saved (disk or copy damage, or an edit; if the "
         "edit was meant, remove its entry from ",
         kChecksumsFile, ")");
  }
}

}  // namespace

void verify_file_checksum(const std::string& path, const void* data, size_t size) {
  verify_against_manifest(path, data, size, true);
}

void verify_listed_file_checksum(const std::string& path, const std::string& data) {
  verify_against_manifest(path, data.data(), data.size(), false);
}

}  // namespace r1
