// openSMILE ARFF (as SMILExtract writes it; Weka's dense ARFF in general): @relation, @attribute
// lines, @data, one row per line, '%' comments. The string attribute is the utterance name, a
// nominal attribute named "class" (or the last nominal one) holds labels, a numeric "class" is
// openSMILE's placeholder and ignored, as is "frameTime"; every other numeric attribute is a
// feature.
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "core/error.h"
#include "data/import.h"
#include "data/import_text.h"

namespace emoaug::data {
namespace {

using text::Quoting;

enum class Kind { Numeric, String, Nominal, Unsupported };
enum class Role { Feature, Name, Label, Skip };

struct Attribute {
  std::string name;
  Kind kind = Kind::Numeric;
  std::string type_text;            // as written, for messages
  std::vector<std::string> values;  // nominal
  int64_t line = 0;
  Role role = Role::Skip;
};

[[noreturn]] void fail_at(const std::string& origin, int64_t line, const std::string& what) {
  EMOAUG_FAIL(origin, ":", line, ": ", what);
}

// "@attribute <name> <type>", the keyword already removed.
Attribute parse_attribute(std::string_view rest, const std::string& origin, int64_t line) {
  Attribute a;
  a.line = line;
  rest = text::trim(rest);
  size_t name_end = 0;
  if (!rest.empty() && (rest[0] == '\'' || rest[0] == '"')) {
    const char q = rest[0];
    name_end = 1;
    while (name_end < rest.size() && rest[name_end] != q)
      name_end += rest[name_end] == '\\' ? 2 : 1;
    if (name_end >= rest.size()) fail_at(origin, line, "unterminated quote in @attribute name");
    ++name_end;
  } else {
    while (name_end < rest.size() && !std::isspace(static_cast<unsigned char>(rest[name_end])))
      ++name_end;
  }
  a.name = text::unquote(rest.substr(0, name_end), Quoting::Arff);
  if (a.name.empty()) fail_at(origin, line, "@attribute without a name");
  std::string_view type = text::trim(rest.substr(name_end));
  a.type_text = std::string(type);
  if (type.empty()) fail_at(origin, line, "@attribute " + text::quoted(a.name) + " has no type");
  if (type[0] == '{') {
    if (type.back() != '}')
      fail_at(origin, line, "nominal @attribute " + text::quoted(a.name) + " lacks its '}'");
    std::vector<std::string_view> fields;
    text::split_fields(type.substr(1, type.size() - 2), ',', Quoting::Arff, &fields);
    for (std::string_view f : fields) a.values.push_back(text::unquote(f, Quoting::Arff));
    a.kind = Kind::Nominal;
  } else if (text::iequals(type, "numeric") || text::iequals(type, "real") ||
             text::iequals(type, "integer")) {
    a.kind = Kind::Numeric;
  } else if (text::iequals(type, "string")) {
    a.kind = Kind::String;
  } else {
    a.kind = Kind::Unsupported;  // date, relational, or a typo: an error only if it matters
  }
  return a;
}

// Decides what each column is; see the file comment.
void assign_roles(std::vector<Attribute>& attrs, const std::string& origin) {
  int name_col = -1, label_col = -1;
  std::unordered_map<std::string, int64_t> seen;
  for (size_t i = 0; i < attrs.size(); ++i) {
    Attribute& a = attrs[i];
    if (auto [it, fresh] = seen.emplace(a.name, a.line); !fresh)
      fail_at(origin, a.line,
              "attribute " + text::quoted(a.name) + " is declared twice (first on line " +
                  std::to_string(it->second) + ")");
    switch (a.kind) {
      case Kind::String:
        if (name_col >= 0)
          fail_at(origin, a.line,
                  "a second string attribute " + text::quoted(a.name) + " (the name column is " +
                      text::quoted(attrs[name_col].name) + ")");
        name_col = static_cast<int>(i);
        a.role = Role::Name;
        break;
      case Kind::Nominal:
        if (label_col >= 0 || !(text::iequals(a.name, "class") || i + 1 == attrs.size()))
          fail_at(
              origin, a.line,
              "nominal attribute " + text::quoted(a.name) + " is neither the class nor a feature");
        label_col = static_cast<int>(i);
        a.role = Role::Label;
        break;
      case Kind::Numeric:
        a.role = text::iequals(a.name, "class") || text::iequals(a.name, "frameTime")
                     ? Role::Skip
                     : Role::Feature;
        break;
      case Kind::Unsupported:
        fail_at(origin, a.line,
                "attribute " + text::quoted(a.name) + " has type " + text::quoted(a.type_text) +
                    ", which is not supported (numeric, string or nominal)");
    }
  }
}

}  // namespace

FeatureTable parse_arff(std::string_view data, const std::string& origin) {
  if (data.substr(0, 3) == "\xEF\xBB\xBF") data.remove_prefix(3);  // a UTF-8 byte order mark
  text::check_no_nul(data, origin);
  FeatureTable t;
  t.origin = origin;
  text::Lines lines(data);
  std::string_view line;
  std::vector<Attribute> attrs;
  bool in_data = false;
  while (!in_data && lines.next(&line)) {
    std::string_view s = text::trim(line);
    if (s.empty() || s[0] == '%') continue;
    size_t kw_end = 0;
    while (kw_end < s.size() && !std::isspace(static_cast<unsigned char>(s[kw_end]))) ++kw_end;
    std::string_view kw = s.substr(0, kw_end);
    if (text::iequals(kw, "@relation")) continue;
    if (text::iequals(kw, "@attribute")) {
      attrs.push_back(parse_attribute(s.substr(kw_end), origin, lines.number()));
    } else if (text::iequals(kw, "@data")) {
      in_data = true;
    } else if (s[0] == '@') {
      fail_at(origin, lines.number(), "unknown ARFF keyword " + text::quoted(kw));
    } else {
      fail_at(origin, lines.number(),
              attrs.empty() ? "not an ARFF file (expected @relation or @attribute)"
                            : "a data row before @data (is the @data line missing?)");
    }
  }
  if (!in_data)
    EMOAUG_FAIL(origin, ": no @data line (", attrs.size(),
                " attributes read: not an ARFF file, or cut off in its header)");
  if (attrs.empty()) EMOAUG_FAIL(origin, ": no @attribute lines before @data");
  assign_roles(attrs, origin);

  int name_col = -1, label_col = -1;
  for (size_t i = 0; i < attrs.size(); ++i) {
    if (attrs[i].role == Role::Feature) t.feature_names.push_back(attrs[i].name);
    if (attrs[i].role == Role::Name) name_col = static_cast<int>(i);
    if (attrs[i].role == Role::Label) label_col = static_cast<int>(i);
  }
  if (t.feature_names.empty()) EMOAUG_FAIL(origin, ": no numeric feature attributes");
  if (label_col >= 0) t.declared_labels = attrs[label_col].values;

  const size_t dims = t.feature_names.size();
  std::vector<float> values;
  std::vector<std::string_view> fields;
  fields.reserve(attrs.size());
  while (lines.next(&line)) {
    std::string_view s = text::trim(line);
    if (s.empty() || s[0] == '%') continue;
    const int64_t ln = lines.number();
    const std::string row = "row " + std::to_string(t.lines.size() + 1);
    if (s[0] == '{') fail_at(origin, ln, row + " is in sparse ARFF format, which is not supported");
    if (!text::split_fields(s, ',', Quoting::Arff, &fields))
      fail_at(origin, ln, row + " has an unterminated quote");
    if (fields.size() != attrs.size()) {
      const std::string name =
          name_col >= 0 && static_cast<size_t>(name_col) < fields.size()
              ? " (" + text::quoted(text::unquote(fields[name_col], Quoting::Arff)) + ")"
              : "";
      fail_at(origin, ln,
              row + name + " has " + std::to_string(fields.size()) + " values, expected " +
                  std::to_string(attrs.size()) + " (one per @attribute)");
    }
    std::string who = row;
    if (name_col >= 0) {
      t.names.push_back(text::unquote(fields[name_col], Quoting::Arff));
      who += " (" + text::quoted(t.names.back()) + ")";
    }
    if (label_col >= 0) {
      std::string label = text::unquote(fields[label_col], Quoting::Arff);
      t.labels.push_back(label == "?" ? std::string() : label);
    }
    for (size_t i = 0; i < attrs.size(); ++i) {
      if (attrs[i].role != Role::Feature) continue;
      float v = 0;
      const text::NumberStatus st = text::parse_float(fields[i], &v);
      if (st != text::NumberStatus::Ok || !std::isfinite(v)) {
        const std::string_view raw = text::trim(fields[i]);
        const std::string what = who + ": feature " + text::quoted(attrs[i].name) + " (column " +
                                 std::to_string(i + 1) + ") ";
        if (raw == "?") fail_at(origin, ln, what + "is missing ('?')");
        if (st == text::NumberStatus::NotANumber)
          fail_at(origin, ln, what + text::quoted(raw) + " is not a number");
        if (st == text::NumberStatus::OutOfRange)
          fail_at(origin, ln, what + text::quoted(raw) + " is outside the float32 range");
        fail_at(origin, ln, what + text::quoted(raw) + " is not finite");
      }
      values.push_back(v);
    }
    t.lines.push_back(ln);
  }
  const int64_t rows = static_cast<int64_t>(t.lines.size());
  t.features = Tensor(rows, static_cast<int64_t>(dims));
  if (!values.empty()) std::memcpy(t.features.data(), values.data(), values.size() * sizeof(float));
  return t;
}

FeatureTable read_arff(const std::string& path) {
  return parse_arff(text::read_file(path), path);
}

}  // namespace emoaug::data
