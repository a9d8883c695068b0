// Chapter 03's checker, part 1: the weights. config.json, the safetensors reader, the GPT-2
// loader on every fixture quirk, the built-in random model, and every malformed file we know
// of. (The forward pass is checked in its own file.)
//
// Where the expected values come from:
//   - 124,439,808 parameters for GPT-2 small: the published count (Hugging Face's gpt2 model card).
//   - data/fixtures/*: tiny models written by tests/tools/make_fixtures.py (numpy), in the
//     Hugging Face layout; the F32 variants hold the same float32 weights.
//   - tests/reference/random_gpt2_{tiny,124m}.json: random_gpt2's weights regenerated
//     independently in numpy by tests/tools/reference_gpt2.py from the documented formula.
// Malformed files are written into a temporary folder by the tests themselves.
#include "common/errors.hpp"
#include "03_forward_pass/gpt2_config.hpp"
#include "03_forward_pass/gpt2_weights.hpp"
#include "common/paths.hpp"
#include "common/safetensors.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <armadillo>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using gpt2::Gpt2Config;
using gpt2::Gpt2Weights;
using gpt2::UserError;

namespace {

const char* const kFixtures[] = {"tiny_gpt2", "tiny_prefixed", "tiny_untied", "tiny_f16", "tiny_bf16"};

std::string fixture(const std::string& name) { return gpt2::project_root() + "/data/fixtures/" + name; }
std::string reference(const std::string& name) { return gpt2::project_root() + "/tests/reference/" + name; }

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
}

nlohmann::json read_json(const std::string& path) {
    const std::string text = read_file(path);
    REQUIRE_MESSAGE(!text.empty(), path << " is missing: run `make fixtures` (tests/tools/make_fixtures.sh)");
    return nlohmann::json::parse(text);
}

// The message of the UserError `body` throws, or "" when it throws none.
std::string error_of(const std::function<void()>& body) {
    try {
        body();
    } catch (const UserError& e) {
        return e.what();
    }
    return "";
}

// A temporary folder, removed with everything in it when the test ends.
struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "gpt2_loader_test_XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

// A safetensors file taken apart: its JSON header and data segment, to mutate and rewrite.
struct Checkpoint {
    nlohmann::json header;
    std::string data;

    static Checkpoint read(const std::string& path) {
        const std::string bytes = read_file(path);
        std::uint64_t n = 0;
        for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[std::size_t(i)]);
        return {nlohmann::json::parse(bytes.substr(8, n)), bytes.substr(8 + n)};
    }
    static std::string with_length(const std::string& header_text) {
        std::string out(8, '\0');
        std::uint64_t n = header_text.size();
        for (int i = 0; i < 8; ++i) out[std::size_t(i)] = char((n >> (8 * i)) & 0xff);
        return out + header_text;
    }
    std::string bytes() const { return with_length(header.dump()) + data; }

    // Removes a tensor and its bytes, moving later tensors down so the data stays contiguous
    // (the format allows no holes, so a hand-edited file must keep that to test anything else).
    void erase_tensor(const std::string& name) {
        const std::uint64_t begin = header[name]["data_offsets"][0], end = header[name]["data_offsets"][1];
        header.erase(name);
        data.erase(begin, end - begin);
        for (auto& [key, tensor] : header.items()) {
            if (key == "__metadata__") continue;
            for (int i = 0; i < 2; ++i) {
                const std::uint64_t offset = tensor["data_offsets"][i];
                if (offset >= end) tensor["data_offsets"][i] = offset - (end - begin);
            }
        }
    }
    // Moves every tensor `gap` bytes up, leaving bytes at the start that belong to none.
    void open_hole_at_start(std::uint64_t gap) {
        data.insert(0, gap, '\0');
        for (auto& [key, tensor] : header.items()) {
            if (key == "__metadata__") continue;
            for (int i = 0; i < 2; ++i) tensor["data_offsets"][i] = std::uint64_t(tensor["data_offsets"][i]) + gap;
        }
    }
};

// A model folder in `dir`: tiny_gpt2's config.json and the given safetensors bytes.
std::string model_folder(const TempDir& dir, const std::string& safetensors_bytes,
                         const std::string& config_text = "") {
    write_file(dir / "model.safetensors", safetensors_bytes);
    write_file(dir / "config.json", config_text.empty() ? read_file(fixture("tiny_gpt2") + "/config.json")
                                                        : config_text);
    return dir.path.string();
}

// Every float32 weight of a model, in the fixed order of the loader, for comparisons.
std::vector<const arma::fmat*> matrices(const Gpt2Weights& w) {
    std::vector<const arma::fmat*> all{&w.wte, &w.wpe, &w.ln_f_weight, &w.ln_f_bias};
    for (const gpt2::LayerWeights& L : w.layers)
        for (const arma::fmat* m : {(const arma::fmat*)&L.ln_1_weight, (const arma::fmat*)&L.ln_1_bias,
                                    &L.attn_qkv_weight, (const arma::fmat*)&L.attn_qkv_bias,
                                    &L.attn_proj_weight, (const arma::fmat*)&L.attn_proj_bias,
                                    (const arma::fmat*)&L.ln_2_weight, (const arma::fmat*)&L.ln_2_bias,
                                    &L.mlp_fc_weight, (const arma::fmat*)&L.mlp_fc_bias,
                                    &L.mlp_proj_weight, (const arma::fmat*)&L.mlp_proj_bias})
            all.push_back(m);
    return all;
}

// The weight named as in the checkpoint ("h.1.mlp.c_fc.weight"), as its Armadillo storage.
const arma::fmat& weight_by_name(const Gpt2Weights& w, const std::string& name) {
    if (name == "wte.weight") return w.wte;
    if (name == "wpe.weight") return w.wpe;
    if (name == "ln_f.weight") return w.ln_f_weight;
    if (name == "ln_f.bias") return w.ln_f_bias;
    const std::size_t dot = name.find('.', 2);
    const gpt2::LayerWeights& L = w.layers.at(std::stoul(name.substr(2, dot - 2)));
    const std::string rest = name.substr(dot + 1);
    if (rest == "ln_1.weight") return L.ln_1_weight;
    if (rest == "ln_1.bias") return L.ln_1_bias;
    if (rest == "attn.c_attn.weight") return L.attn_qkv_weight;
    if (rest == "attn.c_attn.bias") return L.attn_qkv_bias;
    if (rest == "attn.c_proj.weight") return L.attn_proj_weight;
    if (rest == "attn.c_proj.bias") return L.attn_proj_bias;
    if (rest == "ln_2.weight") return L.ln_2_weight;
    if (rest == "ln_2.bias") return L.ln_2_bias;
    if (rest == "mlp.c_fc.weight") return L.mlp_fc_weight;
    if (rest == "mlp.c_fc.bias") return L.mlp_fc_bias;
    if (rest == "mlp.c_proj.weight") return L.mlp_proj_weight;
    if (rest == "mlp.c_proj.bias") return L.mlp_proj_bias;
    FAIL("no weight named " << name);
    return w.wte;
}

// Checks weights made by random_gpt2 against numpy's regeneration `ref` (same config and seed).
void check_random_against_numpy(const nlohmann::json& ref, const Gpt2Weights& w) {
    int exact = 0;
    for (const nlohmann::json& s : ref["samples"]) {
        const std::string name = s["tensor"];
        const arma::fmat& m = weight_by_name(w, name);
        const std::uint64_t index = s["index"];
        const float expected = s["value"].get<float>();
        INFO("tensor " << name << ", element " << index << " (see gpt2_weights.cpp, fill_uniform)");
        REQUIRE(index < m.n_elem);
        CHECK(m(arma::uword(index)) == expected);
        exact += m(arma::uword(index)) == expected;
    }
    for (const auto& item : ref["tensor_sums"].items()) {
        const arma::fmat& m = weight_by_name(w, item.key());
        double sum = 0;
        for (float v : m) sum += v;
        const double expected = item.value();
        INFO("sum of every element of " << item.key() << ": C++ " << sum << ", numpy " << expected);
        CHECK(std::abs(sum - expected) <= 1e-9 * std::max(1.0, std::abs(expected)) + 1e-9);
    }
    MESSAGE("random_gpt2 matches numpy: " << exact << " sampled values bit for bit, "
            << ref["tensor_sums"].size() << " tensor sums");
}

}  // namespace

TEST_SUITE("ch03_forward") {

// --- config.json ------------------------------------------------------------------------------

TEST_CASE("GPT-2 small has 124,439,808 parameters, as published") {
    CHECK(gpt2::gpt2_small_config().parameter_count() == 124439808);
    CHECK(gpt2::gpt2_small_config().head_dim() == 64);
}

TEST_CASE("parameter_count agrees with the tensors actually stored in a fixture") {
    // Count independently: every tensor in the file except the mask buffers.
    const gpt2::SafetensorsFile file(fixture("tiny_gpt2") + "/model.safetensors");
    std::uint64_t stored = 0;
    for (const gpt2::TensorInfo& t : file.tensors())
        if (!(t.name.size() > 10 && t.name.compare(t.name.size() - 10, 10, ".attn.bias") == 0))
            stored += t.n_elements;
    const Gpt2Config config = gpt2::load_config_json(fixture("tiny_gpt2") + "/config.json");
    CHECK(config.parameter_count() == std::int64_t(stored));
    const Gpt2Weights w = gpt2::load_gpt2(fixture("tiny_gpt2"));
    CHECK_MESSAGE(w.bytes() == 4 * stored, "bytes() should count each float32 weight once");
}

TEST_CASE("config.json is read with Hugging Face's keys") {
    const Gpt2Config c = gpt2::load_config_json(fixture("tiny_gpt2") + "/config.json");
    CHECK(c.n_layer == 2);
    CHECK(c.n_head == 4);
    CHECK(c.n_embd == 32);
    CHECK(c.n_positions == 64);
    CHECK(c.vocab_size == 384);
    CHECK(c.layer_norm_epsilon == doctest::Approx(1e-5));

    TempDir dir;
    write_file(dir / "old.json", R"({"n_layer": 1, "n_head": 2, "n_embd": 8, "n_ctx": 16, "vocab_size": 10})");
    const Gpt2Config old = gpt2::load_config_json(dir / "old.json");
    CHECK_MESSAGE(old.n_positions == 16, "old exports name the context window n_ctx");
    CHECK_MESSAGE(old.layer_norm_epsilon == doctest::Approx(1e-5), "missing epsilon: GPT-2's 1e-5");

    // GPT-2's own values of the fields that change the math load as they are (null = the default).
    write_file(dir / "explicit.json", R"({"n_layer": 1, "n_head": 2, "n_embd": 8, "n_positions": 16, "n_ctx": 16,
        "vocab_size": 10, "activation_function": "gelu_new", "n_inner": null, "scale_attn_weights": true,
        "scale_attn_by_inverse_layer_idx": false, "add_cross_attention": false, "tie_word_embeddings": true})");
    CHECK(gpt2::load_config_json(dir / "explicit.json").n_embd == 8);
    write_file(dir / "inner.json", R"({"n_layer": 1, "n_head": 2, "n_embd": 8, "n_positions": 16, "vocab_size": 10,
        "n_inner": 32, "activation_function": "gelu_pytorch_tanh"})");
    CHECK_MESSAGE(gpt2::load_config_json(dir / "inner.json").n_embd == 8, "n_inner = 4 * n_embd is GPT-2's MLP");
}

TEST_CASE("a bad config.json is refused with one line naming the file and the key") {
    TempDir dir;
    const std::string good = R"("n_layer": 2, "n_head": 4, "n_embd": 32, "n_positions": 64)";
    struct Case {
        const char* what;
        std::string text;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"not JSON", "{\"n_layer\": 2,", "not valid JSON"},
        {"not an object", "[1, 2]", "must be a JSON object"},
        {"missing key", "{" + good + "}", "\"vocab_size\" is missing"},
        {"wrong type", "{" + good + R"(, "vocab_size": "384"})", "\"vocab_size\" must be an integer"},
        {"fractional", "{" + good + R"(, "vocab_size": 383.5})", "\"vocab_size\" must be an integer"},
        {"n_layer 0", R"({"n_layer": 0, "n_head": 4, "n_embd": 32, "n_positions": 64, "vocab_size": 9})", "n_layer = 0"},
        {"negative", R"({"n_layer": -3, "n_head": 4, "n_embd": 32, "n_positions": 64, "vocab_size": 9})", "n_layer = -3"},
        {"indivisible", R"({"n_layer": 2, "n_head": 5, "n_embd": 32, "n_positions": 64, "vocab_size": 9})", "not divisible by n_head"},
        {"huge integer", "{" + good + R"(, "vocab_size": 99999999999999999999})", "vocab_size"},
        {"terabytes", R"({"n_layer": 1000, "n_head": 64, "n_embd": 65536, "n_positions": 64, "vocab_size": 9})", "parameters"},
        {"bad epsilon", "{" + good + R"(, "vocab_size": 9, "layer_norm_epsilon": -1})", "layer_norm_epsilon"},
        {"other model", "{" + good + R"(, "vocab_size": 9, "model_type": "llama"})", "GPT-2 checkpoints only"},
        // Fields that change the math: what this code does not compute is refused, not ignored.
        {"exact-erf GELU", "{" + good + R"(, "vocab_size": 9, "activation_function": "gelu"})", "\"activation_function\""},
        {"ReLU", "{" + good + R"(, "vocab_size": 9, "activation_function": "relu"})", "tanh GELU"},
        {"a narrower MLP", "{" + good + R"(, "vocab_size": 9, "n_inner": 64})", "4 · n_embd = 128"},
        {"no 1/sqrt(d) scale", "{" + good + R"(, "vocab_size": 9, "scale_attn_weights": false})", "scale_attn_weights"},
        {"layer-index scaling", "{" + good + R"(, "vocab_size": 9, "scale_attn_by_inverse_layer_idx": true})", "1/(layer + 1)"},
        {"cross-attention", "{" + good + R"(, "vocab_size": 9, "add_cross_attention": true})", "cross-attention"},
        {"tie_word_embeddings not a bool", "{" + good + R"(, "vocab_size": 9, "tie_word_embeddings": 0})", "true or false"},
        {"n_ctx and n_positions disagree", "{" + good + R"(, "vocab_size": 9, "n_ctx": 32})", "n_ctx = 32 but n_positions = 64"},
    };
    for (const Case& c : cases) {
        const std::string path = dir / "config.json";
        write_file(path, c.text);
        const std::string message = error_of([&] { gpt2::load_config_json(path); });
        INFO("case: " << c.what << "; message: " << message);
        CHECK(message.find(c.expected) != std::string::npos);
        CHECK(message.find(path) != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    }
    CHECK(error_of([&] { gpt2::load_config_json(dir / "missing.json"); }).find("cannot open") != std::string::npos);
}

// --- the fixtures: every quirk loads to the same weights ---------------------------------------

TEST_CASE("the real file's quirks: unaligned data, __metadata__, mask buffers, no lm_head") {
    const std::string path = fixture("tiny_gpt2") + "/model.safetensors";
    const gpt2::SafetensorsFile file(path);
    CHECK_MESSAGE(file.data_start() % 4 != 0, "the fixture must reproduce the unaligned data segment");
    CHECK(file.metadata().at("format") == "pt");
    REQUIRE(file.find("h.0.attn.bias") != nullptr);
    CHECK(file.find("h.0.attn.bias")->shape == std::vector<std::uint64_t>{1, 1, 64, 64});
    CHECK(file.find("lm_head.weight") == nullptr);

    const Gpt2Weights w = gpt2::load_gpt2(fixture("tiny_gpt2"));
    CHECK_FALSE(w.is_random);
    CHECK(w.lm_head.n_elem == 0);
    CHECK_MESSAGE(&w.output_embedding() == &w.wte, "no lm_head.weight: the output projection is wte (tied)");
    CHECK(w.wte.n_rows == 32);
    CHECK(w.wte.n_cols == 384);
    CHECK(w.wpe.n_cols == 64);
    REQUIRE(w.layers.size() == 2);
    CHECK(w.layers[1].attn_qkv_weight.n_rows == 96);
    CHECK(w.layers[1].attn_qkv_weight.n_cols == 32);
    CHECK(w.layers[1].mlp_proj_weight.n_rows == 32);
    CHECK(w.layers[1].mlp_proj_weight.n_cols == 128);
}

TEST_CASE("row-major (in, out) bytes become the column-major (out, in) matrix, without a transpose") {
    const gpt2::SafetensorsFile file(fixture("tiny_gpt2") + "/model.safetensors");
    const Gpt2Weights w = gpt2::load_gpt2(fixture("tiny_gpt2"));

    // wte.weight [vocab, n_embd]: row t of the file is column t of w.wte (token t's embedding).
    std::vector<float> row(32);
    file.read_f32(*file.find("wte.weight"), row.data(), 200 * 32, 32);
    for (int c = 0; c < 32; ++c) CHECK(w.wte(c, 200) == row[std::size_t(c)]);

    // c_attn.weight [in = 32, out = 96]: file element [i][j] is W(i, j); arma holds Wᵀ(j, i).
    const gpt2::TensorInfo& t = *file.find("h.1.attn.c_attn.weight");
    std::vector<float> all(t.n_elements);
    file.read_f32(t, all.data());
    for (int i : {0, 7, 31})
        for (int j : {0, 40, 95}) {
            INFO("W[" << i << "][" << j << "] should be attn_qkv_weight(" << j << ", " << i << ")");
            CHECK(w.layers[1].attn_qkv_weight(j, i) == all[std::size_t(i * 96 + j)]);
        }
}

TEST_CASE("a folder, its .safetensors file and its config.json all name the same model") {
    const Gpt2Weights a = gpt2::load_gpt2(fixture("tiny_gpt2"));
    const Gpt2Weights b = gpt2::load_gpt2(fixture("tiny_gpt2") + "/model.safetensors");
    const Gpt2Weights c = gpt2::load_gpt2(fixture("tiny_gpt2") + "/config.json");
    CHECK(arma::approx_equal(a.wte, b.wte, "absdiff", 0.0f));
    CHECK(arma::approx_equal(a.layers[1].mlp_fc_weight, c.layers[1].mlp_fc_weight, "absdiff", 0.0f));
    CHECK(b.source.find("model.safetensors") != std::string::npos);
}

TEST_CASE("every fixture variant loads to the same float32 weights (F16, BF16 within their rounding)") {
    const Gpt2Weights base = gpt2::load_gpt2(fixture("tiny_gpt2"));
    const std::vector<const arma::fmat*> expected = matrices(base);
    for (const char* name : kFixtures) {
        const Gpt2Weights w = gpt2::load_gpt2(fixture(name));
        const std::string variant = name;
        // Round to nearest: relative error ≤ half an ulp, 2^-11 for F16 (10-bit mantissa) and
        // 2^-8 for BF16 (7-bit); F16's smallest normal is 2^-14, below it the absolute step 2^-24.
        const double rel = variant == "tiny_f16" ? std::ldexp(1.0, -11) : variant == "tiny_bf16" ? std::ldexp(1.0, -8) : 0.0;
        const double abs_floor = variant == "tiny_f16" ? std::ldexp(1.0, -25) : 0.0;
        const std::vector<const arma::fmat*> got = matrices(w);
        REQUIRE(got.size() == expected.size());
        double worst = 0;  // worst error as a fraction of what rounding allows
        for (std::size_t k = 0; k < got.size(); ++k) {
            REQUIRE(got[k]->n_rows == expected[k]->n_rows);
            REQUIRE(got[k]->n_cols == expected[k]->n_cols);
            for (arma::uword i = 0; i < got[k]->n_elem; ++i) {
                const double e = (*expected[k])(i), g = (*got[k])(i);
                const double allowed = rel * std::abs(e) + abs_floor;
                if (allowed == 0.0) {
                    if (g != e) worst = std::max(worst, 1e30);
                } else {
                    worst = std::max(worst, std::abs(g - e) / allowed);
                }
            }
        }
        INFO("fixture " << variant << ": worst error is " << worst
             << "× the rounding allowance (F32 variants must be bit-identical)");
        CHECK(worst <= 1.0);
        if (variant == "tiny_f16" || variant == "tiny_bf16")
            CHECK_MESSAGE(worst > 0.0, "a half-precision file should differ by its rounding");
    }
}

TEST_CASE("the full-vocabulary fixture loads with GPT-2's 50,257 tokens from F16") {
    const gpt2::SafetensorsFile file(fixture("tiny_fullvocab") + "/model.safetensors");
    CHECK(file.find("wte.weight")->dtype == gpt2::SafetensorsDtype::F16);
    const Gpt2Weights w = gpt2::load_gpt2(fixture("tiny_fullvocab"));
    CHECK(w.config.vocab_size == 50257);
    CHECK(w.wte.n_rows == 8);
    CHECK(w.wte.n_cols == 50257);
    CHECK(w.bytes() == std::uint64_t(4 * w.config.parameter_count()));
    // The last token's embedding (<|endoftext|>, row 50256 of the file) is column 50256.
    std::vector<float> row(8);
    file.read_f32(*file.find("wte.weight"), row.data(), 50256ull * 8, 8);
    for (int c = 0; c < 8; ++c) CHECK(w.wte(c, 50256) == row[std::size_t(c)]);
}

TEST_CASE("an lm_head.weight equal to wte is not kept twice; a different one is kept") {
    const Gpt2Weights tied = gpt2::load_gpt2(fixture("tiny_gpt2"));
    const Gpt2Weights prefixed = gpt2::load_gpt2(fixture("tiny_prefixed"));
    CHECK_MESSAGE(prefixed.lm_head.n_elem == 0, "lm_head.weight == wte: tied, one copy");
    CHECK(prefixed.bytes() == tied.bytes());

    const Gpt2Weights untied = gpt2::load_gpt2(fixture("tiny_untied"));
    REQUIRE(untied.lm_head.n_elem == untied.wte.n_elem);
    CHECK(untied.lm_head.n_rows == 32);
    CHECK(&untied.output_embedding() == &untied.lm_head);
    CHECK_FALSE(arma::approx_equal(untied.lm_head, untied.wte, "absdiff", 1e-3f));
    CHECK(untied.bytes() == tied.bytes() + 384 * 32 * 4);
    // lm_head.weight row t is column t of lm_head, like wte.
    const gpt2::SafetensorsFile file(fixture("tiny_untied") + "/model.safetensors");
    std::vector<float> row(32);
    file.read_f32(*file.find("lm_head.weight"), row.data(), 383 * 32, 32);
    for (int c = 0; c < 32; ++c) CHECK(untied.lm_head(c, 383) == row[std::size_t(c)]);
}

TEST_CASE("F16 and BF16 values convert to float32 exactly") {
    // Hand-checked bit patterns (IEEE 754 binary16; bfloat16 = the top half of a float32).
    CHECK(gpt2::f16_to_f32(0x3c00) == 1.0f);
    CHECK(gpt2::f16_to_f32(0xc000) == -2.0f);
    CHECK(gpt2::f16_to_f32(0x7bff) == 65504.0f);
    CHECK(gpt2::f16_to_f32(0x0001) == std::ldexp(1.0f, -24));   // smallest subnormal
    CHECK(gpt2::f16_to_f32(0x0400) == std::ldexp(1.0f, -14));   // smallest normal
    CHECK(std::isinf(gpt2::f16_to_f32(0x7c00)));
    CHECK(std::isnan(gpt2::f16_to_f32(0x7e00)));
    CHECK(std::signbit(gpt2::f16_to_f32(0x8000)));
    CHECK(gpt2::bf16_to_f32(0x3f80) == 1.0f);
    CHECK(gpt2::bf16_to_f32(0xc0a0) == -5.0f);
}

// --- the random model -------------------------------------------------------------------------

TEST_CASE("random_gpt2 is deterministic, seed-dependent, and initialised like GPT-2") {
    Gpt2Config tiny = gpt2::load_config_json(fixture("tiny_gpt2") + "/config.json");
    const Gpt2Weights a = gpt2::random_gpt2(tiny, 7), b = gpt2::random_gpt2(tiny, 7), c = gpt2::random_gpt2(tiny, 8);
    const std::vector<const arma::fmat*> ma = matrices(a), mb = matrices(b), mc = matrices(c);
    bool same = true;
    for (std::size_t k = 0; k < ma.size(); ++k) same = same && arma::approx_equal(*ma[k], *mb[k], "absdiff", 0.0f);
    CHECK_MESSAGE(same, "the same seed must give bit-identical weights");
    CHECK_FALSE(arma::approx_equal(a.wte, c.wte, "absdiff", 0.0f));
    CHECK(a.is_random);
    CHECK(a.source == "random (seed 7)");
    CHECK(a.lm_head.n_elem == 0);
    CHECK(a.bytes() == std::uint64_t(4 * tiny.parameter_count()));
    for (const gpt2::LayerWeights& L : a.layers) {
        CHECK(arma::all(L.ln_1_weight == 1.0f));
        CHECK(arma::all(L.ln_2_bias == 0.0f));
        CHECK(arma::all(L.attn_qkv_bias == 0.0f));
        CHECK(arma::all(L.mlp_fc_bias == 0.0f));
        // Uniform in [−a, a) with a = std·√3: |w| < 0.02·√3, and < 0.02·√3/√(2·n_layer) for c_proj.
        CHECK(arma::abs(L.attn_qkv_weight).max() < 0.02f * std::sqrt(3.0f));
        CHECK(arma::abs(L.mlp_proj_weight).max() < 0.02f * std::sqrt(3.0f) / 2.0f);
    }
}

TEST_CASE("random_gpt2 reproduces numpy's independent regeneration, tiny shapes") {
    const nlohmann::json ref = read_json(reference("random_gpt2_tiny.json"));
    Gpt2Config config;
    config.n_layer = ref["config"]["n_layer"];
    config.n_head = ref["config"]["n_head"];
    config.n_embd = ref["config"]["n_embd"];
    config.n_positions = ref["config"]["n_positions"];
    config.vocab_size = ref["config"]["vocab_size"];
    check_random_against_numpy(ref, gpt2::random_gpt2(config, ref["seed"].get<std::uint64_t>()));
}

TEST_CASE("--model random is GPT-2 small with seed 1234, GPT-2's init statistics, and numpy's values") {
    const nlohmann::json ref = read_json(reference("random_gpt2_124m.json"));
    REQUIRE(ref["seed"] == 1234);
    const Gpt2Weights w = gpt2::load_gpt2("random");
    CHECK(w.is_random);
    CHECK(w.source == "random (seed 1234)");
    CHECK(w.config.parameter_count() == 124439808);
    CHECK(w.bytes() == 4ull * 124439808ull);
    // Standard deviations over millions of values: 0.02, and 0.02/√(2·12) for c_proj.
    auto stddev = [](const arma::fmat& m) {
        double sum = 0, sum2 = 0;
        for (float v : m) {
            sum += v;
            sum2 += double(v) * v;
        }
        const double mean = sum / m.n_elem;
        return std::sqrt(sum2 / m.n_elem - mean * mean);
    };
    CHECK(stddev(w.wte) == doctest::Approx(0.02).epsilon(0.002));
    CHECK(stddev(w.layers[5].mlp_fc_weight) == doctest::Approx(0.02).epsilon(0.002));
    CHECK(stddev(w.layers[11].mlp_proj_weight) == doctest::Approx(0.02 / std::sqrt(24.0)).epsilon(0.002));
    check_random_against_numpy(ref, w);
}

TEST_CASE("the random-model notice says plainly that the text is noise and the timings are real") {
    const std::string notice = gpt2::random_model_notice();
    CHECK(notice.find("noise") != std::string::npos);
    CHECK(notice.find("timings are real") != std::string::npos);
    CHECK(notice.find("make gpt2") != std::string::npos);
    CHECK(notice.find('\n') == std::string::npos);
}

// --- malformed files: one clear line each ------------------------------------------------------

TEST_CASE("every malformed safetensors file is refused with a message naming the problem") {
    TempDir dir;
    const std::string base_path = fixture("tiny_gpt2") + "/model.safetensors";
    const std::string base_bytes = read_file(base_path);
    const Checkpoint base = Checkpoint::read(base_path);
    REQUIRE(!base.data.empty());
    const std::string wte = "wte.weight";

    struct Case {
        std::string what, bytes, expected;
    };
    auto edit = [&](const std::function<void(Checkpoint&)>& change) {
        Checkpoint c = base;
        change(c);
        return c.bytes();
    };
    auto raw_header = [&](const std::string& text) { return Checkpoint::with_length(text) + base.data; };
    std::string huge_length = base_bytes;
    for (int i = 0; i < 8; ++i) huge_length[std::size_t(i)] = i == 7 ? char(0x80) : '\0';  // 2^63

    std::vector<Case> cases = {
        {"empty file", "", "0 bytes, too short"},
        {"short file", base_bytes.substr(0, 5), "too short"},
        {"header length past the end", base_bytes.substr(0, 200), "the file has only"},
        {"header length 2^63", huge_length, "9,223,372,036,854,775,808 bytes"},
        {"header not JSON", raw_header("{\"wte.weight\": {\"dtype\": "), "not valid JSON"},
        {"header not an object", raw_header("[1, 2, 3]"), "not an object"},
        {"header nested absurdly deep", raw_header(std::string(5000, '[') + std::string(5000, ']')), "nested deeper"},
        {"duplicate tensor name",
         raw_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                    "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}"),
         "'a' appears twice"},
        {"metadata not an object", edit([](Checkpoint& c) { c.header["__metadata__"] = 5; }), "__metadata__"},
        {"tensor not an object", edit([&](Checkpoint& c) { c.header[wte] = "F32"; }), "must be an object"},
        {"tensor without dtype", edit([&](Checkpoint& c) { c.header[wte].erase("dtype"); }), "has no \"dtype\""},
        {"tensor without shape", edit([&](Checkpoint& c) { c.header[wte].erase("shape"); }), "has no \"shape\""},
        {"tensor without offsets", edit([&](Checkpoint& c) { c.header[wte].erase("data_offsets"); }), "has no \"data_offsets\""},
        {"unknown dtype", edit([&](Checkpoint& c) { c.header[wte]["dtype"] = "F31"; }), "unknown dtype 'F31'"},
        {"negative shape", edit([&](Checkpoint& c) { c.header[wte]["shape"][0] = -384; }), "shape[0] = -384"},
        {"fractional shape", edit([&](Checkpoint& c) { c.header[wte]["shape"][1] = 32.5; }), "shape[1] = 32.5"},
        {"overflowing shape",
         edit([&](Checkpoint& c) { c.header[wte]["shape"] = nlohmann::json::array({1ull << 40, 1ull << 40}); }), "more elements than 64 bits"},
        {"offsets reversed",
         edit([&](Checkpoint& c) { c.header[wte]["data_offsets"] = nlohmann::json::array({c.header[wte]["data_offsets"][1], c.header[wte]["data_offsets"][0]}); }),
         "reversed"},
        {"offsets not two integers", edit([&](Checkpoint& c) { c.header[wte]["data_offsets"] = nlohmann::json::array({0}); }), "[begin, end]"},
        {"offsets outside the data",
         edit([&](Checkpoint& c) { c.header[wte]["data_offsets"][1] = c.data.size() + 4; }), "past the end of the file"},
        {"shape x dtype != byte range", edit([&](Checkpoint& c) { c.header[wte]["shape"] = nlohmann::json::array({383, 32}); }),
         "needs 49,024 bytes"},
        {"F16 dtype on F32 bytes", edit([&](Checkpoint& c) { c.header[wte]["dtype"] = "F16"; }), "needs 24,576 bytes"},
        {"overlapping byte ranges",
         edit([&](Checkpoint& c) { c.header["ln_f.bias"]["data_offsets"] = c.header["ln_f.weight"]["data_offsets"]; }),
         "overlap"},
        {"truncated data", base_bytes.substr(0, base_bytes.size() - 100), "the data is truncated"},
        // The specification: "the byte buffer needs to be entirely indexed, and cannot contain holes".
        {"bytes that belong to no tensor", edit([](Checkpoint& c) { c.open_hole_at_start(16); }),
         "bytes [0, 16) of the data segment"},
        {"trailing bytes after the last tensor", base_bytes + std::string(12, '\0'), "last 12 bytes belong to no tensor"},
    };
    for (const Case& c : cases) {
        const std::string path = dir / "model.safetensors";
        write_file(path, c.bytes);
        const std::string message = error_of([&] { gpt2::SafetensorsFile file(path); });
        INFO("case: " << c.what << "\n  message: " << message);
        CHECK(message.find(c.expected) != std::string::npos);
        CHECK(message.find(path) != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    }
}

TEST_CASE("a header longer than the documented limit is refused before it is read") {
    TempDir dir;
    // A sparse file: the length field says 150 MB and the file really is that long.
    const std::string path = dir / "big.safetensors";
    const std::uint64_t n = 150ull * 1000 * 1000;
    std::string length(8, '\0');
    for (int i = 0; i < 8; ++i) length[std::size_t(i)] = char((n >> (8 * i)) & 0xff);
    write_file(path, length + "{");
    fs::resize_file(path, 8 + n + 16);
    const std::string message = error_of([&] { gpt2::SafetensorsFile file(path); });
    INFO(message);
    CHECK(message.find("above this reader's limit of 100,000,000 bytes") != std::string::npos);
}

TEST_CASE("a model whose tensors do not fit GPT-2 or its config.json is refused") {
    TempDir dir;
    const std::string base_path = fixture("tiny_gpt2") + "/model.safetensors";
    const Checkpoint base = Checkpoint::read(base_path);
    const std::string config = read_file(fixture("tiny_gpt2") + "/config.json");

    auto with_float_at = [&](const std::string& tensor, std::size_t element, float value) {
        Checkpoint c = base;
        const std::uint64_t begin = c.header[tensor]["data_offsets"][0];
        std::memcpy(&c.data[begin + 4 * element], &value, 4);
        return c.bytes();
    };
    auto edit = [&](const std::function<void(Checkpoint&)>& change) {
        Checkpoint c = base;
        change(c);
        return c.bytes();
    };
    // A well-formed extra tensor of zeros, with bytes of its own at the end of the data.
    auto add_tensor = [](Checkpoint& c, const std::string& name, std::uint64_t rows, std::uint64_t cols) {
        const std::uint64_t begin = c.data.size(), bytes = rows * cols * 4;
        c.header[name] = {{"dtype", "F32"}, {"shape", nlohmann::json::array({rows, cols})},
                          {"data_offsets", nlohmann::json::array({begin, begin + bytes})}};
        c.data.append(bytes, '\0');
    };
    struct Case {
        std::string what, bytes, config, expected;
    };
    std::string config_n_layer_1 = config;
    config_n_layer_1.replace(config_n_layer_1.find("\"n_layer\": 2"), 12, "\"n_layer\": 1");
    std::string config_wider = config;
    config_wider.replace(config_wider.find("\"n_embd\": 32"), 12, "\"n_embd\": 64");
    std::string config_untied = config;
    config_untied.replace(config_untied.find("\"n_layer\": 2"), 12, "\"tie_word_embeddings\": false, \"n_layer\": 2");
    const std::vector<Case> cases = {
        {"required tensor missing", edit([](Checkpoint& c) { c.erase_tensor("h.1.mlp.c_fc.bias"); }), "",
         "'h.1.mlp.c_fc.bias' (or 'transformer.h.1.mlp.c_fc.bias') is missing"},
        {"shape disagrees with config.json", base.bytes(), config_wider, "needs [384, 64]"},
        {"more blocks than config.json says", base.bytes(), config_n_layer_1, "n_layer = 1"},
        {"NaN weight", with_float_at("h.0.mlp.c_fc.weight", 17, std::nanf("")), "", "NaN at element 17"},
        {"Inf weight", with_float_at("wpe.weight", 3, INFINITY), "", "Inf at element 3"},
        {"both prefixed and plain names",
         edit([&](Checkpoint& c) { add_tensor(c, "transformer.wpe.weight", 64, 32); }), "", "ambiguous"},
        {"unsupported dtype on a weight",
         edit([](Checkpoint& c) { c.header["ln_f.bias"]["dtype"] = "I32"; }), "", "only F32, F16 and BF16"},
        {"lm_head of the wrong shape",
         edit([&](Checkpoint& c) { add_tensor(c, "lm_head.weight", 64, 32); }), "", "'lm_head.weight' has shape [64, 32]"},
        {"untied output without an lm_head", base.bytes(), config_untied, "no lm_head.weight"},
        {"config.json not JSON", base.bytes(), "{\"n_layer\": ", "not valid JSON"},
        {"config.json with n_embd not divisible by n_head", base.bytes(),
         R"({"n_layer": 2, "n_head": 5, "n_embd": 32, "n_positions": 64, "vocab_size": 384})", "not divisible"},
    };
    for (const Case& c : cases) {
        const std::string folder = model_folder(dir, c.bytes, c.config);
        const std::string message = error_of([&] { gpt2::load_gpt2(folder); });
        INFO("case: " << c.what << "\n  message: " << message);
        CHECK(message.find(c.expected) != std::string::npos);
        CHECK(message.find(folder) != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
    }
}

TEST_CASE("a missing model says how to get one") {
    TempDir dir;
    const std::string missing = error_of([&] { gpt2::load_gpt2(dir / "no_such_model"); });
    CHECK(missing.find("make gpt2") != std::string::npos);
    CHECK(missing.find("no_such_model") != std::string::npos);
    // A folder without weights, weights without config.json.
    CHECK(error_of([&] { gpt2::load_gpt2(dir.path.string()); }).find("no model.safetensors") != std::string::npos);
    write_file(dir / "model.safetensors", read_file(fixture("tiny_gpt2") + "/model.safetensors"));
    const std::string no_config = error_of([&] { gpt2::load_gpt2(dir / "model.safetensors"); });
    INFO(no_config);
    CHECK(no_config.find("config.json") != std::string::npos);
    CHECK(no_config.find("make gpt2") != std::string::npos);
}

}  // TEST_SUITE
