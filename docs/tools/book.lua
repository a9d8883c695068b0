-- book.lua — the pandoc filter that turns a lesson README into a page of the book.
--
-- What it does (docs/README.md explains the conventions for lesson authors):
--   <!-- listing: NAME -->            the source region marked // [listing:NAME] … // [/listing]
--                                     as a highlighted code block captioned with its file; the
--                                     code `make listings` put under the line (a fenced block and
--                                     a file/lines line) is part of the listing, shown once
--   <!-- figure: PATH | CAPTION -->   an image from the repository (e.g. build/out/x.svg),
--                                     copied into the site (docs/build.sh makes it if missing)
--   ![caption](relative/path.svg)     the same, with ordinary markdown syntax
--   [text](../05_cached_decode/README.md#step-2)   links between lessons become page links;
--                                     links to source files open a highlighted copy of the file
--   <!-- chapters -->                 (index page only) the table of contents
-- Anything it cannot resolve is an error naming the README and the problem; the page is not
-- written and `make docs` fails.
--
-- Metadata it needs (docs/build.sh passes them with -M):
--   repo_root   absolute path of the repository
--   source      the README's path relative to repo_root (e.g. chapters/05_cached_decode/README.md)
--   site_dir    absolute path of docs/site
--   page_kind   "chapter" or "index"
--   student     (optional) the student edition: every exercise's body in a listing is elided

local repo_root, source, site_dir, page_kind, allow_missing_figures
local errors = {}
local source_pages = {}   -- repository files the page links to (rendered by docs/build.sh)

local function fail(message)
  table.insert(errors, source .. ": " .. message)
end

-- --- paths -------------------------------------------------------------------------------
local function dirname(path)
  return path:match("^(.*)/[^/]*$") or ""
end

-- Joins base (a repository-relative folder) and a relative path, resolving "." and "..".
-- Returns nil when the result would leave the repository.
local function resolve(base, rel)
  local parts = {}
  local joined = (base ~= "" and (base .. "/") or "") .. rel
  for part in joined:gmatch("[^/]+") do
    if part == ".." then
      if #parts == 0 then return nil end
      table.remove(parts)
    elseif part ~= "." then
      table.insert(parts, part)
    end
  end
  return table.concat(parts, "/")
end

local function kind_of(path)  -- "file", "directory" or nil
  local full = repo_root .. "/" .. path
  local f = io.open(full, "r")
  if not f then return nil end
  local ok, _, code = f:read(1)
  f:close()
  if ok == nil and code == 21 then return "directory" end  -- EISDIR
  return "file"
end

-- listings.lua: the listing regions (below), and its file reader.
local L = dofile((PANDOC_SCRIPT_FILE:match("^(.*)/[^/]*$") or ".") .. "/listings.lua")
local read_file = L.read_file

local function copy_file(from, to)
  local data = read_file(from)
  if not data then return false end
  local f = io.open(to, "wb")
  if not f then return false end
  f:write(data)
  f:close()
  return true
end

local function html_escape(s)
  return (s:gsub("&", "&amp;"):gsub("<", "&lt;"):gsub(">", "&gt;"):gsub('"', "&quot;"))
end

-- Source files get a highlighted page of their own under site/src/ (docs/build.sh renders them).
local text_extensions = { cpp = true, hpp = true, h = true, cc = true, sh = true, lua = true,
                          md = true, json = true, txt = true, py = true, mk = true, css = true,
                          html = true, csv = true, tsv = true }
local function is_text_source(path)
  local ext = path:match("%.([%w]+)$")
  return (ext and text_extensions[ext]) or path:match("Makefile$") ~= nil
end

local function source_page(path)
  source_pages[path] = true
  return "src/" .. path .. ".html"
end

-- --- listings ------------------------------------------------------------------------------
-- The regions and the lines they show come from listings.lua (loaded at the top), as for
-- `make listings` (which puts the same code into the lesson's markdown, under the marker).
local listings = nil
local scan_errors = {}
local site_elide = nil     -- exercises whose bodies the page hides (student edition, workspace)
local readme_elide = nil   -- those the lesson's embedded code hides (in an exercise workspace)

local function normalized(code)  -- pandoc reads tabs as spaces: compare what is not blank
  return (code:gsub("%s+", " "):gsub("^ ", ""):gsub(" $", ""))
end

-- The listing NAME as a captioned block. `embedded` is the code the lesson carries under the
-- marker, if any: when it is not the source's, the build warns (the test fails on it).
local function listing_block(name, embedded)
  if not listings then listings, scan_errors = L.scan(repo_root) end
  local region = listings[name]
  if not region then
    fail(string.format("listing '%s' does not exist (mark it in a source file with " ..
                       "'// [listing:%s]' … '// [/listing]' lines)", name, name))
    return pandoc.Para({ pandoc.Strong({ pandoc.Str("[unresolved listing: " .. name .. "]") }) })
  end
  local runs = L.runs(region, site_elide)
  if #runs == 0 then
    fail(string.format("listing '%s' (%s:%d) is empty", name, region.file, region.first - 1))
    return pandoc.Null()
  end
  if embedded and normalized(embedded) ~= normalized(L.code_text(L.runs(region, readme_elide))) then
    io.stderr:write(string.format("warning: the code under <!-- listing: %s --> is not %s's " ..
                                  "(the page shows the source's); run make listings\n",
                                  name, region.file))
  end
  local first_line, last_line = L.span(runs)
  local href = source_page(region.file) .. "#L-" .. first_line
  local caption = string.format(
    '<div class="listing-caption"><span class="listing-label">Listing</span> ' ..
    '<a href="%s"><code>%s</code></a>, %s</div>', href, html_escape(region.file),
    L.lines_label(first_line, last_line))
  local blocks = { pandoc.RawBlock("html", caption) }
  local language = L.language(region.file)
  for _, run in ipairs(runs) do
    if run.placeholder then  -- an elided exercise body: no line numbers of its own
      table.insert(blocks, pandoc.CodeBlock(table.concat(run.text, "\n"),
        pandoc.Attr("", { language, "numberLines", "elided" })))
    else
      table.insert(blocks, pandoc.CodeBlock(table.concat(run.text, "\n"),
        pandoc.Attr("", { language, "numberLines" }, { { "startFrom", tostring(run.first) } })))
    end
  end
  return pandoc.Div(blocks, pandoc.Attr("listing-" .. name, { "listing" }))
end

local function listing_name(block)  -- NAME for a <!-- listing: NAME --> block, else nil
  if block.t ~= "RawBlock" or block.format ~= "html" then return nil end
  return block.text:match("^%s*<!%-%-%s*listing:%s*([^%s]-)%s*%-%->%s*$")
end

local function is_source_line(block)  -- the <sub>[file](link), lines a–b</sub> under the code
  if not block or block.t ~= "Para" then return false end
  local c = block.content
  if #c < 3 or c[1].t ~= "RawInline" or c[1].text ~= "<sub>" or
     c[#c].t ~= "RawInline" or c[#c].text ~= "</sub>" then
    return false
  end
  for _, inline in ipairs(c) do
    if inline.t == "Link" then return true end
  end
  return false
end

-- A marker, the fenced code under it and the file/lines line after that are one listing (what
-- `make listings` writes). A bare marker is one too; a fenced block with no file/lines line
-- after it is the author's own, not the listing's.
local function listing_blocks(blocks)
  local out, i, changed = {}, 1, false
  while i <= #blocks do
    local name = listing_name(blocks[i])
    if name then
      changed = true
      local code, following = blocks[i + 1], blocks[i + 2]
      if code and code.t == "CodeBlock" and is_source_line(following) then
        table.insert(out, listing_block(name, code.text))
        i = i + 3
      elseif is_source_line(code) then
        table.insert(out, listing_block(name, nil))
        i = i + 2
      else
        table.insert(out, listing_block(name, nil))
        i = i + 1
      end
    else
      table.insert(out, blocks[i])
      i = i + 1
    end
  end
  if changed then return out end
end

-- --- figures ------------------------------------------------------------------------------
local figures_used = {}  -- site name -> repository path

local function publish_figure(path)  -- repository-relative path -> site-relative src, or nil
  if kind_of(path) ~= "file" then return nil end
  local base = path:match("([^/]+)$")
  if figures_used[base] and figures_used[base] ~= path then
    fail(string.format("two figures share the file name %s (%s and %s); rename one",
                       base, figures_used[base], path))
  end
  figures_used[base] = path
  os.execute("mkdir -p '" .. site_dir .. "/figures'")
  if not copy_file(repo_root .. "/" .. path, site_dir .. "/figures/" .. base) then
    fail("could not copy figure " .. path .. " into the site")
  end
  return "figures/" .. base
end

local function figure_block(spec)
  local fields = {}
  for field in (spec .. "|"):gmatch("([^|]*)|") do
    table.insert(fields, (field:gsub("^%s+", ""):gsub("%s+$", "")))
  end
  local path, caption, command = fields[1], fields[2] or "", fields[3]
  local src = publish_figure(path)
  if not src and allow_missing_figures then
    return pandoc.Para({ pandoc.Emph({ pandoc.Str("[figure " .. path .. " not made in this build]") }) })
  end
  if not src then
    fail(string.format("figure %s does not exist%s", path,
         command and command ~= "" and (" (docs/build.sh ran '" .. command ..
                     "' and it did not make it)")
         or " (run the chapter that makes it, or add '| caption | command' to the figure line " ..
            "so make docs can make it)"))
    return pandoc.Para({ pandoc.Strong({ pandoc.Str("[missing figure: " .. path .. "]") }) })
  end
  local html = string.format('<figure class="plot"><img src="%s" alt="%s">%s</figure>',
    src, html_escape(caption ~= "" and caption or path),
    caption ~= "" and ("<figcaption>" .. html_escape(caption) .. "</figcaption>") or "")
  return pandoc.RawBlock("html", html)
end

-- --- the table of contents on the index page ----------------------------------------------
local function chapters_table()
  local rows = {}
  local descriptions = read_file(repo_root .. "/docs/chapters.txt") or ""
  local html = { '<table class="chapters"><thead><tr><th>chapter</th><th>what you learn</th>' ..
                 '<th>run it</th></tr></thead><tbody>' }
  for line in descriptions:gmatch("[^\n]+") do
    local nn, title, teaches = line:match("^(%d%d)%s*|%s*([^|]-)%s*|%s*(.-)%s*$")
    local part = line:match("^#%s*(.-)%s*$")  -- "# Part two — serving many sequences": a heading row
    if part then
      table.insert(html, string.format('<tr class="part"><th colspan="3">%s</th></tr>', html_escape(part)))
    end
    if nn then
      local pipe = io.popen("cd '" .. repo_root .. "' && ls -d chapters/" .. nn ..
                            "_*/README.md 2>/dev/null | head -n 1")
      local readme = pipe:read("l")
      pipe:close()
      local cell
      if readme then
        local page = readme:match("^chapters/([^/]+)/README%.md$") .. ".html"
        -- the lesson's own title, without its "Chapter NN —" prefix, when it has one
        local heading = (read_file(repo_root .. "/" .. readme) or ""):match("^#%s+([^\n]+)") or
                        (read_file(repo_root .. "/" .. readme) or ""):match("\n#%s+([^\n]+)")
        if heading then
          heading = heading:gsub("^[Cc]hapter%s+%d+%s*[—:%-–]+%s*", ""):gsub("%s+$", "")
          if heading ~= "" then title = heading end
        end
        cell = string.format('<a href="%s"><span class="num">%s</span> %s</a>', page, nn,
                             html_escape(title))
      else
        cell = string.format('<span class="num">%s</span> %s<br><em>(not written yet)</em>', nn,
                             html_escape(title))
      end
      table.insert(html, string.format(
        '<tr><td>%s</td><td>%s</td><td><code>make chapter%s &amp;&amp; ./chapter%s</code><br>' ..
        '<code>make check CH=%s</code><br><code>make exercise CH=%s</code></td></tr>',
        cell, html_escape(teaches), nn, nn, nn, nn))
    end
  end
  table.insert(html, "</tbody></table>")
  return pandoc.RawBlock("html", table.concat(html, "\n"))
end

-- --- links --------------------------------------------------------------------------------
-- Rewrites a link target written for GitHub (relative to the README) into one for the site.
local function site_target(target, what)
  if target:match("^%a[%w+.-]*:") or target:match("^#") or target == "" then return target end
  local path, fragment = target:match("^([^#]*)(#?.*)$")
  local resolved = resolve(dirname(source), path)
  if not resolved then
    fail(string.format("%s %s points outside the repository", what, target))
    return target
  end
  if resolved:match("^build/") then  -- a generated file (a plot, a CSV): copied like a figure
    local src = publish_figure(resolved)
    if not src and allow_missing_figures then return target end
    if not src then fail(string.format("%s %s: %s does not exist (run the chapter that makes it)",
                                       what, target, resolved)) end
    return (src or target) .. fragment
  end
  local kind = kind_of(resolved)
  if not kind then
    fail(string.format("%s %s: %s does not exist", what, target, resolved))
    return target
  end
  local chapter = resolved:match("^chapters/([^/]+)/README%.md$") or
                  (kind == "directory" and resolved:match("^chapters/([^/]+)$"))
  if chapter then return chapter .. ".html" .. fragment end
  if resolved == "README.md" or resolved == "" then return "index.html" .. fragment end
  if kind == "file" and is_text_source(resolved) then
    local line = fragment:match("^#L(%d+)") -- GitHub-style #L42 line links
    return source_page(resolved) .. (line and ("#L-" .. line) or fragment)
  end
  -- a folder or another file: relative to docs/site, it is found in the repository checkout
  return "../../" .. resolved .. fragment
end

-- --- the filter ---------------------------------------------------------------------------
local function read_meta(meta)
  repo_root = pandoc.utils.stringify(meta.repo_root or "")
  source = pandoc.utils.stringify(meta.source or "")
  site_dir = pandoc.utils.stringify(meta.site_dir or "")
  page_kind = pandoc.utils.stringify(meta.page_kind or "chapter")
  allow_missing_figures = meta.allow_missing_figures ~= nil
  -- In an exercise workspace the lessons' code hides the exercises it stubbed (make listings
  -- did that), and so do its pages; the student edition hides every exercise.
  readme_elide = L.workspace_exercises(repo_root ~= "" and repo_root or ".")
  site_elide = meta.student ~= nil and { all = true } or readme_elide
  if repo_root == "" or source == "" or site_dir == "" then
    io.stderr:write("book.lua: repo_root, source and site_dir metadata are required " ..
                    "(run docs/build.sh, not pandoc directly)\n")
    os.exit(2)
  end
  -- the page title is the lesson's first heading
  return meta
end

local first_heading = nil

local function raw_block(el)
  if el.format ~= "html" then return nil end
  local text = el.text
  local name = text:match("^%s*<!%-%-%s*listing:%s*([^%s]-)%s*%-%->%s*$")
  if name then return listing_block(name) end
  local spec = text:match("^%s*<!%-%-%s*figure:%s*(.-)%s*%-%->%s*$")
  if spec then return figure_block(spec) end
  if page_kind == "index" and text:match("^%s*<!%-%-%s*chapters%s*%-%->%s*$") then
    return chapters_table()
  end
  if text:match("^%s*<!%-%-%s*listing") or text:match("^%s*<!%-%-%s*figure") then
    fail("malformed directive " .. text .. " (write <!-- listing: name --> or " ..
         "<!-- figure: path | caption | command -->, alone on a line with blank lines around)")
  end
  return nil
end

local function raw_inline(el)
  if el.format == "html" and (el.text:match("^<!%-%-%s*listing") or
                              el.text:match("^<!%-%-%s*figure")) then
    fail("directive " .. el.text .. " must be alone in its own paragraph " ..
         "(put a blank line before and after it)")
  end
end

local function image(el)
  local src = el.src
  if src:match("^%a[%w+.-]*:") then
    fail("image " .. src .. " is remote; the book works offline: put the file in the repository")
    return el
  end
  local resolved = resolve(dirname(source), src)
  local published = resolved and publish_figure(resolved)
  if not published and allow_missing_figures and resolved and resolved:match("^build/") then
    return pandoc.Emph({ pandoc.Str("[figure " .. resolved .. " not made in this build]") })
  end
  if not published then
    fail(string.format("image %s: %s does not exist (run the chapter that makes it, or use " ..
                       "<!-- figure: path | caption | command --> so make docs makes it)",
                       src, resolved or src))
    return el
  end
  el.src = published
  return el
end

-- `\*` in math is an asterisk escaped for GitHub's markdown; TeX has no such command.
local function math(el)
  if el.text:find("\\%*") then
    el.text = el.text:gsub("\\%*", "*")
    return el
  end
end

local function link(el)
  el.target = site_target(el.target, "link")
  return el
end

local function header(el)
  if el.level == 1 and not first_heading then first_heading = pandoc.utils.stringify(el.content) end
end

local function finish(doc)
  for _, message in ipairs(scan_errors) do table.insert(errors, 1, "source markers: " .. message) end
  if #errors > 0 then
    for _, message in ipairs(errors) do io.stderr:write("docs: error: " .. message .. "\n") end
    os.exit(1)
  end
  if first_heading and not doc.meta.pagetitle then doc.meta.pagetitle = first_heading end
  -- tell docs/build.sh which source files need a page of their own
  local list = io.open(site_dir .. "/.source_pages", "a")
  for path in pairs(source_pages) do list:write(path, "\n") end
  list:close()
  return doc
end

return {
  { Meta = read_meta },
  { Blocks = listing_blocks },
  { RawBlock = raw_block, RawInline = raw_inline, Image = image, Link = link, Header = header,
    Math = math },
  { Pandoc = finish },
}
