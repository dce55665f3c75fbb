#include "model/weight_source.h"

#include <set>

#include "core/error.h"
#include "core/fs.h"
#include "core/json.h"

namespace r1 {

void WeightSource::add_file(const std::string& path) {
  files_.push_back(std::make_unique<SafetensorsFile>(path));
  const SafetensorsFile* f = files_.back().get();
  for (const auto& t : f->tensors()) {
    auto [it, fresh] = where_.emplace(t.name, f);
    if (!fresh) fail(path, ": tensor '", t.name, "' is also in ", it->second->path());
  }
}

WeightSource WeightSource::single_file(const std::string& path) {
  WeightSource s;
  s.description_ = path;
  s.add_file(path);
  return s;
}

WeightSource::WeightSource(const std::string& dir) {
  const std::string single = join_path(dir, "model.safetensors");
  const std::string index = join_path(dir, "model.safetensors.index.json");
  if (file_exists(single)) {
    description_ = single;
    add_file(single);
    return;
  }
  if (!file_exists(index)) fail(dir, ": no model.safetensors or model.safetensors.index.json in the model folder");
  description_ = index;
  json j = load_json_file(index);
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
    fail(index, ": expected an object with a 'weight_map' object (tensor name -> shard file)");
  }
  std::map<std::string, std::string> listed;  // tensor -> shard
  std::set<std::string> shards;
  for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
    if (!it.value().is_string()) fail(index, ": weight_map entry '", it.key(), "' is not a file name");
    const std::string shard = it.value().get<std::string>();
    if (shard.empty() || shard.find('/') != std::string::npos || shard == "..") {
      fail(index, ": weight_map entry '", it.key(), "' names \"", shard, "\", not a file in the folder");
    }
    listed[it.key()] = shard;
    shards.insert(shard);
  }
  for (const auto& shard : shards) {
    const std::string path = join_path(dir, shard);
    if (!file_exists(path)) fail(index, ": shard ", shard, " is listed but ", path, " does not exist");
    add_file(path);
  }
  for (const auto& [name, shard] : listed) {
    auto it = where_.find(name);
    const std::string path = join_path(dir, shard);
    if (it == where_.end() || it->second->path() != path) {
      fail(index, ": tensor '", name, "' is listed in ", shard, " but ", path, " does not hold it");
    }
  }
  for (const auto& [name, f] : where_) {
    if (!listed.count(name)) fail(f->path(), ": tensor '", name, "' is not listed in ", index);
  }
}

const TensorInfo* WeightSource::find(const std::string& name) const {
  auto it = where_.find(name);
  return it == where_.end() ? nullptr : it->second->find(name);
}

const std::string& WeightSource::file_of(const std::string& name) const {
  auto it = where_.find(name);
  return it == where_.end() ? description_ : it->second->path();
}

void WeightSource::read_f32(const std::string& name, const std::vector<int64_t>& shape, float* out) const {
  auto it = where_.find(name);
  if (it == where_.end()) fail(description_, ": missing tensor '", name, "' (shape ", shape_str(shape), ")");
  it->second->read_f32(name, shape, out);
}

}  // namespace r1
