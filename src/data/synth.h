// A deterministic synthetic stand-in for the paper's data, for demos and tests that must run
// anywhere: (a) a labeled target corpus with sessions, (b) an unlabeled source corpus with a
// shifted distribution, (c) a labeled cross-corpus test set with a domain shift. All three share
// one latent space: class means on orthonormal directions `separation` noise standard deviations
// apart, plus per-session offsets; each corpus then maps the latent space to "feature units" with
// its own per-feature scale and offset, as real openSMILE features have wildly different ranges.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/corpus.h"

namespace emoaug::data {

struct SynthOptions {
  int dims = 64;
  int classes = 4;
  int sessions = 5;
  int64_t rows = 600;         // target (labeled)
  int64_t source_rows = 800;  // source (unlabeled)
  int64_t cross_rows = 400;   // cross-corpus test set
  // Distance between two class means in units of the within-class noise: 2.3 gives a linear
  // classifier about 65 % UAR in leave-one-session-out on the target.
  double separation = 2.3;
  double imbalance = 1.5;  // rows of the largest class / rows of the smallest
  uint64_t seed = 1;
};

struct SynthCorpora {
  Corpus target, source, cross;
};

// Throws emoaug::Error for options that cannot make a valid corpus.
SynthCorpora synthesize(const SynthOptions& options);

// Creates `dir` if needed and writes dir/target.h5, dir/source.h5, dir/cross.h5 (each atomically).
// The same options give byte-identical files.
void write_synthetic(const std::string& dir, const SynthOptions& options);

// Rows per class for `rows` rows: class 0 the largest, class C-1 the smallest, `imbalance` times
// fewer, geometric in between; the counts sum to `rows`.
std::vector<int64_t> class_sizes(int64_t rows, int classes, double imbalance);

// angry, happy, neutral, sad for 4 classes; more classes continue with other emotions, then classN.
std::vector<std::string> synthetic_class_names(int classes);

}  // namespace emoaug::data
