// openSMILE CSV output (cCsvSink): a header line, ';'-separated (',' when the header has no ';'),
// a "name" column (quoted as 'x' by openSMILE), an optional "frameTime" column, optionally a
// "class" column, every other column a numeric feature.
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "core/error.h"
#include "data/import.h"
#include "data/import_text.h"

namespace emoaug::data {
namespace {

[[noreturn]] void fail_at(const std::string& origin, int64_t line, const std::string& what) {
  EMOAUG_FAIL(origin, ":", line, ": ", what);
}

// openSMILE quotes names with single quotes, which CSV quoting does not know.
std::string unquote_name(std::string_view field) {
  std::string s = text::unquote(field, text::Quoting::Csv);
  if (s.size() >= 2 && s.front() == '\'' && s.back() == '\'') s = s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

FeatureTable parse_opensmile_csv(std::string_view data, const std::string& origin) {
  if (data.substr(0, 3) == "\xEF\xBB\xBF") data.remove_prefix(3);
  text::check_no_nul(data, origin);
  FeatureTable t;
  t.origin = origin;
  text::Lines lines(data);
  std::string_view line;
  while (lines.next(&line) && text::trim(line).empty()) {
  }
  if (text::trim(line).empty()) EMOAUG_FAIL(origin, ": empty file (expected a header line)");
  const int64_t header_line = lines.number();
  const char delim = line.find(';') != std::string_view::npos ? ';' : ',';
  std::vector<std::string_view> fields;
  if (!text::split_fields(line, delim, text::Quoting::Csv, &fields))
    fail_at(origin, header_line, "unterminated quote in the header");
  enum class Role { Feature, Name, Label, Skip };
  std::vector<Role> roles;
  int name_col = -1, label_col = -1;
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < fields.size(); ++i) {
    const std::string column = text::unquote(fields[i], text::Quoting::Csv);
    if (column.empty())
      fail_at(origin, header_line, "column " + std::to_string(i + 1) + " has no name");
    if (auto [it, fresh] = seen.emplace(column, i); !fresh)
      fail_at(origin, header_line,
              "column " + text::quoted(column) + " appears twice (columns " +
                  std::to_string(it->second + 1) + " and " + std::to_string(i + 1) + ")");
    Role role = Role::Feature;
    if (text::iequals(column, "name") && name_col < 0) {
      role = Role::Name;
      name_col = static_cast<int>(i);
    } else if (text::iequals(column, "class") && label_col < 0) {
      role = Role::Label;
      label_col = static_cast<int>(i);
    } else if (text::iequals(column, "frameTime")) {
      role = Role::Skip;
    } else {
      t.feature_names.push_back(column);
    }
    roles.push_back(role);
  }
  if (t.feature_names.empty())
    fail_at(origin, header_line,
            "no feature columns (the delimiter is '" + std::string(1, delim) + "')");

  std::vector<float> values;
  bool numeric_labels = true;  // a class column of numbers is openSMILE's placeholder
  while (lines.next(&line)) {
    if (text::trim(line).empty()) continue;
    const int64_t ln = lines.number();
    std::string who = "row " + std::to_string(t.lines.size() + 1);
    if (!text::split_fields(line, delim, text::Quoting::Csv, &fields))
      fail_at(origin, ln, who + " has an unterminated quote");
    if (fields.size() != roles.size()) {
      if (name_col >= 0 && static_cast<size_t>(name_col) < fields.size())
        who += " (" + text::quoted(unquote_name(fields[name_col])) + ")";
      fail_at(origin, ln,
              who + " has " + std::to_string(fields.size()) + " fields, expected " +
                  std::to_string(roles.size()) + " (as in the header; delimiter '" +
                  std::string(1, delim) + "')");
    }
    if (name_col >= 0) {
      t.names.push_back(unquote_name(fields[name_col]));
      who += " (" + text::quoted(t.names.back()) + ")";
    }
    if (label_col >= 0) {
      t.labels.push_back(text::unquote(fields[label_col], text::Quoting::Csv));
      float ignored;
      numeric_labels =
          numeric_labels && text::parse_float(t.labels.back(), &ignored) == text::NumberStatus::Ok;
    }
    size_t feature = 0;
    for (size_t i = 0; i < roles.size(); ++i) {
      if (roles[i] != Role::Feature) continue;
      float v = 0;
      const text::NumberStatus st = text::parse_float(fields[i], &v);
      if (st != text::NumberStatus::Ok || !std::isfinite(v)) {
        const std::string_view raw = text::trim(fields[i]);
        const std::string what = who + ": feature " + text::quoted(t.feature_names[feature]) +
                                 " (column " + std::to_string(i + 1) + ") " + text::quoted(raw);
        if (st == text::NumberStatus::NotANumber) fail_at(origin, ln, what + " is not a number");
        if (st == text::NumberStatus::OutOfRange)
          fail_at(origin, ln, what + " is outside the float32 range");
        fail_at(origin, ln, what + " is not finite");
      }
      values.push_back(v);
      ++feature;
    }
    t.lines.push_back(ln);
  }
  if (label_col >= 0 && numeric_labels) t.labels.clear();
  t.features =
      Tensor(static_cast<int64_t>(t.lines.size()), static_cast<int64_t>(t.feature_names.size()));
  if (!values.empty()) std::memcpy(t.features.data(), values.data(), values.size() * sizeof(float));
  return t;
}

FeatureTable read_opensmile_csv(const std::string& path) {
  return parse_opensmile_csv(text::read_file(path), path);
}

}  // namespace emoaug::data
