// Measures how a tenantrun HTML report loads in headless Chromium: time from navigation
// until the page marks itself ready (body[data-ready='1']), and time until a text filter
// narrows the matrix to one tenant. Prints one JSON object on stdout (the benchmark reads it).
//
// usage: node load_time.mjs REPORT.html FILTER_TEXT [CHROMIUM]
import puppeteer from "puppeteer-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [report, filterText, chromium = "/usr/bin/chromium"] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "tenantrun-chromium-"));
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  userDataDir: profile,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const seen = { page_errors: [] };
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  page.on("pageerror", (e) => seen.page_errors.push(String(e)));
  const started = performance.now();
  await page.goto(pathToFileURL(resolve(report)).href, { waitUntil: "load", timeout: 120000 });
  await page.waitForSelector("body[data-ready='1']", { timeout: 120000 });
  seen.ready_ms = Math.round(performance.now() - started);
  seen.rows_rendered = await page.$$eval("#matrix tbody tr", (trs) => trs.length);
  seen.shown = await page.$eval("#shown-count", (e) => e.textContent);
  const typed = performance.now();
  await page.$eval("#filter-text", (e, v) => { e.value = v; e.dispatchEvent(new Event("input")); }, filterText);
  await page.waitForFunction(() => document.querySelectorAll("#matrix tbody tr").length === 1, { timeout: 60000 });
  seen.filter_ms = Math.round(performance.now() - typed);
  seen.filtered_shown = await page.$eval("#shown-count", (e) => e.textContent);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(seen) + "\n");
