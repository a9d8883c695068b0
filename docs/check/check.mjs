// check.mjs — opens every page of the book in headless Chromium (Debian's /usr/bin/chromium,
// driven by playwright-core; nothing downloads a browser) and fails on
//   a broken link (a missing file, or a #fragment with no such id in the target page),
//   a missing or undecodable image, an unresolved listing or figure, a page error;
// it saves a full-page screenshot of each page.
// Usage: node check.mjs SITE_DIR SCREENSHOT_DIR      (make docs-check runs it)
// Prints one line per page: "ok PAGE" or "FAIL PAGE: why", then a summary line.
import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [siteArg, shotsArg] = process.argv.slice(2);
if (!siteArg || !shotsArg) {
  console.error("usage: node check.mjs SITE_DIR SCREENSHOT_DIR");
  process.exit(2);
}
const site = path.resolve(siteArg);
const shots = path.resolve(shotsArg);
const browserPath = process.env.CHROMIUM || "/usr/bin/chromium";

function htmlFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full !== shots) out.push(...htmlFiles(full));
    } else if (entry.name.endsWith(".html")) {
      out.push(full);
    }
  }
  return out.sort();
}

// ids in a page, read from its file (for links into other pages)
const idCache = new Map();
function idsOf(file) {
  if (!idCache.has(file)) {
    const text = fs.readFileSync(file, "utf8");
    idCache.set(file, new Set([...text.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1])));
  }
  return idCache.get(file);
}

const pages = htmlFiles(site);
if (pages.length === 0) {
  console.error(`docs-check: no pages in ${site}; run make docs first`);
  process.exit(1);
}
fs.mkdirSync(shots, { recursive: true });

const profile = fs.mkdtempSync(path.join(os.tmpdir(), "docs-check-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: browserPath,
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
// The book works offline: any request that leaves the machine is a bug (and would hang).
await context.route(/^https?:/, (route) => route.abort());

let failedPages = 0;
for (const file of pages) {
  const name = path.relative(site, file);
  const problems = [];
  const raw = fs.readFileSync(file, "utf8");
  for (const m of raw.matchAll(/<!--\s*(listing|figure):[^>]*-->/g)) {
    problems.push(`unresolved directive ${m[0]}`);
  }
  const page = await context.newPage();
  page.on("pageerror", (err) => problems.push(`script error: ${err.message}`));
  page.on("requestfailed", (req) => {
    if (!req.url().startsWith("http")) problems.push(`request failed: ${req.url()}`);
  });
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: "load", timeout: 30000 });
    const found = await page.evaluate(() => ({
      images: [...document.images].map((img) => ({
        src: img.currentSrc || img.src, ok: img.complete && img.naturalWidth > 0 })),
      links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
      ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
      text: document.body.innerText,
      title: document.title,
      maths: document.querySelectorAll("math").length,
      mathRendered: [...document.querySelectorAll("math")].every(
        (m) => m.getBoundingClientRect().width > 0),
    }));
    for (const img of found.images) if (!img.ok) problems.push(`missing image ${img.src}`);
    for (const marker of ["[unresolved listing", "[missing figure", "<!-- listing", "<!-- figure"]) {
      if (found.text.includes(marker)) problems.push(`page text contains "${marker}"`);
    }
    if (!found.mathRendered) problems.push("a MathML formula has zero width (not rendered)");
    if (!found.title.trim()) problems.push("page has no title");
    const ownIds = new Set(found.ids);
    let external = 0;
    for (const href of new Set(found.links)) {
      const url = new URL(href);
      if (url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:") {
        external++;
        continue;
      }
      if (url.protocol !== "file:") { problems.push(`unexpected link ${href}`); continue; }
      const target = fileURLToPath(url);
      const fragment = decodeURIComponent(url.hash.slice(1));
      if (!fs.existsSync(target)) { problems.push(`broken link ${href}`); continue; }
      if (!fragment) continue;
      const ids = target === file ? ownIds : (target.endsWith(".html") ? idsOf(target) : null);
      if (ids && !ids.has(fragment)) problems.push(`broken anchor ${href}`);
    }
    const shot = path.join(shots, name.replace(/\//g, "__").replace(/\.html$/, ".png"));
    await page.screenshot({ path: shot, fullPage: true });
  } catch (err) {
    problems.push(`could not open: ${err.message.split("\n")[0]}`);
  }
  await page.close();
  if (problems.length) {
    failedPages++;
    console.log(`FAIL ${name}: ${problems.join("; ")}`);
  } else {
    console.log(`ok ${name}`);
  }
}
await context.close();
fs.rmSync(profile, { recursive: true, force: true });
console.log(`docs-check: ${pages.length - failedPages} passed, ${failedPages} failed ` +
            `(screenshots in ${path.relative(process.cwd(), shots) || shots})`);
process.exit(failedPages ? 1 : 0);
