// What `GET /metrics` reports, in Prometheus' text format: requests by route and status, tokens,
// the queue and the running sequences, and histograms of request latency and time to first
// token.
#pragma once
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace r1 {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  // The `name_bucket`, `name_sum` and `name_count` lines.
  std::string prometheus(const std::string& name) const;

 private:
  std::vector<double> bounds_;
  std::vector<long> counts_;  // per bound, plus +Inf
  double sum_ = 0;
  long count_ = 0;
};

class ServeMetrics {
 public:
  ServeMetrics();
  void request_done(const std::string& route, int status, double seconds);
  void first_token(double seconds);
  // A request's sequences were cancelled: its client went away, or it ran out of time.
  void cancelled(const std::string& why);
  // The whole page; the gauges and token counters are read by the caller at the time of the scrape.
  std::string prometheus(long queued, long running, long prompt_tokens, long generated_tokens,
                         int connections) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, long> requests_;
  std::map<std::string, long> cancelled_;
  Histogram latency_, ttft_;
};

}  // namespace r1
