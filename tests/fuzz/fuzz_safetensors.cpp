// fuzz_safetensors.cpp — libFuzzer target for the safetensors reader (common/safetensors.hpp).
//
// The input is a whole .safetensors file. Opening it must either succeed or throw
// gpt2::UserError; when it succeeds, every tensor the reader accepted must lie inside the
// data segment with a byte range that matches shape × dtype, and reading it as float32 must
// work (F32/F16/BF16) or throw UserError (other dtypes). Anything else aborts the fuzzer.
// Seeds: tests/fuzz/seeds/fuzz_safetensors/ (tiny valid files and near misses).
#include "common/errors.hpp"
#include "fuzz_input_file.hpp"
#include "common/safetensors.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {
void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_safetensors: invariant broken: %s\n", what);
        std::abort();
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static FuzzInputFile file("fuzz_safetensors");
    const std::string& path = file.hold(data, size);
    try {
        gpt2::SafetensorsFile st(path);
        check(st.file_size() == size, "file_size differs from the input size");
        check(st.data_start() <= size, "data segment starts past the end of the file");
        const std::uint64_t data_bytes = size - st.data_start();
        std::uint64_t budget = 1u << 20;  // floats read per input, to keep runs fast
        for (const gpt2::TensorInfo& t : st.tensors()) {
            check(t.begin <= t.end && t.end <= data_bytes, "accepted a tensor outside the data segment");
            check(t.n_elements * gpt2::dtype_size(t.dtype) == t.end - t.begin,
                  "accepted a tensor whose byte range does not match shape x dtype");
            check(st.find(t.name) == &t, "find() does not return the tensor by its name");
            if (t.n_elements > budget) continue;
            budget -= t.n_elements;
            std::vector<float> values(t.n_elements);
            try {
                st.read_f32(t, values.data());
            } catch (const gpt2::UserError&) {
                // a dtype that cannot be read as float32: a proper refusal
            }
        }
    } catch (const gpt2::UserError& e) {
        check(e.what()[0] != '\0', "empty error message");
    }
    return 0;
}
