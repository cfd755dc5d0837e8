// A model's and an optimizer's resumable state in a StateDict, under a name prefix.
#pragma once

#include <string>

#include "core/state_dict.h"
#include "nn/adam.h"
#include "nn/mlp.h"

namespace emoaug::nn {

void save_state(StateDict& state, const std::string& prefix, const Mlp& mlp, const Adam& adam);
void load_state(const StateDict& state, const std::string& prefix, Mlp& mlp, Adam& adam);

}  // namespace emoaug::nn
