// Chapter 06 — how much memory does the KV cache take? An estimator, checked against the real one.
//
// Chapter 05 made decoding fast by keeping every past token's keys and values. This chapter
// predicts what that costs for any model — GPT-2, GPT-3, Llama, Mistral or your own — from
// one formula (chapters/06_memory_estimator/memory_estimator.hpp), compares it with the weights, shows what
// grouped-query attention, sliding windows and paged blocks save, and checks the formula
// against the bytes chapter 05's KVCache really allocates.
//
//   make chapter06
//   ./chapter06                                   headline table + plot (every preset, fp16)
//   ./chapter06 --preset llama-2-70b --context 4096 --dtype fp16
//   ./chapter06 --preset gpt2 --context 1024 --measure      formula vs a real allocation
//   ./chapter06 --config path/to/config.json --memory-gib 24 --json
//
// Lesson: chapters/06_memory_estimator/README.md (the steps below are its steps).
#include "common/errors.hpp"
#include "03_forward_pass/gpt2_config.hpp"
#include "06_memory_estimator/headline.hpp"
#include "05_cached_decode/kv_cache.hpp"
#include "06_memory_estimator/memory_estimator.hpp"
#include "common/cli.hpp"
#include "common/paths.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"

#include "common/json_out.hpp"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using gpt2::DType;
using gpt2::ModelSpec;
using gpt2::UserError;
using gpt2::Json;

namespace {

// What a report produces: text on the terminal (unless --json) and the same numbers as JSON.
// The text is collected, not printed as it goes: a step that finds bad input (a request longer
// than the slot, a --measure too large) must leave stdout empty, not half a report.
struct Report {
    bool quiet = false;
    Json json;
    std::string text;
    void say(const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
        if (quiet) return;
        va_list args;
        va_start(args, fmt);
        text += gpt2::vformat(fmt, args);
        va_end(args);
    }
    // Everything, once every step has succeeded.
    void print() const {
        if (quiet) gpt2::print_json(json, 2);
        else std::fputs(text.c_str(), stdout);
    }
};

struct Options {
    std::string preset, config_path, dtype_text = "fp16", requests_text, out_dir = gpt2::default_output_dir();
    int layers = 0, heads = 0, kv_heads = 0, head_dim = 0, n_embd = 0, vocab_size = 50257, n_positions = 1024;
    long long context = 0, batch = 1, block_size = 16;
    double memory_gib = 0;
    bool json = false, measure = false, force = false, no_plot = false;
};

// The requests of the paged-vs-contiguous comparison when --requests is not given.
const std::vector<std::uint64_t> kExampleRequests = {17, 100, 250, 517, 900, 1000};

// Two spaces before every line, so tables sit under their step's title.
std::string indented(const std::string& text) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        out += "  " + text.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return out;
}

std::string sized(std::uint64_t bytes) { return gpt2::with_commas(bytes) + " bytes (" + gpt2::human_bytes(bytes) + ")"; }

std::string attention_kind(const ModelSpec& m) {
    if (m.n_kv_heads == m.n_head) return "MHA";
    if (m.n_kv_heads == 1) return "MQA";
    return "GQA, " + std::to_string(m.n_head / m.n_kv_heads) + " query heads share each kv head";
}

// --- 1. The formula, for this model ---
void report_formula(const ModelSpec& m, DType dtype, std::uint64_t context, std::uint64_t batch, Report& r) {
    const std::uint64_t tokens = gpt2::cached_tokens(m, context);
    const std::uint64_t bytes = gpt2::kv_cache_bytes(m, tokens, batch, dtype);
    const std::uint64_t per_token = gpt2::kv_bytes_per_token(m, dtype);
    r.say("KV cache of %s (%s)\n", m.name.c_str(), m.source.c_str());
    r.say("  %d layers, %d heads, %d kv heads (%s), head_dim %d, d_model %d, max context %s tokens%s\n",
          m.n_layer, m.n_head, m.n_kv_heads, attention_kind(m).c_str(), m.head_dim, m.d_model,
          gpt2::with_commas(m.max_context).c_str(),
          m.sliding_window > 0 ? (", sliding window " + gpt2::with_commas(m.sliding_window)).c_str() : "");
    r.say("  dtype %s (%d bits per value), context %s tokens, batch %s\n\n", gpt2::dtype_name(dtype).c_str(),
                gpt2::dtype_bits(dtype), gpt2::with_commas(context).c_str(), gpt2::with_commas(batch).c_str());
    r.say("Step 1 — the formula\n");
    r.say("  bytes = 2 × %d layers × %d kv heads × %d head_dim × %s tokens × %s batch × %s bytes\n", m.n_layer,
                m.n_kv_heads, m.head_dim, gpt2::with_commas(tokens).c_str(), gpt2::with_commas(batch).c_str(),
                dtype == DType::int4 ? "0.5" : std::to_string(gpt2::dtype_bits(dtype) / 8).c_str());
    r.say("        = %s\n", sized(bytes).c_str());
    r.say("  per token (one sequence): %s\n", sized(per_token).c_str());
    if (tokens < context)
        r.say("  note: %s has a %s-token sliding window: the cache is a rolling buffer of the last %s "
                    "tokens, so a %s-token context costs no more than %s tokens\n",
                    m.name.c_str(), gpt2::with_commas(m.sliding_window).c_str(),
                    gpt2::with_commas(m.sliding_window).c_str(), gpt2::with_commas(context).c_str(),
                    gpt2::with_commas(tokens).c_str());
    if (context > static_cast<std::uint64_t>(m.max_context))
        r.say("  note: %s tokens is beyond %s's %s-token context: the formula still answers, "
                    "but the model cannot use that context\n",
                    gpt2::with_commas(context).c_str(), m.name.c_str(), gpt2::with_commas(m.max_context).c_str());
    r.json["model"] = m.name;
    r.json["source"] = m.source;
    r.json["architecture"] = m.architecture == gpt2::Architecture::Gpt2 ? "gpt2" : "llama";
    r.json["n_layer"] = m.n_layer;
    r.json["n_head"] = m.n_head;
    r.json["n_kv_heads"] = m.n_kv_heads;
    r.json["head_dim"] = m.head_dim;
    r.json["d_model"] = m.d_model;
    r.json["max_context"] = m.max_context;
    r.json["sliding_window"] = m.sliding_window > 0 ? Json(m.sliding_window) : Json(nullptr);
    r.json["dtype"] = gpt2::dtype_name(dtype);
    r.json["bits_per_value"] = gpt2::dtype_bits(dtype);
    r.json["context"] = context;
    r.json["batch"] = batch;
    r.json["cached_tokens"] = tokens;
    r.json["sliding_window_applied"] = tokens < context;
    r.json["beyond_model_window"] = context > static_cast<std::uint64_t>(m.max_context);
    r.json["kv_cache_bytes"] = bytes;
    r.json["kv_cache_mib"] = static_cast<double>(bytes) / (1 << 20);
    r.json["kv_cache_gib"] = static_cast<double>(bytes) / (1 << 30);
    r.json["bytes_per_token"] = per_token;
}

// --- 2. Which model: a preset, a config.json or the shape from the flags ---
ModelSpec choose_model(const Options& o, const gpt2::CliParser& cli) {
    // A mix of sources never gets here: the parser's excludes rules (in body) refuse it.
    if (cli.given("--preset")) return gpt2::find_preset(o.preset);
    if (cli.given("--config")) return gpt2::load_model_config(o.config_path);
    if (!cli.given("--layers") || !cli.given("--heads") || !(cli.given("--head-dim") || cli.given("--n-embd")))
        throw UserError("a custom model needs --layers, --heads and --head-dim or --n-embd "
                        "(--kv-heads defaults to --heads); or use --preset NAME");
    // A custom model has GPT-2's architecture (learned positions, tied head, 4× MLP), so its
    // weights can be counted and chapter 05's KVCache can hold it.
    ModelSpec m;
    m.name = "custom";
    m.source = "command-line flags (GPT-2 architecture)";
    m.architecture = gpt2::Architecture::Gpt2;
    m.n_layer = o.layers;
    m.n_head = o.heads;
    m.n_kv_heads = cli.given("--kv-heads") ? o.kv_heads : o.heads;
    if (cli.given("--n-embd")) {
        if (o.n_embd % o.heads != 0)
            throw UserError("--heads " + std::to_string(o.heads) + " does not divide --n-embd " +
                            std::to_string(o.n_embd) + "; GPT-2 splits n_embd evenly across the heads");
        m.d_model = o.n_embd;
        m.head_dim = cli.given("--head-dim") ? o.head_dim : o.n_embd / o.heads;
    } else {
        m.head_dim = o.head_dim;
        m.d_model = static_cast<int>(gpt2::checked_mul(o.head_dim, o.heads, "--heads × --head-dim"));
        if (m.d_model != static_cast<long long>(o.head_dim) * o.heads)
            throw UserError("--heads × --head-dim is too wide; keep it under 2^31");
    }
    m.intermediate_size = 4 * m.d_model;
    m.vocab_size = o.vocab_size;
    m.max_context = o.n_positions;
    m.tied_embeddings = true;
    gpt2::validate_model(m, "custom model");
    return m;
}

// --- 3. Weights beside the cache, and what fits in a memory budget ---
void report_weights(const ModelSpec& m, DType dtype, std::uint64_t context, std::uint64_t batch, double memory_gib,
                    Report& r) {
    const std::uint64_t params = gpt2::parameter_count(m);
    const std::uint64_t weights = gpt2::weights_bytes(m, dtype);
    const std::uint64_t crossover = gpt2::context_where_cache_outgrows_weights(m, batch, dtype);
    r.say("\nStep 3 — the weights beside the cache\n");
    r.say("  parameters: %s; weights at %s: %s\n", gpt2::with_commas(params).c_str(),
                gpt2::dtype_name(dtype).c_str(), sized(weights).c_str());
    if (crossover == 0)
        r.say("  the cache (batch %s) never outgrows the weights: the sliding window caps it at %s\n",
                    gpt2::with_commas(batch).c_str(),
                    sized(gpt2::kv_cache_bytes(m, m.sliding_window, batch, dtype)).c_str());
    else
        r.say("  the cache (batch %s) outgrows the weights from %s tokens on%s\n", gpt2::with_commas(batch).c_str(),
                    gpt2::with_commas(crossover).c_str(),
                    crossover > static_cast<std::uint64_t>(m.max_context)
                  ? (" — beyond its " + gpt2::with_commas(m.max_context) + "-token context, so never in practice").c_str()
                  : "");
    r.json["parameter_count"] = params;
    r.json["weights_bytes"] = weights;
    r.json["cache_outgrows_weights_at_tokens"] = crossover == 0 ? Json(nullptr) : Json(crossover);
    if (memory_gib <= 0) return;

    const double budget_real = std::floor(memory_gib * 1073741824.0);
    const std::uint64_t budget = static_cast<std::uint64_t>(budget_real);
    const gpt2::MemoryFit fit = gpt2::fit_in_memory(m, dtype, budget, context, batch);
    Json j;
    j["memory_gib"] = memory_gib;
    j["budget_bytes"] = budget;
    j["weights_fit"] = fit.weights_fit;
    r.say("  in %g GiB (%s bytes):", memory_gib, gpt2::with_commas(budget).c_str());
    if (!fit.weights_fit) {
        r.say(" the weights alone do not fit (%s short); no room for a cache\n",
                    gpt2::human_bytes(weights - budget).c_str());
    } else {
        r.say(" %s left for the cache after the weights\n", sized(fit.free_bytes).c_str());
        if (fit.unlimited_context)
            r.say("    longest context at batch %s: any (the %s-token window's cache fits)\n",
                        gpt2::with_commas(batch).c_str(), gpt2::with_commas(m.sliding_window).c_str());
        else
            r.say("    longest context at batch %s: %s tokens%s\n", gpt2::with_commas(batch).c_str(),
                        gpt2::with_commas(fit.max_context).c_str(),
                        fit.max_context > static_cast<std::uint64_t>(m.max_context)
                            ? (" (more than the model's " + gpt2::with_commas(m.max_context) + ")").c_str()
                            : "");
        r.say("    largest batch at %s tokens: %s sequences\n", gpt2::with_commas(context).c_str(),
                    gpt2::with_commas(fit.max_batch).c_str());
        j["free_bytes"] = fit.free_bytes;
        j["max_context"] = fit.unlimited_context ? Json(nullptr) : Json(fit.max_context);
        j["max_context_unlimited"] = fit.unlimited_context;
        j["max_batch"] = fit.max_batch;
    }
    r.json["memory_budget"] = j;
}

// --- 4. MHA vs GQA vs MQA: the same model with kv_heads = heads, its own, and 1 ---
void report_attention_variants(const ModelSpec& m, DType dtype, std::uint64_t context, std::uint64_t batch,
                               Report& r) {
    const std::uint64_t tokens = gpt2::cached_tokens(m, context);
    std::vector<std::pair<std::string, int>> variants = {{"MHA (kv heads = heads)", m.n_head}};
    if (m.n_kv_heads != m.n_head && m.n_kv_heads != 1) variants.push_back({"GQA", m.n_kv_heads});
    variants.push_back({"MQA (1 kv head)", 1});
    std::vector<std::vector<std::string>> rows;
    Json list = Json::array();
    ModelSpec full = m;
    full.n_kv_heads = m.n_head;
    const std::uint64_t mha = gpt2::kv_cache_bytes(full, tokens, batch, dtype);
    for (const auto& [label, kv] : variants) {
        ModelSpec v = m;
        v.n_kv_heads = kv;
        const std::uint64_t bytes = gpt2::kv_cache_bytes(v, tokens, batch, dtype);
        const bool own = kv == m.n_kv_heads;
        rows.push_back({label + (own ? " (" + m.name + ")" : ""), std::to_string(kv), gpt2::with_commas(bytes),
                        gpt2::human_bytes(bytes), gpt2::format("%gx", static_cast<double>(mha) / bytes)});
        list.push_back({{"variant", label}, {"n_kv_heads", kv}, {"kv_cache_bytes", bytes}, {"this_model", own}});
    }
    r.say("\nStep 4 — MHA vs GQA vs MQA (same model, %s cached tokens, batch %s)\n",
                gpt2::with_commas(tokens).c_str(), gpt2::with_commas(batch).c_str());
    r.say("%s", indented(gpt2::format_table({"attention", "kv heads", "bytes", "size", "MHA / this row"}, rows)).c_str());
    r.json["attention_variants"] = list;
}

std::vector<std::uint64_t> parse_requests(const std::string& text) {
    std::vector<std::uint64_t> lengths;
    std::stringstream stream(text);
    std::string item;
    while (std::getline(stream, item, ',')) {
        if (lengths.size() >= 100000) throw UserError("--requests: at most 100,000 requests");
        lengths.push_back(static_cast<std::uint64_t>(
            gpt2::parse_integer(item, "--requests item " + std::to_string(lengths.size() + 1), 1, 1LL << 40)));
    }
    if (lengths.empty() || text.back() == ',')
        throw UserError("--requests: expected lengths separated by commas, e.g. 100,900,2000, got '" +
                        text.substr(0, 40) + "'");
    return lengths;
}

// --- 5. Paged vs contiguous: what a server holds for requests of different lengths ---
void report_paged(const ModelSpec& m, DType dtype, std::uint64_t context, const Options& o, Report& r) {
    const bool example = o.requests_text.empty();
    std::vector<std::uint64_t> lengths = example ? kExampleRequests : parse_requests(o.requests_text);
    const std::uint64_t slot = gpt2::cached_tokens(m, context);
    if (example)  // the built-in example must fit any model's slot
        for (std::uint64_t& len : lengths) len = std::min(len, slot);
    bool capped = false;
    if (!example)
        for (std::uint64_t& len : lengths) {
            capped = capped || gpt2::cached_tokens(m, len) < len;
            len = gpt2::cached_tokens(m, len);  // a sliding window keeps at most its width
        }
    const std::uint64_t per_token = gpt2::kv_bytes_per_token(m, dtype);
    const gpt2::PagedComparison c = gpt2::compare_paged(lengths, slot, o.block_size, per_token);
    std::string shown;
    for (std::uint64_t len : lengths) shown += (shown.empty() ? "" : ",") + std::to_string(len);
    r.say("\nStep 5 — paged vs contiguous (%s requests: %s cached tokens%s; one sequence each)\n",
          example ? "built-in example" : "your", shown.c_str(),
          example ? ", try --requests" : capped ? ", capped by the sliding window" : "");
    auto row = [&](const std::string& name, std::uint64_t tokens, std::uint64_t bytes) {
        return std::vector<std::string>{name, gpt2::with_commas(tokens), gpt2::with_commas(bytes), gpt2::human_bytes(bytes),
                                        gpt2::human_bytes(bytes - c.used_bytes),
                                        gpt2::format("%.1f%%", 100.0 * c.used_bytes / bytes)};
    };
    r.say("%s", indented(gpt2::format_table({"layout", "tokens held", "bytes held", "size", "wasted", "real tokens"},
                                         {row("needed (the tokens themselves)", c.used_tokens, c.used_bytes),
                                          row("contiguous, " + gpt2::with_commas(slot) + "-token slot each",
                                              c.contiguous_tokens, c.contiguous_bytes),
                                          row("paged, blocks of " + std::to_string(o.block_size) + " tokens",
                                              c.paged_tokens, c.paged_bytes)}))
              .c_str());
    r.say("  (vLLM's paper, arXiv 2309.06180: earlier servers used only 20.4–38.2%% of their KV memory for "
                "real tokens; its 16-token blocks waste under 4%%)\n");
    Json j;
    j["requests"] = lengths;
    j["built_in_example"] = example;
    j["block_size"] = o.block_size;
    j["contiguous_slot_tokens"] = slot;
    j["used_bytes"] = c.used_bytes;
    j["contiguous_bytes"] = c.contiguous_bytes;
    j["contiguous_waste_bytes"] = c.contiguous_waste_bytes();
    j["paged_bytes"] = c.paged_bytes;
    j["paged_waste_bytes"] = c.paged_waste_bytes();
    r.json["paged_vs_contiguous"] = j;
}

// --- 6. Measure: build chapter 05's real KVCache and count the bytes it holds ---
void report_measurement(const ModelSpec& m, DType dtype, std::uint64_t context, std::uint64_t batch, Report& r) {
    if (m.architecture != gpt2::Architecture::Gpt2 || m.n_kv_heads != m.n_head || m.sliding_window > 0)
        throw UserError("--measure builds this project's GPT-2 KVCache, which cannot hold " + m.name +
                        " (not a GPT-2-family shape); use gpt2, gpt2-medium, gpt2-large, gpt2-xl, a GPT-2 "
                        "config.json or a custom --layers/--heads/--n-embd model without --kv-heads");
    if (context > static_cast<std::uint64_t>(m.max_context))
        throw UserError("--measure: --context " + std::to_string(context) + " is beyond " + m.name + "'s " +
                        std::to_string(m.max_context) + "-token window (learned positions stop there); "
                        "ask for at most " + std::to_string(m.max_context));
    const std::uint64_t formula_fp32 = gpt2::kv_cache_bytes(m, context, batch, DType::fp32);
    const std::uint64_t limit = 2ULL << 30;
    if (formula_fp32 > limit)
        throw UserError("--measure would allocate " + gpt2::human_bytes(formula_fp32) +
                        "; it is limited to 2 GiB here — lower --context or --batch (the formula alone needs no memory)");
    // [listing:ch06_measure]
    gpt2::Gpt2Config config;  // the contract's plain fields; nothing else is needed to size the cache
    config.n_layer = m.n_layer;
    config.n_head = m.n_head;
    config.n_embd = m.d_model;
    config.n_positions = m.max_context;
    config.vocab_size = m.vocab_size;

    const std::uint64_t rss_before = gpt2::current_rss_bytes();
    std::vector<std::unique_ptr<gpt2::KVCache>> caches;  // one per sequence of the batch
    std::uint64_t measured = 0;
    for (std::uint64_t b = 0; b < batch; ++b) {
        caches.push_back(std::make_unique<gpt2::KVCache>(config, static_cast<int>(context)));
        measured += caches.back()->bytes();
    }
    const std::uint64_t rss_after = gpt2::current_rss_bytes();
    // [/listing]

    r.say("\nStep 6 — measured: chapter 05's KVCache for %s tokens × batch %s (float32)\n",
                gpt2::with_commas(context).c_str(), gpt2::with_commas(batch).c_str());
    r.say("  KVCache::bytes(): %s\n", sized(measured).c_str());
    r.say("  formula at fp32:  %s  → %s\n", sized(formula_fp32).c_str(),
                measured == formula_fp32 ? "equal" : "DIFFERENT (a bug: see README step 6)");
    if (dtype != DType::fp32)
        r.say("  note: the project's cache stores float32, so only fp32 can be measured; at %s the formula "
                    "gives %s\n",
                    gpt2::dtype_name(dtype).c_str(), sized(gpt2::kv_cache_bytes(m, context, batch, dtype)).c_str());
    r.say("  resident memory: %s before, %s after (+%s; the cache is zero-filled, so its pages are touched)\n",
                gpt2::human_bytes(rss_before).c_str(), gpt2::human_bytes(rss_after).c_str(),
                gpt2::human_bytes(rss_after > rss_before ? rss_after - rss_before : 0).c_str());
    r.json["measured_bytes"] = measured;
    r.json["measured_dtype"] = "fp32";
    r.json["formula_fp32_bytes"] = formula_fp32;
    r.json["measured_equals_formula"] = measured == formula_fp32;
    r.json["rss_before_bytes"] = rss_before;
    r.json["rss_after_bytes"] = rss_after;
}

// The one-model report: steps 1, 3, 4, 5 and (with --measure) 6.
int run_one_model(const Options& o, const gpt2::CliParser& cli, DType dtype) {
    const ModelSpec model = choose_model(o, cli);
    if (o.measure && !cli.given("--dtype")) dtype = DType::fp32;  // what the real cache stores
    const std::uint64_t context = cli.given("--context") ? o.context : model.max_context;
    const std::uint64_t batch = o.batch;
    Report r;
    r.quiet = o.json;  // --json: the same numbers, one object, no text
    report_formula(model, dtype, context, batch, r);
    report_weights(model, dtype, context, batch, o.memory_gib, r);
    report_attention_variants(model, dtype, context, batch, r);
    report_paged(model, dtype, context, o, r);
    if (o.measure) report_measurement(model, dtype, context, batch, r);
    r.print();
    return 0;
}

int body(int argc, char** argv) {
    Options o;
    gpt2::CliParser cli("chapter06", "Predict the KV cache's memory for any model; check it against a real one.");
    cli.option("--preset", o.preset, "NAME", "a known model: " + gpt2::preset_names());
    cli.option("--config", o.config_path, "PATH", "a Hugging Face config.json (GPT-2 or Llama/Mistral keys)");
    cli.option("--layers", o.layers, "N", "custom model: transformer blocks", 1, 100000);
    cli.option("--heads", o.heads, "N", "custom model: attention heads", 1, 100000);
    cli.option("--kv-heads", o.kv_heads, "N", "custom model: key/value heads (default = --heads)", 1, 100000);
    cli.option("--head-dim", o.head_dim, "N", "custom model: width of one head", 1, 1 << 20);
    cli.option("--n-embd", o.n_embd, "N", "custom model: model width (head_dim = n_embd / heads)", 1, 1 << 24);
    cli.option("--vocab-size", o.vocab_size, "N", "custom model: vocabulary (default 50257)", 1, 1 << 24);
    cli.option("--n-positions", o.n_positions, "N", "custom model: context window (default 1024)", 1, 1 << 30);
    cli.option("--context", o.context, "N", "tokens in the cache (default: the model's window)", 1, 1LL << 40);
    cli.option("--batch", o.batch, "B", "sequences decoded together (default 1)", 1, 1LL << 40);
    cli.option("--dtype", o.dtype_text, gpt2::dtype_names(), "number format (default fp16; fp32 with --measure)");
    cli.option("--memory-gib", o.memory_gib, "G", "memory for weights + cache: longest context, largest batch",
               0.0, 1e9, true);
    cli.option("--requests", o.requests_text, "L1,L2,...", "request lengths for paged vs contiguous");
    cli.option("--block-size", o.block_size, "N", "tokens per paged block (default 16)", 1, 1 << 20);
    cli.flag("--measure", o.measure, "build the real KVCache (GPT-2 family, fp32) and compare");
    cli.flag("--json", o.json, "print one JSON object instead of the report");
    cli.option("--out-dir", o.out_dir, "DIR", "where the headline plot goes (default build/out)");
    cli.flag("--force", o.force, "overwrite an output file this tutorial did not write");
    cli.flag("--no-plot", o.no_plot, "headline table only, no plot");
    cli.epilog("examples:\n  chapter06\n  chapter06 --preset llama-2-70b --context 4096\n"
               "  chapter06 --preset gpt2 --context 1024 --measure\n"
               "  chapter06 --preset mistral-7b --context 16384 --requests 100,900,2000 --memory-gib 24\n"
               "sizes: MiB = 2^20 bytes, GiB = 2^30 bytes");
    const std::string one_model_only = "choose one model: --preset NAME, --config PATH, or a custom shape "
                                       "(--layers, --heads, --kv-heads, --head-dim/--n-embd), not a mix";
    cli.excludes("--preset", "--config", one_model_only);
    for (const char* shape : {"--layers", "--heads", "--kv-heads", "--head-dim", "--n-embd", "--vocab-size", "--n-positions"}) {
        cli.excludes("--preset", shape, one_model_only);
        cli.excludes("--config", shape, one_model_only);
    }
    if (!cli.parse(argc, argv)) return 0;
    const DType dtype = gpt2::parse_dtype(o.dtype_text, "--dtype");

    const bool one_model = cli.given("--preset") || cli.given("--config") || cli.given("--layers") ||
                           cli.given("--heads") || cli.given("--kv-heads") || cli.given("--head-dim") ||
                           cli.given("--n-embd") || cli.given("--vocab-size") || cli.given("--n-positions");
    if (one_model) return run_one_model(o, cli, dtype);
    for (const char* flag : {"--context", "--batch", "--memory-gib", "--requests", "--block-size", "--measure"})
        if (cli.given(flag))
            throw UserError(std::string(flag) + " needs a model: add --preset NAME (e.g. --preset gpt2), --config PATH "
                            "or --layers/--heads/--n-embd");
    // --- 7. The headline: every preset at 1k, 4k, 32k, 128k, and a plot ---
    return gpt2::ch06::run_headline(dtype, o.json, o.no_plot, o.out_dir, o.force);
}

}  // namespace

int main(int argc, char** argv) { return gpt2::run_program("chapter06", argc, argv, body); }
