// Checks for chapter 06's KV-cache memory estimator (chapters/06_memory_estimator/memory_estimator.hpp).
//
// Every expected number here comes from outside the code under test: a published figure
// (from each model's published config.json or paper), a published parameter total, a hand
// computation written next to the check, or the bytes chapter 05's real KVCache allocates.
#include "common/errors.hpp"
#include "03_forward_pass/gpt2_config.hpp"
#include "05_cached_decode/kv_cache.hpp"
#include "06_memory_estimator/memory_estimator.hpp"
#include "common/files.hpp"
#include "common/paths.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

using gpt2::DType;
using gpt2::ModelSpec;

namespace {

const std::string kStep1 = "chapters/06_memory_estimator/README.md, step 1 (the formula)";

// The formula, with a clear failure while it is still the exercise stub.
std::uint64_t formula(const ModelSpec& model, std::uint64_t tokens, std::uint64_t batch, DType dtype) {
    try {
        return gpt2::kv_cache_bytes(model, tokens, batch, dtype);
    } catch (const gpt2::ExerciseNotDone&) {
        FAIL_CHECK("kv_cache_bytes() is still the exercise stub: write it, see " << kStep1);
    }
    return 0;  // never a right answer for a real model: the check that called this fails too
}

std::string error_of(void (*action)()) {
    try {
        action();
    } catch (const gpt2::UserError& e) {
        return e.what();
    }
    return "";
}

const ModelSpec& preset(const char* name) { return gpt2::find_preset(name); }

}  // namespace

TEST_SUITE("ch06_memory_estimator") {

// --- Step 1: the published shapes (each model's config.json or paper) ---------------------------

TEST_CASE("GPT-2 small at 1024 tokens in fp32 needs 72 MiB, as ggml's gpt-2 example prints") {
    // ggml examples/gpt-2 prints "memory size = 72.00 MB" (its MB are 2^20 bytes) for 124M at
    // n_ctx 1024 with f32 K and V: 72 × 2^20 = 75,497,472.
    INFO("2 × 12 layers × 12 kv heads × 64 × 1024 tokens × 4 bytes; see " << kStep1);
    CHECK(formula(preset("gpt2"), 1024, 1, DType::fp32) == 75497472ULL);
    CHECK(75497472ULL == 72ULL * (1ULL << 20));
}

TEST_CASE("GPT-2 small at 1000 tokens in bf16 needs 36,864,000 bytes") {
    INFO("2 × layers × kv heads × head_dim × tokens × bytes, from the published shape; see " << kStep1);
    CHECK(formula(preset("gpt2"), 1000, 1, DType::bf16) == 36864000ULL);
}

TEST_CASE("GPT-3 175B at 2048 tokens in fp16 needs 9,663,676,416 bytes") {
    INFO("GPT-3 paper (Brown et al. 2020, Table 2.1): 96 layers, 96 heads of 128; ~9.7 GB; see " << kStep1);
    CHECK(formula(preset("gpt3-175b"), 2048, 1, DType::fp16) == 9663676416ULL);
}

TEST_CASE("Llama-2-7B at 4096 tokens in fp16 needs 2 GiB, Llama-2-70B only 1.25 GiB") {
    INFO("Llama 2 config.json files: 70B keeps 8 kv heads instead of 64; see " << kStep1);
    CHECK(formula(preset("llama-2-7b"), 4096, 1, DType::fp16) == 2ULL * (1ULL << 30));
    CHECK(formula(preset("llama-2-70b"), 4096, 1, DType::fp16) == 5ULL * (1ULL << 30) / 4);
}

TEST_CASE("every dtype is exact, including int4's half byte") {
    // By hand, GPT-2 small, one token: 2 × 12 × 12 × 64 = 18,432 values;
    // × 4 B = 73,728; × 2 B = 36,864; × 1 B = 18,432; × 0.5 B = 9,216.
    const ModelSpec& m = preset("gpt2");
    INFO("bytes per value: fp32 4, fp16/bf16 2, fp8/int8 1, int4 0.5; see " << kStep1);
    CHECK(formula(m, 1, 1, DType::fp32) == 73728ULL);
    CHECK(formula(m, 1, 1, DType::fp16) == 36864ULL);
    CHECK(formula(m, 1, 1, DType::bf16) == 36864ULL);
    CHECK(formula(m, 1, 1, DType::fp8) == 18432ULL);
    CHECK(formula(m, 1, 1, DType::int8) == 18432ULL);
    CHECK(formula(m, 1, 1, DType::int4) == 9216ULL);
    // A deliberately odd shape: 2 × 1 × 1 × 1 × 1 token = 2 int4 values = exactly 1 byte.
    ModelSpec tiny = m;
    tiny.n_layer = tiny.n_head = tiny.n_kv_heads = tiny.head_dim = 1;
    CHECK(formula(tiny, 1, 1, DType::int4) == 1ULL);
    CHECK(formula(tiny, 3, 1, DType::int4) == 3ULL);
}

TEST_CASE("batch and tokens scale the cache linearly, and bytes_per_token is one token of one sequence") {
    const ModelSpec& m = preset("llama-3-8b");  // 2 × 32 × 8 × 128 × 2 B = 131,072 B per token
    CHECK(formula(m, 1, 1, DType::fp16) == 131072ULL);
    CHECK(gpt2::kv_bytes_per_token(m, DType::fp16) == 131072ULL);
    CHECK(formula(m, 8192, 16, DType::fp16) == 131072ULL * 8192 * 16);
}

// --- Overflow: exact or a clear error, never a wrapped number -----------------------------

TEST_CASE("a 1M-token, batch-512 request is computed exactly in 64 bits") {
    // By hand: GPT-3 175B fp16 is 4,718,592 B per token (= 9,663,676,416 / 2048);
    // × 2^20 tokens × 2^9 sequences = 4,718,592 × 2^29 = 2,533,274,790,395,904 bytes (2.25 PiB).
    // In 32-bit arithmetic this would have wrapped many times.
    CHECK(formula(preset("gpt3-175b"), 1ULL << 20, 512, DType::fp16) == 2533274790395904ULL);
    // Llama-3-70B fp16: 2 × 80 × 8 × 128 × 2 = 327,680 B per token; × 2^29 = 175,921,860,444,160.
    CHECK(formula(preset("llama-3-70b"), 1ULL << 20, 512, DType::fp16) == 175921860444160ULL);
}

TEST_CASE("a cache past 2^64 bytes is a clear error, not a silently wrapped number") {
    // 4,718,592 B per token (≈ 2^22.2) × 2^40 tokens × 2^10 sequences ≈ 2^72 > 2^64.
    std::string message;
    try {
        gpt2::kv_cache_bytes(preset("gpt3-175b"), 1ULL << 40, 1024, DType::fp16);
    } catch (const gpt2::UserError& e) {
        message = e.what();
    } catch (const gpt2::ExerciseNotDone&) {
        FAIL("kv_cache_bytes() is still the exercise stub: write it, see " << kStep1);
    }
    INFO("use checked multiplication (__builtin_mul_overflow); see " << kStep1);
    CHECK(message.find("2^64") != std::string::npos);
    // The largest exact case just below the limit still works: 2^63 bytes of int8 values.
    ModelSpec one = preset("gpt2");
    one.n_layer = one.n_head = one.n_kv_heads = one.head_dim = 1;
    CHECK(formula(one, 1ULL << 62, 1, DType::int8) == (1ULL << 63));
    CHECK_THROWS_AS(gpt2::kv_cache_bytes(one, 1ULL << 63, 1, DType::int8), gpt2::UserError);
}

// --- Step 4: MHA vs GQA vs MQA, and the sliding window -----------------------------------

TEST_CASE("Llama-2-70B's 8 kv heads make its cache 8x smaller than MHA, and MQA 64x") {
    ModelSpec mha = preset("llama-2-70b"), mqa = mha;
    mha.n_kv_heads = mha.n_head;  // 64
    mqa.n_kv_heads = 1;
    const std::uint64_t gqa_bytes = formula(preset("llama-2-70b"), 4096, 1, DType::fp16);
    INFO("the cache is proportional to n_kv_heads: 64 / 8 = 8, 64 / 1 = 64");
    CHECK(formula(mha, 4096, 1, DType::fp16) == 8 * gqa_bytes);
    CHECK(formula(mha, 4096, 1, DType::fp16) == 64 * formula(mqa, 4096, 1, DType::fp16));
    // Llama-3-8B and Mistral-7B: 32 heads, 8 kv heads → 4x.
    ModelSpec l3 = preset("llama-3-8b");
    const std::uint64_t l3_gqa = formula(l3, 8192, 1, DType::fp16);
    l3.n_kv_heads = l3.n_head;
    CHECK(formula(l3, 8192, 1, DType::fp16) == 4 * l3_gqa);
}

TEST_CASE("Mistral-7B's 4096-token sliding window caps its cache, other models are not capped") {
    const ModelSpec& m = preset("mistral-7b");
    CHECK(m.sliding_window == 4096);
    CHECK(gpt2::cached_tokens(m, 4095) == 4095);
    CHECK(gpt2::cached_tokens(m, 4096) == 4096);
    CHECK(gpt2::cached_tokens(m, 32768) == 4096);
    CHECK(gpt2::cached_tokens(preset("llama-3-8b"), 8192) == 8192);
    // 2 × 32 × 8 × 128 × 4096 × 2 B = 536,870,912 = 512 MiB, whatever the context.
    CHECK(formula(m, gpt2::cached_tokens(m, 32768), 1, DType::fp16) == 512ULL << 20);
}

// --- Step 2 and 3: presets, parameter counts, weights ------------------------------------

TEST_CASE("every preset's parameter count equals the model's published total") {
    // Published totals: GPT-2 124M from Hugging Face's gpt2 model card; GPT-2 medium/large/xl as Keras Hub's gpt2_*_en
    // presets list them; Llama/Mistral as llama.cpp's GGUF metadata (general.parameter_count)
    // and the models' pages report them (the -hf safetensors of Llama-2-70B also store 5,120
    // rotary inv_freq buffer values, which are not parameters).
    struct Published { const char* name; std::uint64_t params; };
    const Published published[] = {
        {"gpt2", 124439808ULL},          {"gpt2-medium", 354823168ULL},   {"gpt2-large", 774030080ULL},
        {"gpt2-xl", 1557611200ULL},      {"llama-2-7b", 6738415616ULL},   {"llama-2-13b", 13015864320ULL},
        {"llama-2-70b", 68976648192ULL}, {"llama-3-8b", 8030261248ULL},   {"llama-3-70b", 70553706496ULL},
        {"mistral-7b", 7241732096ULL},
        // the small model trained here: PyTorch's sum of numel() over data/mini/train.py's
        // module (train.py prints it when it starts)
        {"mini", 7259008ULL},
    };
    for (const Published& p : published) {
        INFO(p.name << ": see README step 3 (what the weights are made of)");
        CHECK(gpt2::parameter_count(preset(p.name)) == p.params);
    }
    // GPT-3's paper (arXiv 2005.14165, Table 2.1) rounds to 175.0B; GPT-2's architecture with
    // its shapes gives 174.6B — within 0.5 %.
    const double gpt3 = static_cast<double>(gpt2::parameter_count(preset("gpt3-175b")));
    CHECK(gpt3 == doctest::Approx(175.0e9).epsilon(0.005));
}

TEST_CASE("GPT-2-family parameter counts agree with the model loader's own count") {
    // A second implementation: Gpt2Config::parameter_count() (chapters/03_forward_pass/gpt2_config.cpp, chapter 03),
    // written separately as V·C + P·C + L·(12C² + 13C) + 2C.
    for (const char* name : {"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "gpt3-175b"}) {
        const ModelSpec& m = preset(name);
        const gpt2::Gpt2Config config = gpt2::gpt2_config(m, "the test");
        INFO(name);
        CHECK(gpt2::parameter_count(m) == static_cast<std::uint64_t>(config.parameter_count()));
    }
}

TEST_CASE("a GPT-2 config.json gives the same shape through chapter 03's loader and chapter 06's reader") {
    // Two readers of one file: chapter 03's load_config_json (what the forward pass runs) and
    // parse_model_config here. Every field the estimator uses must agree; if not, look at the
    // GPT-2 branch of parse_model_config and at model_spec in memory_estimator.cpp.
    for (const std::string folder : {"data/fixtures/tiny_gpt2", "data/mini"}) {
        const std::string path = gpt2::project_root() + "/" + folder + "/config.json";
        INFO(folder);
        const ModelSpec from_chapter_03 = gpt2::model_spec(gpt2::load_config_json(path), path, "chapter 03");
        const ModelSpec here = gpt2::parse_model_config(gpt2::read_file_bytes(path, 1 << 20, "", "config"), path);
        CHECK(here.architecture == from_chapter_03.architecture);
        CHECK(here.n_layer == from_chapter_03.n_layer);
        CHECK(here.n_head == from_chapter_03.n_head);
        CHECK(here.n_kv_heads == from_chapter_03.n_kv_heads);
        CHECK(here.head_dim == from_chapter_03.head_dim);
        CHECK(here.d_model == from_chapter_03.d_model);
        CHECK(here.intermediate_size == from_chapter_03.intermediate_size);
        CHECK(here.vocab_size == from_chapter_03.vocab_size);
        CHECK(here.max_context == from_chapter_03.max_context);
        CHECK(here.tied_embeddings == from_chapter_03.tied_embeddings);
    }
}

TEST_CASE("model_spec and gpt2_config go between the two views of a GPT-2 shape; other shapes are refused") {
    const gpt2::Gpt2Config small = gpt2::gpt2_small_config();
    const ModelSpec m = gpt2::model_spec(small, "gpt2", "chapter 03");
    CHECK(m.head_dim == 64);  // 768 / 12
    CHECK(m.intermediate_size == 3072);  // 4 · 768
    CHECK(m.n_kv_heads == 12);
    const gpt2::Gpt2Config back = gpt2::gpt2_config(m, "the test");
    CHECK(back.n_layer == small.n_layer);
    CHECK(back.n_head == small.n_head);
    CHECK(back.n_embd == small.n_embd);
    CHECK(back.n_positions == small.n_positions);
    CHECK(back.vocab_size == small.vocab_size);
    CHECK(gpt2::parameter_count(m) == static_cast<std::uint64_t>(small.parameter_count()));
    std::string message;
    try {
        gpt2::gpt2_config(preset("llama-2-70b"), "--measure");
    } catch (const gpt2::UserError& e) {
        message = e.what();
    }
    CHECK(message.find("--measure cannot hold llama-2-70b") == 0);
}

TEST_CASE("weights at a dtype are parameters times bytes per value, rounded up to a byte") {
    CHECK(gpt2::weights_bytes(preset("gpt2"), DType::fp32) == 124439808ULL * 4);
    CHECK(gpt2::weights_bytes(preset("llama-2-7b"), DType::fp16) == 6738415616ULL * 2);
    CHECK(gpt2::weights_bytes(preset("llama-2-7b"), DType::int4) == 6738415616ULL / 2);
}

TEST_CASE("GPT-2 small's fp32 cache outgrows its weights at 6,752 tokens; Mistral's window never does") {
    // By hand: weights 497,759,232 B; per token 73,728 B. 6,751 × 73,728 = 497,737,728 ≤ weights,
    // 6,752 × 73,728 = 497,811,456 > weights.
    CHECK(gpt2::context_where_cache_outgrows_weights(preset("gpt2"), 1, DType::fp32) == 6752);
    // Batch 8: 497,759,232 / (8 × 73,728) = 843.9 → 844.
    CHECK(gpt2::context_where_cache_outgrows_weights(preset("gpt2"), 8, DType::fp32) == 844);
    // Mistral: the capped cache is 512 MiB at fp16, the weights 13.5 GiB: never.
    CHECK(gpt2::context_where_cache_outgrows_weights(preset("mistral-7b"), 1, DType::fp16) == 0);
}

TEST_CASE("a memory budget gives the longest context and the largest batch beside the weights") {
    // By hand, Llama-2-7B fp16 in 16 GiB: budget 17,179,869,184; weights 13,476,831,232;
    // free 3,703,037,952; ÷ 524,288 B per token = 7,062.98 → 7,062 tokens; at 4,096 tokens a
    // sequence needs 2 GiB → 1 sequence.
    const gpt2::MemoryFit fit = gpt2::fit_in_memory(preset("llama-2-7b"), DType::fp16, 16ULL << 30, 4096, 1);
    CHECK(fit.weights_fit);
    CHECK(fit.free_bytes == 3703037952ULL);
    CHECK(fit.max_context == 7062);
    CHECK(fit.max_batch == 1);
    const gpt2::MemoryFit small = gpt2::fit_in_memory(preset("llama-2-7b"), DType::fp16, 8ULL << 30, 4096, 1);
    CHECK_FALSE(small.weights_fit);
}

// --- Step 5: paged vs contiguous ----------------------------------------------------------

TEST_CASE("paged blocks waste only the tail of each last block (hand-computed example)") {
    // Requests of 100, 900 and 2000 tokens; a contiguous server reserves 4096 per request;
    // paged blocks hold 16 tokens. By hand:
    //   used        = 100 + 900 + 2000                     = 3,000 tokens
    //   contiguous  = 3 × 4096                             = 12,288 tokens → waste 9,288
    //   paged       = ceil(100/16)=7 → 112, ceil(900/16)=57 → 912, ceil(2000/16)=125 → 2000
    //               = 112 + 912 + 2000                     = 3,024 tokens  → waste 24
    // At Llama-2-7B fp16 (524,288 B per token): used 1,572,864,000 B, paged waste 12,582,912 B.
    const gpt2::PagedComparison c = gpt2::compare_paged({100, 900, 2000}, 4096, 16, 524288);
    INFO("see README step 5 (paged vs contiguous)");
    CHECK(c.used_tokens == 3000);
    CHECK(c.contiguous_tokens == 12288);
    CHECK(c.paged_tokens == 3024);
    CHECK(c.used_bytes == 1572864000ULL);
    CHECK(c.contiguous_waste_bytes() == 9288ULL * 524288);
    CHECK(c.paged_waste_bytes() == 12582912ULL);
    // vLLM (arXiv 2309.06180): under 4 % waste with 16-token blocks; here 24 / 3,024 = 0.8 %.
    CHECK(static_cast<double>(c.paged_waste_bytes()) / c.paged_bytes < 0.04);
    // Contiguous: only 3,000 / 12,288 = 24.4 % holds real tokens — inside vLLM's 20.4–38.2 %.
    CHECK(static_cast<double>(c.used_bytes) / c.contiguous_bytes == doctest::Approx(3000.0 / 12288));
}

TEST_CASE("paged comparison rejects requests longer than the slot and empty blocks") {
    CHECK_THROWS_AS(gpt2::compare_paged({100, 5000}, 4096, 16, 1), gpt2::UserError);
    CHECK_THROWS_AS(gpt2::compare_paged({100}, 4096, 0, 1), gpt2::UserError);
    CHECK_THROWS_AS(gpt2::compare_paged({}, 4096, 16, 1), gpt2::UserError);
    CHECK_THROWS_AS(gpt2::compare_paged({0}, 4096, 16, 1), gpt2::UserError);
}

// --- Step 6: the formula against chapter 05's real KVCache --------------------------------

TEST_CASE("the real KVCache for GPT-2 small at 1024 tokens holds exactly what the formula says") {
    gpt2::Gpt2Config config;  // defaults are GPT-2 small: 12 layers, 12 heads, n_embd 768, 1024 positions
    gpt2::KVCache cache(config, 1024);
    INFO("KVCache::bytes() counts every float it allocated; see README step 6");
    CHECK(cache.bytes() == 75497472ULL);
    CHECK(cache.bytes() == formula(preset("gpt2"), 1024, 1, DType::fp32));
}

TEST_CASE("the real KVCache for a custom GPT-2 shape matches the formula") {
    gpt2::Gpt2Config config;
    config.n_layer = 3;
    config.n_head = 4;
    config.n_embd = 96;
    config.n_positions = 256;
    gpt2::KVCache cache(config, 200);
    ModelSpec m = preset("gpt2");
    m.name = "custom";
    m.n_layer = 3;
    m.n_head = m.n_kv_heads = 4;
    m.d_model = 96;
    m.head_dim = 24;
    m.max_context = 256;
    // By hand: 2 × 3 × 96 × 200 × 4 B = 460,800.
    CHECK(cache.bytes() == 460800ULL);
    CHECK(cache.bytes() == formula(m, 200, 1, DType::fp32));
}

// --- config.json and bad shapes -----------------------------------------------------------

TEST_CASE("a GPT-2 config.json gives GPT-2 small's shape and its 72 MiB cache") {
    // The keys of openai-community/gpt2's config.json that matter here.
    const ModelSpec m = gpt2::parse_model_config(
        R"({"model_type": "gpt2", "n_layer": 12, "n_head": 12, "n_embd": 768, "n_positions": 1024,
            "n_ctx": 1024, "vocab_size": 50257, "n_inner": null})",
        "gpt2/config.json");
    CHECK(m.architecture == gpt2::Architecture::Gpt2);
    CHECK(m.head_dim == 64);
    CHECK(formula(m, 1024, 1, DType::fp32) == 75497472ULL);
    CHECK(gpt2::parameter_count(m) == 124439808ULL);
}

TEST_CASE("a Mistral config.json gives GQA, the sliding window and the published parameter count") {
    // The keys of mistralai/Mistral-7B-v0.1's config.json.
    const ModelSpec m = gpt2::parse_model_config(
        R"({"architectures": ["MistralForCausalLM"], "hidden_size": 4096, "intermediate_size": 14336,
            "max_position_embeddings": 32768, "model_type": "mistral", "num_attention_heads": 32,
            "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
            "sliding_window": 4096, "tie_word_embeddings": false, "vocab_size": 32000})",
        "mistral/config.json");
    CHECK(m.architecture == gpt2::Architecture::Llama);
    CHECK(m.n_kv_heads == 8);
    CHECK(m.head_dim == 128);
    CHECK(m.sliding_window == 4096);
    CHECK(gpt2::parameter_count(m) == 7241732096ULL);
}

TEST_CASE("a Llama config.json without num_key_value_heads or sliding_window means MHA, no window") {
    const ModelSpec m = gpt2::parse_model_config(
        R"({"hidden_size": 4096, "intermediate_size": 11008, "max_position_embeddings": 4096,
            "num_attention_heads": 32, "num_hidden_layers": 32, "vocab_size": 32000, "sliding_window": null})",
        "llama/config.json");
    CHECK(m.n_kv_heads == 32);
    CHECK(m.sliding_window == 0);
    CHECK_FALSE(m.tied_embeddings);
    CHECK(gpt2::parameter_count(m) == 6738415616ULL);
}

TEST_CASE("bad config.json files give one line naming the file and the key") {
    auto message = [](const std::string& text) {
        try {
            gpt2::parse_model_config(text, "x/config.json");
        } catch (const gpt2::UserError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(message("{not json").find("x/config.json: not valid JSON at byte") == 0);
    CHECK(message(R"({"n_layer": 12, "n_embd": 768, "n_positions": 1024})").find("\"n_head\"") != std::string::npos);
    CHECK(message(R"({"n_layer": -1, "n_head": 12, "n_embd": 768, "n_positions": 1024})").find("n_layer") !=
          std::string::npos);
    CHECK(message(R"({"n_layer": 12, "n_head": 7, "n_embd": 768, "n_positions": 1024})").find("does not divide") !=
          std::string::npos);
    CHECK(message(R"({"num_hidden_layers": 2, "num_attention_heads": 32, "num_key_value_heads": 5,
                      "hidden_size": 4096, "intermediate_size": 1, "vocab_size": 1,
                      "max_position_embeddings": 1})")
              .find("do not divide") != std::string::npos);
    CHECK(message(R"({"foo": 1})").find("neither GPT-2 keys") != std::string::npos);
    CHECK(message("[1, 2]").find("JSON object") != std::string::npos);
}

TEST_CASE("unknown presets and dtypes list the valid choices") {
    const std::string preset_error = error_of([] { gpt2::find_preset("gpt-5"); });
    CHECK(preset_error.find("gpt-5") != std::string::npos);
    CHECK(preset_error.find("llama-2-70b") != std::string::npos);
    CHECK(preset_error.find("mistral-7b") != std::string::npos);
    const std::string dtype_error = error_of([] { gpt2::parse_dtype("fp64", "--dtype"); });
    CHECK(dtype_error.find("fp32|fp16|bf16|fp8|int8|int4") != std::string::npos);
    CHECK(gpt2::parse_dtype("int4", "--dtype") == DType::int4);
}

TEST_CASE("sizes are labelled in binary units: MiB = 2^20 bytes, GiB = 2^30 bytes") {
    CHECK(gpt2::human_bytes(75497472ULL) == "72.00 MiB");
    CHECK(gpt2::human_bytes(5ULL << 28) == "1.25 GiB");
    CHECK(gpt2::human_bytes(1023) == "1023 B");
}

}  // TEST_SUITE
