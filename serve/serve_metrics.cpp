#include "serve/serve_metrics.h"

#include <cstdio>

namespace r1 {

namespace {
std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
// One metric with a single value, with its HELP and TYPE lines.
void scalar(std::string& out, const char* name, const char* type, const char* help, long value) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
         name + " " + std::to_string(value) + "\n";
}
const std::vector<double> kSecondsBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                             2.5,   5,    10,    30,   60,  120,  300};
}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i]++;
  sum_ += v;
  count_++;
}

std::string Histogram::prometheus(const std::string& name) const {
  std::string out;
  long cum = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cum += counts_[i];
    out += name + "_bucket{le=\"" + num(bounds_[i]) + "\"} " + std::to_string(cum) + "\n";
  }
  cum += counts_.back();
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(cum) + "\n";
  out += name + "_sum " + num(sum_) + "\n";
  out += name + "_count " + std::to_string(count_) + "\n";
  return out;
}

ServeMetrics::ServeMetrics() : latency_(kSecondsBuckets), ttft_(kSecondsBuckets) {}

void ServeMetrics::request_done(const std::string& route, int status, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_[{route, status}]++;
  latency_.observe(seconds);
}

void ServeMetrics::first_token(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  ttft_.observe(seconds);
}

void ServeMetrics::cancelled(const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_[why]++;
}

std::string ServeMetrics::prometheus(long queued, long running, long prompt_tokens,
                                     long generated_tokens, int connections) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out += "# HELP r1_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE r1_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    out += "r1_requests_total{route=\"" + key.first + "\",status=\"" + std::to_string(key.second) +
           "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP r1_cancelled_requests_total Requests cancelled before they finished, by reason.\n";
  out += "# TYPE r1_cancelled_requests_total counter\n";
  for (const char* why : {"client_gone", "timeout"}) {
    auto it = cancelled_.find(why);
    out += std::string("r1_cancelled_requests_total{reason=\"") + why + "\"} " +
           std::to_string(it == cancelled_.end() ? 0 : it->second) + "\n";
  }
  scalar(out, "r1_prompt_tokens_total", "counter", "Prompt tokens admitted to the engine.",
         prompt_tokens);
  scalar(out, "r1_generated_tokens_total", "counter", "Tokens generated.", generated_tokens);
  scalar(out, "r1_queue_length", "gauge", "Sequences waiting for a slot.", queued);
  scalar(out, "r1_running_sequences", "gauge", "Sequences decoding.", running);
  scalar(out, "r1_open_connections", "gauge", "Open HTTP connections.", connections);
  out += "# HELP r1_request_duration_seconds Time from a request's arrival to its last byte.\n";
  out += "# TYPE r1_request_duration_seconds histogram\n";
  out += latency_.prometheus("r1_request_duration_seconds");
  out +=
      "# HELP r1_time_to_first_token_seconds Time from a request's arrival to its first token.\n";
  out += "# TYPE r1_time_to_first_token_seconds histogram\n";
  out += ttft_.prometheus("r1_time_to_first_token_seconds");
  return out;
}

}  // namespace r1
