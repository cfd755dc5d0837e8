// Corpus: utterance-level feature vectors with labels and leave-one-group-out groups, as stored in
// a "corpus v1" HDF5 file (docs/data.md). Labels are class indices 0..C-1, or -1 for a row in no
// class: an unlabeled corpus has only such rows, a labeled one may hold some (the utterances of a
// corpus outside the classes studied).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace emoaug::data {

struct Corpus {
  Tensor features;                         // [n, d] float32
  std::vector<int32_t> labels;             // n; -1 = in no class
  std::vector<int32_t> groups;             // n; session or speaker id
  std::vector<std::string> class_names;    // C (empty, or kept, in an unlabeled corpus)
  std::vector<std::string> feature_names;  // d
  std::vector<std::string> names;          // n utterance ids, or empty

  // Root attributes of the file.
  std::string corpus;       // e.g. "IEMOCAP"
  std::string feature_set;  // e.g. "emobase2010"
  std::string group_kind;   // "session", "speaker", ...
  std::string description;

  int64_t rows() const { return features.rows(); }
  int64_t dims() const { return features.cols(); }
  int num_classes() const { return static_cast<int>(class_names.size()); }
  // Whether the corpus names classes; its rows may still all be -1.
  bool labeled() const { return !class_names.empty(); }

  // Rows per class (size num_classes()).
  std::vector<int64_t> class_counts() const;
  // The rows with a class (label >= 0), ascending.
  std::vector<int64_t> labeled_rows() const;
  // Distinct group ids in ascending order.
  std::vector<int32_t> distinct_groups() const;

  // Throws emoaug::Error naming `origin` (a file path) on any inconsistency: sizes that disagree,
  // labels outside -1..C-1 (or not -1 in a corpus without class names), non-finite features,
  // duplicate names, an empty class in a corpus with labeled rows.
  void validate(const std::string& origin) const;

  // A few lines for people: sizes, classes and groups with their row counts (labeled and unlabeled
  // ones apart when the corpus holds both), the attributes.
  std::string summary() const;

  // The listed rows, in that order, with all metadata.
  Corpus subset(const std::vector<int64_t>& rows) const;
};

// Throws emoaug::Error naming both origins when the corpora of one experiment do not share one
// feature space: a different number of features, or (when both carry names) a different name at
// some position.
void check_same_features(const Corpus& a, const std::string& a_origin, const Corpus& b,
                         const std::string& b_origin);

}  // namespace emoaug::data
