// checksums.json: the CRC32C of each tensor file of a checkpoint folder, written when the file
// is saved and checked whenever it is opened (core/safetensors.h), so that a bit flip inside a
// weight, which leaves a valid file full of finite values, fails the load naming the file.
//
//   {"algorithm": "crc32c",
//    "files": {"model.safetensors": {"bytes": 123456, "crc32c": "8f3a09c2"}, ...}}
//
// CRC32C because the threat is accidental damage (disks, copies, transfers), not forgery: it
// catches every burst of up to 32 flipped bits and all but 1 in 2^32 other damage, and runs at
// memory speed with SSE4.2. Someone able to rewrite the file can rewrite checksums.json too, so
// a cryptographic hash would buy nothing here.
//
// A folder without checksums.json (Hugging Face folders, our checkpoints from before checksums)
// is not checked. In a folder with one, a file it does not list is an error: r1 lists every
// tensor file it writes, so an unlisted one was put there by something else.
#pragma once
#include <cstddef>
#include <string>

namespace r1 {

inline constexpr const char* kChecksumsFile = "checksums.json";

// Computes the checksum of dir/file (as it is on disk now) and records it in dir/checksums.json,
// keeping the entries of other files. The manifest is replaced atomically.
void record_file_checksum(const std::string& dir, const std::string& file);

// Checks `size` bytes at `data`, the contents of the file `path`, against the checksums.json
// next to it. Does nothing when there is none; throws naming the file, the expected and the
// actual checksum and size on a mismatch, and naming checksums.json when it is unreadable.
void verify_file_checksum(const std::string& path, const void* data, size_t size);
// The same for a file the manifest need not list (a tokenizer's JSON: checkpoints saved before
// r1 recorded those list only their tensor files): checked when listed, else nothing.
void verify_listed_file_checksum(const std::string& path, const std::string& data);

}  // namespace r1
