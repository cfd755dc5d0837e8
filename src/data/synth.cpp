#include "data/synth.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "core/error.h"
#include "core/rng.h"
#include "data/corpus_io.h"

namespace emoaug::data {
namespace {

// One independent stream per part, so that changing one corpus's size leaves the others unchanged.
Rng stream(const SynthOptions& o, const char* part) {
  return Rng(o.seed, task_id_from_name(part), StreamId::Data);
}

std::vector<float> normals(Rng& rng, size_t n, float sd = 1.0f) {
  std::vector<float> v(n);
  for (float& x : v) x = sd * rng.normal();
  return v;
}

// `count` orthonormal vectors of length `dims` (Gram-Schmidt on Gaussian draws), row-major.
std::vector<float> orthonormal(Rng& rng, int count, int dims) {
  std::vector<double> q(static_cast<size_t>(count) * dims);
  for (int c = 0; c < count; ++c) {
    double* v = &q[static_cast<size_t>(c) * dims];
    for (;;) {
      for (int j = 0; j < dims; ++j) v[j] = rng.normal();
      for (int p = 0; p < c; ++p) {
        const double* u = &q[static_cast<size_t>(p) * dims];
        const double dot = std::inner_product(v, v + dims, u, 0.0);
        for (int j = 0; j < dims; ++j) v[j] -= dot * u[j];
      }
      const double norm = std::sqrt(std::inner_product(v, v + dims, v, 0.0));
      if (norm > 1e-6) {
        for (int j = 0; j < dims; ++j) v[j] /= norm;
        break;
      }
    }
  }
  return std::vector<float>(q.begin(), q.end());
}

// Per-feature scale and offset from latent to feature units.
struct Affine {
  std::vector<float> scale, offset;
};

Affine random_affine(Rng& rng, int dims) {
  Affine a;
  for (int j = 0; j < dims; ++j) {
    a.scale.push_back(std::exp(0.8f * rng.normal()));
    a.offset.push_back(2.0f * rng.normal());
  }
  return a;
}

std::vector<std::string> feature_names(int dims) {
  std::vector<std::string> names;
  char buf[16];
  for (int j = 0; j < dims; ++j) {
    std::snprintf(buf, sizeof(buf), "f%04d", j);
    names.push_back(buf);
  }
  return names;
}

std::vector<std::string> row_names(const char* prefix, int64_t rows) {
  std::vector<std::string> names;
  char buf[32];
  for (int64_t r = 0; r < rows; ++r) {
    std::snprintf(buf, sizeof(buf), "%s-%06lld", prefix, static_cast<long long>(r + 1));
    names.push_back(buf);
  }
  return names;
}

// A labeled corpus: the i-th row of each class goes to group 1 + i % groups, then rows are
// shuffled. latent = class mean + class shift + group offset + shift + noise_sd * N(0, I).
struct LabeledSpec {
  const char* part;
  int64_t rows;
  int groups;
  float group_sd, noise_sd, class_shift_sd, global_shift_sd;
};

Corpus labeled_corpus(const SynthOptions& o, const LabeledSpec& spec,
                      const std::vector<float>& means, const Affine& affine) {
  Rng rng = stream(o, spec.part);
  const int d = o.dims;
  const std::vector<int64_t> sizes = class_sizes(spec.rows, o.classes, o.imbalance);
  std::vector<int32_t> labels, groups;
  for (int c = 0; c < o.classes; ++c)
    for (int64_t i = 0; i < sizes[c]; ++i) {
      labels.push_back(c);
      groups.push_back(1 + static_cast<int32_t>(i % spec.groups));
    }
  std::vector<float> group_offset =
      normals(rng, static_cast<size_t>(spec.groups) * d, spec.group_sd);
  std::vector<float> class_shift =
      normals(rng, static_cast<size_t>(o.classes) * d, spec.class_shift_sd);
  std::vector<float> shift = normals(rng, d, spec.global_shift_sd);
  std::vector<int> order = rng.permutation(static_cast<int>(spec.rows));

  Corpus c;
  c.features = Tensor(spec.rows, d);
  for (int64_t r = 0; r < spec.rows; ++r) {
    const int32_t label = labels[order[r]], group = groups[order[r]];
    c.labels.push_back(label);
    c.groups.push_back(group);
    for (int j = 0; j < d; ++j) {
      const float latent = means[static_cast<size_t>(label) * d + j] +
                           class_shift[static_cast<size_t>(label) * d + j] +
                           group_offset[static_cast<size_t>(group - 1) * d + j] + shift[j] +
                           spec.noise_sd * rng.normal();
      c.features(r, j) = affine.offset[j] + affine.scale[j] * latent;
    }
  }
  c.class_names = synthetic_class_names(o.classes);
  c.feature_names = feature_names(d);
  c.names = row_names(spec.part + 6, spec.rows);  // "synth/target" -> "target"
  c.feature_set = "synthetic";
  return c;
}

void check_options(const SynthOptions& o) {
  if (o.dims < 1) EMOAUG_FAIL("synth: --dims must be at least 1");
  if (o.classes < 2) EMOAUG_FAIL("synth: --classes must be at least 2");
  if (o.classes > o.dims)
    EMOAUG_FAIL("synth: --classes ", o.classes, " needs --dims of at least ", o.classes,
                " (class means lie on orthonormal directions)");
  if (o.sessions < 1) EMOAUG_FAIL("synth: --sessions must be at least 1");
  if (!(o.separation >= 0) || !std::isfinite(o.separation))
    EMOAUG_FAIL("synth: --separation must be a number >= 0");
  if (o.source_rows < 1) EMOAUG_FAIL("synth: --source-rows must be at least 1");
  if (o.rows > (int64_t{1} << 24) || o.source_rows > (int64_t{1} << 24) ||
      o.cross_rows > (int64_t{1} << 24))
    EMOAUG_FAIL("synth: at most ", int64_t{1} << 24, " rows per corpus");
}

}  // namespace

std::vector<std::string> synthetic_class_names(int classes) {
  static const char* const kNames[] = {"angry",   "happy",   "neutral", "sad",
                                       "fearful", "disgust", "bored",   "surprised"};
  std::vector<std::string> names;
  for (int c = 0; c < classes; ++c)
    names.push_back(c < 8 ? kNames[c] : "class" + std::to_string(c));
  return names;
}

std::vector<int64_t> class_sizes(int64_t rows, int classes, double imbalance) {
  if (classes < 1) EMOAUG_FAIL("synth: --classes must be at least 1");
  if (!(imbalance >= 1.0) || !std::isfinite(imbalance))
    EMOAUG_FAIL("synth: --imbalance must be a number >= 1 (largest class / smallest)");
  std::vector<double> weight(classes, 1.0);
  for (int c = 0; c < classes && classes > 1; ++c)
    weight[c] = std::pow(imbalance, -static_cast<double>(c) / (classes - 1));
  const double total = std::accumulate(weight.begin(), weight.end(), 0.0);
  std::vector<int64_t> sizes(classes);
  std::vector<std::pair<double, int>> remainder;
  int64_t assigned = 0;
  for (int c = 0; c < classes; ++c) {
    const double exact = static_cast<double>(rows) * weight[c] / total;
    sizes[c] = static_cast<int64_t>(std::floor(exact));
    assigned += sizes[c];
    remainder.push_back({exact - sizes[c], c});
  }
  // Largest remainders first; ties to the lower class index, so the result is deterministic.
  std::sort(remainder.begin(), remainder.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  for (int64_t i = 0; i < rows - assigned; ++i) ++sizes[remainder[i].second];
  if (sizes.back() < 1)
    EMOAUG_FAIL("synth: ", rows, " rows are too few for ", classes, " classes with imbalance ",
                imbalance, " (the smallest class would be empty)");
  return sizes;
}

SynthCorpora synthesize(const SynthOptions& o) {
  check_options(o);
  const int d = o.dims;
  Rng rng = stream(o, "synth/space");
  std::vector<float> means = orthonormal(rng, o.classes, d);
  for (float& m : means) m *= static_cast<float>(o.separation / std::sqrt(2.0));
  const Affine target_units = random_affine(rng, d);
  Affine source_units = target_units;
  for (int j = 0; j < d; ++j) {  // the source corpus: another recording setup
    source_units.offset[j] += target_units.scale[j] * 1.5f * rng.normal();
    source_units.scale[j] *= std::exp(0.5f * rng.normal());
  }

  SynthCorpora out;
  out.target = labeled_corpus(o, {"synth/target", o.rows, o.sessions, 0.3f, 1.0f, 0.0f, 0.0f},
                              means, target_units);
  out.target.corpus = "SYNTH-TARGET";
  out.target.group_kind = "session";
  // Another corpus of the same emotions: shifted overall, class means moved, noisier.
  out.cross = labeled_corpus(o, {"synth/cross", o.cross_rows, o.sessions, 0.3f, 1.2f, 0.35f, 0.5f},
                             means, target_units);
  out.cross.corpus = "SYNTH-CROSS";
  out.cross.group_kind = "speaker";

  // The source: broad, unlabeled, a weak trace of the classes (speech is not emotion-free).
  Rng src = stream(o, "synth/source");
  Corpus& s = out.source;
  s.features = Tensor(o.source_rows, d);
  std::vector<float> speaker = normals(src, static_cast<size_t>(o.sessions) * d, 0.5f);
  for (int64_t r = 0; r < o.source_rows; ++r) {
    const int32_t group = 1 + static_cast<int32_t>(r % o.sessions);
    const uint32_t cls = src.below(static_cast<uint32_t>(o.classes));
    s.labels.push_back(-1);
    s.groups.push_back(group);
    for (int j = 0; j < d; ++j) {
      const float latent = 0.25f * means[static_cast<size_t>(cls) * d + j] +
                           speaker[static_cast<size_t>(group - 1) * d + j] + 1.5f * src.normal();
      s.features(r, j) = source_units.offset[j] + source_units.scale[j] * latent;
    }
  }
  s.feature_names = feature_names(d);
  s.names = row_names("source", o.source_rows);
  s.corpus = "SYNTH-SOURCE";
  s.feature_set = "synthetic";
  s.group_kind = "speaker";

  char desc[256];
  std::snprintf(desc, sizeof(desc),
                "emoaug synth --dims %d --classes %d --sessions %d --separation %g --imbalance %g "
                "--seed %llu",
                o.dims, o.classes, o.sessions, o.separation, o.imbalance,
                static_cast<unsigned long long>(o.seed));
  out.target.description = std::string("Synthetic labeled target corpus: ") + desc;
  out.cross.description = std::string("Synthetic cross-corpus test set (domain-shifted): ") + desc;
  s.description = std::string("Synthetic unlabeled source corpus (shifted units): ") + desc;
  return out;
}

void write_synthetic(const std::string& dir, const SynthOptions& o) {
  SynthCorpora c = synthesize(o);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) EMOAUG_FAIL(dir, ": cannot create the folder (", ec.message(), ")");
  write_corpus(dir + "/target.h5", c.target);
  write_corpus(dir + "/source.h5", c.source);
  write_corpus(dir + "/cross.h5", c.cross);
}

}  // namespace emoaug::data
