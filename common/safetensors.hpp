// safetensors.hpp — read and validate a .safetensors file (no knowledge of GPT-2 here).
//
// The format (https://huggingface.co/docs/safetensors):
//   bytes 0..7        N, the header length, a little-endian u64
//   bytes 8..8+N      a JSON object: for each tensor {"dtype", "shape", "data_offsets"},
//                     plus an optional "__metadata__" object of string → string
//   bytes 8+N..end    the data segment; data_offsets = [begin, end) relative to its start
// The data segment is NOT aligned (GPT-2's starts at byte 14,291), so tensors are read
// with pread() into memory the caller owns — never by casting file bytes to float*.
//
// Opening a file validates the whole header; reading a tensor converts F16/BF16 to float32.
// Refused, each with one line naming the file, the tensor and/or the byte offset:
//   a file under 8 bytes; a header length past the end of the file (e.g. 2^63) or above
//   kMaxHeaderBytes (100 MB, checked before reading it); a header that is not JSON, not an
//   object, or nested deeper than 64 levels; a key that appears twice in any object
//   (detected while parsing: nlohmann would silently keep one); __metadata__ that is not an
//   object of strings; a tensor without dtype/shape/data_offsets, with an unknown dtype,
//   negative or non-integer dims, a shape whose element or byte count overflows 64 bits,
//   offsets reversed or past the end of the file (truncated data), shape × dtype size ≠ the
//   byte range, bytes overlapping another tensor's, or bytes of the data segment that belong to
//   no tensor (the format's specification: the buffer is entirely indexed, without holes).
//   Known dtypes other than F32/F16/BF16 (I64, BOOL, …) parse fine and are refused only when
//   someone reads that tensor as float32 — a BOOL mask buffer does not spoil a checkpoint.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace gpt2 {

// The element types a safetensors header can name — a file format's tags, spelled as the
// file spells them ("F32", "BF16"). Only F32, F16 and BF16 can be read as float32. (Chapter 06's
// DType is another thing: the number formats a model or its cache can be stored in, in memory,
// int4 included; chapter 09 runs four of them.)
enum class SafetensorsDtype { F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL, F8_E4M3, F8_E5M2 };

struct TensorInfo {
    std::string name;
    SafetensorsDtype dtype = SafetensorsDtype::F32;
    std::string dtype_name;             // as written in the header, e.g. "F32"
    std::vector<std::uint64_t> shape;   // row-major, outermost first (PyTorch's order)
    std::uint64_t begin = 0, end = 0;   // [begin, end) in bytes, relative to the data segment
    std::uint64_t n_elements = 0;       // product of shape (1 for a scalar, shape [])
    std::string shape_string() const;   // "[768, 2304]"
};

class SafetensorsFile {
public:
    // Headers above this are refused before they are read (GPT-2 124M's is 14,283 bytes;
    // even a checkpoint with a million tensors stays far below it).
    static constexpr std::uint64_t kMaxHeaderBytes = 100u * 1000u * 1000u;

    // Opens `path` and validates everything the header says against the file's size.
    // Throws UserError (one line: file, tensor and/or byte offset, what to do) on any problem.
    explicit SafetensorsFile(const std::string& path);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    std::uint64_t file_size() const { return file_size_; }
    std::uint64_t header_size() const { return header_size_; }   // N
    std::uint64_t data_start() const { return 8 + header_size_; } // file offset of the data segment
    // Tensors in the order of their bytes in the data segment.
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    // nullptr when there is no tensor of that name.
    const TensorInfo* find(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

    // Reads elements [first, first + count) of `tensor` (row-major order) into dest as
    // float32, converting F16/BF16. Other dtypes → UserError. dest must hold `count` floats.
    void read_f32(const TensorInfo& tensor, float* dest, std::uint64_t first, std::uint64_t count) const;
    // The whole tensor: dest must hold tensor.n_elements floats.
    void read_f32(const TensorInfo& tensor, float* dest) const {
        read_f32(tensor, dest, 0, tensor.n_elements);
    }

private:
    void read_exact(void* dest, std::uint64_t bytes, std::uint64_t offset, const std::string& what) const;
    void parse_header(const std::string& header);

    std::string path_;
    int fd_ = -1;
    std::uint64_t file_size_ = 0;
    std::uint64_t header_size_ = 0;
    std::vector<TensorInfo> tensors_;
    std::map<std::string, std::size_t> index_;  // name → position in tensors_
    std::map<std::string, std::string> metadata_;
};

// A name from a file, made safe for a one-line message: quoted, non-printable bytes as '?',
// cut after 80 characters.
std::string display_name(const std::string& name);
// Bytes per element of a dtype (F8 types: 1).
std::size_t dtype_size(SafetensorsDtype dtype);
// IEEE half and bfloat16 → float32, exactly (every F16/BF16 value is a float32 value).
float f16_to_f32(std::uint16_t h);
// Inline, here in the header: chapter 09's bfloat16 cache widens every key and value it reads
// with it, and a call per element would keep those loops from running in vector registers.
// [listing:widen_bf16]
inline float bf16_to_f32(std::uint16_t b) {
    // bfloat16 is the top half of a float32: the 16 bits go on top, zeros below. Exact.
    const std::uint32_t bits = std::uint32_t(b) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}
// [/listing]

}  // namespace gpt2
