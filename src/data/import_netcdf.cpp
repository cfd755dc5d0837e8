// The netCDF4 files of the authors' arff_to_netcdf4.py. netCDF4 is HDF5 underneath: variables are
// datasets, so the HDF5 library reads them: file_name [file_name] and feature_name [feature_name]
// (strings), feature_value [file_name, feature_name] (float32), optionally category [file_name]
// (strings, "" where a label was missing), and a global attribute "description".
#include "core/error.h"
#include "data/h5.h"
#include "data/import.h"

namespace emoaug::data {

FeatureTable read_netcdf(const std::string& path) {
  h5::File file = h5::File::open(path);
  h5::Group root = file.root();
  FeatureTable t;
  t.origin = path;
  for (const char* name : {"file_name", "feature_name", "feature_value"})
    if (!root.has(name))
      EMOAUG_FAIL(path, ": no variable '", name,
                  "' (expected the netCDF4 layout of arff_to_netcdf4.py: file_name, feature_name, "
                  "feature_value, category)");
  t.names = root.read_strings("file_name");
  t.feature_names = root.read_strings("feature_name");
  t.features = root.read_f32_2d("feature_value", /*convert=*/true);
  if (t.features.rows() != static_cast<int64_t>(t.names.size()) ||
      t.features.cols() != static_cast<int64_t>(t.feature_names.size()))
    EMOAUG_FAIL(root.where("feature_value"), ": is [", t.features.rows(), ", ", t.features.cols(),
                "], but file_name has ", t.names.size(), " entries and feature_name ",
                t.feature_names.size());
  if (root.has("category")) {
    t.labels = root.read_strings("category");
    if (t.labels.size() != t.names.size())
      EMOAUG_FAIL(root.where("category"), ": has ", t.labels.size(), " entries, file_name has ",
                  t.names.size());
  }
  if (root.has_attr("description")) t.description = root.read_string_attr("description");
  return t;
}

}  // namespace emoaug::data
