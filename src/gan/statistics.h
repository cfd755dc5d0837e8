// Distribution statistics of generated data against its target and source (paper Table 1, Fig. 2),
// computed on min-max scaled features.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace emoaug::gan {

// Mean over features of |mean_f(a) - mean_f(b)|: Table 1's "mean of absolute differences".
double mean_abs_mean_difference(ConstMatView a, ConstMatView b);

// Per-feature mean and population std of the listed columns (Fig. 2).
void column_mean_std(ConstMatView x, const std::vector<int>& columns, std::vector<double>& mean,
                     std::vector<double>& std);

}  // namespace emoaug::gan
