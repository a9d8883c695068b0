// Hostile and broken model files, library level: every malformation a loader must refuse
// (truncated or lying headers, bad shapes and offsets, wrong dtypes), plus duplicate tensor names, a valid-JSON 100 MB header, overlapping
// byte ranges and NaN/Inf weights, and broken config.json files. Each must end in one
// gpt2::UserError naming the file (and the tensor / byte offset / key) — never a crash, a
// hang or a huge allocation. The files are built here byte by byte, so each test shows
// exactly which bytes are wrong. tests/cli/reliability_bad_input.sh feeds the same kinds of
// files to the executables under `ulimit -v`.
#include "common/errors.hpp"
#include "03_forward_pass/gpt2_config.hpp"
#include "03_forward_pass/gpt2_weights.hpp"
#include "common/safetensors.hpp"
#include "scratch_dir.hpp"
#include "user_error_of.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

namespace {

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

std::string u64le(std::uint64_t n) {
    std::string s(8, '\0');
    for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xFF);
    return s;
}

std::string floats(const std::vector<float>& values) {
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

// A .safetensors file from a header text and a data segment, exactly as given.
std::string safetensors_bytes(const std::string& header, const std::string& data) {
    return u64le(header.size()) + header + data;
}

// A tiny but complete GPT-2 in the Hugging Face layout (n_layer 1, n_head 2, n_embd 4,
// n_positions 8, vocab 10), all F32, with the real file's quirks (attn.bias buffers,
// __metadata__, no lm_head). `edit` may change a tensor's entry before the file is written.
struct TinyModel {
    struct Entry {
        std::string name;
        std::vector<std::uint64_t> shape;
    };
    std::vector<Entry> entries;
    std::string config = R"({"n_layer": 1, "n_head": 2, "n_embd": 4, "n_positions": 8, "vocab_size": 10,
                             "layer_norm_epsilon": 1e-5, "model_type": "gpt2"})";
    float fill = 0.01f;

    TinyModel() {
        const std::uint64_t C = 4;
        entries = {{"wte.weight", {10, C}}, {"wpe.weight", {8, C}},
                   {"h.0.ln_1.weight", {C}}, {"h.0.ln_1.bias", {C}},
                   {"h.0.attn.bias", {1, 1, 8, 8}},
                   {"h.0.attn.c_attn.weight", {C, 3 * C}}, {"h.0.attn.c_attn.bias", {3 * C}},
                   {"h.0.attn.c_proj.weight", {C, C}}, {"h.0.attn.c_proj.bias", {C}},
                   {"h.0.ln_2.weight", {C}}, {"h.0.ln_2.bias", {C}},
                   {"h.0.mlp.c_fc.weight", {C, 4 * C}}, {"h.0.mlp.c_fc.bias", {4 * C}},
                   {"h.0.mlp.c_proj.weight", {4 * C, C}}, {"h.0.mlp.c_proj.bias", {C}},
                   {"ln_f.weight", {C}}, {"ln_f.bias", {C}}};
    }
    void drop(const std::string& name) {
        for (std::size_t i = 0; i < entries.size(); ++i)
            if (entries[i].name == name) entries.erase(entries.begin() + static_cast<long>(i));
    }
    void reshape(const std::string& name, std::vector<std::uint64_t> shape) {
        for (Entry& e : entries)
            if (e.name == name) e.shape = std::move(shape);
    }
    // Writes folder/config.json and folder/model.safetensors; returns the folder.
    std::string write(const std::string& folder, float poison = 0.0f, bool poisoned = false) const {
        std::ostringstream header;
        std::string data;
        header << R"({"__metadata__": {"format": "pt"})";
        for (const Entry& e : entries) {
            std::uint64_t n = 1;
            for (std::uint64_t d : e.shape) n *= d;
            std::vector<float> values(n, fill);
            if (poisoned && e.name == "h.0.mlp.c_fc.weight") values[n / 2] = poison;
            const std::uint64_t begin = data.size();
            data += floats(values);
            header << ", \"" << e.name << "\": {\"dtype\": \"F32\", \"shape\": [";
            for (std::size_t i = 0; i < e.shape.size(); ++i) header << (i ? ", " : "") << e.shape[i];
            header << "], \"data_offsets\": [" << begin << ", " << data.size() << "]}";
        }
        header << "}";
        std::system(("mkdir -p '" + folder + "'").c_str());
        write_bytes(folder + "/config.json", config);
        write_bytes(folder + "/model.safetensors", safetensors_bytes(header.str(), data));
        return folder;
    }
};


bool one_line(const std::string& m) { return !m.empty() && m.find('\n') == std::string::npos && m.size() < 600; }

// Opens a .safetensors file made of `header` + `data` and returns the UserError message.
std::string open_error(const std::string& header, const std::string& data = "") {
    ScratchDir dir;
    write_bytes(dir / "m.safetensors", safetensors_bytes(header, data));
    return user_error_of([&] { gpt2::SafetensorsFile file(dir / "m.safetensors"); });
}

#define CHECK_ERROR_MENTIONS(message, ...)                                                        \
    do {                                                                                          \
        const std::string m_ = (message);                                                         \
        INFO("error message: " << m_);                                                            \
        CHECK(one_line(m_));                                                                      \
        for (const char* part_ : {__VA_ARGS__}) CHECK(m_.find(part_) != std::string::npos);       \
    } while (0)

const std::string kOneTensor = R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}})";

}  // namespace

TEST_SUITE("reliability_bad_input") {

// --- the safetensors container -------------------------------------------------------------

TEST_CASE("the tiny reference model itself loads (so the failures below are the edits)") {
    ScratchDir dir;
    TinyModel model;
    gpt2::Gpt2Weights w = gpt2::load_gpt2(model.write(dir / "ok"));
    CHECK(w.config.n_embd == 4);
    CHECK(w.layers.size() == 1);
}

TEST_CASE("a missing model path suggests make gpt2") {
    ScratchDir dir;
    CHECK_ERROR_MENTIONS(user_error_of([&] { gpt2::load_gpt2(dir / "nope"); }), "nope", "make gpt2");
}

TEST_CASE("an empty file and a file shorter than the 8-byte length are refused") {
    ScratchDir dir;
    write_bytes(dir / "empty.safetensors", "");
    CHECK_ERROR_MENTIONS(user_error_of([&] { gpt2::SafetensorsFile f(dir / "empty.safetensors"); }),
                         "empty.safetensors");
    write_bytes(dir / "short.safetensors", "\x10\x00\x00");
    CHECK_ERROR_MENTIONS(user_error_of([&] { gpt2::SafetensorsFile f(dir / "short.safetensors"); }),
                         "short.safetensors");
}

TEST_CASE("a header length larger than the file, or absurd (2^63), is refused before reading it") {
    ScratchDir dir;
    write_bytes(dir / "long.safetensors", u64le(5000) + "{}");
    CHECK_ERROR_MENTIONS(user_error_of([&] { gpt2::SafetensorsFile f(dir / "long.safetensors"); }),
                         "long.safetensors", "5,000");
    write_bytes(dir / "huge.safetensors", u64le(std::uint64_t(1) << 63) + "{}");
    CHECK_ERROR_MENTIONS(user_error_of([&] { gpt2::SafetensorsFile f(dir / "huge.safetensors"); }),
                         "huge.safetensors");
}

TEST_CASE("a header that is not JSON, or JSON but not an object, is refused") {
    CHECK_ERROR_MENTIONS(open_error("{\"t\": [1, 2"), "not valid JSON");
    CHECK_ERROR_MENTIONS(open_error("[1, 2, 3]"), "not an object");
    CHECK_ERROR_MENTIONS(open_error("\"just a string\""), "not an object");
}

TEST_CASE("a tensor without dtype, shape or data_offsets is refused, naming the tensor") {
    CHECK_ERROR_MENTIONS(open_error(R"({"wte": {"shape": [2], "data_offsets": [0, 8]}})", std::string(8, '\0')),
                         "wte", "dtype");
    CHECK_ERROR_MENTIONS(open_error(R"({"wte": {"dtype": "F32", "data_offsets": [0, 8]}})", std::string(8, '\0')),
                         "wte", "shape");
    CHECK_ERROR_MENTIONS(open_error(R"({"wte": {"dtype": "F32", "shape": [2]}})", std::string(8, '\0')),
                         "wte", "data_offsets");
}

TEST_CASE("an unknown dtype is refused, naming it") {
    CHECK_ERROR_MENTIONS(open_error(R"({"t": {"dtype": "F7", "shape": [2], "data_offsets": [0, 8]}})",
                                    std::string(8, '\0')),
                         "F7");
}

TEST_CASE("negative, fractional and overflowing shapes are refused") {
    const std::string data(8, '\0');
    CHECK_ERROR_MENTIONS(open_error(R"({"t": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", data),
                         "shape");
    CHECK_ERROR_MENTIONS(open_error(R"({"t": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}})", data),
                         "shape");
    // 2^22 · 2^22 · 2^22 · 4 bytes overflows 64 bits
    CHECK_ERROR_MENTIONS(
        open_error(R"({"t": {"dtype": "F32", "shape": [4194304, 4194304, 4194304], "data_offsets": [0, 8]}})", data),
        "shape");
}

TEST_CASE("offsets outside the data, reversed, or not matching shape x dtype are refused") {
    const std::string data(8, '\0');
    CHECK_ERROR_MENTIONS(open_error(R"({"t": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})", data), "t");
    CHECK_ERROR_MENTIONS(open_error(R"({"t": {"dtype": "F32", "shape": [0], "data_offsets": [8, 0]}})", data),
                         "reversed");
    CHECK_ERROR_MENTIONS(open_error(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 8]}})", data), "t");
    CHECK_ERROR_MENTIONS(
        open_error(R"({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 18446744073709551615]}})", data), "t");
}

TEST_CASE("two tensors with the same name are refused (JSON would silently keep one)") {
    CHECK_ERROR_MENTIONS(open_error(R"({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                                        "t": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                                    std::string(8, '\0')),
                         "twice");
}

TEST_CASE("overlapping byte ranges are refused") {
    CHECK_ERROR_MENTIONS(open_error(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                        "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})",
                                    std::string(12, '\0')),
                         "overlap");
}

TEST_CASE("a header that is valid JSON but 100 MiB long is refused before it is read") {
    ScratchDir dir;
    // Only the length field and a little JSON are written: a reader that believed the
    // length would try to read (and allocate) 100 MiB.
    const std::uint64_t n = 100ull << 20;
    write_bytes(dir / "big.safetensors", u64le(n) + "{\"__metadata__\": {\"pad\": \"" + std::string(1000, ' '));
    CHECK_ERROR_MENTIONS(user_error_of([&] { gpt2::SafetensorsFile f(dir / "big.safetensors"); }), "big.safetensors");
}

TEST_CASE("a truncated data segment is refused, naming the tensor that runs past the end") {
    ScratchDir dir;
    TinyModel model;
    model.write(dir / "m");
    const std::string file = dir / "m/model.safetensors";
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    write_bytes(file, bytes.substr(0, bytes.size() - 10));
    CHECK_ERROR_MENTIONS(user_error_of([&] { gpt2::load_gpt2(dir / "m"); }), "model.safetensors", "ln_f.bias");
}

// --- the GPT-2 layer on top ---------------------------------------------------------------

TEST_CASE("a required tensor that is missing is named") {
    ScratchDir dir;
    TinyModel model;
    model.drop("h.0.mlp.c_fc.weight");
    CHECK_ERROR_MENTIONS(user_error_of([&] { gpt2::load_gpt2(model.write(dir / "m")); }), "h.0.mlp.c_fc.weight");
}

TEST_CASE("a tensor whose shape disagrees with config.json is named with both shapes") {
    ScratchDir dir;
    TinyModel model;
    model.reshape("wpe.weight", {9, 4});
    // the byte range follows the shape, so only the GPT-2 check can catch it
    CHECK_ERROR_MENTIONS(user_error_of([&] { gpt2::load_gpt2(model.write(dir / "m")); }), "wpe.weight", "[9, 4]");
}

TEST_CASE("NaN and Inf weights are refused, naming the tensor (documented: refuse, not warn)") {
    ScratchDir dir;
    TinyModel model;
    CHECK_ERROR_MENTIONS(
        user_error_of([&] { gpt2::load_gpt2(model.write(dir / "nan", std::nanf(""), true)); }),
        "h.0.mlp.c_fc.weight", "NaN");
    CHECK_ERROR_MENTIONS(
        user_error_of([&] {
            gpt2::load_gpt2(model.write(dir / "inf", std::numeric_limits<float>::infinity(), true));
        }),
        "h.0.mlp.c_fc.weight", "Inf");
}

// --- config.json ----------------------------------------------------------------------------

std::string config_error(const std::string& text) {
    ScratchDir dir;
    write_bytes(dir / "config.json", text);
    return user_error_of([&] { gpt2::load_config_json(dir / "config.json"); });
}

const char* kGoodTail = R"("n_positions": 8, "vocab_size": 10})";

TEST_CASE("config.json missing or not JSON is one clear line") {
    ScratchDir dir;
    CHECK_ERROR_MENTIONS(user_error_of([&] { gpt2::load_config_json(dir / "config.json"); }), "config.json");
    CHECK_ERROR_MENTIONS(config_error("{\"n_layer\": 1,"), "config.json", "JSON");
    CHECK_ERROR_MENTIONS(config_error(""), "config.json");
}

TEST_CASE("config.json with a missing key or a wrong type names the key") {
    CHECK_ERROR_MENTIONS(config_error(std::string(R"({"n_layer": 1, "n_head": 2, )") + kGoodTail), "n_embd");
    CHECK_ERROR_MENTIONS(config_error(std::string(R"({"n_layer": 1, "n_head": 2, "n_embd": "4", )") + kGoodTail),
                         "n_embd");
    CHECK_ERROR_MENTIONS(config_error(std::string(R"({"n_layer": 1.5, "n_head": 2, "n_embd": 4, )") + kGoodTail),
                         "n_layer");
    CHECK_ERROR_MENTIONS(config_error(std::string(R"({"n_layer": null, "n_head": 2, "n_embd": 4, )") + kGoodTail),
                         "n_layer");
}

TEST_CASE("config.json with n_layer <= 0 or n_embd not divisible by n_head is refused") {
    CHECK_ERROR_MENTIONS(config_error(std::string(R"({"n_layer": 0, "n_head": 2, "n_embd": 4, )") + kGoodTail),
                         "n_layer");
    CHECK_ERROR_MENTIONS(config_error(std::string(R"({"n_layer": -3, "n_head": 2, "n_embd": 4, )") + kGoodTail),
                         "n_layer");
    CHECK_ERROR_MENTIONS(config_error(std::string(R"({"n_layer": 1, "n_head": 3, "n_embd": 4, )") + kGoodTail),
                         "divisible");
}

TEST_CASE("config.json sizes that would need terabytes are refused before anything is allocated") {
    // 1024 layers of n_embd 65536: 12·65536²·1024 ≈ 5.3e13 parameters, ~200 TB of float32.
    CHECK_ERROR_MENTIONS(
        config_error(R"({"n_layer": 1024, "n_head": 1024, "n_embd": 65536, "n_positions": 1024, "vocab_size": 50257})"),
        "parameters");
    CHECK_ERROR_MENTIONS(
        config_error(R"({"n_layer": 99999999999999999999, "n_head": 2, "n_embd": 4, "n_positions": 8, "vocab_size": 10})"),
        "n_layer");
}

// Found by fuzz_config (input "2147481e303647", tests/README.md): a number too large for a
// double makes nlohmann::json throw out_of_range, which load_config_json did not turn into a
// UserError (chapters reported an "internal error"). Fixed in chapters/03_forward_pass/gpt2_config.cpp.
TEST_CASE("config.json with a number too large for a double is one clear UserError") {
    std::string message;
    try {
        message = config_error(R"({"n_layer": 1e999, "n_head": 2, "n_embd": 4, "n_positions": 8, "vocab_size": 10})");
    } catch (const std::exception& e) {
        message = std::string("not a UserError: ") + e.what();
    }
    CHECK_ERROR_MENTIONS(message, "config.json");
}

}  // TEST_SUITE
