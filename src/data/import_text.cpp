#include "data/import_text.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "core/error.h"

namespace emoaug::data::text {

std::string read_file(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) EMOAUG_FAIL(path, ": no such file");
  if (S_ISDIR(st.st_mode)) EMOAUG_FAIL(path, ": is a directory, expected a file");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) EMOAUG_FAIL(path, ": cannot open (", std::strerror(errno), ")");
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) data.append(buf, n);
  const bool failed = std::ferror(f);
  std::fclose(f);
  if (failed) EMOAUG_FAIL(path, ": read error");
  return data;
}

void check_no_nul(std::string_view text, const std::string& origin) {
  const size_t at = text.find('\0');
  if (at == std::string_view::npos) return;
  const int64_t line = 1 + std::count(text.begin(), text.begin() + at, '\n');
  EMOAUG_FAIL(origin, ":", line, ": a NUL byte (a binary or corrupt file, not text)");
}

bool Lines::next(std::string_view* line) {
  if (pos_ >= text_.size()) return false;
  size_t end = text_.find('\n', pos_);
  if (end == std::string_view::npos) end = text_.size();
  std::string_view l = text_.substr(pos_, end - pos_);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  pos_ = end + 1;
  ++number_;
  *line = l;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool split_fields(std::string_view line, char delim, Quoting quoting,
                  std::vector<std::string_view>* out) {
  out->clear();
  size_t start = 0;
  char quote = 0;  // the open quote character, or 0
  for (size_t i = 0; i < line.size(); ++i) {
    const char ch = line[i];
    if (quote) {
      if (quoting == Quoting::Arff && ch == '\\')
        ++i;  // skip the escaped character
      else if (ch == quote)
        quote = 0;
    } else if (ch == delim) {
      out->push_back(line.substr(start, i - start));
      start = i + 1;
    } else if (ch == '"' || (quoting == Quoting::Arff && ch == '\'')) {
      quote = ch;
    }
  }
  out->push_back(line.substr(start));
  return quote == 0;
}

std::string unquote(std::string_view field, Quoting quoting) {
  field = trim(field);
  if (field.size() < 2) return std::string(field);
  const char q = field.front();
  const bool quoted_field =
      (q == '"' || (quoting == Quoting::Arff && q == '\'')) && field.back() == q;
  if (!quoted_field) return std::string(field);
  std::string out;
  out.reserve(field.size() - 2);
  for (size_t i = 1; i + 1 < field.size(); ++i) {
    if (quoting == Quoting::Arff && field[i] == '\\' && i + 2 < field.size())
      out += field[++i];
    else if (quoting == Quoting::Csv && field[i] == '"' && field[i + 1] == '"' &&
             i + 2 < field.size())
      out += field[++i];
    else
      out += field[i];
  }
  return out;
}

NumberStatus parse_float(std::string_view field, float* out) {
  field = trim(field);
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);  // from_chars refuses '+'
  if (field.empty()) return NumberStatus::NotANumber;
  const char* end = field.data() + field.size();
  auto [ptr, ec] = std::from_chars(field.data(), end, *out);
  if (ec == std::errc::result_out_of_range && ptr == end) {
    // Underflow (1e-50) is a float 0 or subnormal, not an error; overflow is.
    double wide = 0;
    auto [wptr, wec] = std::from_chars(field.data(), end, wide);
    if (wec == std::errc() && wptr == end && std::fabs(wide) < 1.0) {
      *out = static_cast<float>(wide);
      return NumberStatus::Ok;
    }
    return NumberStatus::OutOfRange;
  }
  if (ec != std::errc() || ptr != end) return NumberStatus::NotANumber;
  return NumberStatus::Ok;
}

bool parse_int32(std::string_view field, int32_t* out) {
  field = trim(field);
  if (!field.empty() && field.front() == '+') field.remove_prefix(1);
  if (field.empty()) return false;
  const char* end = field.data() + field.size();
  auto [ptr, ec] = std::from_chars(field.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

std::string quoted(std::string_view s, size_t max_chars) {
  if (s.size() <= max_chars) return "'" + std::string(s) + "'";
  return "'" + std::string(s.substr(0, max_chars)) + "...'";
}

}  // namespace emoaug::data::text
