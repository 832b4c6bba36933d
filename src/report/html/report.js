// tenantrun HTML report: draws the run embedded in #run-data. Every value is placed
// with textContent (never as markup); the matrix is paginated and a tenant's page is
// drawn only when it is opened.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("run-data").textContent);
  var app = document.getElementById("app");
  var PAGE_SIZES = [50, 100, 500, 1000];
  var state = { text: "", tag: "", status: "", page: 0, size: 100 };

  function el(tag, attrs) {
    var node = document.createElement(tag);
    var a = attrs || {};
    Object.keys(a).forEach(function (k) {
      if (k === "class") { node.className = a[k]; }
      else if (k === "onclick") { node.addEventListener("click", a[k]); }
      else { node.setAttribute(k, a[k]); }
    });
    for (var i = 2; i < arguments.length; i++) { add(node, arguments[i]); }
    return node;
  }
  function add(node, child) {
    if (child === null || child === undefined) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { add(node, c); }); return; }
    node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  function slug(s) { return String(s).replace(/ /g, "-"); }
  function badge(s) { return el("span", { "class": "badge " + slug(s) }, s); }
  function plural(n, w) { return n + " " + w + (n === 1 ? "" : "s"); }
  function secs(ms) { return ms === null || ms === undefined ? "" : (ms / 1000).toFixed(1) + " s"; }
  function tenantLink(i) {
    var t = data.tenants[i];
    return el("span", null, el("a", { "class": "tenant-link", "data-tenant": t.id, onclick: function () { openTenant(i); } }, t.id),
      t.name ? el("span", { "class": "name" }, " (", t.name, ")") : null);
  }

  // ---- header
  function header() {
    var r = data.run;
    var c = r.counts, k = r.checks;
    var cards = [["Tenants", data.tenants.length], ["Steps ok", c.ok], ["Steps failed", c.failed],
      ["Skipped", c.skipped], ["Not run", c.not_run]];
    if (k.pass + k.fail + k.error + k.exempt > 0) {
      cards.push(["Checks pass", k.pass], ["Checks fail", k.fail], ["Checks error", k.error], ["Exempt", k.exempt]);
    }
    return el("header", { id: "run-header" },
      el("h1", null, "Run ", el("span", { id: "run-id" }, r.id)),
      el("div", { "class": "meta" }, "started ", r.started,
        r.finished ? " · duration " + secs(r.duration_ms) : (r.interrupted ? " · interrupted" : " · not finished"),
        " · profile ", r.digest, r.resumes ? " · resumed " + r.resumes + "×" : ""),
      el("div", { "class": "cards" }, cards.map(function (x) {
        return el("div", { "class": "card", "data-count": slug(x[0]).toLowerCase() }, el("b", null, x[1]), x[0]);
      })));
  }

  // ---- matrix with filters and pages
  var tags = {};
  data.tenants.forEach(function (t) { t.tags.forEach(function (g) { tags[g] = true; }); });
  var statuses = { "ok": true, "failed": true, "skipped": true, "incomplete": true };
  data.tenants.forEach(function (t) { statuses[t.status] = true; });

  function failingChecks(t) {
    var n = 0;
    t.checks.forEach(function (c) { if (c[1] === "fail") { n++; } });
    return n;
  }
  function matches(t) {
    if (state.text) {
      var q = state.text.toLowerCase();
      if (t.id.toLowerCase().indexOf(q) < 0 && (t.name || "").toLowerCase().indexOf(q) < 0) { return false; }
    }
    if (state.tag && t.tags.indexOf(state.tag) < 0) { return false; }
    if (state.status === "checks-failing") { return failingChecks(t) > 0; }
    if (state.status && t.status !== state.status) { return false; }
    return true;
  }
  var matrixBody, shownCount, pager;
  function matrix() {
    var text = el("input", { id: "filter-text", type: "search", placeholder: "name or id", size: "28" });
    text.addEventListener("input", function () { state.text = text.value; state.page = 0; drawMatrix(); });
    var tag = el("select", { id: "filter-tag" }, el("option", { value: "" }, "any tag"),
      Object.keys(tags).sort().map(function (g) { return el("option", { value: g }, g); }));
    tag.addEventListener("change", function () { state.tag = tag.value; state.page = 0; drawMatrix(); });
    var status = el("select", { id: "filter-status" }, el("option", { value: "" }, "any status"),
      Object.keys(statuses).sort().map(function (s) { return el("option", { value: s }, s); }),
      el("option", { value: "checks-failing" }, "failing checks"));
    status.addEventListener("change", function () { state.status = status.value; state.page = 0; drawMatrix(); });
    var size = el("select", { id: "page-size" }, PAGE_SIZES.map(function (n) {
      var o = el("option", { value: String(n) }, n + " per page");
      if (n === state.size) { o.selected = true; }
      return o;
    }));
    size.addEventListener("change", function () { state.size = Number(size.value); state.page = 0; drawMatrix(); });
    shownCount = el("span", { id: "shown-count" });
    pager = el("div", { "class": "pager" });
    matrixBody = el("tbody");
    return el("section", { id: "matrix-section" }, el("h2", null, "Tenants × command lists"),
      el("div", { "class": "filters" }, text, tag, status, size, shownCount), pager,
      el("table", { id: "matrix" }, el("thead", null, el("tr", null, el("th", null, "Tenant"), el("th", null, "Tags"),
        el("th", null, "Status"), data.commands.map(function (c) { return el("th", null, c); }))), matrixBody));
  }
  function drawMatrix() {
    var hits = [];
    data.tenants.forEach(function (t, i) { if (matches(t)) { hits.push(i); } });
    var pages = Math.max(1, Math.ceil(hits.length / state.size));
    if (state.page >= pages) { state.page = pages - 1; }
    var from = state.page * state.size, to = Math.min(hits.length, from + state.size);
    var rows = document.createDocumentFragment();
    for (var n = from; n < to; n++) {
      var i = hits[n], t = data.tenants[i];
      rows.appendChild(el("tr", { "data-tenant": t.id }, el("td", null, tenantLink(i)),
        el("td", null, t.tags.map(function (g) { return el("span", { "class": "tag" }, g); })),
        el("td", null, badge(t.status)),
        t.cells.map(function (c) {
          if (!c) { return el("td", { "class": "cell none" }, "–"); }
          var cls = "cell " + slug(c[0]) + (c[1] > 0 ? " checks-failing" : "");
          return el("td", { "class": cls, title: c[1] > 0 ? plural(c[1], "failing check") : c[0] },
            c[0], c[1] > 0 ? " ⚑" + c[1] : "");
        })));
    }
    matrixBody.textContent = "";
    matrixBody.appendChild(rows);
    shownCount.textContent = hits.length === data.tenants.length ? plural(hits.length, "tenant")
      : hits.length + " of " + plural(data.tenants.length, "tenant");
    pager.textContent = "";
    if (pages > 1) {
      var prev = el("button", { id: "page-prev", onclick: function () { state.page--; drawMatrix(); } }, "‹ previous");
      var next = el("button", { id: "page-next", onclick: function () { state.page++; drawMatrix(); } }, "next ›");
      prev.disabled = state.page === 0;
      next.disabled = state.page === pages - 1;
      add(pager, [prev, el("span", { id: "page-info" }, "page " + (state.page + 1) + " of " + pages +
        " (" + (from + 1) + "–" + to + ")"), next]);
    }
  }

  // ---- failure groups
  var GROUP_NAMED = 20;
  function groups() {
    if (!data.groups.length) { return null; }
    return el("section", { id: "groups" }, el("h2", null, "Failures by cause (" + plural(data.groups.length, "group") + ")"),
      data.groups.map(function (g) {
        var list = el("div", { "class": "group-tenants" });
        function draw(all) {
          list.textContent = "";
          var shown = all ? g.tenants : g.tenants.slice(0, GROUP_NAMED);
          shown.forEach(function (i, n) { if (n) { add(list, ", "); } add(list, tenantLink(i)); });
          if (shown.length < g.tenants.length) {
            add(list, [" … ", el("a", { "class": "show-all", onclick: function () { draw(true); } },
              "show all " + g.tenants.length)]);
          }
        }
        draw(false);
        return el("div", { "class": "group" }, el("div", null, el("b", { "class": "group-cmdlet" }, g.cmdlet), " · ",
          el("span", { "class": "group-kind" }, g.kind), " · ", plural(g.tenants.length, "tenant")),
          el("div", { "class": "msg group-message" }, g.message), list);
      }));
  }

  // ---- checks by id
  function checks() {
    if (!data.checks.length) { return null; }
    return el("section", { id: "checks" }, el("h2", null, "Checks"),
      el("table", { id: "checks-table" }, el("thead", null, el("tr", null, ["Check", "Severity", "Title", "Step",
        "Pass", "Fail", "Error", "Exempt"].map(function (h) { return el("th", null, h); }))),
      el("tbody", null, data.checks.map(function (c) {
        return el("tr", { "class": "check-row" + (c.fail ? " check-failing" : ""), "data-check": c.id },
          el("td", null, c.id), el("td", null, c.severity), el("td", null, c.title || ""),
          el("td", null, c.command + "[" + c.step + "] " + c.cmdlet), el("td", null, c.pass),
          el("td", null, c.fail ? el("span", { "class": "badge fail" }, c.fail) : "0"), el("td", null, c.error), el("td", null, c.exempt));
      }))));
  }

  // ---- a tenant's page
  var tenantPage = el("section", { id: "tenant-page", "class": "hidden" });
  function openTenant(i) {
    var t = data.tenants[i];
    tenantPage.textContent = "";
    add(tenantPage, [el("h2", null, "Tenant ", el("span", { id: "tenant-id" }, t.id),
      t.name ? el("span", { "class": "name", id: "tenant-name" }, " (", t.name, ")") : null, " ", badge(t.status)),
      el("p", null, t.tags.map(function (g) { return el("span", { "class": "tag" }, g); }),
        el("a", { id: "tenant-close", onclick: function () { tenantPage.className = "hidden"; } }, " close")),
      el("table", { id: "tenant-steps" }, el("thead", null, el("tr", null, ["Step", "Cmdlet", "Status", "Attempts",
        "Duration", "Objects", "Error", "Warnings"].map(function (h) { return el("th", null, h); }))),
      el("tbody", null, t.steps.map(function (s) {
        var e = s[7];
        return el("tr", { "class": "step-row", "data-status": s[3] }, el("td", null, data.commands[s[0]] + "[" + s[1] + "]"),
          el("td", null, s[2]), el("td", null, badge(s[3])), el("td", null, s[4] === null ? "" : s[4]),
          el("td", null, secs(s[5])), el("td", null, s[6] === null ? "" : s[6]),
          el("td", { "class": "msg step-error" }, e ? e[0] + (e[1] ? " " + e[1] : "") + (e[2] ? " " + e[2] : "") + ": " + e[3] : ""),
          el("td", { "class": "msg" }, s[8].join("\n")));
      })))]);
    if (t.checks.length) {
      add(tenantPage, el("table", { id: "tenant-checks" }, el("thead", null, el("tr", null, ["Check", "Status",
        "Checked", "Failing", "Failing objects", "Detail"].map(function (h) { return el("th", null, h); }))),
      el("tbody", null, t.checks.map(function (c) {
        var row = data.checks[c[0]], ex = c[7];
        return el("tr", { "class": "tenant-check", "data-check": row.id }, el("td", null, row.id, row.title ? " " + row.title : ""),
          el("td", null, badge(c[1]), c[1] === "exempt" ? " (" + c[2] + ")" : ""), el("td", null, c[3]), el("td", null, c[4]),
          el("td", { "class": "msg" }, c[5].join("\n")),
          el("td", null, c[6], ex ? el("div", { "class": "meta" }, "exemption: " + ex[0] + " (until " + ex[1] + (ex[2] ? ", expired" : "") + ")") : null));
      }))));
    }
    tenantPage.className = "";
    tenantPage.scrollIntoView();
  }

  app.textContent = "";
  add(app, [header(), matrix(), tenantPage, groups(), checks()]);
  drawMatrix();
  document.body.setAttribute("data-ready", "1");
})();
