#include "data/h5.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/error.h"

namespace emoaug::data::h5 {
namespace {

herr_t innermost_cb(unsigned n, const H5E_error2_t* err, void* data) {
  if (n == 0 && err->desc) *static_cast<std::string*>(data) = err->desc;
  return 0;
}

// HDF5's most specific reason for the last failure ("truncated file: eof = ..."). Must run before
// the next HDF5 call, which clears the stack.
std::string h5_reason() {
  std::string reason;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost_cb, &reason);
  H5Eclear2(H5E_DEFAULT);
  return reason;
}

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  std::string reason = h5_reason();
  if (reason.empty()) EMOAUG_FAIL(where, ": ", what);
  EMOAUG_FAIL(where, ": ", what, " (HDF5: ", reason, ")");
}

std::string shape_text(const std::vector<hsize_t>& dims) {
  if (dims.empty()) return "scalar";
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

DatasetInfo describe(hid_t type, hid_t space) {
  DatasetInfo info;
  info.type_class = H5Tget_class(type);
  info.type_size = H5Tget_size(type);
  if (info.type_class == H5T_INTEGER) info.is_signed = H5Tget_sign(type) == H5T_SGN_2;
  if (info.type_class == H5T_STRING) info.variable_string = H5Tis_variable_str(type) > 0;
  int rank = H5Sget_simple_extent_ndims(space);
  if (rank > 0) {
    info.dims.resize(rank);
    H5Sget_simple_extent_dims(space, info.dims.data(), nullptr);
  }
  return info;
}

DatasetInfo describe_dataset(hid_t dataset, const std::string& where) {
  Id type(H5Dget_type(dataset), H5Tclose);
  Id space(H5Dget_space(dataset), H5Sclose);
  if (!type.valid() || !space.valid()) fail(where, "cannot read type or shape");
  return describe(type.get(), space.get());
}

// Objects created here carry no modification times, so that the same content gives the same bytes.
Id untimed(hid_t plist_class) {
  Id plist(H5Pcreate(plist_class), H5Pclose);
  H5Pset_obj_track_times(plist.get(), false);
  return plist;
}

// Chunked with a Fletcher-32 checksum, so that a corrupt chunk fails to read instead of giving
// wrong values; compress adds byte shuffling and gzip. Chunks of about 1 MiB hold whole rows, so
// reading a row range touches few of them. Empty datasets cannot be chunked and stay contiguous.
Id dataset_plist(int rank, const hsize_t* dims, bool compress) {
  Id dcpl = untimed(H5P_DATASET_CREATE);
  hsize_t row_elements = rank == 2 ? dims[1] : 1;
  if (dims[0] == 0 || row_elements == 0) return dcpl;
  hsize_t chunk[2] = {std::clamp<hsize_t>((hsize_t{1} << 18) / row_elements, 1, dims[0]),
                      row_elements};
  H5Pset_chunk(dcpl.get(), rank, chunk);
  if (compress) {
    H5Pset_shuffle(dcpl.get());
    H5Pset_deflate(dcpl.get(), 4);
  }
  H5Pset_fletcher32(dcpl.get());
  return dcpl;
}

Id utf8_string_type() {
  Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

// Strings of one HDF5 string type (vlen or fixed) out of an already-read buffer layout.
struct StringReader {
  Id mem_type;
  bool variable = false;
  size_t size = 0;
  H5T_str_t pad = H5T_STR_NULLTERM;

  explicit StringReader(hid_t file_type) {
    variable = H5Tis_variable_str(file_type) > 0;
    if (variable) {
      mem_type = Id(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mem_type.get(), H5T_VARIABLE);
      // HDF5 refuses to convert between character sets: read in the stored one.
      H5Tset_cset(mem_type.get(), H5Tget_cset(file_type));
    } else {
      mem_type = Id(H5Tcopy(file_type), H5Tclose);
      size = H5Tget_size(file_type);
      pad = H5Tget_strpad(file_type);
    }
  }
  std::string fixed(const char* p) const {
    std::string s(p, strnlen(p, size));
    if (pad == H5T_STR_SPACEPAD)
      while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  }
};

// Frees the strings HDF5 allocated for a vlen read (H5Treclaim replaced H5Dvlen_reclaim in 1.12).
void reclaim_strings(hid_t mem_type, hid_t space, hid_t plist, void* buf) {
#if H5_VERSION_GE(1, 12, 0)
  H5Treclaim(mem_type, space, plist, buf);
#else
  H5Dvlen_reclaim(mem_type, space, plist, buf);
#endif
}

bool exists_path(hid_t base, const std::string& name) {
  if (name.empty() || name == "/") return true;
  std::string prefix = name[0] == '/' ? "/" : "";
  size_t start = name[0] == '/' ? 1 : 0;
  while (start < name.size()) {
    size_t slash = name.find('/', start);
    std::string part = name.substr(start, slash == std::string::npos ? slash : slash - start);
    prefix += (prefix.empty() || prefix == "/" ? "" : "/") + part;
    if (H5Lexists(base, prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

}  // namespace

// HDF5 closes what is still open when the process exits. A file whose final flush failed (a full
// disk) stays in its tables after the failed close, and that exit-time close then crashes inside
// HDF5 1.10 (a segfault after the error was reported). Every file emoaug writes is closed, and
// checked, before it counts, so nothing is lost by leaving the rest to the operating system. Set
// before any other HDF5 call, while the library loads.
const bool kNoExitTimeClose = H5dont_atexit() >= 0;

void silence_errors() {
  // A thread-safe HDF5 keeps an error stack, and its printing switch, per thread.
  thread_local bool done = false;
  if (!done) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    done = true;
  }
}

bool library_is_threadsafe() {
  hbool_t yes = 0;
  return H5is_library_threadsafe(&yes) >= 0 && yes;
}

// ---- Id ---------------------------------------------------------------------------------------

Id& Id::operator=(Id&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    close_ = other.close_;
    other.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Id::reset() {
  if (id_ >= 0 && close_) close_(id_);
  id_ = H5I_INVALID_HID;
}

bool Id::close() {
  if (id_ < 0 || !close_) return true;
  herr_t r = close_(id_);
  id_ = H5I_INVALID_HID;
  return r >= 0;
}

std::string DatasetInfo::type_name() const {
  const std::string bits = std::to_string(8 * type_size);
  if (type_class == H5T_FLOAT) return "float" + bits;
  if (type_class == H5T_INTEGER) return (is_signed ? "int" : "uint") + bits;
  if (type_class == H5T_STRING) return variable_string ? "string" : "fixed-length string";
  static const std::pair<H5T_class_t, const char*> kOthers[] = {
      {H5T_COMPOUND, "compound"}, {H5T_ENUM, "enum"},     {H5T_VLEN, "variable-length sequence"},
      {H5T_ARRAY, "array"},       {H5T_OPAQUE, "opaque"}, {H5T_REFERENCE, "reference"},
      {H5T_BITFIELD, "bitfield"}, {H5T_TIME, "time"}};
  for (const auto& [cls, name] : kOthers)
    if (cls == type_class) return name;
  return "unknown type";
}

// ---- Group ------------------------------------------------------------------------------------

std::string Group::child_path(const std::string& name) const {
  if (!name.empty() && name[0] == '/') return name;
  return path_ == "/" ? "/" + name : path_ + "/" + name;
}

std::string Group::where(const std::string& name) const {
  return file_ + ": " + child_path(name);
}

bool Group::has(const std::string& name) const {
  return exists_path(id(), name);
}

Group Group::open_group(const std::string& name) const {
  if (!has(name)) EMOAUG_FAIL(where(name), ": no such group");
  Id g(H5Gopen2(id(), name.c_str(), H5P_DEFAULT), H5Gclose);
  if (!g.valid()) fail(where(name), "cannot open as a group");
  return Group(std::move(g), file_, child_path(name));
}

Group Group::create_group(const std::string& name) const {
  if (name.empty()) EMOAUG_FAIL(where(name), ": empty group name");
  // One level at a time: intermediate groups made by HDF5 itself would carry timestamps.
  Id gcpl = untimed(H5P_GROUP_CREATE);
  Id current(H5Gopen2(id(), ".", H5P_DEFAULT), H5Gclose);
  std::string done = name[0] == '/' ? "/" : "";
  if (done == "/") current = Id(H5Gopen2(id(), "/", H5P_DEFAULT), H5Gclose);
  size_t start = done.size();
  while (start < name.size()) {
    size_t slash = name.find('/', start);
    std::string part = name.substr(start, slash == std::string::npos ? slash : slash - start);
    start = slash == std::string::npos ? name.size() : slash + 1;
    if (part.empty()) continue;
    done += (done.empty() || done == "/" ? "" : "/") + part;
    Id next;
    if (H5Lexists(current.get(), part.c_str(), H5P_DEFAULT) > 0)
      next = Id(H5Gopen2(current.get(), part.c_str(), H5P_DEFAULT), H5Gclose);
    else
      next = Id(H5Gcreate2(current.get(), part.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT),
                H5Gclose);
    if (!next.valid()) fail(where(done), "cannot create group");
    current = std::move(next);
  }
  return Group(std::move(current), file_, child_path(name));
}

void Group::remove(const std::string& name) const {
  if (!has(name)) return;
  if (H5Ldelete(id(), name.c_str(), H5P_DEFAULT) < 0) fail(where(name), "cannot remove");
}

Id Group::open_dataset(const std::string& name) const {
  if (!has(name)) EMOAUG_FAIL(where(name), ": missing dataset");
  Id d(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!d.valid()) fail(where(name), "cannot open as a dataset");
  return d;
}

Tensor Group::read_f32_2d(const std::string& name, bool convert) const {
  Id d = open_dataset(name);
  DatasetInfo in = describe_dataset(d.get(), where(name));
  const bool ok_type = convert ? in.type_class == H5T_FLOAT || in.type_class == H5T_INTEGER
                               : in.type_class == H5T_FLOAT && in.type_size == 4;
  if (!ok_type) EMOAUG_FAIL(where(name), ": is ", in.type_name(), ", expected float32");
  if (in.dims.size() != 2)
    EMOAUG_FAIL(where(name), ": has shape ", shape_text(in.dims), ", expected 2-D [rows, dims]");
  Tensor t(static_cast<int64_t>(in.dims[0]), static_cast<int64_t>(in.dims[1]));
  if (t.size() > 0 &&
      H5Dread(d.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.data()) < 0)
    fail(where(name), "cannot read the data (truncated or corrupt file?)");
  return t;
}

std::vector<int32_t> Group::read_i32_1d(const std::string& name) const {
  Id d = open_dataset(name);
  DatasetInfo in = describe_dataset(d.get(), where(name));
  if (in.type_class != H5T_INTEGER)
    EMOAUG_FAIL(where(name), ": is ", in.type_name(), ", expected int32");
  if (in.dims.size() != 1)
    EMOAUG_FAIL(where(name), ": has shape ", shape_text(in.dims), ", expected 1-D");
  std::vector<int64_t> wide(in.dims[0]);
  if (!wide.empty() &&
      H5Dread(d.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, wide.data()) < 0)
    fail(where(name), "cannot read the data (truncated or corrupt file?)");
  std::vector<int32_t> out(wide.size());
  for (size_t i = 0; i < wide.size(); ++i) {
    if (wide[i] < std::numeric_limits<int32_t>::min() ||
        wide[i] > std::numeric_limits<int32_t>::max())
      EMOAUG_FAIL(where(name), ": value ", wide[i], " at index ", i, " does not fit int32");
    out[i] = static_cast<int32_t>(wide[i]);
  }
  return out;
}

std::vector<std::string> Group::read_strings(const std::string& name) const {
  Id d = open_dataset(name);
  Id type(H5Dget_type(d.get()), H5Tclose);
  Id space(H5Dget_space(d.get()), H5Sclose);
  DatasetInfo in = describe(type.get(), space.get());
  if (in.type_class != H5T_STRING)
    EMOAUG_FAIL(where(name), ": is ", in.type_name(), ", expected strings");
  if (in.dims.size() != 1)
    EMOAUG_FAIL(where(name), ": has shape ", shape_text(in.dims), ", expected 1-D");
  const size_t n = in.dims[0];
  std::vector<std::string> out;
  out.reserve(n);
  if (n == 0) return out;
  StringReader reader(type.get());
  if (reader.variable) {
    std::vector<char*> ptrs(n, nullptr);
    if (H5Dread(d.get(), reader.mem_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
      fail(where(name), "cannot read the strings (truncated or corrupt file?)");
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    reclaim_strings(reader.mem_type.get(), space.get(), H5P_DEFAULT, ptrs.data());
  } else {
    std::vector<char> buf(n * reader.size);
    if (H5Dread(d.get(), reader.mem_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
      fail(where(name), "cannot read the strings (truncated or corrupt file?)");
    for (size_t i = 0; i < n; ++i) out.push_back(reader.fixed(buf.data() + i * reader.size));
  }
  return out;
}

void Group::create_and_write(const std::string& name, hid_t file_type, hid_t mem_type, hid_t space,
                             hid_t dcpl, const void* data) const {
  if (has(name)) EMOAUG_FAIL(where(name), ": already exists");
  Id d(H5Dcreate2(id(), name.c_str(), file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
  if (!d.valid()) fail(where(name), "cannot create dataset");
  if (H5Sget_simple_extent_npoints(space) > 0 &&
      H5Dwrite(d.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail(where(name), "cannot write (disk full?)");
}

void Group::write_f32_2d(const std::string& name, ConstMatView values, bool compress) const {
  EMOAUG_CHECK(values.device == Device::Host, "HDF5 writes host tensors");
  hsize_t dims[2] = {static_cast<hsize_t>(values.rows), static_cast<hsize_t>(values.cols)};
  Id space(H5Screate_simple(2, dims, nullptr), H5Sclose);
  Id dcpl = dataset_plist(2, dims, compress);
  create_and_write(name, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, space.get(), dcpl.get(), values.data);
}

void Group::write_i32_1d(const std::string& name, const std::vector<int32_t>& values) const {
  hsize_t dims[1] = {values.size()};
  Id space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  Id dcpl = dataset_plist(1, dims, false);
  create_and_write(name, H5T_STD_I32LE, H5T_NATIVE_INT32, space.get(), dcpl.get(), values.data());
}

void Group::write_i64_1d(const std::string& name, const std::vector<int64_t>& values) const {
  hsize_t dims[1] = {values.size()};
  Id space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  Id dcpl = dataset_plist(1, dims, false);
  create_and_write(name, H5T_STD_I64LE, H5T_NATIVE_INT64, space.get(), dcpl.get(), values.data());
}

std::vector<int64_t> Group::read_i64_1d(const std::string& name) const {
  Id d = open_dataset(name);
  DatasetInfo in = describe_dataset(d.get(), where(name));
  if (in.type_class != H5T_INTEGER || in.dims.size() != 1)
    EMOAUG_FAIL(where(name), ": is ", in.type_name(), " ", shape_text(in.dims),
                ", expected a 1-D integer array");
  std::vector<int64_t> out(in.dims[0]);
  if (!out.empty() &&
      H5Dread(d.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    fail(where(name), "cannot read the data (truncated or corrupt file?)");
  return out;
}

void Group::write_f64_1d(const std::string& name, const std::vector<double>& values) const {
  hsize_t dims[1] = {values.size()};
  Id space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  Id dcpl = dataset_plist(1, dims, false);
  create_and_write(name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space.get(), dcpl.get(), values.data());
}

std::vector<double> Group::read_f64_1d(const std::string& name) const {
  Id d = open_dataset(name);
  DatasetInfo in = describe_dataset(d.get(), where(name));
  if (in.type_class != H5T_FLOAT || in.dims.size() != 1)
    EMOAUG_FAIL(where(name), ": is ", in.type_name(), " ", shape_text(in.dims),
                ", expected a 1-D float array");
  std::vector<double> out(in.dims[0]);
  if (!out.empty() &&
      H5Dread(d.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    fail(where(name), "cannot read the data (truncated or corrupt file?)");
  return out;
}

std::vector<std::string> Group::list() const {
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* out) -> herr_t {
    static_cast<std::vector<std::string>*>(out)->push_back(name);
    return 0;
  };
  if (H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect, &names) < 0)
    fail(path_, "cannot list its members");
  return names;
}

void Group::copy_to(const std::string& name, const Group& dst, const std::string& dst_name) const {
  Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  if (H5Ocopy(id(), name.c_str(), dst.id(), dst_name.c_str(), H5P_DEFAULT, lcpl.get()) < 0)
    fail(where(name), "cannot copy it to " + dst.where(dst_name));
}

void Group::link_external(const std::string& name, const std::string& file,
                          const std::string& object_path) const {
  Id lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  if (H5Lcreate_external(file.c_str(), object_path.c_str(), id(), name.c_str(), lcpl.get(),
                         H5P_DEFAULT) < 0)
    fail(where(name), "cannot create an external link to " + file + ":" + object_path);
}

void Group::write_strings(const std::string& name, const std::vector<std::string>& values) const {
  hsize_t dims[1] = {values.size()};
  Id space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  // HDF5 filters (the checksum too) do not apply to variable-length data.
  Id dcpl = untimed(H5P_DATASET_CREATE);
  Id type = utf8_string_type();
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].find('\0') != std::string::npos)
      EMOAUG_FAIL(where(name), ": string ", i, " holds a NUL byte, which HDF5 strings cannot");
    ptrs.push_back(values[i].c_str());
  }
  create_and_write(name, type.get(), type.get(), space.get(), dcpl.get(), ptrs.data());
}

// ---- attributes -------------------------------------------------------------------------------

bool Group::has_attr(const std::string& name) const {
  htri_t r = H5Aexists(id(), name.c_str());
  if (r < 0) fail(where("") + " attribute '" + name + "'", "cannot query");
  return r > 0;
}

Id Group::open_attr(const std::string& name) const {
  const std::string at = file_ + ": " + path_ + " attribute '" + name + "'";
  if (!has_attr(name)) EMOAUG_FAIL(at, ": missing");
  Id a(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose);
  if (!a.valid()) fail(at, "cannot open");
  Id space(H5Aget_space(a.get()), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.get()) != 1)
    EMOAUG_FAIL(at, ": holds ", H5Sget_simple_extent_npoints(space.get()), " values, expected one");
  return a;
}

std::string Group::read_string_attr(const std::string& name) const {
  Id a = open_attr(name);
  Id type(H5Aget_type(a.get()), H5Tclose);
  const std::string at = file_ + ": " + path_ + " attribute '" + name + "'";
  if (H5Tget_class(type.get()) != H5T_STRING) EMOAUG_FAIL(at, ": is not a string");
  StringReader reader(type.get());
  if (reader.variable) {
    char* p = nullptr;
    if (H5Aread(a.get(), reader.mem_type.get(), &p) < 0) fail(at, "cannot read");
    std::string out = p ? p : "";
    Id space(H5Aget_space(a.get()), H5Sclose);
    reclaim_strings(reader.mem_type.get(), space.get(), H5P_DEFAULT, &p);
    return out;
  }
  std::vector<char> buf(reader.size + 1, '\0');
  if (H5Aread(a.get(), reader.mem_type.get(), buf.data()) < 0) fail(at, "cannot read");
  return reader.fixed(buf.data());
}

int64_t Group::read_int_attr(const std::string& name) const {
  Id a = open_attr(name);
  Id type(H5Aget_type(a.get()), H5Tclose);
  const std::string at = file_ + ": " + path_ + " attribute '" + name + "'";
  if (H5Tget_class(type.get()) != H5T_INTEGER) EMOAUG_FAIL(at, ": is not an integer");
  int64_t v = 0;
  if (H5Aread(a.get(), H5T_NATIVE_INT64, &v) < 0) fail(at, "cannot read");
  return v;
}

double Group::read_double_attr(const std::string& name) const {
  Id a = open_attr(name);
  Id type(H5Aget_type(a.get()), H5Tclose);
  const std::string at = file_ + ": " + path_ + " attribute '" + name + "'";
  H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) EMOAUG_FAIL(at, ": is not a number");
  double v = 0;
  if (H5Aread(a.get(), H5T_NATIVE_DOUBLE, &v) < 0) fail(at, "cannot read");
  return v;
}

void Group::write_attr(const std::string& name, hid_t type, const void* value) const {
  const std::string at = file_ + ": " + path_ + " attribute '" + name + "'";
  if (has_attr(name) && H5Adelete(id(), name.c_str()) < 0) fail(at, "cannot replace");
  Id space(H5Screate(H5S_SCALAR), H5Sclose);
  Id a(H5Acreate2(id(), name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!a.valid()) fail(at, "cannot create");
  if (H5Awrite(a.get(), type, value) < 0) fail(at, "cannot write");
}

void Group::write_string_attr(const std::string& name, const std::string& value) const {
  Id type = utf8_string_type();
  const char* p = value.c_str();
  write_attr(name, type.get(), &p);
}

void Group::write_int_attr(const std::string& name, int64_t value) const {
  write_attr(name, H5T_NATIVE_INT64, &value);
}

void Group::write_double_attr(const std::string& name, double value) const {
  write_attr(name, H5T_NATIVE_DOUBLE, &value);
}

// ---- File -------------------------------------------------------------------------------------

File File::open(const std::string& path, bool writable) {
  silence_errors();
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) EMOAUG_FAIL(path, ": no such file");
  if (S_ISDIR(st.st_mode)) EMOAUG_FAIL(path, ": is a directory, expected an HDF5 file");
#if H5_VERSION_GE(1, 12, 0)
  const htri_t is_hdf5 = H5Fis_accessible(path.c_str(), H5P_DEFAULT);
#else
  const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
#endif
  if (is_hdf5 <= 0) {
    H5Eclear2(H5E_DEFAULT);
    EMOAUG_FAIL(path, ": not an HDF5 file (no HDF5 signature: wrong format or corrupt)");
  }
  Id f(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!f.valid()) fail(path, "cannot open as HDF5 (truncated or corrupt file?)");
  return File(std::move(f), path);
}

File File::create(const std::string& path) {
  silence_errors();
  Id fcpl = untimed(H5P_FILE_CREATE);
  // The 1.8 file format checksums its metadata (object headers, attributes), so corruption there is
  // reported instead of misread; any HDF5 from 1.8 on reads it.
  Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_V18);
  // Closing the file closes what is still open in it, so that close() really flushes and reports:
  // with HDF5's default (weak) degree a group still held by the caller keeps the file open, and
  // the final flush — and its failure on a full disk — happens later, unseen.
  H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
  Id f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()), H5Fclose);
  if (!f.valid()) fail(path, "cannot create HDF5 file");
  return File(std::move(f), path);
}

Group File::root() const {
  Id g(H5Gopen2(id_.get(), "/", H5P_DEFAULT), H5Gclose);
  if (!g.valid()) fail(path_, "cannot open the root group (truncated or corrupt file?)");
  return Group(std::move(g), path_, "/");
}

void File::close() {
  if (id_.valid() && H5Fflush(id_.get(), H5F_SCOPE_GLOBAL) < 0) fail(path_, "cannot write");
  if (!id_.close()) fail(path_, "cannot close");
}

}  // namespace emoaug::data::h5
