// report.hpp — what the programs write: tables on the terminal, CSV files, gnuplot plots.
//
// Files are written safely: to a temporary name first, then renamed, so an interrupted
// run never leaves half a file. An existing file is replaced only if this tutorial wrote
// it (each output folder keeps a small manifest of what it wrote, with a content hash),
// or when the user passed --force. Programs print the path of everything they write.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gpt2 {

// A file another program will write (e.g. gnuplot's picture): permission is checked first,
// the program writes temp_path(), then commit() renames it into place. If commit() is
// never called the temporary file is removed.
class OutputFile {
public:
    OutputFile(std::string path, bool force);
    ~OutputFile();
    OutputFile(const OutputFile&) = delete;
    OutputFile& operator=(const OutputFile&) = delete;

    const std::string& path() const { return path_; }
    const std::string& temp_path() const { return temp_path_; }
    void commit();

private:
    std::string path_, temp_path_;
    bool committed_ = false;
};

// Writes text to path through an OutputFile (atomic, no clobbering); throws UserError.
void write_output_file(const std::string& path, const std::string& content, bool force);
// Creates the folder (and parents) if needed; throws UserError if it cannot.
void make_directories(const std::string& path);

// Runs gnuplot on a script that must write to `picture.temp_path()`. Returns false (with a
// one-line warning on stderr) when gnuplot is missing or fails: a plot is never fatal.
bool run_gnuplot(const std::string& script, OutputFile& picture);
// Runs a chapter's gnuplot file (`gp_file`, relative to the repository, e.g.
// "chapters/05_cached_decode/step_times.gp") with string variables set first, e.g.
// {{"csv", csv_path}, {"out", picture.temp_path()}}: the .gp file plots the CSV the program
// wrote. The same warning-not-error contract as run_gnuplot.
bool run_gnuplot_file(const std::string& gp_file, const std::vector<std::pair<std::string, std::string>>& variables,
                      OutputFile& picture);

// A plain text table: header row, then rows, columns right-aligned except the first.
std::string format_table(const std::vector<std::string>& header,
                         const std::vector<std::vector<std::string>>& rows);
// printf-style formatting into a std::string.
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
// The same, for a function that takes `...` itself and passes its va_list on.
std::string vformat(const char* fmt, va_list args) __attribute__((format(printf, 1, 0)));
// 75497472 -> "72.00 MiB" (powers of 1024: B, KiB, MiB, GiB, TiB, PiB, EiB)
std::string human_bytes(std::uint64_t bytes);
// 75497472 -> "75,497,472"
std::string with_commas(unsigned long long value);

}  // namespace gpt2
