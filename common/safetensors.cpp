// safetensors.cpp — parse and validate a .safetensors header, read tensors as float32.
// Every check below answers one item of the "bad input" lists (issues 3 and 7); each
// failure is one line: the file, the tensor and/or byte offset, and what to do.
#include "safetensors.hpp"

#include "errors.hpp"
#include "report.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <set>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian; this reader copies it as-is");

namespace gpt2 {

namespace {

struct DtypeName {
    const char* name;
    SafetensorsDtype dtype;
    std::size_t size;
};
constexpr DtypeName kDtypes[] = {
    {"F64", SafetensorsDtype::F64, 8},   {"F32", SafetensorsDtype::F32, 4},   {"F16", SafetensorsDtype::F16, 2},
    {"BF16", SafetensorsDtype::BF16, 2}, {"I64", SafetensorsDtype::I64, 8},   {"I32", SafetensorsDtype::I32, 4},
    {"I16", SafetensorsDtype::I16, 2},   {"I8", SafetensorsDtype::I8, 1},     {"U64", SafetensorsDtype::U64, 8},
    {"U32", SafetensorsDtype::U32, 4},   {"U16", SafetensorsDtype::U16, 2},   {"U8", SafetensorsDtype::U8, 1},
    {"BOOL", SafetensorsDtype::BOOL, 1}, {"F8_E4M3", SafetensorsDtype::F8_E4M3, 1}, {"F8_E5M2", SafetensorsDtype::F8_E5M2, 1},
};

// Deeper nesting than this is never a safetensors header; refusing it keeps a hostile
// "[[[[…" header from exhausting the stack when the parsed JSON is destroyed.
constexpr int kMaxJsonDepth = 64;
// Tensors are converted from F16/BF16 through a buffer of this many elements.
constexpr std::size_t kConvertChunk = 1 << 16;

const std::string kRedownload = "re-download the file (e.g. `make gpt2`) or check how it was written";

// A duplicate key found while parsing (nlohmann would silently keep only one of them).
struct DuplicateKey : std::runtime_error {
    explicit DuplicateKey(const std::string& key) : std::runtime_error(key) {}
};
struct TooDeep : std::runtime_error {
    TooDeep() : std::runtime_error("too deep") {}
};

}  // namespace

std::string display_name(const std::string& s) {
    std::string out = "'";
    for (unsigned char c : s.substr(0, 80)) out += (c >= 32 && c < 127) ? char(c) : '?';
    if (s.size() > 80) out += "...";
    return out + "'";
}

namespace {

std::string short_dump(const nlohmann::json& value) {
    std::string text = value.dump();
    return text.size() > 40 ? text.substr(0, 40) + "..." : text;
}

// A JSON value that must be a non-negative integer (shape dims, offsets).
bool read_u64(const nlohmann::json& value, std::uint64_t& out) {
    if (!value.is_number_unsigned()) return false;  // nlohmann stores non-negative ints as unsigned
    out = value.get<std::uint64_t>();
    return true;
}

}  // namespace

std::size_t dtype_size(SafetensorsDtype dtype) {
    for (const DtypeName& d : kDtypes)
        if (d.dtype == dtype) return d.size;
    return 0;
}

float f16_to_f32(std::uint16_t h) {
    const std::uint32_t sign = std::uint32_t(h >> 15) << 31;
    const std::uint32_t exponent = (h >> 10) & 0x1f;
    const std::uint32_t mantissa = h & 0x3ff;
    std::uint32_t bits;
    if (exponent == 0) {
        // Zero or subnormal: mantissa · 2^-24, exact in float32.
        const float magnitude = std::ldexp(float(mantissa), -24);
        return sign ? -magnitude : magnitude;
    } else if (exponent == 31) {
        bits = sign | 0x7f800000u | (mantissa << 13);  // Inf or NaN
    } else {
        bits = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

std::string TensorInfo::shape_string() const {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0)
        throw UserError(path + ": cannot open (" + std::strerror(errno) +
                        "); check the path, or run `make gpt2` to download GPT-2");
    try {
        struct stat info {};
        if (::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode))
            throw UserError(path + ": not a regular file; give the path of a .safetensors file");
        file_size_ = std::uint64_t(info.st_size);

        // [listing:safetensors_header_length]
        // Step 1: the 8-byte header length.
        if (file_size_ < 8)
            throw UserError(path + ": the file is " + std::to_string(file_size_) +
                            " bytes, too short for a safetensors file (8-byte header length, "
                            "then a JSON header); " + kRedownload);
        unsigned char length_bytes[8];
        read_exact(length_bytes, 8, 0, "the header length");
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = (n << 8) | length_bytes[i];  // little-endian
        header_size_ = n;
        if (n > file_size_ - 8)
            throw UserError(path + ": bytes 0..7 say the JSON header is " + with_commas(n) +
                            " bytes, but the file has only " + with_commas(file_size_ - 8) +
                            " bytes after them; the file is truncated or not safetensors; " +
                            kRedownload);
        if (n > kMaxHeaderBytes)
            throw UserError(path + ": the JSON header is " + with_commas(n) +
                            " bytes (bytes 0..7), above this reader's limit of " +
                            with_commas(kMaxHeaderBytes) + " bytes; this is not a model file " +
                            "this tutorial can use");
        // [/listing]
        if (n < 2)
            throw UserError(path + ": the JSON header is " + std::to_string(n) +
                            " bytes (bytes 0..7), too short to be a JSON object; " + kRedownload);

        // Step 2: the JSON header (its size is now bounded by the file and the limit).
        std::string header(n, '\0');
        read_exact(header.data(), n, 8, "the JSON header");
        parse_header(header);
    } catch (...) {
        ::close(fd_);
        fd_ = -1;
        throw;
    }
}

SafetensorsFile::~SafetensorsFile() {
    if (fd_ >= 0) ::close(fd_);
}

void SafetensorsFile::parse_header(const std::string& header) {
    const std::string where = path_ + ": header (bytes 8.." + std::to_string(8 + header.size()) + ")";

    // Keys seen in each open object, to catch duplicates that nlohmann would merge.
    std::vector<std::set<std::string>> open_objects;
    const nlohmann::json::parser_callback_t watch =
        [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
            using E = nlohmann::json::parse_event_t;
            if (event == E::object_start || event == E::array_start) {
                if (depth > kMaxJsonDepth) throw TooDeep();
                if (event == E::object_start) open_objects.emplace_back();
            } else if (event == E::object_end) {
                if (!open_objects.empty()) open_objects.pop_back();
            } else if (event == E::key && !open_objects.empty()) {
                const std::string key = parsed.get<std::string>();
                if (!open_objects.back().insert(key).second) throw DuplicateKey(key);
            }
            return true;
        };

    nlohmann::json root;
    try {
        root = nlohmann::json::parse(header, watch);
    } catch (const nlohmann::json::parse_error& e) {
        throw UserError(where + " is not valid JSON (error near file byte " +
                        std::to_string(8 + e.byte) + "); " + kRedownload);
    } catch (const nlohmann::json::exception& e) {
        throw UserError(where + " could not be read as JSON (" + e.what() + "); " + kRedownload);
    } catch (const DuplicateKey& e) {
        throw UserError(where + ": the key " + display_name(e.what()) +
                        " appears twice, so it is ambiguous which to use; " + kRedownload);
    } catch (const TooDeep&) {
        throw UserError(where + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                        " levels is not a safetensors header; " + kRedownload);
    }
    if (!root.is_object())
        throw UserError(where + " is JSON but not an object ({...}), it is " +
                        std::string(root.type_name()) + "; " + kRedownload);

    const std::uint64_t data_size = file_size_ - data_start();
    for (const auto& item : root.items()) {
        const std::string& name = item.key();
        const nlohmann::json& entry = item.value();

        if (name == "__metadata__") {
            if (!entry.is_object())
                throw UserError(where + ": \"__metadata__\" must be an object of strings, found " +
                                short_dump(entry) + "; " + kRedownload);
            for (const auto& m : entry.items()) {
                if (!m.value().is_string())
                    throw UserError(where + ": \"__metadata__\" value " + display_name(m.key()) +
                                    " must be a string, found " + short_dump(m.value()) + "; " +
                                    kRedownload);
                metadata_[m.key()] = m.value().get<std::string>();
            }
            continue;
        }

        const std::string tensor = where + ": tensor " + display_name(name);
        if (!entry.is_object())
            throw UserError(tensor + " must be an object with dtype, shape and data_offsets, found " +
                            short_dump(entry) + "; " + kRedownload);
        TensorInfo info;
        info.name = name;

        // dtype
        const auto dtype = entry.find("dtype");
        if (dtype == entry.end() || !dtype->is_string())
            throw UserError(tensor + (dtype == entry.end() ? " has no \"dtype\""
                                                           : " has a non-string \"dtype\"") +
                            "; " + kRedownload);
        info.dtype_name = dtype->get<std::string>();
        std::size_t element_size = 0;
        for (const DtypeName& d : kDtypes)
            if (info.dtype_name == d.name) {
                info.dtype = d.dtype;
                element_size = d.size;
            }
        if (element_size == 0)
            throw UserError(tensor + " has unknown dtype " + display_name(info.dtype_name) +
                            " (safetensors defines F64, F32, F16, BF16, I64..I8, U64..U8, BOOL, "
                            "F8_E4M3, F8_E5M2); " + kRedownload);

        // shape: non-negative integers whose product (in elements and bytes) fits 64 bits
        const auto shape = entry.find("shape");
        if (shape == entry.end() || !shape->is_array())
            throw UserError(tensor + (shape == entry.end() ? " has no \"shape\""
                                                           : " has a \"shape\" that is not a list") +
                            "; " + kRedownload);
        info.n_elements = 1;
        bool overflow = false;
        for (std::size_t i = 0; i < shape->size(); ++i) {
            std::uint64_t dim = 0;
            if (!read_u64((*shape)[i], dim))
                throw UserError(tensor + ": shape[" + std::to_string(i) + "] = " +
                                short_dump((*shape)[i]) +
                                " is not a non-negative integer; " + kRedownload);
            info.shape.push_back(dim);
            if (dim != 0 && info.n_elements > std::numeric_limits<std::uint64_t>::max() / dim)
                overflow = true;
            else
                info.n_elements *= dim;
        }
        if (std::find(info.shape.begin(), info.shape.end(), 0u) != info.shape.end()) {
            info.n_elements = 0;
            overflow = false;
        }
        if (overflow || info.n_elements > std::numeric_limits<std::uint64_t>::max() / element_size)
            throw UserError(tensor + ": shape " + info.shape_string() +
                            " has more elements than 64 bits can count; " + kRedownload);

        // data_offsets: [begin, end) inside the data segment, matching shape × dtype
        const auto offsets = entry.find("data_offsets");
        if (offsets == entry.end())
            throw UserError(tensor + " has no \"data_offsets\"; " + kRedownload);
        if (!offsets->is_array() || offsets->size() != 2 || !read_u64((*offsets)[0], info.begin) ||
            !read_u64((*offsets)[1], info.end))
            throw UserError(tensor + ": \"data_offsets\" must be [begin, end], two non-negative "
                            "integers, found " + short_dump(*offsets) + "; " + kRedownload);
        const std::string range = "data_offsets [" + std::to_string(info.begin) + ", " +
                                  std::to_string(info.end) + ")";
        if (info.begin > info.end)
            throw UserError(tensor + ": " + range + " are reversed (begin > end); " + kRedownload);
        if (info.end > data_size)
            throw UserError(tensor + ": " + range + " end at file byte " +
                            with_commas(data_start() + info.end) + ", past the end of the file (" +
                            with_commas(file_size_) + " bytes): the data is truncated; " +
                            kRedownload);
        const std::uint64_t needed = info.n_elements * element_size;
        if (info.end - info.begin != needed)
            throw UserError(tensor + ": shape " + info.shape_string() + " of " + info.dtype_name +
                            " needs " + with_commas(needed) + " bytes, but " + range + " hold " +
                            with_commas(info.end - info.begin) + "; " + kRedownload);
        tensors_.push_back(std::move(info));
    }

    // The tensors must cover the data segment exactly, as the format's specification requires
    // ("the byte buffer needs to be entirely indexed, and cannot contain holes"): no two tensors
    // share bytes (a corrupt or hostile file), and no bytes belong to none (a file written
    // wrongly, or one hiding something).
    std::sort(tensors_.begin(), tensors_.end(), [](const TensorInfo& a, const TensorInfo& b) {
        return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    // Overlaps first (the graver fault), then holes, so each file gets the message for its fault.
    const TensorInfo* previous = nullptr;
    for (const TensorInfo& t : tensors_) {
        if (t.begin == t.end) continue;  // empty tensors own no bytes
        if (previous && t.begin < previous->end)
            throw UserError(where + ": tensors " + display_name(previous->name) + " [" +
                            std::to_string(previous->begin) + ", " + std::to_string(previous->end) +
                            ") and " + display_name(t.name) + " [" + std::to_string(t.begin) + ", " +
                            std::to_string(t.end) + ") overlap in the data segment; " + kRedownload);
        previous = &t;
    }
    std::uint64_t covered = 0;  // the data segment's bytes [0, covered) belong to tensors so far
    for (const TensorInfo& t : tensors_) {
        if (t.begin == t.end) continue;
        if (t.begin > covered)
            throw UserError(where + ": bytes [" + std::to_string(covered) + ", " + std::to_string(t.begin) +
                            ") of the data segment, before " + display_name(t.name) +
                            ", belong to no tensor (the format allows no holes); " + kRedownload);
        covered = t.end;
    }
    if (covered != data_size)
        throw UserError(where + ": the data segment's last " + with_commas(data_size - covered) +
                        " bytes belong to no tensor (the format allows no holes; " + with_commas(file_size_) +
                        "-byte file); " + kRedownload);
    for (std::size_t i = 0; i < tensors_.size(); ++i) index_[tensors_[i].name] = i;
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &tensors_[it->second];
}

void SafetensorsFile::read_exact(void* dest, std::uint64_t bytes, std::uint64_t offset,
                                 const std::string& what) const {
    char* out = static_cast<char*>(dest);
    while (bytes > 0) {
        // pread moves at most ~2 GB per call on Linux: loop.
        const std::size_t chunk = std::size_t(std::min<std::uint64_t>(bytes, 1u << 30));
        const ssize_t got = ::pread(fd_, out, chunk, off_t(offset));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0)
            throw UserError(path_ + ": reading " + what + " at byte " + with_commas(offset) +
                            " failed (" + std::strerror(errno) + "); check the disk and the file");
        if (got == 0)
            throw UserError(path_ + ": the file ends at byte " + with_commas(offset) + " while reading " +
                            what + " (was it truncated or changed while loading?); " + kRedownload);
        out += got;
        offset += std::uint64_t(got);
        bytes -= std::uint64_t(got);
    }
}

void SafetensorsFile::read_f32(const TensorInfo& tensor, float* dest, std::uint64_t first,
                               std::uint64_t count) const {
    if (first > tensor.n_elements || count > tensor.n_elements - first)
        throw std::out_of_range("SafetensorsFile::read_f32: elements [" + std::to_string(first) +
                                ", +" + std::to_string(count) + ") outside tensor " + tensor.name);
    const std::string what = "tensor " + display_name(tensor.name);
    const std::size_t element_size = dtype_size(tensor.dtype);
    const std::uint64_t offset = data_start() + tensor.begin + first * element_size;

    switch (tensor.dtype) {
    case SafetensorsDtype::F32:
        // Straight into the caller's memory: the bytes already are little-endian float32.
        read_exact(dest, count * 4, offset, what);
        return;
    case SafetensorsDtype::F16:
    case SafetensorsDtype::BF16: {
        // Through a small buffer, so the whole tensor never exists twice.
        std::vector<std::uint16_t> buffer(std::size_t(std::min<std::uint64_t>(count, kConvertChunk)));
        const bool half = tensor.dtype == SafetensorsDtype::F16;
        for (std::uint64_t done = 0; done < count;) {
            const std::size_t n = std::size_t(std::min<std::uint64_t>(count - done, buffer.size()));
            read_exact(buffer.data(), n * 2, offset + done * 2, what);
            float* out = dest + done;
            if (half)
                for (std::size_t i = 0; i < n; ++i) out[i] = f16_to_f32(buffer[i]);
            else
                for (std::size_t i = 0; i < n; ++i) out[i] = bf16_to_f32(buffer[i]);
            done += n;
        }
        return;
    }
    default:
        throw UserError(path_ + ": tensor " + display_name(tensor.name) + " is " + tensor.dtype_name +
                        ", but only F32, F16 and BF16 can be read as float32; convert the " +
                        "checkpoint to one of those");
    }
}

}  // namespace gpt2
