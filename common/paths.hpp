// paths.hpp — where the programs find their data, whatever folder they are run from.
#pragma once

#include <string>

namespace gpt2 {

// The repository root the programs were built in (set by the Makefile).
std::string project_root();
// data/tokenizer — encoder.json and vocab.bpe, fetched by `make setup`.
std::string default_vocab_dir();
// data/gpt2 when it holds a model (config.json + model.safetensors); else "mini", the small
// model trained here (data/mini), whose text reads; else "random".
std::string default_model_arg();
// What a benchmark times when no --model is given: GPT-2 124M's cost — data/gpt2, else
// "random" (GPT-2 124M's shapes with random weights; the timings are real).
std::string default_benchmark_model_arg();
// data/mini — the small GPT-2 trained here and committed (--model mini).
std::string mini_model_dir();
// build/out — where plots and CSV files go unless a flag says otherwise.
std::string default_output_dir();
bool file_exists(const std::string& path);
// `path` relative to the repository when it lies inside it (what programs print), else as given.
std::string shown_path(const std::string& path);
bool directory_exists(const std::string& path);

}  // namespace gpt2
