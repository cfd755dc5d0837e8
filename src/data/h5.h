// Small RAII handles over the HDF5 C API, for corpus files, task outputs and the netCDF4 importer.
// Every failure becomes an emoaug::Error naming the file and the object path (and HDF5's own
// innermost reason); HDF5's habit of printing its error stack to stderr is switched off.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace emoaug::data::h5 {

// An owned hid_t, closed with the matching H5?close when it goes out of scope.
class Id {
 public:
  Id() = default;
  Id(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Id() { reset(); }
  Id(Id&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = H5I_INVALID_HID; }
  Id& operator=(Id&& other) noexcept;
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();
  // Closes now and reports whether HDF5 managed to (for files: whether everything was flushed).
  bool close();

 private:
  hid_t id_ = H5I_INVALID_HID;
  herr_t (*close_)(hid_t) = nullptr;
};

// What a dataset holds, for shape and dtype checks with a readable message.
struct DatasetInfo {
  H5T_class_t type_class = H5T_NO_CLASS;
  size_t type_size = 0;
  bool is_signed = false;        // integers
  bool variable_string = false;  // vlen strings
  std::vector<hsize_t> dims;
  std::string type_name() const;  // "float32", "int64", "string", ...
};

// A group (a file's root group included). Keeps the file path and its own path for messages.
class Group {
 public:
  bool has(const std::string& name) const;
  Group open_group(const std::string& name) const;
  // Creates intermediate groups as needed ("a/b/c").
  Group create_group(const std::string& name) const;
  // Removes a link (a dataset or a whole group) if it exists.
  void remove(const std::string& name) const;
  // Names of the group's members in name order.
  std::vector<std::string> list() const;

  // Float datasets of rank 2. With convert = false the stored type must be float32.
  Tensor read_f32_2d(const std::string& name, bool convert = false) const;
  // Any integer type of rank 1 whose values fit int32.
  std::vector<int32_t> read_i32_1d(const std::string& name) const;
  // Variable or fixed-length strings of rank 1.
  std::vector<std::string> read_strings(const std::string& name) const;

  // Writes fail if the dataset exists. Numeric datasets are chunked and checksummed (Fletcher-32);
  // compress adds byte shuffling and gzip.
  void write_f32_2d(const std::string& name, ConstMatView values, bool compress = true) const;
  void write_i32_1d(const std::string& name, const std::vector<int32_t>& values) const;
  void write_i64_1d(const std::string& name, const std::vector<int64_t>& values) const;
  std::vector<int64_t> read_i64_1d(const std::string& name) const;
  void write_f64_1d(const std::string& name, const std::vector<double>& values) const;
  std::vector<double> read_f64_1d(const std::string& name) const;

  // Copies object `name` of this group (a dataset or a whole group, "." for this group itself)
  // into `dst` under `dst_name` (a path; missing groups on the way are created).
  void copy_to(const std::string& name, const Group& dst, const std::string& dst_name) const;
  // A link `name` to the object at `object_path` inside another file (relative paths resolve
  // against this file's folder when read through HDF5's default external-link prefix).
  void link_external(const std::string& name, const std::string& file,
                     const std::string& object_path) const;
  // Variable-length UTF-8.
  void write_strings(const std::string& name, const std::vector<std::string>& values) const;

  // Attributes of this group.
  bool has_attr(const std::string& name) const;
  std::string read_string_attr(const std::string& name) const;
  int64_t read_int_attr(const std::string& name) const;
  double read_double_attr(const std::string& name) const;
  // Overwrite an existing attribute of the same name.
  void write_string_attr(const std::string& name, const std::string& value) const;
  void write_int_attr(const std::string& name, int64_t value) const;
  void write_double_attr(const std::string& name, double value) const;

  hid_t id() const { return id_.get(); }
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  // "FILE: /group/name", the prefix of every message about `name`.
  std::string where(const std::string& name) const;

 private:
  friend class File;
  Group(Id id, std::string file, std::string path)
      : id_(std::move(id)), file_(std::move(file)), path_(std::move(path)) {}
  std::string child_path(const std::string& name) const;
  Id open_dataset(const std::string& name) const;
  Id open_attr(const std::string& name) const;
  void write_attr(const std::string& name, hid_t type, const void* value) const;
  void create_and_write(const std::string& name, hid_t file_type, hid_t mem_type, hid_t space,
                        hid_t dcpl, const void* data) const;

  Id id_;
  std::string file_, path_;
};

class File {
 public:
  // Existing file, read-only or read-write. Fails clearly for a missing, truncated or non-HDF5
  // file.
  static File open(const std::string& path, bool writable = false);
  // A new file; an existing one at `path` is replaced.
  static File create(const std::string& path);

  Group root() const;
  const std::string& path() const { return path_; }
  // Closes and reports a failure to flush; the destructor closes silently.
  void close();

 private:
  File(Id id, std::string path) : id_(std::move(id)), path_(std::move(path)) {}
  Id id_;
  std::string path_;
};

// Turns off HDF5's printing of its error stack for the calling thread (idempotent; File::open and
// File::create call it).
void silence_errors();

// Whether this HDF5 was built thread-safe: only then may several threads call it at once.
bool library_is_threadsafe();

}  // namespace emoaug::data::h5
