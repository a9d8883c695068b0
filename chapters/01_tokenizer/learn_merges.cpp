// learn_merges.cpp — BPE training, the loop that wrote vocab.bpe, on a toy scale (README step 4).
#include "01_tokenizer/learn_merges.hpp"

#include "01_tokenizer/tokenizer.hpp"

#include <map>
#include <utility>

namespace gpt2 {

// [listing:learn_merges]
std::vector<LearnedMerge> learn_merges(std::string_view text, int merges) {
    // The corpus: every pre-token, in text order, as a list of symbols (one per byte at first).
    std::vector<std::vector<std::string>> words;
    for (const std::string& piece : PreTokenizer().split(text)) {
        std::vector<std::string> symbols;
        for (char byte : piece) symbols.emplace_back(1, byte);
        words.push_back(std::move(symbols));
    }
    std::vector<LearnedMerge> learned;
    while (static_cast<int>(learned.size()) < merges) {
        // 1. Count the neighbouring pairs; remember where each was first seen, for ties.
        struct Tally {
            int count = 0, first_seen = 0;
        };
        std::map<std::pair<std::string, std::string>, Tally> pairs;
        int position = 0;
        for (const std::vector<std::string>& word : words)
            for (std::size_t i = 0; i + 1 < word.size(); ++i, ++position)
                ++pairs.try_emplace({word[i], word[i + 1]}, Tally{0, position}).first->second.count;
        if (pairs.empty()) break;  // every pre-token is one symbol: nothing left to merge
        // 2. The most frequent pair; on a tie, the one seen first.
        auto best = pairs.begin();
        for (auto it = pairs.begin(); it != pairs.end(); ++it)
            if (it->second.count > best->second.count ||
                (it->second.count == best->second.count && it->second.first_seen < best->second.first_seen))
                best = it;
        const auto [left, right] = best->first;
        learned.push_back({left, right, best->second.count});
        // 3. Merge it in every pre-token, left to right, as encoding will later.
        for (std::vector<std::string>& word : words) {
            std::vector<std::string> merged;
            for (std::size_t i = 0; i < word.size(); ++i) {
                if (i + 1 < word.size() && word[i] == left && word[i + 1] == right) {
                    merged.push_back(left + right);
                    ++i;
                } else {
                    merged.push_back(word[i]);
                }
            }
            word = std::move(merged);
        }
    }
    return learned;
}
// [/listing]

}  // namespace gpt2
