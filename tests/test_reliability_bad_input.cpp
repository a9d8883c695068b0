// Hostile and careless inputs, library level. Every case below must end in a
// gpt2::UserError with a one-line message saying what, where and what to do — never a
// crash, an abort, a hang or a huge allocation. The same inputs are driven through the
// executables by tests/cli/reliability_bad_input.sh; crashes found by fuzzing
// (tests/fuzz/, see tests/README.md) come back here as regression cases.
#include "common/cli.hpp"
#include "common/errors.hpp"
#include "common/paths.hpp"
#include "common/report.hpp"
#include "scratch_dir.hpp"
#include "user_error_of.hpp"

#include <doctest/doctest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
}


bool one_line(const std::string& message) {
    return !message.empty() && message.find('\n') == std::string::npos && message.size() < 400;
}

std::vector<std::string> files_in(const std::string& folder) {
    std::vector<std::string> names;
    FILE* pipe = ::popen(("ls -A '" + folder + "'").c_str(), "r");
    if (!pipe) return names;
    char line[4096];
    while (std::fgets(line, sizeof line, pipe)) {
        std::string name = line;
        if (!name.empty() && name.back() == '\n') name.pop_back();
        names.push_back(name);
    }
    ::pclose(pipe);
    return names;
}

}  // namespace

TEST_SUITE("reliability_bad_input") {

// --- Outputs never clobber a user's file (common/report.hpp) -------------------------------

TEST_CASE("a new output file is written atomically and recorded as the tutorial's") {
    ScratchDir dir;
    gpt2::write_output_file(dir / "plot.csv", "a,b\n1,2\n", false);
    CHECK(read_file(dir / "plot.csv") == "a,b\n1,2\n");
    // the manifest that lets the next run overwrite it, and no temporary file left behind
    std::vector<std::string> names = files_in(dir.path);
    INFO("files in the folder: " << names.size());
    CHECK(names.size() == 2);
    CHECK(gpt2::file_exists(dir / ".written-by-gpt2-tutorial"));
}

TEST_CASE("a file the tutorial wrote may be rewritten without --force") {
    ScratchDir dir;
    gpt2::write_output_file(dir / "table.csv", "first\n", false);
    CHECK_NOTHROW(gpt2::write_output_file(dir / "table.csv", "second\n", false));
    CHECK(read_file(dir / "table.csv") == "second\n");
}

TEST_CASE("an existing user file is refused without --force and left exactly as it was") {
    ScratchDir dir;
    write_file(dir / "thesis.csv", "my data\n");
    std::string message = user_error_of([&] { gpt2::write_output_file(dir / "thesis.csv", "x\n", false); });
    INFO("message: " << message);
    CHECK(one_line(message));
    CHECK(message.find("thesis.csv") != std::string::npos);
    CHECK(message.find("--force") != std::string::npos);
    CHECK(read_file(dir / "thesis.csv") == "my data\n");
    CHECK(files_in(dir.path).size() == 1);  // no temporary file, no manifest entry
}

TEST_CASE("--force overwrites a user file, and only then") {
    ScratchDir dir;
    write_file(dir / "thesis.csv", "my data\n");
    CHECK_NOTHROW(gpt2::write_output_file(dir / "thesis.csv", "replaced\n", true));
    CHECK(read_file(dir / "thesis.csv") == "replaced\n");
}

TEST_CASE("a file the tutorial wrote and the user then edited counts as the user's") {
    ScratchDir dir;
    gpt2::write_output_file(dir / "notes.csv", "generated\n", false);
    write_file(dir / "notes.csv", "generated\nplus my notes\n");
    std::string message = user_error_of([&] { gpt2::write_output_file(dir / "notes.csv", "again\n", false); });
    INFO("message: " << message);
    CHECK(message.find("was not written by this tutorial") != std::string::npos);
    CHECK(read_file(dir / "notes.csv") == "generated\nplus my notes\n");
}

TEST_CASE("an output whose writer gives up (no commit) leaves no temporary file and the old file intact") {
    ScratchDir dir;
    gpt2::write_output_file(dir / "plot.png", "old picture", false);
    {
        gpt2::OutputFile out(dir / "plot.png", false);
        write_file(out.temp_path(), "half a pic");
        // no commit(): e.g. gnuplot failed
    }
    CHECK(read_file(dir / "plot.png") == "old picture");
    CHECK(files_in(dir.path).size() == 2);  // plot.png and the manifest
}

TEST_CASE("an output path that is a folder is refused with one line") {
    ScratchDir dir;
    ::mkdir((dir / "out.csv").c_str(), 0755);
    std::string message = user_error_of([&] { gpt2::write_output_file(dir / "out.csv", "x", true); });
    INFO("message: " << message);
    CHECK(one_line(message));
    CHECK(message.find("is a folder") != std::string::npos);
}

TEST_CASE("an output folder that cannot be created is one clear error, not a crash") {
    ScratchDir dir;
    write_file(dir / "a-file", "x");
    // a folder cannot be created under a regular file
    std::string message = user_error_of([&] { gpt2::write_output_file(dir / "a-file/sub/out.csv", "x", false); });
    INFO("message: " << message);
    CHECK(one_line(message));
    CHECK(message.find("a-file") != std::string::npos);
}

// Found while reviewing report.cpp: the "already exists" check looks only at regular files,
// so an existing FIFO, socket or device node under the output name (think --out /dev/null)
// was silently replaced by a regular file. Fixed: OutputFile refuses any existing
// non-regular path, even with --force.
TEST_CASE("an existing non-regular file (a FIFO) under the output name is not replaced") {
    ScratchDir dir;
    REQUIRE(::mkfifo((dir / "pipe").c_str(), 0644) == 0);
    std::string message = user_error_of([&] { gpt2::write_output_file(dir / "pipe", "x", false); });
    INFO("message: " << message);
    struct stat info {};
    REQUIRE(::lstat((dir / "pipe").c_str(), &info) == 0);
    CHECK(S_ISFIFO(info.st_mode));
    CHECK(one_line(message));
}

// --- Numbers typed by the user (common/cli.hpp) --------------------------------------------

TEST_CASE("integer values that overflow, are not numbers or are out of range name the flag and the range") {
    for (const std::string bad : {"-1", "abc", "1e30", "99999999999999999999", "-99999999999999999999", "",
                                  "5 ", "0x10", "3.0", "nan", "+", "-", "\x80\xff"}) {
        std::string message = user_error_of([&] { gpt2::parse_integer(bad, "--max-new-tokens", 0, 100000); });
        INFO("value '" << bad << "' gave: " << message);
        CHECK(one_line(message));
        CHECK(message.rfind("--max-new-tokens: expected a whole number from 0 to 100000", 0) == 0);
    }
}

TEST_CASE("real values that are NaN, infinite, overflow or out of range are refused") {
    for (const std::string bad : {"nan", "-nan", "inf", "-inf", "1e30", "1e999", "99999999999999999999", "-0.5",
                                  "abc", "", "0.5.5", "1,5"}) {
        std::string message = user_error_of([&] { gpt2::parse_real(bad, "--temperature", 0.0, 10.0); });
        INFO("value '" << bad << "' gave: " << message);
        CHECK(one_line(message));
        CHECK(message.rfind("--temperature: expected a number in [0, 10]", 0) == 0);
    }
}

TEST_CASE("an absurdly long value is quoted cut short, so the error stays one readable line") {
    const std::string huge(100000, '9');
    std::string message = user_error_of([&] { gpt2::parse_integer(huge, "--seed", 0, 1000); });
    INFO("message length: " << message.size());
    CHECK(one_line(message));
    CHECK(message.size() < 200);
}

// Found by fuzz_cli on its first run (input "--h\n", see tests/README.md): what the user typed
// is echoed verbatim, so a newline (or a terminal escape) inside a flag breaks the
// one-line error. Fixed: shown() in common/cli.cpp escapes control characters.
TEST_CASE("an error echoing a flag with a newline in it is still one line") {
    gpt2::CliParser cli("prog", "test");
    std::vector<const char*> argv{"prog", "--h\n"};
    std::string message = user_error_of([&] { cli.parse(2, argv.data()); });
    INFO("message: " << message);
    CHECK(message.find("unknown flag") != std::string::npos);
    CHECK(one_line(message));
}

}  // TEST_SUITE
