#include "core/transport_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>

#include "core/error.h"
#include "core/log.h"

namespace r1 {

namespace {

constexpr size_t kZ85KeyChars = 40;  // 32 bytes in Z85

bool is_z85_key(const std::string& s) {
  if (s.size() != kZ85KeyChars) return false;
  uint8_t raw[32];
  return zmq_z85_decode(raw, s.c_str()) != nullptr;
}

// The public key that belongs to a secret key: a file whose halves do not match is corrupt.
std::string public_of(const std::string& secret) {
  char pub[kZ85KeyChars + 1];
  if (zmq_curve_public(pub, secret.c_str()) != 0) return "";
  return pub;
}

}  // namespace

bool curve_available() {
  return zmq_has("curve") != 0;
}

CurveKeys generate_curve_keys() {
  if (!curve_available()) fail("this libzmq was built without CURVE: cannot make transport keys");
  auto pair = [](std::string* pub, std::string* sec) {
    char p[kZ85KeyChars + 1], s[kZ85KeyChars + 1];
    if (zmq_curve_keypair(p, s) != 0)
      fail("cannot make a CURVE key pair: ", zmq_strerror(zmq_errno()));
    *pub = p;
    *sec = s;
  };
  CurveKeys k;
  pair(&k.server_public, &k.server_secret);
  pair(&k.client_public, &k.client_secret);
  return k;
}

std::string key_file_text(const CurveKeys& k) {
  return cat(
      "# r1 transport keys (CurveZMQ) of one run. Secret: keep it mode 0600, copy it only to\n",
      "# the hosts of this run (docs/rl.md).\n", "server-public ", k.server_public, "\n",
      "server-secret ", k.server_secret, "\n", "client-public ", k.client_public, "\n",
      "client-secret ", k.client_secret, "\n");
}

CurveKeys read_key_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    fail("transport key file ", path, ": cannot open it: ", std::strerror(errno),
         errno == ENOENT ? " (the learner creates it; copy it to the hosts of the other roles)"
                         : "");
  }
  struct stat st {};
  std::string text;
  if (::fstat(fd, &st) == 0 && st.st_size <= 4096) {
    text.resize(static_cast<size_t>(st.st_size));
    ssize_t n = ::read(fd, text.data(), text.size());
    text.resize(n < 0 ? 0 : static_cast<size_t>(n));
  } else {
    ::close(fd);
    fail("transport key file ", path, ": not a key file (", st.st_size, " bytes)");
  }
  ::close(fd);
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    log_warn("transport key file ", path, " is readable by others (mode ", std::oct,
             (st.st_mode & 0777), "); chmod 600 it");
  }
  std::map<std::string, std::string> keys;
  std::istringstream lines(text);
  std::string line;
  for (int no = 1; std::getline(lines, line); ++no) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string name, value, extra;
    words >> name >> value;
    const bool known = name == "server-public" || name == "server-secret" ||
                       name == "client-public" || name == "client-secret";
    if (!known) fail("transport key file ", path, ": line ", no, ": unknown entry '", name, "'");
    if (!is_z85_key(value) || (words >> extra)) {
      fail("transport key file ", path, ": line ", no, ": ", name,
           " is not a 40-character Z85 key");
    }
    if (!keys.emplace(name, value).second)
      fail("transport key file ", path, ": line ", no, ": ", name, " repeated");
  }
  for (const char* name : {"server-public", "server-secret", "client-public", "client-secret"}) {
    if (!keys.count(name)) fail("transport key file ", path, ": no ", name, " line");
  }
  CurveKeys k{keys["server-public"], keys["server-secret"], keys["client-public"],
              keys["client-secret"]};
  if (public_of(k.server_secret) != k.server_public ||
      public_of(k.client_secret) != k.client_public) {
    fail("transport key file ", path, ": a public key does not belong to its secret key");
  }
  return k;
}

CurveKeys create_key_file(const std::string& path) {
  if (::access(path.c_str(), F_OK) == 0) return read_key_file(path);
  const std::string text = key_file_text(generate_curve_keys());
  std::string tmp = path + ".tmp.XXXXXX";
  int fd = ::mkstemp(tmp.data());  // a private name, mode 0600
  if (fd < 0) fail("transport key file ", path, ": cannot create it: ", std::strerror(errno));
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  // link() never replaces an existing file: a role that created it first wins, and everyone reads
  // the same keys.
  const bool linked = written && ::link(tmp.c_str(), path.c_str()) == 0;
  const int e = errno;
  ::unlink(tmp.c_str());
  if (!written) fail("transport key file ", path, ": cannot write it");
  if (!linked && e != EEXIST)
    fail("transport key file ", path, ": cannot create it: ", std::strerror(e));
  if (linked)
    log_info("created the transport key file ", path, " (copy it to the other hosts of this run)");
  return read_key_file(path);
}

}  // namespace r1
