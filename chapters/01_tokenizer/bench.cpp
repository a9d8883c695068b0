// bench.cpp — step 7 of chapter 01: the tokenizer's speed in MB/s on a few MB of English,
// pre-tokenizing, encoding (with and without the per-word cache) and decoding, each timed by
// wall clock and by CPU time. ./chapter01 --bench (make bench-tokenizer).
#include "01_tokenizer/bench.hpp"

#include "01_tokenizer/tokenizer.hpp"
#include "common/errors.hpp"
#include "common/files.hpp"
#include "common/json_out.hpp"
#include "common/paths.hpp"
#include "common/report.hpp"
#include "common/timing.hpp"
#include "common/utf8.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

namespace gpt2::ch01 {

namespace {

// --- 7. Speed: MB/s on a few MB of English -----------------------------------------------------------

// Real English prose that every Debian system has: the license texts of base-files.
std::string english_corpus(std::string& source) {
    std::string text;
    const std::string dir = "/usr/share/common-licenses";
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* entry = ::readdir(d)) names.push_back(entry->d_name);
        ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    for (const std::string& name : names) {
        struct stat info {};
        const std::string path = dir + "/" + name;
        if (name[0] == '.' || ::lstat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;  // no links
        text += read_file_bytes(path, 1ull << 30, "check the system's license texts");
    }
    source = dir + "/* (" + std::to_string(text.size()) + " bytes)";
    if (text.empty()) {
        const std::string fallback = project_root() + "/tests/reference/tokenizer/gpl-3.txt";
        text = read_file_bytes(fallback, 1ull << 30, "restore it with git checkout");
        source = fallback;
    }
    if (find_invalid_utf8(text) != std::string::npos) throw UserError(source + ": not valid UTF-8");
    return text;
}

// Wall-clock and CPU time of one phase. The wall clock also counts time spent waiting for a
// core while other programs run; the CPU time is what the phase would take on an idle one.
struct PhaseTimer {
    Stopwatch wall;
    double cpu_start = cpu_now();
    static double cpu_now() {
        timespec t{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
        return t.tv_sec + t.tv_nsec * 1e-9;
    }
    void restart() { wall.restart(), cpu_start = cpu_now(); }
    double seconds() const { return wall.seconds(); }
    double cpu_seconds() const { return cpu_now() - cpu_start; }
};

}  // namespace

// [listing:ch01_bench]
int run_bench(const std::string& vocab_dir, const std::string& file, int megabytes, bool as_json) {
    PhaseTimer clock;
    const Tokenizer tok = Tokenizer::load(vocab_dir);
    const double load_seconds = clock.seconds(), load_cpu = clock.cpu_seconds();

    std::string source;
    const std::string unit = file.empty() ? english_corpus(source) : read_file_bytes(file, 1ull << 30, "give a text file under 1 GiB", "--file");
    if (!file.empty()) source = file;
    require_valid_utf8(unit, source);
    if (unit.empty()) throw UserError("--bench: " + source + " is empty; give a file with some text");
    std::string corpus;  // the text repeated up to `megabytes` MB (1 MB = 10^6 bytes)
    while (corpus.size() < static_cast<std::size_t>(megabytes) * 1000000) corpus += unit;
    const double mb = corpus.size() / 1e6;

    clock.restart();  // 1) the regex alone
    std::size_t pieces = 0;
    tok.pretokenizer().for_each(corpus, [&](std::size_t, std::size_t) { ++pieces; });
    const double split_seconds = clock.seconds(), split_cpu = clock.cpu_seconds();

    tok.clear_cache();  // 2) encode as later chapters do: the cache starts empty
    clock.restart();
    const std::vector<int> ids = tok.encode(corpus);
    const double encode_seconds = clock.seconds(), encode_cpu = clock.cpu_seconds();

    // 3) the same without the cache: every pre-token merged again (1 MB is enough to see it)
    const std::string slice = corpus.substr(0, std::min<std::size_t>(corpus.size(), 1000000));
    tok.set_cache_enabled(false);
    clock.restart();
    const std::vector<int> slice_ids = tok.encode(slice);
    const double uncached_seconds = clock.seconds(), uncached_cpu = clock.cpu_seconds();
    tok.set_cache_enabled(true);

    clock.restart();  // 4) decode
    const std::string back = tok.decode(ids);
    const double decode_seconds = clock.seconds(), decode_cpu = clock.cpu_seconds();
    if (back != corpus) throw std::logic_error("bench: decode(encode(corpus)) differs from the corpus");
    // [/listing]

    const double slice_mb = slice.size() / 1e6;
    if (as_json) {
        print_json(Json({{"corpus", source},
                           {"megabytes", mb},
                           {"threads", 1},
                           {"pcre2_jit", tok.pretokenizer().jit()},
                           {"load_seconds", load_seconds},
                           {"load_cpu_seconds", load_cpu},
                           {"pretokens", pieces},
                           {"tokens", ids.size()},
                           {"pretokenize_mb_per_s", mb / split_seconds},
                           {"pretokenize_mb_per_cpu_s", mb / split_cpu},
                           {"encode_seconds", encode_seconds},
                           {"encode_cpu_seconds", encode_cpu},
                           {"encode_mb_per_s", mb / encode_seconds},
                           {"encode_mb_per_cpu_s", mb / encode_cpu},
                           {"tokens_per_s", ids.size() / encode_seconds},
                           {"uncached_megabytes", slice_mb},
                           {"uncached_encode_mb_per_s", slice_mb / uncached_seconds},
                           {"uncached_encode_mb_per_cpu_s", slice_mb / uncached_cpu},
                           {"uncached_tokens", slice_ids.size()},
                           {"decode_mb_per_s", mb / decode_seconds},
                           {"decode_mb_per_cpu_s", mb / decode_cpu},
                           {"round_trip", true}}), 1);
        return 0;
    }
    std::printf("Chapter 01 — tokenizer speed (one thread, PCRE2 JIT %s)\n", tok.pretokenizer().jit() ? "on" : "off");
    std::printf("corpus: %s, repeated to %.1f MB (%s pre-tokens, %s tokens)\n", source.c_str(), mb,
                with_commas(pieces).c_str(), with_commas(ids.size()).c_str());
    std::printf("  %-34s %10s %14s\n", "", "MB/s (wall)", "MB/s (CPU time)");
    std::printf("  %-34s %10.1f %14.1f\n", "pre-tokenize (the regex alone)", mb / split_seconds, mb / split_cpu);
    std::printf("  %-34s %10.1f %14.1f   (%.2f s wall, %s tokens/s)\n", "encode, cache per pre-token",
                mb / encode_seconds, mb / encode_cpu, encode_seconds,
                with_commas(static_cast<unsigned long long>(ids.size() / encode_seconds)).c_str());
    std::printf("  %-34s %10.1f %14.1f\n", format("encode, no cache (first %.0f MB)", slice_mb).c_str(),
                slice_mb / uncached_seconds, slice_mb / uncached_cpu);
    std::printf("  %-34s %10.1f %14.1f\n", "decode", mb / decode_seconds, mb / decode_cpu);
    std::printf("  load encoder.json + vocab.bpe: %.3f s wall, %.3f s CPU time\n", load_seconds, load_cpu);
    std::printf("  decode(encode(corpus)) == corpus: yes\n");
    return 0;
}

}  // namespace gpt2::ch01
