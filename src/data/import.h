// Importing feature files into a corpus: openSMILE ARFF and CSV output, and the netCDF4 files the
// authors' arff_to_netcdf4.py writes. A reader produces a FeatureTable (names, features, and labels
// when the file has them); label_rows() then attaches labels and groups from a metadata CSV, from
// regular expressions on the names, or from the file, maps and orders the classes, and returns a
// validated Corpus. Every failure is an emoaug::Error naming the file and the line or row.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.h"
#include "data/corpus.h"

namespace emoaug::data {

struct FeatureTable {
  std::string origin;  // the input path, for messages
  std::vector<std::string> feature_names;
  Tensor features;                  // [rows, dims]
  std::vector<std::string> names;   // one per row, or empty when the file has no name column
  std::vector<int64_t> lines;       // line of each row in the input; empty for non-text formats
  std::vector<std::string> labels;  // one per row when the file carries labels, else empty
  // The values an ARFF nominal class declares; labels outside them are an error.
  std::vector<std::string> declared_labels;
  std::string description;  // e.g. the netCDF file's description attribute

  int64_t rows() const { return features.rows(); }
  // "FILE:LINE (name 'x')" or "FILE: row R (name 'x')", to start a message about one row.
  std::string where(int64_t row) const;
};

// Parsers of text already in memory (`origin` names it in messages) and readers of files.
FeatureTable parse_arff(std::string_view text, const std::string& origin);
FeatureTable parse_opensmile_csv(std::string_view text, const std::string& origin);
FeatureTable read_arff(const std::string& path);
FeatureTable read_opensmile_csv(const std::string& path);
FeatureTable read_netcdf(const std::string& path);
// format: "arff", "csv" or "netcdf".
FeatureTable read_feature_file(const std::string& format, const std::string& path);

struct ImportOptions {
  // Labels and groups from a comma-separated metadata file with a header, matched on the row name.
  std::string metadata;
  std::string name_column = "name";
  std::string label_column;
  std::string group_column;
  // Or from the row name: the first capture group of a regular expression (ECMAScript, searched).
  std::string label_regex;
  std::string group_regex;
  // "NEW=OLD[,OLD...]": the classes in this order; rows whose label none maps are dropped, or with
  // keep_unmapped kept with label -1 (in no class).
  std::vector<std::string> class_map;
  bool keep_unmapped = false;
  bool unlabeled = false;
  // Root attributes of the output.
  std::string corpus;
  std::string feature_set = "emobase2010";
  std::string group_kind = "speaker";
  std::string description;
};

struct ImportResult {
  Corpus corpus;
  std::vector<std::string> warnings;  // possible mistakes that are not errors
  std::vector<std::string> notes;     // what was done beyond the obvious (rows dropped, ...)
  int64_t dropped_rows = 0;           // rows whose label --class does not map (unless kept)
};

// Rules (docs/data.md): a row's name matches a metadata row with the same name, or else with the
// same name once folders and an extension are removed from both ("a/03a01Fa.wav" ~ "03a01Fa"). A
// data row without a metadata row is an error; metadata rows that match no data row are a warning
// with their count. Non-numeric group values are numbered 1..G in sorted order (the mapping goes
// into the description); without any group source every row is in group 0, with a warning.
ImportResult label_rows(FeatureTable table, const ImportOptions& options);

ImportResult import_corpus(const std::string& format, const std::string& path,
                           const ImportOptions& options);

}  // namespace emoaug::data
