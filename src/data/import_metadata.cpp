#include "data/import_metadata.h"

#include <unordered_map>

#include "core/error.h"
#include "data/import_text.h"

namespace emoaug::data {

size_t Metadata::column(const std::string& name, const std::string& option) const {
  for (size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  std::string columns;
  for (const std::string& h : header) columns += (columns.empty() ? "" : ", ") + h;
  EMOAUG_FAIL(origin, ": no column ", text::quoted(name), " (", option, "); the columns are ",
              columns);
}

Metadata parse_metadata(std::string_view data, const std::string& origin) {
  if (data.substr(0, 3) == "\xEF\xBB\xBF") data.remove_prefix(3);
  text::check_no_nul(data, origin);
  Metadata m;
  m.origin = origin;
  text::Lines lines(data);
  std::string_view line;
  std::vector<std::string_view> fields;
  bool have_header = false;
  while (lines.next(&line)) {
    if (text::trim(line).empty()) continue;
    if (!text::split_fields(line, ',', text::Quoting::Csv, &fields))
      EMOAUG_FAIL(origin, ":", lines.number(), ": unterminated quote");
    std::vector<std::string> row;
    row.reserve(fields.size());
    for (std::string_view f : fields) row.push_back(text::unquote(f, text::Quoting::Csv));
    if (!have_header) {
      m.header = std::move(row);
      have_header = true;
      continue;
    }
    if (row.size() != m.header.size())
      EMOAUG_FAIL(origin, ":", lines.number(), ": ", row.size(), " fields, expected ",
                  m.header.size(), " (as in the header)");
    m.rows.push_back(std::move(row));
    m.lines.push_back(lines.number());
  }
  if (!have_header) EMOAUG_FAIL(origin, ": empty file (expected a header line)");
  return m;
}

Metadata read_metadata(const std::string& path) {
  return parse_metadata(text::read_file(path), path);
}

std::string name_stem(std::string_view name) {
  const size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
  const size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && dot > 0) name = name.substr(0, dot);
  return std::string(name);
}

std::vector<size_t> match_metadata(const FeatureTable& t, const Metadata& m, size_t name_column,
                                   std::vector<std::string>* warnings) {
  constexpr size_t kAmbiguous = static_cast<size_t>(-1);
  std::unordered_map<std::string, size_t> exact, by_stem;
  for (size_t i = 0; i < m.rows.size(); ++i) {
    const std::string& key = m.rows[i][name_column];
    if (key.empty()) EMOAUG_FAIL(m.origin, ":", m.lines[i], ": empty name");
    if (auto [it, fresh] = exact.emplace(key, i); !fresh)
      EMOAUG_FAIL(m.origin, ":", m.lines[i], ": name ", text::quoted(key), " is also on line ",
                  m.lines[it->second]);
    if (auto [it, fresh] = by_stem.emplace(name_stem(key), i); !fresh) it->second = kAmbiguous;
  }
  std::vector<size_t> match(t.names.size());
  std::vector<bool> used(m.rows.size(), false);
  int64_t missing = 0, first_missing = -1;
  for (size_t r = 0; r < t.names.size(); ++r) {
    size_t found = kAmbiguous;
    if (auto it = exact.find(t.names[r]); it != exact.end())
      found = it->second;
    else if (auto st = by_stem.find(name_stem(t.names[r])); st != by_stem.end())
      found = st->second;  // kAmbiguous when two metadata names share the stem
    if (found == kAmbiguous) {
      if (missing++ == 0) first_missing = static_cast<int64_t>(r);
      continue;
    }
    match[r] = found;
    used[found] = true;
  }
  if (missing > 0)
    EMOAUG_FAIL(t.where(first_missing), ": no row of ", m.origin, " has this name (", missing,
                " of ", t.names.size(), " rows have none; the metadata names look like ",
                m.rows.empty() ? std::string("(none)") : text::quoted(m.rows[0][name_column]), ")");
  int64_t unused = 0, first_unused = -1;
  for (size_t i = 0; i < used.size(); ++i)
    if (!used[i] && unused++ == 0) first_unused = static_cast<int64_t>(i);
  if (unused > 0)
    warnings->push_back(m.origin + ": " + std::to_string(unused) + " of " +
                        std::to_string(m.rows.size()) +
                        " metadata rows match no row of the feature file (first: line " +
                        std::to_string(m.lines[first_unused]) + ", " +
                        text::quoted(m.rows[first_unused][name_column]) + ")");
  return match;
}

}  // namespace emoaug::data
