#include "data/corpus_io.h"

#include "core/atomic_file.h"
#include "core/error.h"

namespace emoaug::data {
namespace {

std::string origin_of(const h5::Group& g) {
  return g.path() == "/" ? g.file() : g.file() + ":" + g.path();
}

void check_length(const h5::Group& g, const char* name, size_t size, int64_t expected,
                  const char* of_what) {
  if (static_cast<int64_t>(size) != expected)
    EMOAUG_FAIL(g.where(name), ": has ", size, " entries, expected ", expected, " (", of_what, ")");
}

}  // namespace

Corpus read_corpus(const h5::Group& g) {
  const std::string origin = origin_of(g);
  if (!g.has_attr("format"))
    EMOAUG_FAIL(origin, ": not an emoaug corpus (no 'format' attribute; expected '", kCorpusFormat,
                "')");
  const std::string format = g.read_string_attr("format");
  if (format != kCorpusFormat)
    EMOAUG_FAIL(origin, ": format is '", format, "', expected '", kCorpusFormat, "'");
  if (!g.has_attr("format_version")) EMOAUG_FAIL(origin, ": no 'format_version' attribute");
  const int64_t version = g.read_int_attr("format_version");
  if (version != kCorpusFormatVersion)
    EMOAUG_FAIL(origin, ": format_version ", version, " is not supported (this emoaug reads ",
                kCorpusFormatVersion, ")");

  Corpus c;
  c.features = g.read_f32_2d("features");
  c.labels = g.read_i32_1d("labels");
  c.groups = g.read_i32_1d("groups");
  c.class_names = g.read_strings("class_names");
  c.feature_names = g.read_strings("feature_names");
  if (g.has("names")) c.names = g.read_strings("names");
  check_length(g, "labels", c.labels.size(), c.rows(), "one per row of /features");
  check_length(g, "groups", c.groups.size(), c.rows(), "one per row of /features");
  check_length(g, "feature_names", c.feature_names.size(), c.dims(), "one per column of /features");
  if (!c.names.empty() || g.has("names"))
    check_length(g, "names", c.names.size(), c.rows(), "one per row of /features");

  auto attr = [&](const char* name) {
    return g.has_attr(name) ? g.read_string_attr(name) : std::string();
  };
  c.corpus = attr("corpus");
  c.feature_set = attr("feature_set");
  c.group_kind = attr("group_kind");
  c.description = attr("description");
  c.validate(origin);
  return c;
}

Corpus read_corpus(const h5::File& file, const std::string& group) {
  h5::Group root = file.root();
  if (group.empty() || group == "/") return read_corpus(root);
  return read_corpus(root.open_group(group));
}

Corpus read_corpus(const std::string& path, const std::string& group) {
  return read_corpus(h5::File::open(path), group);
}

void write_corpus(const h5::Group& g, const Corpus& c) {
  c.validate(origin_of(g));
  g.write_f32_2d("features", c.features.view(), /*compress=*/true);
  g.write_i32_1d("labels", c.labels);
  g.write_i32_1d("groups", c.groups);
  g.write_strings("class_names", c.class_names);
  g.write_strings("feature_names", c.feature_names);
  if (!c.names.empty()) g.write_strings("names", c.names);
  g.write_string_attr("format", kCorpusFormat);
  g.write_int_attr("format_version", kCorpusFormatVersion);
  g.write_string_attr("corpus", c.corpus);
  g.write_string_attr("feature_set", c.feature_set);
  g.write_string_attr("group_kind", c.group_kind);
  g.write_string_attr("description", c.description);
}

void write_corpus(const h5::File& file, const std::string& group, const Corpus& c) {
  h5::Group root = file.root();
  if (group.empty() || group == "/")
    write_corpus(root, c);
  else
    write_corpus(root.create_group(group), c);
}

void write_corpus(const std::string& path, const Corpus& c) {
  c.validate(path);  // before a temporary file exists
  write_atomically(path, [&](const std::string& temp) {
    h5::File file = h5::File::create(temp);
    write_corpus(file.root(), c);
    file.close();
  });
}

}  // namespace emoaug::data
