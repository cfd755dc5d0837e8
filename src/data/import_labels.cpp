// label_rows: from a FeatureTable and the user's options to a validated Corpus (import.h).
#include <algorithm>
#include <cstring>
#include <map>
#include <regex>
#include <unordered_map>

#include "core/error.h"
#include "data/import.h"
#include "data/import_metadata.h"
#include "data/import_text.h"

namespace emoaug::data {
namespace {

void check_options(const FeatureTable& t, const ImportOptions& o) {
  if (o.unlabeled && (!o.label_column.empty() || !o.label_regex.empty() || !o.class_map.empty()))
    EMOAUG_FAIL("--unlabeled conflicts with --label-column, --label-regex and --class");
  if (o.keep_unmapped && o.class_map.empty())
    EMOAUG_FAIL("--keep-unmapped needs --class (it keeps the rows no --class maps, as -1)");
  if (!o.label_column.empty() && !o.label_regex.empty())
    EMOAUG_FAIL("give --label-column or --label-regex, not both");
  if (!o.group_column.empty() && !o.group_regex.empty())
    EMOAUG_FAIL("give --group-column or --group-regex, not both");
  if (o.metadata.empty() && (!o.label_column.empty() || !o.group_column.empty()))
    EMOAUG_FAIL("--label-column and --group-column need --metadata");
  if (!o.metadata.empty() && o.label_column.empty() && o.group_column.empty())
    EMOAUG_FAIL("--metadata needs --label-column or --group-column (or both)");
  const bool need_names = !o.metadata.empty() || !o.label_regex.empty() || !o.group_regex.empty();
  if (need_names && t.names.empty())
    EMOAUG_FAIL(t.origin,
                ": has no name column, which --metadata, --label-regex and "
                "--group-regex match on");
}

void check_unique_names(const FeatureTable& t) {
  std::unordered_map<std::string, size_t> seen;
  for (size_t r = 0; r < t.names.size(); ++r) {
    auto [it, fresh] = seen.emplace(t.names[r], r);
    if (fresh) continue;
    const std::string first = t.lines.empty() ? "row " + std::to_string(it->second + 1)
                                              : "line " + std::to_string(t.lines[it->second]);
    EMOAUG_FAIL(t.where(static_cast<int64_t>(r)), ": duplicate name (also on ", first, ")",
                t.names[r] == "unknown"
                    ? "; openSMILE writes 'unknown' unless SMILExtract is given -instname"
                    : "");
  }
}

// The first capture group of `pattern` in each row's name.
std::vector<std::string> from_regex(const FeatureTable& t, const std::string& pattern,
                                    const std::string& option) {
  std::regex re;
  try {
    re = std::regex(pattern);
  } catch (const std::regex_error& e) {
    EMOAUG_FAIL(option, " ", text::quoted(pattern), " is not a valid regular expression (",
                e.what(), ")");
  }
  if (re.mark_count() != 1)
    EMOAUG_FAIL(option, " ", text::quoted(pattern),
                " must have exactly one capture group ( ), it has ", re.mark_count());
  std::vector<std::string> out;
  out.reserve(t.names.size());
  std::smatch match;
  for (size_t r = 0; r < t.names.size(); ++r) {
    if (!std::regex_search(t.names[r], match, re))
      EMOAUG_FAIL(t.where(static_cast<int64_t>(r)), ": the name does not match ", option, " ",
                  text::quoted(pattern));
    out.push_back(match[1].str());
  }
  return out;
}

struct ClassMap {
  std::vector<std::string> classes;                 // NEW, in the order given
  std::vector<std::string> specs;                   // as given, for messages
  std::unordered_map<std::string, int32_t> target;  // OLD -> index of NEW
};

ClassMap parse_class_map(const std::vector<std::string>& specs) {
  ClassMap m;
  for (const std::string& spec : specs) {
    const size_t eq = spec.find('=');
    const std::string name =
        eq == std::string::npos ? "" : std::string(text::trim(spec.substr(0, eq)));
    std::vector<std::string_view> olds;
    if (eq != std::string::npos)
      text::split_fields(std::string_view(spec).substr(eq + 1), ',', text::Quoting::Csv, &olds);
    const bool bad_old = std::any_of(olds.begin(), olds.end(),
                                     [](std::string_view s) { return text::trim(s).empty(); });
    if (name.empty() || olds.empty() || bad_old)
      EMOAUG_FAIL("--class ", text::quoted(spec), ": expected NEW=OLD[,OLD...]");
    if (std::find(m.classes.begin(), m.classes.end(), name) != m.classes.end())
      EMOAUG_FAIL("--class: class ", text::quoted(name), " is given twice");
    const int32_t index = static_cast<int32_t>(m.classes.size());
    m.classes.push_back(name);
    m.specs.push_back(spec);
    for (std::string_view o : olds) {
      const std::string old(text::trim(o));
      if (auto [it, fresh] = m.target.emplace(old, index); !fresh)
        EMOAUG_FAIL("--class: label ", text::quoted(old), " is mapped twice (to ",
                    text::quoted(m.classes[it->second]), " and ", text::quoted(name), ")");
    }
  }
  return m;
}

std::string counts_text(const std::map<std::string, int64_t>& counts) {
  std::string s;
  for (const auto& [label, n] : counts)
    s += (s.empty() ? "" : ", ") + (label.empty() ? std::string("(empty)") : label) + " " +
         std::to_string(n);
  return s;
}

// The classes, the rows kept and their class index: --class, or the sorted distinct labels.
struct Classes {
  std::vector<std::string> names;
  std::vector<int64_t> keep;
  std::vector<int32_t> index;
};

Classes assign_classes(const FeatureTable& t, const std::vector<std::string>& labels,
                       bool labels_from_file, const ImportOptions& o, ImportResult* res) {
  const int64_t rows = t.rows();
  Classes out;
  std::vector<int64_t>& keep = out.keep;
  std::vector<int32_t>& label_index = out.index;
  std::vector<std::string>& class_names = out.names;
  if (o.unlabeled) {
    for (int64_t r = 0; r < rows; ++r) keep.push_back(r);
    label_index.assign(rows, -1);
  } else if (!o.class_map.empty()) {
    const ClassMap cm = parse_class_map(o.class_map);
    std::map<std::string, int64_t> unmapped, present;
    std::vector<int64_t> counts(cm.classes.size(), 0);
    for (int64_t r = 0; r < rows; ++r) {
      ++present[labels[r]];
      auto it = cm.target.find(labels[r]);
      const int32_t index = it == cm.target.end() ? -1 : it->second;
      if (index >= 0) {
        ++counts[index];
      } else {
        ++unmapped[labels[r]];
        if (!o.keep_unmapped) continue;
      }
      keep.push_back(r);
      label_index.push_back(index);
    }
    for (size_t c = 0; c < cm.classes.size(); ++c)
      if (counts[c] == 0)
        EMOAUG_FAIL(t.origin, ": class ", text::quoted(cm.classes[c]), " (--class ",
                    text::quoted(cm.specs[c]), ") has no rows; the labels are ",
                    counts_text(present));
    class_names = cm.classes;
    int64_t n_unmapped = 0;
    for (const auto& [label, n] : unmapped) n_unmapped += n;
    if (!o.keep_unmapped) res->dropped_rows = n_unmapped;
    if (n_unmapped > 0)
      res->notes.push_back((o.keep_unmapped
                                ? "kept " + std::to_string(n_unmapped) + " rows as -1 (in no class)"
                                : "dropped " + std::to_string(n_unmapped) + " rows") +
                           " whose label --class does not map: " + counts_text(unmapped));
  } else {
    for (int64_t r = 0; r < rows; ++r) {
      if (labels[r].empty())
        EMOAUG_FAIL(t.where(r), ": has no label (give --class to keep only some labels)");
      if (labels_from_file && !t.declared_labels.empty() &&
          std::find(t.declared_labels.begin(), t.declared_labels.end(), labels[r]) ==
              t.declared_labels.end())
        EMOAUG_FAIL(t.where(r), ": label ", text::quoted(labels[r]),
                    " is not one of the classes the header declares (give --class to keep only "
                    "some labels)");
      class_names.push_back(labels[r]);
    }
    std::sort(class_names.begin(), class_names.end());
    class_names.erase(std::unique(class_names.begin(), class_names.end()), class_names.end());
    for (int64_t r = 0; r < rows; ++r) {
      keep.push_back(r);
      label_index.push_back(
          static_cast<int32_t>(std::lower_bound(class_names.begin(), class_names.end(), labels[r]) -
                               class_names.begin()));
    }
  }
  return out;
}

// Group ids of the kept rows: integers as given, or strings numbered 1..G in sorted order (the
// mapping goes to *note).
std::vector<int32_t> assign_groups(const FeatureTable& t, const std::vector<std::string>& groups,
                                   const std::vector<int64_t>& keep, const ImportOptions& o,
                                   ImportResult* res, std::string* note) {
  std::vector<int32_t> group_ids(keep.size(), 0);
  if (groups.empty()) {
    res->warnings.push_back(
        "no --group-column or --group-regex: every row is in group 0, so leave-one-group-out "
        "cross-validation is impossible on this corpus");
  } else {
    bool numeric = true;
    for (size_t i = 0; i < keep.size(); ++i) {
      const std::string& g = groups[keep[i]];
      if (g.empty()) EMOAUG_FAIL(t.where(keep[i]), ": has no group (", o.group_kind, ")");
      numeric = numeric && text::parse_int32(g, &group_ids[i]);
    }
    if (!numeric) {
      std::vector<std::string> distinct;
      for (int64_t r : keep) distinct.push_back(groups[r]);
      std::sort(distinct.begin(), distinct.end());
      distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
      for (size_t i = 0; i < keep.size(); ++i)
        group_ids[i] = 1 + static_cast<int32_t>(
                               std::lower_bound(distinct.begin(), distinct.end(), groups[keep[i]]) -
                               distinct.begin());
      *note = "groups: ";
      for (size_t g = 0; g < distinct.size(); ++g)
        *note += (g ? ", " : "") + std::to_string(g + 1) + "=" + distinct[g];
    }
  }
  return group_ids;
}

}  // namespace

ImportResult label_rows(FeatureTable t, const ImportOptions& o) {
  check_options(t, o);
  check_unique_names(t);
  ImportResult res;
  const int64_t rows = t.rows();

  std::vector<std::string> labels, groups;
  if (!o.metadata.empty()) {
    const Metadata m = read_metadata(o.metadata);
    const size_t name_col = m.column(o.name_column, "--name-column");
    const std::vector<size_t> match = match_metadata(t, m, name_col, &res.warnings);
    auto take = [&](const std::string& column, const char* option) {
      const size_t col = m.column(column, option);
      std::vector<std::string> out;
      out.reserve(rows);
      for (int64_t r = 0; r < rows; ++r) out.push_back(m.rows[match[r]][col]);
      return out;
    };
    if (!o.label_column.empty()) labels = take(o.label_column, "--label-column");
    if (!o.group_column.empty()) groups = take(o.group_column, "--group-column");
  }
  if (!o.label_regex.empty()) labels = from_regex(t, o.label_regex, "--label-regex");
  if (!o.group_regex.empty()) groups = from_regex(t, o.group_regex, "--group-regex");
  bool labels_from_file = false;
  if (!o.unlabeled && labels.empty()) {
    if (t.labels.empty())
      EMOAUG_FAIL(t.origin,
                  ": the file has no labels; give --metadata with --label-column, or "
                  "--label-regex, or --unlabeled");
    labels = t.labels;
    labels_from_file = true;
  }

  const Classes classes = assign_classes(t, labels, labels_from_file, o, &res);
  const std::vector<int64_t>& keep = classes.keep;
  std::string group_note;
  std::vector<int32_t> group_ids = assign_groups(t, groups, keep, o, &res, &group_note);

  Corpus& c = res.corpus;
  const int64_t dims = t.features.cols();
  c.features = Tensor(static_cast<int64_t>(keep.size()), dims);
  for (size_t i = 0; i < keep.size(); ++i)
    std::memcpy(c.features.row_range(static_cast<int64_t>(i), 1).data,
                t.features.row_range(keep[i], 1).data, sizeof(float) * dims);
  c.labels = classes.index;
  c.groups = std::move(group_ids);
  c.class_names = classes.names;
  c.feature_names = std::move(t.feature_names);
  if (!t.names.empty())
    for (int64_t r : keep) c.names.push_back(std::move(t.names[r]));
  c.corpus = o.corpus.empty() ? name_stem(t.origin) : o.corpus;
  c.feature_set = o.feature_set;
  c.group_kind = o.group_kind;
  c.description = o.description.empty() ? t.description : o.description;
  if (!group_note.empty())
    c.description +=
        (c.description.empty() ? "" : (c.description.back() == '.' ? " " : ". ")) + group_note;
  c.validate(t.origin);
  return res;
}

}  // namespace emoaug::data
