#include "rollout/sampler.h"

#include <algorithm>
#include <cmath>

namespace r1 {

SamplingParams SamplingParams::from_json(const json& j, const std::string& where) {
  JsonReader r(j, where);
  SamplingParams s;
  s.temperature = r.get<double>("temperature", s.temperature);
  s.top_p = r.get<double>("top_p", s.top_p);
  s.top_k = r.get<int>("top_k", s.top_k);
  r.done();
  s.validate(where);
  return s;
}

void SamplingParams::validate(const std::string& where) const {
  if (!(temperature >= 0)) fail(where, ": temperature must be >= 0, got ", temperature);
  if (!(top_p > 0 && top_p <= 1)) fail(where, ": top_p must be in (0, 1], got ", top_p);
  if (top_k < 0) fail(where, ": top_k must be >= 0, got ", top_k);
}

}  // namespace r1
