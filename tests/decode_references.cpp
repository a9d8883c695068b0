#include "decode_references.hpp"

#include "common/paths.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace decode_references {

std::vector<GreedyReference> greedy_references() {
    std::vector<GreedyReference> references;
    for (const char* name : {"tiny_gpt2", "tiny_prefixed", "tiny_untied", "tiny_f16", "tiny_bf16"}) {
        std::ifstream in(gpt2::project_root() + "/tests/reference/" + name + ".json");
        if (!in) continue;
        std::stringstream text;
        text << in.rdbuf();
        const nlohmann::json data = nlohmann::json::parse(text.str());
        if (!data.contains("greedy")) continue;
        GreedyReference ref;
        ref.name = name;
        ref.model_path = gpt2::project_root() + "/" + data.at("fixture").get<std::string>();
        ref.prompt = data.at("greedy").at("prompt_ids").get<std::vector<int>>();
        ref.continuation = data.at("greedy").at("new_ids").get<std::vector<int>>();
        for (const nlohmann::json& step : data.at("greedy").at("step_logits"))
            ref.step_logits.push_back(arma::conv_to<arma::fvec>::from(step.get<std::vector<double>>()));
        ref.tolerance = data.value("tolerance", 1e-4);
        references.push_back(std::move(ref));
    }
    return references;
}

void check_greedy_run(const GreedyReference& ref, const gpt2::Generation& run) {
    INFO("fixture " << ref.name);
    CHECK(run.stop == gpt2::StopReason::ContextWindow);
    REQUIRE(run.generated_ids.size() == ref.continuation.size());
    REQUIRE(run.step_logits.size() == ref.step_logits.size());
    for (std::size_t k = 0; k < ref.continuation.size(); ++k) {
        const float diff = arma::abs(run.step_logits[k] - ref.step_logits[k]).max();
        INFO("step " << k + 1 << ": max |logit - reference| = " << diff);
        CHECK(diff <= ref.tolerance);
        REQUIRE(run.generated_ids[k] == ref.continuation[k]);
    }
}

}  // namespace decode_references
