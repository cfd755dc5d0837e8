// Corpus v1 files (docs/data.md): a corpus is a group holding /features, /labels,
// /groups, /class_names, /feature_names and optionally /names, with the attributes format =
// "emoaug-corpus", format_version = 1, corpus, feature_set, group_kind, description. A corpus file
// holds one at its root; synthetic.h5 holds many, one group per (lambda_cls, fold).
#pragma once

#include <string>

#include "data/corpus.h"
#include "data/h5.h"

namespace emoaug::data {

constexpr const char* kCorpusFormat = "emoaug-corpus";
constexpr int kCorpusFormatVersion = 1;

// Reads and validates (Corpus::validate) the corpus in `group` of the file at `path`. Every failure
// is an emoaug::Error naming the file and the dataset: a missing or truncated file, a missing
// dataset, a wrong dtype or shape, a wrong format attribute, labels out of range, non-finite
// values.
Corpus read_corpus(const std::string& path, const std::string& group = "/");
Corpus read_corpus(const h5::File& file, const std::string& group);
Corpus read_corpus(const h5::Group& group);

// Validates, then writes a new file atomically: under a temporary name in the same folder, renamed
// at the end; on failure nothing is left behind and an existing file at `path` is untouched.
void write_corpus(const std::string& path, const Corpus& corpus);
// Into a new (or empty) group of an open file; "/" is the root.
void write_corpus(const h5::File& file, const std::string& group, const Corpus& corpus);
void write_corpus(const h5::Group& group, const Corpus& corpus);

}  // namespace emoaug::data
