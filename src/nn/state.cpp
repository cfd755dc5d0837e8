#include "nn/state.h"

namespace emoaug::nn {

void save_state(StateDict& state, const std::string& prefix, const Mlp& mlp, const Adam& adam) {
  state.put(prefix + "/params", mlp.params());
  state.put(prefix + "/adam_m", adam.first_moment().view());
  state.put(prefix + "/adam_v", adam.second_moment().view());
  state.put_int(prefix + "/adam_steps", adam.steps());
}

void load_state(const StateDict& state, const std::string& prefix, Mlp& mlp, Adam& adam) {
  state.get(prefix + "/params", mlp.params());
  state.get(prefix + "/adam_m", adam.first_moment().view());
  state.get(prefix + "/adam_v", adam.second_moment().view());
  adam.set_steps(state.get_int(prefix + "/adam_steps"));
}

}  // namespace emoaug::nn
