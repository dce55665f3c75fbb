// The config.json formats of the supported Hugging Face architectures (and of our own older
// r1_moe), read into and written from ModelConfig. Private to model/config.cpp.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"
#include "model/config.h"

namespace r1 {

// The model_type values we read, in the order error messages list them.
const std::vector<std::string>& supported_model_types();
// HF class name of a supported model_type; empty when unsupported.
std::string architecture_of(const std::string& model_type);

// Reads `j` as the config.json of its model_type (not validated yet). Errors name `where` and
// the field: an unsupported model_type or architectures entry, a field that would change the
// computation but is not implemented, an unknown field.
ModelConfig read_model_config(const json& j, const std::string& where);
// The config.json of c.model_type, every field written out so that no reader's defaults apply.
json write_model_config(const ModelConfig& c);

}  // namespace r1
