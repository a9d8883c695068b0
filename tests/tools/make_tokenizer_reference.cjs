// make_tokenizer_reference.cjs — expected GPT-2 token ids for tests/test_ch01_tokenizer.cpp,
// computed by an INDEPENDENT implementation: the npm package gpt-tokenizer, encoding
// r50k_base (GPT-2's vocabulary and merges, its own JavaScript BPE and its own regex engine).
//
// Run it through tests/tools/make_tokenizer_reference.sh, which installs the package in a
// temporary folder (never in the repository) and writes
// tests/reference/tokenizer/expected_ids.json.
//
// Usage: node make_tokenizer_reference.cjs NODE_MODULES_DIR REFERENCE_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const [modulesDir, referenceDir] = process.argv.slice(2);
if (!modulesDir || !referenceDir) {
  console.error('usage: node make_tokenizer_reference.cjs NODE_MODULES_DIR REFERENCE_DIR');
  process.exit(2);
}
const packageDir = path.join(modulesDir, 'gpt-tokenizer');
const version = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')).version;
const r50k = require(path.join(packageDir, 'cjs/encoding/r50k_base'));

const SPECIAL = '<|endoftext|>';
// Ordinary text: <|endoftext|> is just characters, as in GPT-2's own encoder.py.
const encodeOrdinary = (text) => r50k.encode(text, { disallowedSpecial: new Set() });
// allow_special: every literal <|endoftext|> becomes 50256, the rest is ordinary text.
// gpt-tokenizer 4.0.0 only finds a special token at the very start of the text (its
// findNextSpecialToken uses a sticky /y regex), so we split on the literal ourselves; a
// check below confirms gpt-tokenizer's own handling where it works (text starting with it).
const encodeAllowSpecial = (text) => {
  const ids = [];
  text.split(SPECIAL).forEach((piece, i) => {
    if (i > 0) ids.push(50256);
    ids.push(...encodeOrdinary(piece));
  });
  return ids;
};
const own = r50k.encode(SPECIAL + ' world', { allowedSpecial: new Set([SPECIAL]) });
if (JSON.stringify(own) !== JSON.stringify(encodeAllowSpecial(SPECIAL + ' world'))) {
  throw new Error('gpt-tokenizer disagrees with the split-on-<|endoftext|> rule: ' + own);
}

// --- hand-picked cases: every kind of text a byte-level BPE must get right ------------------------------------
const cases = [
  ['english_hello', 'Hello world'],
  ['english_sentence', 'The quick brown fox jumps over the lazy dog.'],
  ['english_paragraph', 'GPT-2 reads text as tokens, not letters. A token is often a whole word ' +
    '(" the", " language"), sometimes a piece ("token" + "izer"), and rare words split into many.'],
  ['sample_sentence', "GPT-2's tokenizer doesn't split    spaces\n évidemment 🙂 12345"],
  ['code_cpp', '#include <vector>\n\nint main() {\n    std::vector<int> v{1, 2, 3};\n' +
    '\tfor (int x : v) { if (x % 2 == 0) return x; }\n    return -1; // done\n}\n'],
  ['code_python', 'def f(x):\n    """Docstring."""\n    return [i**2 for i in range(x) if i != 3]\n\n' +
    'print(f(10))  # [0, 1, 4, 16, ...]\n'],
  ['code_json', '{"name": "gpt2", "n_embd": 768, "eps": 1e-05, "ok": true, "list": [1,2,3]}'],
  ['numbers', '0 1 12 123 1234 12345 123456 3.14159 -42 +7 1,000,000 2024-11-23 0x1F 1e-5 007 ' +
    '٣٤٥ ५६ Ⅻ ½ ²'],
  ['contractions_lower', "I'm you're he's we've they'll she'd it's can't won't"],
  ['contractions_upper', "I'M YOU'RE HE'S WE'VE THEY'LL SHE'D IT'S CAN'T WON'T"],
  ['contractions_mixed', "You'Re We'vE they'Ll It'S 's 't 're 've 'm 'll 'd '"],
  ['contractions_curly', 'It’s they’re we’ve'],
  ['spaces_runs', 'a  b   c    d     e'],
  ['tabs', '\tone\t\ttwo\t\t\tthree'],
  ['newlines', 'line1\n\n\nline2\nline3'],
  ['leading_spaces', '   leading'],
  ['trailing_spaces', 'trailing   '],
  ['trailing_newline', 'trailing\n'],
  ['only_spaces', '     '],
  ['single_space', ' '],
  ['single_newline', '\n'],
  ['whitespace_mix', 'mixed \t \n end \n\t '],
  ['blank_lines_with_spaces', '  \n  \n    x\n'],
  ['crlf', 'line one\r\nline two\r\n\r\nlast'],
  ['unicode_spaces', 'a\u00a0b\u3000c\u2028d\u2003e'],
  ['accents', 'café naïve résumé Ångström über façade São Paulo Dvořák'],
  ['greek', 'Καλημέρα κόσμε, ΑΒΓΔ αβγδ'],
  ['cyrillic', 'Привет, мир! Съешь же ещё этих мягких французских булок.'],
  ['chinese', '你好，世界。今天天气很好！'],
  ['japanese', '日本語のテキスト、カタカナとひらがな。'],
  ['korean', '한국어 텍스트 안녕하세요'],
  ['arabic', 'مرحبا بالعالم، كيف حالك؟'],
  ['hebrew', 'שלום עולם'],
  ['hindi', 'नमस्ते दुनिया, आप कैसे हैं?'],
  ['thai', 'สวัสดีชาวโลก ภาษาไทย'],
  ['emoji_simple', 'I ❤️ GPT 🙂😀🎉'],
  ['emoji_skin_tones', '👍🏽 👋🏿 🤝🏻'],
  ['emoji_zwj', '👨‍👩‍👧‍👦 🏳️‍🌈 🧑‍💻'],
  ['emoji_flags', '🇫🇷🇯🇵🇺🇸 🏴󠁧󠁢󠁳󠁣󠁴󠁿'],
  ['combining_marks', 'e\u0301 a\u0308 n\u0303 Z\u0351\u0362a\u0353l\u0334g\u0321o \u0915\u094d\u0937'],
  ['supplementary_letters', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 𝟙𝟚𝟛'],
  ['punctuation', '!!! ??? ... --- *** @#$%^&*() [] {} <> "quoted" \'single\' `back`'],
  ['endoftext_as_text', 'Hello<|endoftext|>World'],
  ['long_word', 'a'.repeat(300) + ' ' + 'ab'.repeat(200) + ' supercalifragilisticexpialidocious'],
  ['empty', ''],
];
const allowSpecialCases = [
  ['special_middle', 'Hello<|endoftext|>World'],
  ['special_start_end', '<|endoftext|>one <|endoftext|> two<|endoftext|>'],
  ['special_broken', '<|endoftext|<|endoftext|>|>'],
];

// --- seeded random mixtures: fragments of every kind glued in random order ------------------
// (xorshift32, so the same seed gives the same strings on every machine)
let state = 20241123;
const random = (n) => {
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state % n;
};
const fragments = [
  'the', ' the', 'The', ' quick', 'fox', 'tokenizer', 'ization', ' GPT', '-', '2', "'s", "'S", "'ll",
  "'LL", "'re", "'", ' ', '  ', '   ', '\t', '\n', '\r\n', '\n\n', ' \n', '.', ',', '!', '?', '...',
  '0', '42', '3.14', '1000000', '(', ')', '{', '}', '[', ']', ';', '#', '"', '`', '\\', '/', '_',
  'café', 'ñ', 'Ü', 'ß', 'Ωμέγα', 'мир', 'Ж', '你好', '世界', 'の', 'カ', '한', 'مرحبا', 'ש',
  'नमस्ते', 'ก', 'สวัสดี', '🙂', '👍🏽', '👨‍👩‍👧', '🇯🇵', '\u0301', '\u0308', 'e\u0301', '½', '٣',
  '\u00a0', '\u3000', '<|endoftext|>', '𝔘', '😀😀', '→', '€', '£', '©', '™', '\u200b',
];
const randomCases = [];
for (let n = 0; n < 300; ++n) {
  let text = '';
  const parts = 1 + random(24);
  for (let i = 0; i < parts; ++i) text += fragments[random(fragments.length)];
  randomCases.push(['random_' + String(n).padStart(3, '0'), text]);
}

// --- a long real document -------------------------------------------------------------------
const documents = ['gpl-3.txt'].map((name) => {
  const text = fs.readFileSync(path.join(referenceDir, name), 'utf8');
  return {
    file: name,
    sha256: crypto.createHash('sha256').update(fs.readFileSync(path.join(referenceDir, name))).digest('hex'),
    bytes: Buffer.byteLength(text, 'utf8'),
    ids: encodeOrdinary(text),
  };
});

// Sanity: gpt-tokenizer must give back every text it encoded.
const all = [...cases, ...randomCases];
for (const [name, text] of all) {
  if (r50k.decode(encodeOrdinary(text)) !== text) throw new Error('gpt-tokenizer round trip failed: ' + name);
}

const output = {
  about: 'Expected GPT-2 token ids for tests/test_ch01_tokenizer.cpp. Made by ' +
    'tests/tools/make_tokenizer_reference.sh with an independent implementation: the npm package ' +
    'gpt-tokenizer, encoding r50k_base (same vocabulary and merges as GPT-2). allow_special cases ' +
    'split the text on <|endoftext|> and encode the pieces (see the script for why).',
  generator: {
    package: 'gpt-tokenizer',
    version,
    encoding: 'r50k_base',
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
    script: 'tests/tools/make_tokenizer_reference.cjs',
  },
  cases: [
    ...all.map(([name, text]) => ({ name, text, allow_special: false, ids: encodeOrdinary(text) })),
    ...allowSpecialCases.map(([name, text]) => ({ name, text, allow_special: true, ids: encodeAllowSpecial(text) })),
  ],
  documents,
};
// One case per line: diffs of a regenerated file stay readable.
const lines = (items) => items.map((item) => '  ' + JSON.stringify(item)).join(',\n');
const text = '{\n"about": ' + JSON.stringify(output.about) + ',\n"generator": ' + JSON.stringify(output.generator) +
  ',\n"cases": [\n' + lines(output.cases) + '\n],\n"documents": [\n' + lines(output.documents) + '\n]\n}\n';
JSON.parse(text);  // still one valid JSON document
fs.writeFileSync(path.join(referenceDir, 'expected_ids.json'), text);
console.log(`wrote ${output.cases.length} cases and ${documents.length} document(s) ` +
  `(gpt-tokenizer ${version}) to ${path.join(referenceDir, 'expected_ids.json')}`);
