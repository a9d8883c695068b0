-- pages.lua — runs after book.lua on every page: a link to one of the book's own pages beside
-- the chapters (docs/NAME.md, listed by docs/build.sh in the metadata `book_pages`) goes to that
-- page, NAME.html, not to a highlighted copy of its markdown (book.lua's rule for a linked
-- .md file). Written the GitHub way — [teachers](teachers.md) in docs/index.md,
-- docs/teachers.md from the top README — the link works in both places.

local pages = {}

local function read_meta(meta)
  for name in pandoc.utils.stringify(meta.book_pages or ""):gmatch("%S+") do pages[name] = true end
end

local function link(el)
  local name, fragment = el.target:match("^src/docs/([%w_%-]+)%.md%.html(.*)$")
  if name and pages[name] then el.target = name .. ".html" .. fragment end
  return el
end

return {
  { Meta = read_meta },
  { Link = link },
}
