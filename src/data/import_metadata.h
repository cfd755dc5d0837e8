// The metadata CSV of `emoaug import --metadata` (comma-separated, a header, "..." quoting) and the
// matching of its rows to the rows of a feature file by utterance name. Internal to the importers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/import.h"

namespace emoaug::data {

struct Metadata {
  std::string origin;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> lines;  // of each row

  // The index of a column; an error naming `option` and listing the columns when there is none.
  size_t column(const std::string& name, const std::string& option) const;
};

Metadata read_metadata(const std::string& path);
Metadata parse_metadata(std::string_view text, const std::string& origin);

// The metadata row of each table row, on `name_column` (see label_rows for the rule). A table row
// without one is an error; metadata rows matching no table row add a warning with their count.
std::vector<size_t> match_metadata(const FeatureTable& table, const Metadata& metadata,
                                   size_t name_column, std::vector<std::string>* warnings);

// "a/b/03a01Fa.wav" -> "03a01Fa".
std::string name_stem(std::string_view name);

}  // namespace emoaug::data
