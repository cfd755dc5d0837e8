#include "data/corpus.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <sstream>
#include <unordered_set>

#include "core/error.h"

namespace emoaug::data {

std::vector<int64_t> Corpus::class_counts() const {
  std::vector<int64_t> counts(class_names.size(), 0);
  for (int32_t label : labels)
    if (label >= 0 && label < num_classes()) ++counts[label];
  return counts;
}

std::vector<int64_t> Corpus::labeled_rows() const {
  std::vector<int64_t> rows;
  for (size_t r = 0; r < labels.size(); ++r)
    if (labels[r] >= 0) rows.push_back(static_cast<int64_t>(r));
  return rows;
}

std::vector<int32_t> Corpus::distinct_groups() const {
  std::vector<int32_t> g(groups);
  std::sort(g.begin(), g.end());
  g.erase(std::unique(g.begin(), g.end()), g.end());
  return g;
}

void Corpus::validate(const std::string& origin) const {
  const int64_t n = rows();
  if (static_cast<int64_t>(labels.size()) != n)
    EMOAUG_FAIL(origin, ": ", labels.size(), " labels for ", n, " feature rows");
  if (static_cast<int64_t>(groups.size()) != n)
    EMOAUG_FAIL(origin, ": ", groups.size(), " groups for ", n, " feature rows");
  if (!feature_names.empty() && static_cast<int64_t>(feature_names.size()) != dims())
    EMOAUG_FAIL(origin, ": ", feature_names.size(), " feature names for ", dims(), " features");
  if (!names.empty() && static_cast<int64_t>(names.size()) != n)
    EMOAUG_FAIL(origin, ": ", names.size(), " utterance names for ", n, " rows");
  bool any_labeled = false;
  for (int64_t r = 0; r < n; ++r) {
    const int32_t label = labels[r];
    if (label < -1 || label >= num_classes())
      EMOAUG_FAIL(origin, ": row ", r, " has label ", label,
                  labeled()
                      ? " outside 0.." + std::to_string(num_classes() - 1) + " (or -1, in no class)"
                      : std::string(" in a corpus without class names (expected -1)"));
    any_labeled = any_labeled || label >= 0;
    const float* row = features.row_range(r, 1).data;
    for (int64_t c = 0; c < dims(); ++c)
      if (!std::isfinite(row[c]))
        EMOAUG_FAIL(origin, ": row ", r, " (", names.empty() ? "unnamed" : names[r], "), feature ",
                    c, feature_names.empty() ? "" : " (" + feature_names[c] + ")", " is ", row[c]);
  }
  // Class names over rows that are all -1 are an unlabeled corpus that kept its classes' names.
  if (any_labeled) {
    std::vector<int64_t> counts = class_counts();
    for (int c = 0; c < num_classes(); ++c)
      if (counts[c] == 0) EMOAUG_FAIL(origin, ": class '", class_names[c], "' has no rows");
  }
  std::unordered_set<std::string> seen;
  for (const std::string& name : names)
    if (!seen.insert(name).second) EMOAUG_FAIL(origin, ": duplicate utterance name '", name, "'");
  seen.clear();
  for (const std::string& name : feature_names)
    if (!seen.insert(name).second) EMOAUG_FAIL(origin, ": duplicate feature name '", name, "'");
}

std::string Corpus::summary() const {
  std::ostringstream os;
  os << "corpus:       " << (corpus.empty() ? "(unnamed)" : corpus) << "\n";
  os << "rows:         " << rows() << "\n";
  os << "features:     " << dims() << (feature_set.empty() ? "" : " (" + feature_set + ")");
  if (!feature_names.empty())
    os << ": " << feature_names.front() << (dims() > 1 ? " ... " + feature_names.back() : "");
  os << "\n";
  const std::vector<int64_t> counts = class_counts();
  int64_t labeled_n = 0;
  for (int64_t k : counts) labeled_n += k;
  const int64_t unlabeled_n = rows() - labeled_n;
  const bool mixed = labeled_n > 0 && unlabeled_n > 0;
  if (labeled_n > 0) {
    os << "classes:      " << num_classes() << ":";
    for (int c = 0; c < num_classes(); ++c)
      os << (c ? ", " : " ") << class_names[c] << " " << counts[c];
    if (unlabeled_n > 0) os << "; in no class (-1): " << unlabeled_n;
    os << "\n";
  } else if (labeled()) {
    os << "classes:      none (unlabeled; names kept:";
    for (int c = 0; c < num_classes(); ++c) os << (c ? ", " : " ") << class_names[c];
    os << ")\n";
  } else {
    os << "classes:      none (unlabeled)\n";
  }
  std::map<int32_t, std::pair<int64_t, int64_t>> per_group;  // rows, labeled rows
  for (size_t r = 0; r < groups.size(); ++r) {
    ++per_group[groups[r]].first;
    per_group[groups[r]].second += labels[r] >= 0;
  }
  os << "groups:       " << per_group.size() << (group_kind.empty() ? "" : " " + group_kind)
     << (per_group.size() == 1 ? "" : "s") << ":";
  bool first = true;
  for (const auto& [g, n] : per_group) {
    os << (first ? " " : ", ") << g << " (" << n.first;
    if (mixed) os << ": " << n.second << " labeled, " << n.first - n.second << " unlabeled";
    os << ")";
    first = false;
  }
  os << "\n";
  os << "names:        " << (names.empty() ? "none" : "yes, e.g. " + names.front()) << "\n";
  if (!description.empty()) os << "description:  " << description << "\n";
  return os.str();
}

Corpus Corpus::subset(const std::vector<int64_t>& rows) const {
  Corpus out;
  out.features = Tensor(static_cast<int64_t>(rows.size()), dims());
  out.labels.reserve(rows.size());
  out.groups.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const int64_t r = rows[i];
    EMOAUG_CHECK(r >= 0 && r < this->rows(), "row ", r, " of ", this->rows());
    std::memcpy(out.features.row_range(static_cast<int64_t>(i), 1).data,
                features.row_range(r, 1).data, sizeof(float) * dims());
    out.labels.push_back(labels[r]);
    out.groups.push_back(groups[r]);
    if (!names.empty()) out.names.push_back(names[r]);
  }
  out.class_names = class_names;
  out.feature_names = feature_names;
  out.corpus = corpus;
  out.feature_set = feature_set;
  out.group_kind = group_kind;
  out.description = description;
  return out;
}

void check_same_features(const Corpus& a, const std::string& a_origin, const Corpus& b,
                         const std::string& b_origin) {
  if (a.dims() != b.dims())
    EMOAUG_FAIL(a_origin, " has ", a.dims(), " features but ", b_origin, " has ", b.dims(),
                ": the corpora of one experiment must share one feature set");
  if (a.feature_names.empty() || b.feature_names.empty()) return;
  for (int64_t c = 0; c < a.dims(); ++c)
    if (a.feature_names[c] != b.feature_names[c])
      EMOAUG_FAIL("feature ", c, " is '", a.feature_names[c], "' in ", a_origin, " but '",
                  b.feature_names[c], "' in ", b_origin,
                  ": the corpora of one experiment must share one feature set");
}

}  // namespace emoaug::data
