// Text helpers for the importers (ARFF, openSMILE CSV, metadata CSV): whole-file reading, numbered
// lines, quote-aware field splitting and strict number parsing. Fields are string_views into the
// file's text, so a large feature file is parsed without a copy per value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace emoaug::data::text {

// The whole file; an emoaug::Error naming `path` when it is missing, a folder or unreadable.
std::string read_file(const std::string& path);

// Refuses text with a NUL byte (a binary file, or a corrupt one), naming the line.
void check_no_nul(std::string_view text, const std::string& origin);

// Iterates over lines, numbered from 1, without their '\n' or "\r\n".
class Lines {
 public:
  explicit Lines(std::string_view text) : text_(text) {}
  bool next(std::string_view* line);
  int64_t number() const { return number_; }  // of the line last returned

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int64_t number_ = 0;
};

std::string_view trim(std::string_view s);
bool iequals(std::string_view a, std::string_view b);

// How quoted fields escape their quote character: ARFF uses a backslash inside '...' or "...",
// CSV doubles the '"'.
enum class Quoting { Arff, Csv };

// Splits `line` at `delim` outside quotes into `out` (cleared first). Fields keep their quotes and
// surrounding spaces; returns false when a quote is left open.
bool split_fields(std::string_view line, char delim, Quoting quoting,
                  std::vector<std::string_view>* out);
// A field without surrounding spaces and quotes, escapes resolved.
std::string unquote(std::string_view field, Quoting quoting);

enum class NumberStatus { Ok, NotANumber, OutOfRange };
// The whole field (surrounding spaces allowed) as a float32, correctly rounded. "nan" and "inf"
// parse (status Ok): the caller decides about non-finite values.
NumberStatus parse_float(std::string_view field, float* out);
// The whole field as an int32; false if it is anything else.
bool parse_int32(std::string_view field, int32_t* out);

// A value for an error message: quoted, shortened when long.
std::string quoted(std::string_view s, size_t max_chars = 40);

}  // namespace emoaug::data::text
