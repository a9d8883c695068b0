// Checks for the flags chapters 02–05 share (chapters/03_forward_pass/model_flags.cpp): the prompt given as ids
// is parsed strictly, and every mistake names the flag.
#include "common/cli.hpp"
#include "common/errors.hpp"
#include "03_forward_pass/gpt2_config.hpp"
#include "03_forward_pass/model_flags.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

TEST_SUITE("common_model_flags") {

TEST_CASE("prompt ids are read from spaces, tabs or commas") {
    CHECK(gpt2::parse_prompt_ids("15496 995", 50257, 1024) == std::vector<int>{15496, 995});
    CHECK(gpt2::parse_prompt_ids(" 1,2\t3 ", 50257, 1024) == std::vector<int>{1, 2, 3});
    CHECK(gpt2::parse_prompt_ids("50256", 50257, 1024) == std::vector<int>{50256});
}

TEST_CASE("bad prompt ids are user errors that name the flag") {
    for (const char* bad : {"abc", "1 -5", "50257", "1.5", "0x10", "", "  ", "99999999999999999999"}) {
        INFO("--prompt-ids \"" << bad << "\"");
        CHECK_THROWS_WITH_AS(gpt2::parse_prompt_ids(bad, 50257, 1024), doctest::Contains("--prompt-ids"),
                             gpt2::UserError);
    }
    CHECK_THROWS_WITH_AS(gpt2::parse_prompt_ids("1 2 3 4 5", 50257, 4), doctest::Contains("window"), gpt2::UserError);
}

TEST_CASE("--prompt and --prompt-ids together are refused; --prompt-ids wins over the default prompt") {
    gpt2::ModelFlags flags;
    flags.prompt = "The cat";
    gpt2::CliParser cli("prog", "test");
    gpt2::add_model_flags(cli, flags);
    const char* argv[] = {"prog", "--prompt-ids", "7 8", "--model", "random"};
    REQUIRE(cli.parse(5, argv));
    gpt2::apply_model_flags(cli, flags);
    CHECK(flags.prompt_ids_given);
    CHECK_FALSE(flags.prompt_given);
    CHECK(gpt2::resolve_prompt(flags, gpt2::gpt2_small_config()) == std::vector<int>{7, 8});

    gpt2::ModelFlags both;
    gpt2::CliParser cli2("prog", "test");
    gpt2::add_model_flags(cli2, both);
    const char* argv2[] = {"prog", "--prompt", "hi", "--prompt-ids", "1"};
    // The parser refuses the pair itself (the two flags exclude each other).
    CHECK_THROWS_WITH_AS(cli2.parse(5, argv2), doctest::Contains("one way only"), gpt2::UserError);
}

}  // TEST_SUITE
