#include "core/endpoints.h"

namespace r1 {

namespace {

void check_endpoint(const JsonReader& r, const std::string& key, const std::string& e) {
  const bool ok = e.rfind("inproc://", 0) == 0 || e.rfind("ipc://", 0) == 0 || e.rfind("tcp://", 0) == 0;
  r.check(ok && e.find("://") + 3 < e.size(), key, cat("'", e, "' is not an inproc://, ipc:// or tcp:// endpoint"));
  if (e.rfind("tcp://", 0) == 0) r.check(e.rfind(':') > 5, key, cat("'", e, "' has no port"));
}

std::string rewrite_host(const std::string& e, const std::string& host) {
  if (e.rfind("tcp://", 0) != 0) return e;
  size_t colon = e.rfind(':');
  return "tcp://" + host + e.substr(colon);
}

}  // namespace

Endpoints Endpoints::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  Endpoints e;
  e.tasks = r.get<std::string>("tasks", e.tasks);
  e.rollouts = r.get<std::string>("rollouts", e.rollouts);
  e.scored = r.get<std::string>("scored", e.scored);
  e.weights = r.get<std::string>("weights", e.weights);
  e.control = r.get<std::string>("control", e.control);
  r.done();
  check_endpoint(r, "tasks", e.tasks);
  check_endpoint(r, "rollouts", e.rollouts);
  check_endpoint(r, "scored", e.scored);
  check_endpoint(r, "weights", e.weights);
  check_endpoint(r, "control", e.control);
  return e;
}

json Endpoints::to_json() const {
  return {{"tasks", tasks}, {"rollouts", rollouts}, {"scored", scored}, {"weights", weights}, {"control", control}};
}

std::string Endpoints::connect_address(const std::string& e) {
  if (e.rfind("tcp://*:", 0) == 0 || e.rfind("tcp://0.0.0.0:", 0) == 0) return rewrite_host(e, "127.0.0.1");
  return e;
}

Endpoints Endpoints::with_host(const std::string& host) const {
  Endpoints e = *this;
  for (std::string* s : {&e.tasks, &e.rollouts, &e.scored, &e.weights, &e.control}) *s = rewrite_host(*s, host);
  return e;
}

bool Endpoints::any_inproc() const {
  for (const std::string* s : {&tasks, &rollouts, &scored, &weights, &control}) {
    if (s->rfind("inproc://", 0) == 0) return true;
  }
  return false;
}

}  // namespace r1
