// CurveZMQ keys of one run: ZeroMQ's own authentication and encryption for tcp:// channels.
//
// Every role of a run reads the same key file. Binding sockets are CURVE servers (the server key
// pair); connecting sockets are CURVE clients (the client key pair, and the server's public key).
// A server accepts a handshake only from a client that proves it holds the run's client secret
// key (a ZAP handler checks the client's public key, Context::allow_curve_client), and a client
// only talks to a server that proves it holds the server secret key. So a peer without the key
// file can neither connect to a role nor pose as one, and what travels is encrypted.
//
// The file is text, one key per line in ZeroMQ's Z85 form (40 characters):
//   # comment
//   server-public <z85>
//   server-secret <z85>
//   client-public <z85>
//   client-secret <z85>
// It is secret: created with mode 0600, copied to the other hosts of the run.
#pragma once
#include <string>

namespace r1 {

struct CurveKeys {
  std::string server_public, server_secret, client_public, client_secret;  // Z85, 40 chars each
};

// Whether this libzmq was built with CURVE (Debian's libzmq5 is, through libsodium).
bool curve_available();
CurveKeys generate_curve_keys();
// Throws Error naming the file (and line) when it is missing, unreadable or malformed.
CurveKeys read_key_file(const std::string& path);
// Creates the file with fresh keys (mode 0600, atomically: concurrent callers end up with the
// same keys) unless it exists; returns the keys in the file.
CurveKeys create_key_file(const std::string& path);
// The file's text for `keys`.
std::string key_file_text(const CurveKeys& keys);

}  // namespace r1
