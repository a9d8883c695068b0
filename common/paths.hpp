// paths.hpp — where the programs find their data, whatever folder they are run from.
#pragma once

#include <string>

namespace gpt2 {

// The repository root the programs were built in (set by the Makefile).
std::string project_root();
// data/tokenizer — encoder.json and vocab.bpe, fetched by `make setup`.
std::string default_vocab_dir();
// data/gpt2 when it holds a model (config.json + model.safetensors), else "random".
std::string default_model_arg();
// build/out — where plots and CSV files go unless a flag says otherwise.
std::string default_output_dir();
bool file_exists(const std::string& path);
// `path` relative to the repository when it lies inside it (what programs print), else as given.
std::string shown_path(const std::string& path);
bool directory_exists(const std::string& path);

}  // namespace gpt2
