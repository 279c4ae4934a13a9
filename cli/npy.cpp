// The .npy format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//   "\x93NUMPY", major, minor, header length (2 bytes LE for 1.0, 4 bytes LE for 2.0 / 3.0), then an
//   ASCII (3.0: UTF-8) Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), }
//   padded with spaces and ending in '\n', then the raw data.
#include "npy.hpp"

#include <cctype>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <unistd.h>

namespace nnsimd::cli::npy {

const char* name(dtype d) {
  switch (d) {
    case dtype::f32: return "float32";
    case dtype::f64: return "float64";
    case dtype::i32: return "int32";
    case dtype::i64: return "int64";
    case dtype::u8: return "uint8";
  }
  return "?";
}

std::size_t item_size(dtype d) {
  switch (d) {
    case dtype::f32: return 4;
    case dtype::f64: return 8;
    case dtype::i32: return 4;
    case dtype::i64: return 8;
    case dtype::u8: return 1;
  }
  return 0;
}

const char* descr(dtype d) {
  switch (d) {
    case dtype::f32: return "<f4";
    case dtype::f64: return "<f8";
    case dtype::i32: return "<i4";
    case dtype::i64: return "<i8";
    case dtype::u8: return "|u1";
  }
  return "?";
}

std::size_t array::count() const {
  std::size_t n = 1;
  for (std::size_t s : shape) n *= s;
  return n;
}

template <class T>
std::vector<T> array::values() const {
  if (type != dtype_of<T>()) throw error(std::string("internal: array is ") + name(type));
  std::vector<T> v(count());
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * sizeof(T));
  return v;
}
template std::vector<float> array::values<float>() const;
template std::vector<double> array::values<double>() const;
template std::vector<std::int32_t> array::values<std::int32_t>() const;
template std::vector<std::int64_t> array::values<std::int64_t>() const;
template std::vector<std::uint8_t> array::values<std::uint8_t>() const;

template <class T>
array make(std::vector<std::size_t> shape, const T* data) {
  array a;
  a.type = dtype_of<T>();
  a.shape = std::move(shape);
  a.bytes.resize(a.count() * sizeof(T));
  if (!a.bytes.empty()) std::memcpy(a.bytes.data(), data, a.bytes.size());
  return a;
}
template array make<float>(std::vector<std::size_t>, const float*);
template array make<double>(std::vector<std::size_t>, const double*);
template array make<std::int32_t>(std::vector<std::size_t>, const std::int32_t*);
template array make<std::int64_t>(std::vector<std::size_t>, const std::int64_t*);
template array make<std::uint8_t>(std::vector<std::size_t>, const std::uint8_t*);

namespace {

static_assert(std::numeric_limits<float>::is_iec559 && std::numeric_limits<double>::is_iec559);
// The reader and writer copy bytes as they are: both the file format and this program are little-endian.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "npy.cpp assumes a little-endian host");

// A tiny parser for the one Python literal NumPy writes: a dict of str keys to str, bool or tuple of
// int values. Anything else is a malformed header.
class header_parser {
 public:
  header_parser(const std::string& text, const std::string& what) : s_(text), what_(what) {}

  void parse(std::string& descr_out, bool& fortran_out, std::vector<std::size_t>& shape_out) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    expect('{');
    while (true) {
      skip_ws();
      if (peek() == '}') {
        ++i_;
        break;
      }
      const std::string key = string_literal();
      expect(':');
      skip_ws();
      if (key == "descr") {
        if (peek() != '\'' && peek() != '"')
          fail("'descr' is not a simple type string (structured or subarray dtypes are not supported)");
        descr_out = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        fortran_out = boolean();
        have_fortran = true;
      } else if (key == "shape") {
        shape_out = tuple();
        have_shape = true;
      } else {
        fail("unexpected key '" + key + "'");
      }
      skip_ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect('}');
      break;
    }
    skip_ws();
    if (i_ != s_.size()) fail("trailing characters after the dict");
    if (!have_descr || !have_fortran || !have_shape)
      fail("the header dict needs the keys 'descr', 'fortran_order' and 'shape'");
  }

 private:
  [[noreturn]] void fail(const std::string& why) const { throw error(what_ + ": corrupt .npy header: " + why); }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  void expect(char c) {
    skip_ws();
    if (peek() != c) fail(std::string("expected '") + c + "' at offset " + std::to_string(i_));
    ++i_;
  }
  std::string string_literal() {
    skip_ws();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string at offset " + std::to_string(i_));
    const std::size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos) fail("unterminated string");
    std::string v = s_.substr(i_ + 1, end - i_ - 1);
    i_ = end + 1;
    return v;
  }
  bool boolean() {
    if (s_.compare(i_, 4, "True") == 0) {
      i_ += 4;
      return true;
    }
    if (s_.compare(i_, 5, "False") == 0) {
      i_ += 5;
      return false;
    }
    fail("'fortran_order' must be True or False");
  }
  std::vector<std::size_t> tuple() {
    std::vector<std::size_t> v;
    expect('(');
    while (true) {
      skip_ws();
      if (peek() == ')') {
        ++i_;
        return v;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("'shape' must be a tuple of non-negative integers");
      std::size_t n = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        const std::size_t d = static_cast<std::size_t>(s_[i_++] - '0');
        if (n > (std::numeric_limits<std::size_t>::max() - d) / 10) fail("a dimension of 'shape' overflows");
        n = n * 10 + d;
      }
      v.push_back(n);
      skip_ws();
      if (peek() == ',') {
        ++i_;
        continue;
      }
      expect(')');
      return v;
    }
  }

  const std::string& s_;
  const std::string& what_;
  std::size_t i_ = 0;
};

dtype parse_descr(const std::string& d, const std::string& what) {
  if (d == "<f4") return dtype::f32;
  if (d == "<f8") return dtype::f64;
  if (d == "<i4") return dtype::i32;
  if (d == "<i8") return dtype::i64;
  if (d == "|u1" || d == "<u1" || d == ">u1") return dtype::u8;
  std::string hint;
  if (!d.empty() && d[0] == '>') hint = " (big-endian; convert with a.astype(a.dtype.newbyteorder('<')))";
  throw error(what + ": unsupported dtype '" + d + "'" + hint +
              "; supported: float32 '<f4', float64 '<f8', int32 '<i4', int64 '<i8', uint8 '|u1'");
}

std::uint32_t le(const unsigned char* p, int n) {
  std::uint32_t v = 0;
  for (int k = n - 1; k >= 0; --k) v = (v << 8) | p[k];
  return v;
}

}  // namespace

array parse(const std::vector<unsigned char>& f, const std::string& what) {
  static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (f.size() < 10 || std::memcmp(f.data(), magic, 6) != 0)
    throw error(what + ": not a .npy file (" + (f.size() < 10 ? "too short for a header" : "no \\x93NUMPY magic") + ")");
  const unsigned major = f[6], minor = f[7];
  std::size_t len_bytes;
  if (major == 1 && minor == 0)
    len_bytes = 2;
  else if ((major == 2 || major == 3) && minor == 0)
    len_bytes = 4;
  else
    throw error(what + ": unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
  if (f.size() < 8 + len_bytes) throw error(what + ": truncated .npy header");
  const std::size_t header_len = le(f.data() + 8, static_cast<int>(len_bytes));
  const std::size_t data_offset = 8 + len_bytes + header_len;
  if (f.size() < data_offset)
    throw error(what + ": truncated .npy header (" + std::to_string(header_len) + " header bytes announced, " +
                std::to_string(f.size() - 8 - len_bytes) + " present)");
  std::string header(reinterpret_cast<const char*>(f.data() + 8 + len_bytes), header_len);
  if (header.empty() || header.back() != '\n') throw error(what + ": corrupt .npy header: it does not end with a newline");

  std::string d;
  bool fortran = false;
  std::vector<std::size_t> shape;
  header_parser(header, what).parse(d, fortran, shape);

  array a;
  a.type = parse_descr(d, what);
  a.shape = std::move(shape);
  if (fortran && a.rank() > 1)
    throw error(what + ": Fortran (column-major) order is not supported; save a C-order array, e.g. "
                       "np.save(path, np.ascontiguousarray(a))");
  // The element count and the byte count, with overflow checks: a corrupt shape must not wrap around.
  std::size_t n = 1;
  for (std::size_t s : a.shape) {
    if (s != 0 && n > std::numeric_limits<std::size_t>::max() / s) throw error(what + ": corrupt .npy header: shape overflows");
    n *= s;
  }
  const std::size_t isz = item_size(a.type);
  if (n > std::numeric_limits<std::size_t>::max() / isz) throw error(what + ": corrupt .npy header: shape overflows");
  const std::size_t want = n * isz, have = f.size() - data_offset;
  if (have < want)
    throw error(what + ": truncated: the shape needs " + std::to_string(want) + " data bytes, the file has " +
                std::to_string(have));
  if (have > want)
    throw error(what + ": corrupt: " + std::to_string(have - want) + " bytes after the data the shape describes");
  a.bytes.assign(f.begin() + static_cast<std::ptrdiff_t>(data_offset), f.end());
  return a;
}

array load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw error(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw error(path + ": is a directory, not a .npy file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw error(path + ": cannot open for reading");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw error(path + ": read error");
  return parse(bytes, path);
}

std::vector<unsigned char> serialize(const array& a) {
  std::string h = std::string("{'descr': '") + descr(a.type) + "', 'fortran_order': False, 'shape': (";
  for (std::size_t k = 0; k < a.shape.size(); ++k) h += std::to_string(a.shape[k]) + (a.shape.size() == 1 ? "," : (k + 1 < a.shape.size() ? ", " : ""));
  h += "), }";
  // Pad with spaces so that magic (6) + version (2) + length (2) + header is a multiple of 64, '\n' last.
  const std::size_t total = 10 + h.size() + 1;
  h.append((64 - total % 64) % 64, ' ');
  h += '\n';
  if (h.size() > 65535) throw error("internal: .npy header too long");
  std::vector<unsigned char> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, static_cast<unsigned char>(h.size() & 0xff),
                                    static_cast<unsigned char>(h.size() >> 8)};
  out.insert(out.end(), h.begin(), h.end());
  out.insert(out.end(), a.bytes.begin(), a.bytes.end());
  return out;
}

void save_all(const std::vector<std::pair<std::string, array>>& files) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::string>> done;  // temporary, target
  auto cleanup = [&] {
    std::error_code ec;
    for (auto& [tmp, target] : done) fs::remove(tmp, ec);
  };
  for (const auto& [path, arr] : files) {
    const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
    const std::vector<unsigned char> img = serialize(arr);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (out) {
      done.emplace_back(tmp, path);
      out.write(reinterpret_cast<const char*>(img.data()), static_cast<std::streamsize>(img.size()));
      out.close();
    }
    if (!out) {
      cleanup();
      throw error(path + ": cannot write (" + std::strerror(errno) + ")");
    }
  }
  for (std::size_t k = 0; k < done.size(); ++k) {
    std::error_code ec;
    fs::rename(done[k].first, done[k].second, ec);
    if (ec) {
      cleanup();
      throw error(done[k].second + ": cannot rename the temporary file into place (" + ec.message() + ")");
    }
  }
}

}  // namespace nnsimd::cli::npy
