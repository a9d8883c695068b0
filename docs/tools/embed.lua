-- embed.lua — `make listings`: puts each listing's code into the lesson, under its
-- <!-- listing: NAME --> line (a fenced block, then a line naming the file and its lines), or,
-- with mode=check, says which lessons' code differs from the source. The lines come from
-- listings.lua, as on the site. Run by docs/tools/listings.sh (pandoc is only the Lua here).
--
-- Also, for docs/build.sh --student: mode=source_page prints the markdown of a source file's
-- page (files = that one file) with its exercises' bodies elided (see source_page below).
--
-- Metadata (-M): repo_root, files (the lessons, from repo_root, separated by spaces),
--   mode   "write" (refresh, write only the files whose text changes), "check" (no writes),
--          or "source_page"
--   elide  exercise names whose bodies become a placeholder ("all" for every exercise); in an
--          exercise workspace, the exercises it stubbed are elided too
--   quiet  print nothing but problems
--   keep_going  write the lessons even when some source markers are wrong (the exercise
--          workspace: hiding the answers matters more than a broken listing elsewhere)
local here = PANDOC_SCRIPT_FILE:match("^(.*)/[^/]*$") or "."
local L = dofile(here .. "/listings.lua")

local function meta_string(meta, key)
  return meta[key] ~= nil and pandoc.utils.stringify(meta[key]) or ""
end

local function write_file(path, text)
  local tmp = path .. ".tmp" .. tostring(os.time())
  local f = io.open(tmp, "wb")
  if not f then return false end
  f:write(text)
  f:close()
  return os.rename(tmp, path)
end

-- A source file's page in the student edition: the whole file in numbered runs, with each
-- exercise's body (the lines between its markers; the markers stay, they say where the
-- exercise is) replaced by an unnumbered placeholder. The runs keep the file's line numbers;
-- docs/build.sh renames their line anchors (L2-45 …) to the page's #L-45.
local function source_page(root, path)
  local text = L.read_file(root .. "/" .. path) or ""
  local language = L.language(path)
  local fence = ("~"):rep(40)
  local out, run, exercise, blocks = {}, nil, nil, 0
  local function close_run()
    if run then table.insert(out, fence); run = nil end
  end
  local n = 0
  for line in (text:gsub("\r", "") .. "\n"):gmatch("([^\n]*)\n") do
    n = n + 1
    local kind, name, readme, step = L.marker(line)
    if kind == "exercise_close" then exercise = nil end
    if exercise then
      if not exercise.shown then
        close_run()
        table.insert(out, string.format("%s {.%s .numberLines .elided}", fence, language))
        table.insert(out, L.placeholder(exercise))
        table.insert(out, fence)
        exercise.shown = true
      end
    else
      if not run then
        blocks = blocks + 1
        table.insert(out, string.format('%s {#%s .%s .numberLines startFrom="%d"}', fence,
                                        blocks == 1 and "L" or ("L" .. blocks), language, n))
        run = true
      end
      table.insert(out, line)
    end
    if kind == "exercise_open" then
      exercise = { name = name, readme = readme, step = step, indent = line:match("^%s*"),
                   leader = line:match("^%s*(%S+)"):match("^#") and "#" or "//" }
    end
  end
  close_run()
  io.stdout:write("::: runs\n", table.concat(out, "\n"), "\n:::\n")
end

function Pandoc(doc)
  local root = meta_string(doc.meta, "repo_root")
  local mode = meta_string(doc.meta, "mode")
  if mode == "source_page" then
    source_page(root, meta_string(doc.meta, "files"))
    return doc
  end
  local quiet = doc.meta.quiet ~= nil
  local check = mode == "check"
  local elide = L.elide_set(meta_string(doc.meta, "elide"))
  local stubbed = L.workspace_exercises(root)
  if stubbed then
    elide = elide or {}
    for name in pairs(stubbed) do elide[name] = true end
  end
  if elide and elide["all"] then elide = { all = true } end

  local listings, problems = L.scan(root)
  local failed = 0
  local function problem(message)
    failed = failed + 1
    if check then
      io.stdout:write("FAIL listings: " .. message .. "\n")
    else
      io.stderr:write("listings: error: " .. message .. "\n")
    end
  end
  for _, message in ipairs(problems) do problem("source markers: " .. message) end
  if #problems > 0 and not check and doc.meta.keep_going == nil then
    io.stderr:write("listings: error: no lesson was changed; fix the source markers above, " ..
                    "then run make listings again\n")
    os.exit(1)
  end

  local lessons, updated, total = 0, 0, 0
  for readme in meta_string(doc.meta, "files"):gmatch("%S+") do
    local text = L.read_file(root .. "/" .. readme)
    if not text then
      problem(readme .. " does not exist")
    else
      local new, results = L.embed(text, readme, listings, elide, stubbed ~= nil)
      local bad = 0
      for _, r in ipairs(results) do
        local where = string.format("%s:%d: listing '%s'", readme, r.line, r.name)
        if r.status == "missing" then
          problem(string.format("%s does not exist: no source file marks a region " ..
                  "'// [listing:%s]' … '// [/listing]'; fix the name in the lesson or mark the region",
                  where, r.name))
          bad = bad + 1
        elseif r.status == "empty" then
          problem(string.format("%s (%s:%d) is empty; put code between its markers",
                  where, r.region.file, r.region.first - 1))
          bad = bad + 1
        elseif check and r.status == "bare" then
          problem(string.format("%s has no code under its marker; run make listings", where))
          bad = bad + 1
        elseif check and r.status == "stale" then
          local first, last = L.span(L.runs(r.region, elide))
          problem(string.format("%s is not the code of %s, %s (%s); run make listings",
                  where, r.region.file, L.lines_label(first, last), r.detail))
          bad = bad + 1
        end
      end
      lessons = lessons + 1
      total = total + #results
      if check then
        if bad == 0 and #results > 0 and not quiet then
          io.stdout:write(string.format("ok listings: %s: the code of its %d listing(s) is the source's\n",
                                        readme, #results))
        end
      elseif new ~= text then
        if not write_file(root .. "/" .. readme, new) then
          problem("could not write " .. readme .. " (is it writable?)")
        else
          updated = updated + 1
          if not quiet then
            io.stdout:write(string.format("listings: updated %s\n", readme))
          end
        end
      end
    end
  end
  if not check and not quiet then
    io.stdout:write(string.format("listings: %d listing(s) in %d lesson(s); %s\n", total, lessons,
      updated == 0 and "every lesson was up to date, none written" or
        (updated .. " lesson(s) updated")))
  end
  if failed > 0 then os.exit(1) end
  return doc
end
