// Checks for the shared command-line parser (common/cli.hpp): every chapter's flags go
// through it, so its error messages are the ones learners see.
#include "common/cli.hpp"
#include "common/errors.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using gpt2::CliParser;
using gpt2::UserError;

namespace {

struct Args {
    std::vector<std::string> words;
    std::vector<const char*> argv;
    explicit Args(std::vector<std::string> w) : words(std::move(w)) {
        argv.push_back("prog");
        for (const std::string& s : words) argv.push_back(s.c_str());
    }
    int argc() const { return static_cast<int>(argv.size()); }
};

std::string error_of(CliParser& cli, std::vector<std::string> words) {
    Args args(std::move(words));
    try {
        cli.parse(args.argc(), args.argv.data());
    } catch (const UserError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST_SUITE("common_cli") {

TEST_CASE("flags and options are read in both --name value and --name=value forms") {
    CliParser cli("prog", "test");
    bool json = false;
    int n = 0;
    double temperature = 1.0;
    std::string model;
    cli.flag("--json", json, "json");
    cli.option("-n,--max-new-tokens", n, "N", "count", 0, 100);
    cli.option("--temperature", temperature, "T", "temperature", 0.0, 10.0);
    cli.option("-m,--model", model, "PATH", "model");
    Args args({"--json", "-n", "7", "--temperature=0.5", "--model", "random"});
    CHECK(cli.parse(args.argc(), args.argv.data()));
    CHECK(json);
    CHECK(n == 7);
    CHECK(temperature == doctest::Approx(0.5));
    CHECK(model == "random");
    CHECK(cli.given("--max-new-tokens"));
    CHECK_FALSE(cli.given("-h"));
}

TEST_CASE("bad numbers name the flag, the value and the accepted range") {
    int n = 0;
    for (std::string bad : {"-5", "abc", "1e30", "99999999999999999999", "", "7x"}) {
        CliParser cli("prog", "test");
        cli.option("-n,--max-new-tokens", n, "N", "count", 0, 100);
        std::string message = error_of(cli, {"-n", bad});
        INFO("value: '" << bad << "' gave: " << message);
        CHECK(message.find("-n") != std::string::npos);
        CHECK(message.find("whole number from 0 to 100") != std::string::npos);
    }
}

TEST_CASE("a real-valued flag rejects NaN, infinity and values outside an open bound") {
    for (std::string bad : {"nan", "inf", "0", "1.5", "-0.1"}) {
        CliParser cli("prog", "test");
        double top_p = 1.0;
        cli.option("--top-p", top_p, "P", "nucleus", 0.0, 1.0, true);
        std::string message = error_of(cli, {"--top-p", bad});
        INFO("value: " << bad);
        CHECK(message.find("(0, 1]") != std::string::npos);
    }
}

TEST_CASE("unknown flags, missing values and stray words are one clear error each") {
    CliParser cli("prog", "test");
    int n = 0;
    cli.option("-n", n, "N", "count", 0, 100);
    CHECK(error_of(cli, {"--frobnicate"}).find("unknown flag '--frobnicate'") != std::string::npos);
    CliParser cli2("prog", "test");
    cli2.option("-n", n, "N", "count", 0, 100);
    CHECK(error_of(cli2, {"-n"}).find("-n needs a value") != std::string::npos);
    CliParser cli3("prog", "test");
    CHECK(error_of(cli3, {"stray"}).find("unexpected argument 'stray'") != std::string::npos);
}

}  // TEST_SUITE
