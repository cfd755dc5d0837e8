#include "data/import.h"

#include "core/error.h"
#include "data/import_text.h"

namespace emoaug::data {

std::string FeatureTable::where(int64_t row) const {
  std::string s = origin;
  if (row >= 0 && row < static_cast<int64_t>(lines.size()))
    s += ":" + std::to_string(lines[row]) + ": row " + std::to_string(row + 1);
  else
    s += ": row " + std::to_string(row + 1);
  if (row >= 0 && row < static_cast<int64_t>(names.size()))
    s += " (" + text::quoted(names[row]) + ")";
  return s;
}

FeatureTable read_feature_file(const std::string& format, const std::string& path) {
  if (format == "arff") return read_arff(path);
  if (format == "csv") return read_opensmile_csv(path);
  if (format == "netcdf") return read_netcdf(path);
  EMOAUG_FAIL("unknown import format ", text::quoted(format), " (arff, csv or netcdf)");
}

ImportResult import_corpus(const std::string& format, const std::string& path,
                           const ImportOptions& options) {
  return label_rows(read_feature_file(format, path), options);
}

}  // namespace emoaug::data
