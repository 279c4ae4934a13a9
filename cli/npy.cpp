// The .npy format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//   "\x93NUMPY", major, minor, header length (2 bytes LE for 1.0, 4 bytes LE for 2.0 / 3.0), then an
//   ASCII (3.0: UTF-8) Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), }
//   padded with spaces and ending in '\n', then the raw data.
#include "npy.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>

namespace nnsimd::cli::npy {

const char* name(dtype d) {
  switch (d) {
    case dtype::f32: return "float32";
    case dtype::f64: return "float64";
    case dtype::i32: return "int32";
    case dtype::i64: return "int64";
    case dtype::u8: return "uint8";
    case dtype::b1: return "bool";
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
    case dtype::b1: return 1;
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
    case dtype::b1: return "|b1";
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
  if (d == "|b1" || d == "<b1" || d == ">b1") return dtype::b1;
  std::string hint;
  if (!d.empty() && d[0] == '>') hint = " (big-endian; convert with a.astype(a.dtype.newbyteorder('<')))";
  throw error(what + ": unsupported dtype '" + d + "'" + hint +
              "; supported: float32 '<f4', float64 '<f8', int32 '<i4', int64 '<i8', uint8 '|u1', bool '|b1'");
}

std::uint32_t le(const unsigned char* p, int n) {
  std::uint32_t v = 0;
  for (int k = n - 1; k >= 0; --k) v = (v << 8) | p[k];
  return v;
}

constexpr unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
// Magic (6), version (2): what is read before the header length's size is known.
constexpr std::size_t kPreamble = 8;

// The length field's size for the version in the first 8 bytes (at least 8 present).
std::size_t length_bytes(const unsigned char* p, const std::string& what) {
  if (std::memcmp(p, kMagic, 6) != 0) throw error(what + ": not a .npy file (no \\x93NUMPY magic)");
  const unsigned major = p[6], minor = p[7];
  if (major == 1 && minor == 0) return 2;
  if ((major == 2 || major == 3) && minor == 0) return 4;
  throw error(what + ": unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
}

std::size_t header_length(const unsigned char* len_field, std::size_t len_bytes, const std::string& what) {
  const std::size_t n = le(len_field, static_cast<int>(len_bytes));
  if (n > kMaxHeaderBytes)
    throw error(what + ": corrupt .npy header: it announces " + std::to_string(n) + " header bytes, more than the " +
                std::to_string(kMaxHeaderBytes) + " accepted");
  return n;
}

struct header_info {
  dtype type = dtype::f32;
  std::vector<std::size_t> shape;
  std::size_t data_bytes = 0;
};

// The header dict, checked: dtype, order, and a shape whose size fits in memory. As NumPy does, the
// product of the non-zero dimensions times the item size must fit in a signed size (ptrdiff_t): an
// empty array stays valid, but its other dimensions are still bounded.
header_info decode_header(const std::string& header, const std::string& what) {
  if (header.empty() || header.back() != '\n') throw error(what + ": corrupt .npy header: it does not end with a newline");
  std::string d;
  bool fortran = false;
  header_info h;
  header_parser(header, what).parse(d, fortran, h.shape);
  h.type = parse_descr(d, what);
  if (fortran && h.shape.size() > 1)
    throw error(what + ": Fortran (column-major) order is not supported; save a C-order array, e.g. "
                       "np.save(path, np.ascontiguousarray(a))");
  const std::size_t limit = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max());
  std::size_t nonzero = item_size(h.type);
  bool empty = false;
  for (std::size_t s : h.shape) {
    if (s == 0) {
      empty = true;
      continue;
    }
    if (nonzero > limit / s)
      throw error(what + ": array is too big: shape " + shape_str(h.shape) + " of " + name(h.type) +
                  " needs more than 2^63 bytes");
    nonzero *= s;
  }
  h.data_bytes = empty ? 0 : nonzero;
  return h;
}

// An open input: a regular file, read plainly, or a pipe, FIFO, socket or device, read without
// blocking and abandoned after `idle` without data.
class input_file {
 public:
  input_file(const std::string& path, std::chrono::milliseconds idle) : path_(path), idle_(idle) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd_ < 0) throw error(path + ": " + open_failure(path, errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail_errno("cannot stat");
    if (S_ISDIR(st.st_mode)) {
      ::close(fd_);
      throw error(path + ": is a directory, not a .npy file");
    }
    regular_ = S_ISREG(st.st_mode);
    if (regular_) {
      size_ = static_cast<std::size_t>(st.st_size);
      // A regular file never makes a read wait; drop O_NONBLOCK so reads are plain.
      ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    }
  }
  ~input_file() {
    if (fd_ >= 0) ::close(fd_);
  }
  input_file(const input_file&) = delete;
  input_file& operator=(const input_file&) = delete;

  bool regular() const { return regular_; }
  std::size_t size() const { return size_; }  // regular files only

  // Reads up to n bytes into p; fewer only at end of file.
  std::size_t read(unsigned char* p, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      if (!regular_) wait_readable();
      const ssize_t r = ::read(fd_, p + got, std::min<std::size_t>(n - got, std::size_t(1) << 30));
      if (r > 0) {
        got += static_cast<std::size_t>(r);
      } else if (r == 0) {
        break;
      } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
        fail_errno("read error");
      }
    }
    return got;
  }

 private:
  // Why open() failed, in words that tell a missing file from an unreadable or looping path.
  static std::string open_failure(const std::string& path, int err) {
    switch (err) {
      case ENOENT: {
        struct stat st {};
        if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
          return "no such file (a symbolic link whose target does not exist)";
        return "no such file";
      }
      case ELOOP: return "too many levels of symbolic links (a symbolic link loop)";
      case EACCES:
        return "permission denied (the file is not readable, or a folder on its path cannot be entered, by this user)";
      case ENOTDIR: return "not found: a component of the path is not a folder";
      case ENXIO: return "cannot be opened for reading (a socket, or a device without a reader)";
      default: return std::string("cannot open for reading (") + std::strerror(err) + ")";
    }
  }
  [[noreturn]] void fail_errno(const char* what) {
    const int err = errno;
    throw error(path_ + ": " + what + " (" + std::strerror(err) + ")");
  }
  // Waits until a read would not block: data, end of file or an error. A FIFO whose writer has not
  // connected yet reports nothing (Linux raises POLLHUP only after a writer has come and gone), so a
  // writer that opens it later is still waited for, up to the idle time.
  void wait_readable() {
    pollfd p{fd_, POLLIN, 0};
    const auto deadline = std::chrono::steady_clock::now() + idle_;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      const int r = ::poll(&p, 1, static_cast<int>(std::max<long long>(left.count(), 0)));
      if (r > 0) return;
      if (r == 0)
        throw error(path_ + ": no data for " + std::to_string(idle_.count() / 1000.0).substr(0, 5) +
                    " s (a pipe or FIFO whose writer is silent or absent); see --input-timeout");
      if (errno != EINTR) fail_errno("cannot wait for input");
    }
  }

  std::string path_;
  std::chrono::milliseconds idle_;
  int fd_ = -1;
  bool regular_ = false;
  std::size_t size_ = 0;
};

}  // namespace

std::string shape_str(const std::vector<std::size_t>& s) {
  std::string r = "(";
  for (std::size_t k = 0; k < s.size(); ++k) r += std::to_string(s[k]) + (s.size() == 1 ? "," : (k + 1 < s.size() ? ", " : ""));
  return r + ")";
}

array parse(const std::vector<unsigned char>& f, const std::string& what) {
  if (f.size() < kPreamble) throw error(what + ": not a .npy file (too short for a header)");
  const std::size_t len_bytes = length_bytes(f.data(), what);
  if (f.size() < kPreamble + len_bytes) throw error(what + ": truncated .npy header");
  const std::size_t header_len = header_length(f.data() + kPreamble, len_bytes, what);
  const std::size_t data_offset = kPreamble + len_bytes + header_len;
  if (f.size() < data_offset)
    throw error(what + ": truncated .npy header (" + std::to_string(header_len) + " header bytes announced, " +
                std::to_string(f.size() - kPreamble - len_bytes) + " present)");
  const header_info h =
      decode_header(std::string(reinterpret_cast<const char*>(f.data() + kPreamble + len_bytes), header_len), what);
  const std::size_t have = f.size() - data_offset;
  if (have < h.data_bytes)
    throw error(what + ": truncated: the shape needs " + std::to_string(h.data_bytes) + " data bytes, the file has " +
                std::to_string(have));
  if (have > h.data_bytes)
    throw error(what + ": corrupt: " + std::to_string(have - h.data_bytes) + " bytes after the data the shape describes");
  array a;
  a.type = h.type;
  a.shape = h.shape;
  a.bytes.assign(f.begin() + static_cast<std::ptrdiff_t>(data_offset), f.end());
  return a;
}

array load(const std::string& path, const read_limits& limits) {
  input_file in(path, limits.idle_timeout);
  // The preamble and the length field, then the header: at most kMaxHeaderBytes, checked before reading.
  unsigned char pre[kPreamble + 4];
  std::size_t got = in.read(pre, kPreamble);
  if (got < kPreamble) throw error(path + ": not a .npy file (too short for a header)");
  const std::size_t len_bytes = length_bytes(pre, path);
  if (in.read(pre + kPreamble, len_bytes) < len_bytes) throw error(path + ": truncated .npy header");
  const std::size_t header_len = header_length(pre + kPreamble, len_bytes, path);
  std::string header(header_len, '\0');
  got = in.read(reinterpret_cast<unsigned char*>(header.data()), header_len);
  if (got < header_len)
    throw error(path + ": truncated .npy header (" + std::to_string(header_len) + " header bytes announced, " +
                std::to_string(got) + " present)");
  const header_info h = decode_header(header, path);
  const std::size_t data_offset = kPreamble + len_bytes + header_len;

  if (in.regular()) {  // the size is known: check it before allocating anything
    const std::size_t have = in.size() >= data_offset ? in.size() - data_offset : 0;
    if (have < h.data_bytes)
      throw error(path + ": truncated: the shape needs " + std::to_string(h.data_bytes) + " data bytes, the file has " +
                  std::to_string(have));
    if (have > h.data_bytes)
      throw error(path + ": corrupt: " + std::to_string(have - h.data_bytes) + " bytes after the data the shape describes");
  }
  if (h.data_bytes > limits.max_data_bytes)
    throw error(path + ": shape " + shape_str(h.shape) + " of " + name(h.type) + " needs " + std::to_string(h.data_bytes) +
                " bytes, above the memory limit of " + std::to_string(limits.max_data_bytes) + " bytes (--max-memory)");

  array a;
  a.type = h.type;
  a.shape = h.shape;
  // A stream may announce more than it sends: grow the buffer with what arrives, not with the promise.
  constexpr std::size_t kChunk = std::size_t(1) << 24;
  try {
    std::size_t have = 0;
    while (have < h.data_bytes) {
      const std::size_t step = in.regular() ? h.data_bytes : std::min(kChunk, h.data_bytes - have);
      a.bytes.resize(have + step);
      const std::size_t r = in.read(a.bytes.data() + have, step);
      have += r;
      if (r < step) {
        throw error(path + ": truncated: the shape needs " + std::to_string(h.data_bytes) + " data bytes, the " +
                    (in.regular() ? "file" : "stream") + " ended after " + std::to_string(have));
      }
    }
  } catch (const std::bad_alloc&) {
    throw error(path + ": out of memory while reading " + std::to_string(h.data_bytes) + " data bytes of shape " +
                shape_str(h.shape));
  }
  unsigned char extra;
  if (in.read(&extra, 1) != 0)
    throw error(path + ": corrupt: more bytes after the data the shape describes (the " +
                (in.regular() ? std::string("file grew while it was read)") : std::string("stream goes on)")));
  return a;
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
  std::vector<unsigned char> out(10 + h.size() + a.bytes.size());
  std::memcpy(out.data(), kMagic, 6);
  out[6] = 1;
  out[7] = 0;
  out[8] = static_cast<unsigned char>(h.size() & 0xff);
  out[9] = static_cast<unsigned char>(h.size() >> 8);
  std::memcpy(out.data() + 10, h.data(), h.size());
  if (!a.bytes.empty()) std::memcpy(out.data() + 10 + h.size(), a.bytes.data(), a.bytes.size());
  return out;
}

}  // namespace nnsimd::cli::npy
