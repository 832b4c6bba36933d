// Loads a tenantrun HTML report from disk in headless Chromium (puppeteer-core over the
// DevTools protocol), drives its filters and tenant pages, and prints what it saw as one
// JSON object on stdout for the Rust test to judge. Saves a screenshot.
//
// usage: node check_report.mjs REPORT.html SCREENSHOT.png [CHROMIUM]
import puppeteer from "puppeteer-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [report, screenshot, chromium = "/usr/bin/chromium"] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "tenantrun-chromium-"));
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  userDataDir: profile,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const seen = { requests: [], console_errors: [], page_errors: [] };
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 900 });
  page.on("request", (r) => seen.requests.push(r.url()));
  page.on("console", (m) => { if (m.type() === "error") seen.console_errors.push(m.text()); });
  page.on("pageerror", (e) => seen.page_errors.push(String(e)));
  const started = Date.now();
  await page.goto(pathToFileURL(resolve(report)).href, { waitUntil: "load" });
  await page.waitForSelector("body[data-ready='1']", { timeout: 60000 });
  seen.load_ms = Date.now() - started;

  const rows = () => page.$$eval("#matrix tbody tr", (trs) => trs.map((tr) => tr.getAttribute("data-tenant")));
  seen.title = await page.title();
  seen.run_id = await page.$eval("#run-id", (e) => e.textContent);
  seen.tenants = await page.$$eval("#matrix tbody tr", (trs) => trs.map((tr) => ({
    id: tr.querySelector(".tenant-link").textContent,
    name: tr.querySelector(".name") ? tr.querySelector(".name").textContent : null,
    status: tr.children[2].textContent,
    cells: Array.from(tr.querySelectorAll("td.cell")).map((td) => td.textContent),
    flagged: Array.from(tr.querySelectorAll("td.cell")).map((td) => td.classList.contains("checks-failing")),
  })));
  seen.shown = await page.$eval("#shown-count", (e) => e.textContent);
  seen.groups = await page.$$eval(".group", (gs) => gs.map((g) => ({
    cmdlet: g.querySelector(".group-cmdlet").textContent,
    kind: g.querySelector(".group-kind").textContent,
    message: g.querySelector(".group-message").textContent,
    tenants: Array.from(g.querySelectorAll(".tenant-link")).map((a) => a.textContent),
  })));
  seen.failing_checks = await page.$$eval("#checks-table tr.check-failing", (trs) => trs.map((tr) => tr.getAttribute("data-check")));
  seen.checks = await page.$$eval("#checks-table tr.check-row", (trs) => trs.map((tr) =>
    Array.from(tr.children).map((td) => td.textContent)));

  // Filters, driven as a person would.
  const filtered = {};
  await page.type("#filter-text", "FABRIK");
  filtered.text = await rows();
  await page.$eval("#filter-text", (e) => { e.value = ""; e.dispatchEvent(new Event("input")); });
  await page.select("#filter-tag", "lab");
  filtered.tag = await rows();
  await page.select("#filter-tag", "");
  await page.select("#filter-status", "checks-failing");
  filtered.checks_failing = await rows();
  await page.select("#filter-status", "failed");
  filtered.status_failed = await rows();
  await page.select("#filter-status", "ok");
  filtered.status_ok = await rows();
  filtered.status_ok_shown = await page.$eval("#shown-count", (e) => e.textContent);
  await page.select("#filter-status", "");
  filtered.none = await rows();
  seen.filtered = filtered;

  // A tenant's page.
  await page.click("#matrix tbody tr[data-tenant='fabrikam.onmicrosoft.com'] .tenant-link");
  await page.waitForSelector("#tenant-page:not(.hidden)");
  seen.tenant_page = await page.$eval("#tenant-page", (p) => ({
    id: p.querySelector("#tenant-id").textContent,
    name: p.querySelector("#tenant-name") ? p.querySelector("#tenant-name").textContent : null,
    steps: Array.from(p.querySelectorAll("tr.step-row")).map((tr) => [tr.children[0].textContent,
      tr.children[2].textContent, tr.querySelector(".step-error").textContent]),
    checks: Array.from(p.querySelectorAll("tr.tenant-check")).map((tr) => [tr.getAttribute("data-check"),
      tr.children[1].textContent]),
  }));

  // Planted markup must have stayed text: no element made from it, no handler run.
  seen.img_elements = await page.$$eval("img", (imgs) => imgs.length);
  seen.pwned = await page.evaluate(() => window.__pwned === undefined ? null : window.__pwned);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshot, fullPage: true });
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(seen) + "\n");
