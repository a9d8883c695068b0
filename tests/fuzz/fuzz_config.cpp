// fuzz_config.cpp — libFuzzer target for config.json parsing (gpt2::load_config_json).
//
// The input is a whole config.json. Loading must succeed or throw gpt2::UserError; when it
// succeeds the config must be usable: positive sizes, n_embd divisible by n_head, a finite
// positive epsilon and a parameter count whose float32 bytes stay under the loader's 64 GiB
// ceiling — i.e. nothing absurd reaches an allocation. Anything else aborts the fuzzer.
#include "common/errors.hpp"
#include "fuzz_input_file.hpp"
#include "03_forward_pass/gpt2_config.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

namespace {
void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_config: invariant broken: %s\n", what);
        std::abort();
    }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static FuzzInputFile file("fuzz_config");
    const std::string& path = file.hold(data, size);
    try {
        gpt2::Gpt2Config c = gpt2::load_config_json(path);
        check(c.n_layer > 0 && c.n_head > 0 && c.n_embd > 0 && c.n_positions > 0 && c.vocab_size > 0,
              "accepted a non-positive size");
        check(c.n_embd % c.n_head == 0, "accepted n_embd not divisible by n_head");
        check(std::isfinite(c.layer_norm_epsilon) && c.layer_norm_epsilon > 0, "accepted a bad epsilon");
        const std::int64_t params = c.parameter_count();
        check(params > 0 && params <= (std::int64_t(64) << 30) / 4, "accepted absurd sizes");
        c.validate(path);  // validating twice must agree
    } catch (const gpt2::UserError& e) {
        check(e.what()[0] != '\0', "empty error message");
    }
    return 0;
}
