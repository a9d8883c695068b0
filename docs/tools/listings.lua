-- listings.lua — the book's listings, for the two programs that show them:
--   book.lua   (make docs)      a lesson's <!-- listing: NAME --> becomes a highlighted block;
--   embed.lua  (make listings)  the same lines go, as a fenced code block, into the lesson's
--                               markdown right under that line (readable on GitHub).
-- Both take the lines from here, so the page and the README show the same code.
-- docs/README.md explains the conventions.
--
-- A region is the lines between `// [listing:NAME]` and `// [/listing]` (`#` comments in shell,
-- gnuplot and Python files). `[/listing]` closes the innermost open region, so regions nest and
-- never overlap; marker lines (listing and exercise markers) are never shown. An exercise's
-- body (`// [exercise:NAME] see chapters/NN_topic/README.md, step K` … `// [/exercise]`) can be
-- elided: its lines become one placeholder comment (the student edition, the exercise workspace).
local M = {}

M.source_dirs = { "common", "chapters", "tests", "tools", "data/setup" }
M.source_patterns = { "*.cpp", "*.hpp", "*.h", "*.sh", "*.gp", "*.py" }

local function read_file(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local data = f:read("a")
  f:close()
  return data
end
M.read_file = read_file

-- The language of a source file: a class for pandoc's highlighter, an info string for GitHub.
function M.language(path)
  if path:match("Makefile$") then return "makefile" end
  local by_ext = { cpp = "cpp", hpp = "cpp", h = "cpp", cc = "cpp", sh = "bash", gp = "gnuplot",
                   py = "python", lua = "lua", md = "markdown", json = "json", mk = "makefile" }
  return by_ext[path:match("%.([%w]+)$") or ""] or "default"
end

local function comment_leader(path)
  local lang = M.language(path)
  if lang == "bash" or lang == "gnuplot" or lang == "python" or lang == "makefile" then
    return "#"
  end
  return "//"
end

-- The kind of a marker line: "open" (NAME), "close", "exercise_open" (NAME, README, STEP),
-- "exercise_close", "bad", or nil for an ordinary line.
function M.marker(line)
  local body = line:match("^%s*//%s*(%[.*)$") or line:match("^%s*#%s*(%[.*)$")
  if not body then return nil end
  body = body:gsub("%s+$", "")
  local name = body:match("^%[listing:%s*([%w_%-]+)%s*%]$")
  if name then return "open", name end
  if body:match("^%[/listing%]$") then return "close" end
  if body:match("^%[/exercise%]$") then return "exercise_close" end
  if body:match("^%[exercise:") then
    local ex, readme, step = body:match("^%[exercise:([%w_]+)%]%s+see%s+(%S+),%s*step%s+(%d+)$")
    return "exercise_open", ex or body:match("^%[exercise:([%w_]*)") or "", readme, step
  end
  if body:match("^%[/?%s*listing") then return "bad" end
  return nil
end

-- Scans every source file under ROOT once. Returns the regions by name, and the problems
-- (one line each, naming file and line). A region is
--   { name, file, first (its first line's number), lines = { {n, text, ex}, ... } }
-- where `ex` is the exercise a line belongs to, if any: { name, readme, step, indent, leader }.
function M.scan(root)
  local listings, problems = {}, {}
  local find = {}
  for _, pattern in ipairs(M.source_patterns) do
    table.insert(find, (#find > 0 and "-o " or "") .. "-name '" .. pattern .. "'")
  end
  local cmd = "cd '" .. root .. "' && find " .. table.concat(M.source_dirs, " ") ..
              " -type f \\( " .. table.concat(find, " ") .. " \\) 2>/dev/null | LC_ALL=C sort"
  local pipe = io.popen(cmd)
  for path in pipe:lines() do
    local text = read_file(root .. "/" .. path) or ""
    local stack = {}
    local exercise = nil
    local n = 0
    for line in (text:gsub("\r", "") .. "\n"):gmatch("([^\n]*)\n") do
      n = n + 1
      local kind, name, readme, step = M.marker(line)
      if kind == "exercise_close" then exercise = nil end
      if kind == nil then  -- marker lines are never shown
        for _, region in ipairs(stack) do
          table.insert(region.lines, { n = n, text = line, ex = exercise })
        end
      end
      if kind == "open" then
        if listings[name] then
          table.insert(problems, string.format(
            "listing '%s' is marked twice: %s:%d and %s:%d (names must be unique)",
            name, listings[name].file, listings[name].first - 1, path, n))
        end
        local region = { name = name, file = path, first = n + 1, lines = {} }
        listings[name] = region
        table.insert(stack, region)
      elseif kind == "close" then
        if #stack == 0 then
          table.insert(problems, string.format(
            "%s:%d: '[/listing]' closes no open listing region", path, n))
        else
          table.remove(stack)
        end
      elseif kind == "exercise_open" then
        exercise = { name = name, readme = readme, step = step,
                     indent = line:match("^%s*"), leader = comment_leader(path) }
      elseif kind == "bad" then
        table.insert(problems, string.format(
          "%s:%d: malformed listing marker %q (write // [listing:snake_case_name] or // [/listing])",
          path, n, line))
      end
    end
    for _, region in ipairs(stack) do
      table.insert(problems, string.format(
        "%s:%d: listing '%s' is never closed (add a // [/listing] line)",
        path, region.first - 1, region.name))
    end
  end
  pipe:close()
  return listings, problems
end

-- The comment that stands for an elided exercise body.
function M.placeholder(ex)
  local where = ex.readme and string.format(" (%s, step %s)", ex.readme, ex.step) or ""
  return string.format("%s%s … exercise %s: your code here%s …", ex.indent, ex.leader, ex.name, where)
end

-- Parses a list of exercise names ("kv_append layer_norm", commas allowed, "all" for every one)
-- into the `elide` argument of M.runs; nil when it names none.
function M.elide_set(words)
  local set, any = {}, false
  for word in (words or ""):gmatch("[^%s,]+") do set[word] = true; any = true end
  return any and set or nil
end

-- The exercises an exercise workspace stubbed (its .exercise-workspace file, written by
-- docs/tools/exercise.sh), as an elide set; nil outside a workspace.
function M.workspace_exercises(root)
  local text = read_file(root .. "/.exercise-workspace")
  if not text then return nil end
  return M.elide_set(text:match("\nexercises=([^\n]*)") or text:match("^exercises=([^\n]*)"))
end

-- What a region shows: its lines without marker lines, without the common indentation and the
-- blank lines at both ends, as runs of consecutive source lines (a hidden marker line breaks a
-- run), so that every shown line keeps its real number. With `elide` (a set of exercise names,
-- or { all = true }), the body of each of those exercises becomes one placeholder run:
--   { first, last, text = {...} }  or  { placeholder = true, text = { comment } }
function M.runs(region, elide)
  local items = {}
  local current = nil  -- the exercise whose placeholder was just added
  for _, line in ipairs(region.lines) do
    local ex = line.ex
    if ex and elide and (elide.all or elide[ex.name]) then
      if current ~= ex then
        table.insert(items, { placeholder = true, text = M.placeholder(ex),
                              hidden_first = line.n, hidden_last = line.n })
        current = ex
      end
      items[#items].hidden_last = line.n
    else
      current = nil
      table.insert(items, line)
    end
  end
  local indent = nil
  for _, item in ipairs(items) do
    if item.text:match("%S") then
      local lead = #item.text:match("^%s*")
      if not indent or lead < indent then indent = lead end
    end
  end
  indent = indent or 0
  local first, last = 1, #items
  while first <= last and not items[first].text:match("%S") do first = first + 1 end
  while last >= first and not items[last].text:match("%S") do last = last - 1 end
  local runs = {}
  for i = first, last do
    local item = items[i]
    local run = runs[#runs]
    if item.placeholder then
      table.insert(runs, { placeholder = true, text = { item.text:sub(indent + 1) },
                           hidden_first = item.hidden_first, hidden_last = item.hidden_last })
    else
      if not run or run.placeholder or item.n ~= run.last + 1 then
        run = { first = item.n, last = item.n, text = {} }
        table.insert(runs, run)
      end
      run.last = item.n
      table.insert(run.text, item.text:sub(indent + 1))
    end
  end
  return runs
end

-- The first and last real line numbers the runs show.
function M.span(runs)
  local first, last
  for _, run in ipairs(runs) do
    if not run.placeholder then
      first = first or run.first
      last = run.last
    end
  end
  if not first then  -- only placeholders: the lines the elided bodies hold
    for _, run in ipairs(runs) do
      first = math.min(first or run.hidden_first, run.hidden_first)
      last = math.max(last or run.hidden_last, run.hidden_last)
    end
  end
  return first, last
end

-- The code as one text (what the lesson's fenced block holds): the runs one after the other.
function M.code_text(runs)
  local lines = {}
  for _, run in ipairs(runs) do
    for _, text in ipairs(run.text) do table.insert(lines, text) end
  end
  return table.concat(lines, "\n")
end

local function split_path(path)
  local parts = {}
  for part in path:gmatch("[^/]+") do table.insert(parts, part) end
  return parts
end

-- PATH (from the repository's top folder) relative to the folder of FROM (a file there).
function M.relative(from, path)
  local base, target = split_path(from), split_path(path)
  table.remove(base)  -- the file's own name
  local common = 0
  while common < #base and common < #target - 1 and base[common + 1] == target[common + 1] do
    common = common + 1
  end
  local parts = {}
  for _ = common + 1, #base do table.insert(parts, "..") end
  for i = common + 1, #target do table.insert(parts, target[i]) end
  return table.concat(parts, "/")
end

-- "lines 31–52" or "line 7"
function M.lines_label(first, last)
  if first == last then return "line " .. first end
  return string.format("lines %d–%d", first, last)
end

-- The line under a lesson's embedded code: the file, linked (relative to the README, at its
-- lines, the way GitHub shows them), and the line range.
function M.source_line(readme, region, runs)
  local first, last = M.span(runs)
  local anchor = first == last and ("#L" .. first) or string.format("#L%d-L%d", first, last)
  return string.format("<sub>[%s](%s%s), %s</sub>", region.file, M.relative(readme, region.file),
                       anchor, M.lines_label(first, last))
end

-- Is this markdown line the file/lines line that follows a lesson's embedded code?
function M.is_source_line(line)
  return line:match("^%s*<sub>%[[^%]]*%]%([^%)]*%)[^<]*</sub>%s*$") ~= nil
end

-- ---------------------------------------------------------------------------------------------
-- The lesson side: under each `<!-- listing: NAME -->` line, the code (a fenced block) and the
-- file/lines line. What belongs to a marker: the blank lines after it, then a fenced block
-- followed (after blank lines) by a file/lines line, or a file/lines line alone. A fenced block
-- that no file/lines line follows is the author's own and is left alone (the marker is bare).

local function marker_name(line)
  local indent, name = line:match("^(%s*)<!%-%-%s*listing:%s*([^%s]-)%s*%-%->%s*$")
  return name, indent
end

local function fence_open(line)
  local indent, fence = line:match("^(%s*)(```+)")
  if not fence then indent, fence = line:match("^(%s*)(~~~+)") end
  return fence, indent
end

local function fence_closes(line, fence)
  local run = line:match("^%s*(" .. fence:sub(1, 1):rep(3) .. "+)%s*$")
  return run ~= nil and #run >= #fence
end

local function blank(line) return line:match("^%s*$") ~= nil end

-- The lines of the block that belongs under a marker: the fenced code and the file/lines line,
-- indented like the marker (inside a list item, the block stays in the item). Also returns the
-- code lines alone, as they appear in the block.
function M.embedded_lines(readme, region, runs, indent)
  local code = M.code_text(runs)
  local longest = 2
  for ticks in code:gmatch("`+") do longest = math.max(longest, #ticks) end
  local fence = ("`"):rep(longest + 1)
  local code_lines = {}
  for line in (code .. "\n"):gmatch("([^\n]*)\n") do
    table.insert(code_lines, line == "" and "" or (indent .. line))
  end
  local out = { "", indent .. fence .. M.language(region.file) }
  for _, line in ipairs(code_lines) do table.insert(out, line) end
  table.insert(out, indent .. fence)
  table.insert(out, "")
  table.insert(out, indent .. M.source_line(readme, region, runs))
  return out, code_lines
end

-- Goes through a lesson's text. For each marker: `status` is "ok" (the embedded code is the
-- region's), "stale" (it differs; `line` = the first differing line of the code), "bare" (no
-- code under the marker) or "missing" (no region has that name). Returns the text with every
-- known listing's code refreshed, and the list of { name, line (in the README), status, region,
-- detail }. Nothing but the lines that belong to a marker changes. With `code_only`, only the
-- code decides "ok" or "stale" (in an exercise workspace the learner's code moves the lines).
function M.embed(text, readme, listings, elide, code_only)
  local lines = {}
  for line in (text:gsub("\r\n", "\n") .. "\n"):gmatch("([^\n]*)\n") do table.insert(lines, line) end
  local ends_with_newline = text:sub(-1) == "\n"
  if ends_with_newline then table.remove(lines) end
  local out, results = {}, {}
  local fence = nil  -- inside an author's fenced block, a marker is an example, not a listing
  local i = 1
  while i <= #lines do
    local line = lines[i]
    local name, indent = nil, nil
    if fence then
      if fence_closes(line, fence) then fence = nil end
    else
      name, indent = marker_name(line)
      if not name then fence = fence_open(line) end
    end
    table.insert(out, line)
    i = i + 1
    if name then
      -- what belongs to the marker: lines i .. owned_last
      local k = i
      while k <= #lines and blank(lines[k]) do k = k + 1 end
      local owned_last, old_code = i - 1, nil
      local open = k <= #lines and fence_open(lines[k]) or nil
      if open then
        local c = k + 1
        while c <= #lines and not fence_closes(lines[c], open) do c = c + 1 end
        local m = c + 1
        while m <= #lines and blank(lines[m]) do m = m + 1 end
        if c <= #lines and m <= #lines and M.is_source_line(lines[m]) then
          owned_last = m
          old_code = {}
          for x = k + 1, c - 1 do table.insert(old_code, lines[x]) end
        end
      elseif k <= #lines and M.is_source_line(lines[k]) then
        owned_last = k
      end
      local result = { name = name, line = i - 1 }
      table.insert(results, result)
      local region = listings[name]
      local runs = region and M.runs(region, elide)
      if not region then
        result.status = "missing"
      elseif #runs == 0 then
        result.status = "empty"
        result.region = region
      else
        result.region = region
        local new, want = M.embedded_lines(readme, region, runs, indent)
        local old = {}
        for x = i, owned_last do table.insert(old, lines[x]) end
        local after = lines[owned_last + 1]
        local separate = after ~= nil and not blank(after)  -- prose right under the block
        if old_code == nil then
          result.status = "bare"
        elseif table.concat(old, "\n") == table.concat(new, "\n") and not separate then
          result.status = "ok"
        elseif code_only and table.concat(old_code, "\n") == table.concat(want, "\n") then
          result.status = "ok"
        else
          result.status = "stale"
          result.detail = "its file/lines line or the blank lines around it differ"
          for x = 1, math.max(#want, #old_code) do
            if want[x] ~= old_code[x] then
              result.detail = string.format("line %d of the code differs", x)
              break
            end
          end
        end
        if separate then table.insert(new, "") end
        for _, l in ipairs(new) do table.insert(out, l) end
        i = owned_last + 1
      end
    end
  end
  return table.concat(out, "\n") .. (ends_with_newline and "\n" or ""), results
end

return M
