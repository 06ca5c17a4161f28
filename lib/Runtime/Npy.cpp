// The .npy format: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
//
// A file is the magic "\x93NUMPY", a major/minor version, a little-endian header length (2 bytes
// in 1.0, 4 bytes in 2.0/3.0), then a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and a newline so that the data starts on a 64-byte boundary, then the data.
// 3.0 only differs in allowing UTF-8 in the header, which the parser below passes through.
#include "qopt/Runtime/Npy.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "Npy.cpp copies little-endian .npy data as is; a big-endian host needs byte swapping"
#endif

namespace mlir::qopt {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;

std::string shapeStr(const std::vector<int64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Splits a numpy descr into byte order and normalized name; false when it is not one qopt reads.
bool splitDescr(const std::string &descr, char &order, std::string &name) {
  order = '|';
  name = descr;
  if (!descr.empty() && (descr[0] == '<' || descr[0] == '>' || descr[0] == '|' || descr[0] == '=')) {
    order = descr[0];
    name = descr.substr(1);
  }
  return npyItemSize(name) != 0;
}

/// A recursive-descent reader for the one dict literal numpy writes. Python allows more than this
/// (nested expressions, other literals); numpy's own reader rejects those too.
class HeaderParser {
public:
  explicit HeaderParser(const std::string &text) : s(text) {}

  bool parse(std::string &descr, bool &fortran, std::vector<int64_t> &shape, std::string &err) {
    bool haveDescr = false, haveFortran = false, haveShape = false;
    if (!consume('{'))
      return fail(err, "header is not a dict");
    while (true) {
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key) || !consume(':'))
        return fail(err, "malformed header dict");
      if (key == "descr") {
        skipSpace();
        if (pos < s.size() && s[pos] == '[')
          return fail(err, "structured dtypes are not supported");
        if (!parseString(descr))
          return fail(err, "malformed 'descr' in header");
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (consumeWord("True"))
          fortran = true;
        else if (consumeWord("False"))
          fortran = false;
        else
          return fail(err, "malformed 'fortran_order' in header");
        haveFortran = true;
      } else if (key == "shape") {
        if (!parseShape(shape))
          return fail(err, "malformed 'shape' in header");
        haveShape = true;
      } else {
        return fail(err, "unexpected key '" + key + "' in header");
      }
      if (consume(','))
        continue;
      if (consume('}'))
        break;
      return fail(err, "malformed header dict");
    }
    if (!haveDescr || !haveFortran || !haveShape)
      return fail(err, "header lacks 'descr', 'fortran_order' or 'shape'");
    return true;
  }

private:
  static bool fail(std::string &err, std::string msg) {
    err = std::move(msg);
    return false;
  }
  void skipSpace() {
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r'))
      ++pos;
  }
  bool consume(char c) {
    skipSpace();
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool consumeWord(const char *w) {
    skipSpace();
    size_t n = std::strlen(w);
    if (s.compare(pos, n, w) != 0)
      return false;
    pos += n;
    return true;
  }
  bool parseString(std::string &out) {
    skipSpace();
    if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"'))
      return false;
    char quote = s[pos++];
    size_t end = s.find(quote, pos);
    if (end == std::string::npos)
      return false;
    out = s.substr(pos, end - pos);
    pos = end + 1;
    return true;
  }
  bool parseInt(int64_t &v) {
    skipSpace();
    size_t start = pos;
    uint64_t acc = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      acc = acc * 10 + (s[pos++] - '0');
      if (acc > (uint64_t)std::numeric_limits<int64_t>::max())
        return false;
    }
    if (pos == start)
      return false;
    if (pos < s.size() && s[pos] == 'L') // Python 2's long suffix, written by old numpy.
      ++pos;
    v = (int64_t)acc;
    return true;
  }
  bool parseShape(std::vector<int64_t> &shape) {
    shape.clear();
    if (!consume('('))
      return false;
    while (!consume(')')) {
      int64_t d;
      if (!parseInt(d))
        return false;
      shape.push_back(d);
      if (consume(','))
        continue;
      if (!consume(')'))
        return false;
      break;
    }
    return true;
  }

  const std::string &s;
  size_t pos = 0;
};

uint32_t readLE(const unsigned char *p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

} // namespace

int64_t npyItemSize(const std::string &dtype) {
  std::string name = dtype;
  if (!name.empty() && (name[0] == '<' || name[0] == '|' || name[0] == '=' || name[0] == '>'))
    name = name.substr(1);
  static const struct {
    const char *name;
    int64_t size;
  } kTypes[] = {{"f2", 2}, {"f4", 4}, {"f8", 8}, {"i1", 1}, {"i2", 2}, {"i4", 4},
                {"i8", 8}, {"u1", 1}, {"u2", 2}, {"u4", 4}, {"u8", 8}, {"b1", 1}};
  for (const auto &t : kTypes)
    if (name == t.name)
      return t.size;
  return 0;
}

int64_t npyNumElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(n, d, &n))
      return -1;
  return n;
}

bool readNpy(const std::string &path, NpyArray &out, std::string &error) {
  auto fail = [&](const std::string &msg) {
    error = path + ": " + msg;
    return false;
  };
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return fail(std::string("cannot open: ") + std::strerror(errno));
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad())
    return fail("read error");

  if (bytes.size() < kMagicLen + 2 || std::memcmp(bytes.data(), kMagic, kMagicLen) != 0)
    return fail("not a .npy file (bad magic)");
  auto *u = reinterpret_cast<const unsigned char *>(bytes.data());
  int major = u[kMagicLen], minor = u[kMagicLen + 1];
  int lenBytes;
  if (major == 1)
    lenBytes = 2;
  else if (major == 2 || major == 3)
    lenBytes = 4;
  else
    return fail("unsupported .npy format version " + std::to_string(major) + "." +
                std::to_string(minor));
  size_t headerStart = kMagicLen + 2 + lenBytes;
  if (bytes.size() < headerStart)
    return fail("truncated header");
  uint64_t headerLen = readLE(u + kMagicLen + 2, lenBytes);
  if (bytes.size() - headerStart < headerLen)
    return fail("truncated header (" + std::to_string(headerLen) + " bytes announced, " +
                std::to_string(bytes.size() - headerStart) + " present)");
  std::string header(bytes.data() + headerStart, headerLen);

  std::string descr, problem;
  bool fortran = false;
  std::vector<int64_t> shape;
  if (!HeaderParser(header).parse(descr, fortran, shape, problem))
    return fail(problem);
  char order;
  std::string name;
  if (!splitDescr(descr, order, name))
    return fail("unsupported dtype '" + descr + "'");
  int64_t itemSize = npyItemSize(name);
  if (order == '>' && itemSize > 1)
    return fail("big-endian dtype '" + descr + "' is not supported");
  if (fortran)
    return fail("fortran_order arrays are not supported (save a C-order array, e.g. "
                "np.ascontiguousarray)");

  int64_t count = npyNumElements(shape);
  int64_t need;
  if (count < 0 || __builtin_mul_overflow(count, itemSize, &need))
    return fail("shape " + shapeStr(shape) + " is too large");
  size_t have = bytes.size() - headerStart - headerLen;
  if ((uint64_t)have != (uint64_t)need)
    return fail("data is " + std::to_string(have) + " bytes, shape " + shapeStr(shape) + " x " +
                name + " needs " + std::to_string(need));

  out.dtype = name;
  out.shape = std::move(shape);
  out.data.assign(bytes.begin() + headerStart + headerLen, bytes.end());
  return true;
}

bool writeNpy(const std::string &path, const NpyArray &a, std::string &error) {
  auto fail = [&](const std::string &msg) {
    error = path + ": " + msg;
    return false;
  };
  char order;
  std::string name;
  if (!splitDescr(a.dtype, order, name))
    return fail("unsupported dtype '" + a.dtype + "'");
  int64_t itemSize = npyItemSize(name);
  if (order == '>' && itemSize > 1)
    return fail("big-endian dtype '" + a.dtype + "' is not supported");
  int64_t count = npyNumElements(a.shape), need;
  if (count < 0 || __builtin_mul_overflow(count, itemSize, &need))
    return fail("invalid shape " + shapeStr(a.shape));
  if ((uint64_t)a.data.size() != (uint64_t)need)
    return fail("data is " + std::to_string(a.data.size()) + " bytes, shape " +
                shapeStr(a.shape) + " x " + name + " needs " + std::to_string(need));

  // numpy's own spelling, so that files compare byte for byte with np.save output.
  std::string dict = std::string("{'descr': '") + (itemSize == 1 ? '|' : '<') + name +
                     "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < a.shape.size(); ++i)
    dict += (i ? ", " : "") + std::to_string(a.shape[i]);
  if (a.shape.size() == 1)
    dict += ",";
  dict += "), }";

  // Pad with spaces and end with '\n' so the data starts 64-byte aligned (numpy >= 1.14 does so).
  auto padded = [&](size_t lenBytes) {
    size_t prefix = kMagicLen + 2 + lenBytes;
    size_t total = prefix + dict.size() + 1;
    size_t pad = (64 - total % 64) % 64;
    return dict + std::string(pad, ' ') + "\n";
  };
  std::string header = padded(2);
  int major = 1, lenBytes = 2;
  if (header.size() > 0xffff) {
    header = padded(4);
    major = 2;
    lenBytes = 4;
  }
  std::string prefix(kMagic, kMagicLen);
  prefix += (char)major;
  prefix += (char)0;
  for (int i = 0; i < lenBytes; ++i)
    prefix += (char)((header.size() >> (8 * i)) & 0xff);

  std::string tmp = path + ".tmp";
  FILE *f = std::fopen(tmp.c_str(), "wb");
  if (!f)
    return fail(std::string("cannot create '") + tmp + "': " + std::strerror(errno));
  bool ok = std::fwrite(prefix.data(), 1, prefix.size(), f) == prefix.size() &&
            std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
            (a.data.empty() || std::fwrite(a.data.data(), 1, a.data.size(), f) == a.data.size());
  int savedErrno = errno;
  if (std::fclose(f) != 0 && ok) {
    ok = false;
    savedErrno = errno;
  }
  if (!ok) {
    std::remove(tmp.c_str());
    return fail(std::string("write error: ") + std::strerror(savedErrno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    savedErrno = errno;
    std::remove(tmp.c_str());
    return fail(std::string("cannot rename '") + tmp + "' into place: " +
                std::strerror(savedErrno));
  }
  return true;
}

} // namespace mlir::qopt
