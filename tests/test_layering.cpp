// The layering of docs/architecture.md, checked on the includes: a layer never reaches up, a stage
// never knows its rank (dist sees only core and backend; gan, ser and data see no dist).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>

namespace {

// What each folder of src/ (and kernels/) may include, besides itself.
const std::map<std::string, std::set<std::string>> kAllowed = {
    {"core", {}},
    {"kernels", {"core", "backend"}},
    {"backend", {"core", "kernels"}},
    {"nn", {"core", "backend", "kernels"}},
    {"data", {"core", "backend"}},
    {"gan", {"core", "backend", "nn", "kernels"}},
    {"ser", {"core", "backend", "nn"}},
    {"dist", {"core", "backend", "kernels"}},
    {"config", {"core", "backend", "data", "gan", "ser"}},
    {"experiment", {"core", "backend", "nn", "data", "gan", "ser", "dist", "config", "kernels"}},
    {"app", {"core", "backend", "nn", "data", "gan", "ser", "dist", "config", "experiment"}},
};

// config reads the option structs of the layers it configures, and nothing else of theirs; of ser
// also the classifier registry, whose names are what a block's `classifier` may say.
bool allowed_exception(const std::string& layer, const std::string& header) {
  return layer == "config" && (header == "gan/options.h" || header == "ser/options.h" ||
                               header == "ser/registry.h" || header == "data/scaler.h");
}

}  // namespace

TEST(Layering, NoLayerIncludesALayerAboveIt) {
  const std::regex include_re(R"re(#include\s+"(([a-z_]+)/[^"]+)")re");
  const std::string root = EMOAUG_SOURCE_DIR;
  int files = 0;
  for (const auto& [layer, allowed] : kAllowed) {
    const std::string folder = layer == "kernels" ? root + "/kernels" : root + "/src/" + layer;
    if (!std::filesystem::is_directory(folder)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path());
      ++files;
      std::string line;
      while (std::getline(in, line)) {
        std::smatch m;
        if (!std::regex_search(line, m, include_re)) continue;
        const std::string header = m[1], target = m[2];
        if (target == layer || !kAllowed.count(target)) continue;  // own layer, or not ours
        if (target == "gan" || target == "ser" || target == "data") {
          if (allowed.count(target) && (layer != "config" || allowed_exception(layer, header)))
            continue;
        } else if (allowed.count(target)) {
          continue;
        }
        ADD_FAILURE() << entry.path().string() << " includes " << header << " (" << layer
                      << " may not depend on " << target << ")";
      }
    }
  }
  EXPECT_GT(files, 50);
}
