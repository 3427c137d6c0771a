// The report's own script: sortable tables, the offline evidence explorer and the document view.
// No network, no dependencies; corpus text is only ever set as text (textContent), never as HTML.
(function () {
  "use strict";
  function key(text) {
    var t = text.trim();
    if (t === "" || t === "–") { return null; }
    var m = /^[-+]?\d[\d,]*(\.\d+)?(e[-+]?\d+)?/i.exec(t);  // "1.23 [0.9, 1.5]" sorts by 1.23
    return m ? Number(m[0].replace(/,/g, "")) : t.toLowerCase();
  }
  function compare(a, b, dir) {
    if (a === null && b === null) { return 0; }
    if (a === null) { return 1; }
    if (b === null) { return -1; }
    if (typeof a === typeof b) { return (a < b ? -1 : a > b ? 1 : 0) * dir; }
    return (typeof a === "number" ? -1 : 1) * dir;
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("th").forEach(function (th, col) {
      th.addEventListener("click", function () {
        var body = table.tBodies[0];
        var dir = th.classList.contains("sorted-asc") ? -1 : 1;
        table.querySelectorAll("th").forEach(function (h) { h.classList.remove("sorted-asc", "sorted-desc"); });
        th.classList.add(dir === 1 ? "sorted-asc" : "sorted-desc");
        Array.prototype.slice.call(body.rows)
          .map(function (row) { return [key(row.cells[col].textContent), row]; })
          .sort(function (x, y) { return compare(x[0], y[0], dir); })
          .forEach(function (pair) { body.appendChild(pair[1]); });
      });
    });
  });

  // anchors land below the sticky navigation bar, however many lines it wraps to
  var nav = document.querySelector("nav.toc");
  function navHeight() {
    if (nav) { document.documentElement.style.setProperty("--nav-height", (nav.offsetHeight + 8) + "px"); }
  }
  navHeight();
  window.addEventListener("resize", navHeight);
  if (location.hash.length > 1) {
    var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) { target.scrollIntoView(); }
  }

  var dataEl = document.getElementById("explorer-data");
  if (!dataEl) { return; }
  var D = JSON.parse(dataEl.textContent);
  var VARS = D.vars, DOCS = D.docs, ENTRIES = D.entries, ROWS = D.rows;
  var PAGE = 200;
  var limit = PAGE;
  var docById = {}, entriesOfDoc = {}, rowsOfEntry = {}, rowsOfDoc = {};
  DOCS.forEach(function (d, i) { docById[d[0]] = i; });
  ENTRIES.forEach(function (e, i) { (entriesOfDoc[e[0]] = entriesOfDoc[e[0]] || []).push(i); });
  ROWS.forEach(function (r, i) {
    if (r[1] >= 0) { (rowsOfEntry[r[1]] = rowsOfEntry[r[1]] || []).push(i); }
    (rowsOfDoc[r[0]] = rowsOfDoc[r[0]] || []).push(i);
  });
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = text; }
    if (cls) { node.className = cls; }
    return node;
  }
  var fVar = $("ex-variable"), fStage = $("ex-stage"), fSource = $("ex-source"), fLang = $("ex-lang");
  var fText = $("ex-text"), fCounted = $("ex-counted");

  function options(select, values) {
    values.forEach(function (v) { var o = el("option", v[1]); o.value = v[0]; select.appendChild(o); });
  }
  var LANGS = D.langs || {};
  function lang(code) { return LANGS[code] || code; }
  function uniq(col, label) {
    var seen = {}, out = [];
    DOCS.forEach(function (d) {
      if (d[col] && !seen[d[col]]) { seen[d[col]] = 1; out.push([d[col], label ? label(d[col]) : d[col]]); }
    });
    return out;
  }
  var groups = {};
  VARS.forEach(function (v, i) {
    if (!groups[v[2]]) {
      groups[v[2]] = el("optgroup");
      groups[v[2]].label = v[3];
      var all = el("option", v[3] + " (all variables)");
      all.value = "c:" + v[2];
      groups[v[2]].appendChild(all);
      fVar.appendChild(groups[v[2]]);
    }
    var o = el("option", v[1]);
    o.value = "v:" + v[0];
    groups[v[2]].appendChild(o);
  });
  options(fStage, uniq(3));
  options(fSource, uniq(2));
  options(fLang, uniq(4, lang));

  function context(r) {
    if (r[1] < 0) { return [r[7][0], r[5], r[7][1]]; }
    var text = ENTRIES[r[1]][2];
    var lo = Math.max(0, r[3] - 60), hi = Math.min(text.length, r[4] + 60);
    return [(lo > 0 ? "…" : "") + text.slice(lo, r[3]), text.slice(r[3], r[4]), text.slice(r[4], hi) + (hi < text.length ? "…" : "")];
  }
  function matches(r) {
    var v = VARS[r[2]], d = DOCS[r[0]] || [];
    var fv = fVar.value;
    if (fv && !((fv.charAt(0) === "v" && fv.slice(2) === v[0]) || (fv.charAt(0) === "c" && fv.slice(2) === v[2]))) { return false; }
    if (fStage.value && d[3] !== fStage.value) { return false; }
    if (fSource.value && d[2] !== fSource.value) { return false; }
    if (fLang.value && d[4] !== fLang.value) { return false; }
    if (fCounted.checked && r[6].indexOf("c") < 0) { return false; }
    var q = fText.value.trim().toLowerCase();
    if (q) {
      var hay = (r[1] >= 0 ? ENTRIES[r[1]][2] : r[7].join(r[5])) + " " + r[5] + " " + (d[1] || "") + " " + (d[0] || "") + " " + v[1];
      if (hay.toLowerCase().indexOf(q) < 0) { return false; }
    }
    return true;
  }
  function docLink(i) {
    var a = el("a", DOCS[i] ? DOCS[i][0] : "?", "doclink");
    a.href = "#doc-" + (DOCS[i] ? DOCS[i][0] : "");
    a.setAttribute("data-doc", DOCS[i] ? DOCS[i][0] : "");
    if (DOCS[i] && DOCS[i][1]) { a.title = DOCS[i][1]; }
    return a;
  }
  function render() {
    var body = $("ex-table").tBodies[0];
    var hits = ROWS.filter(matches);
    body.textContent = "";
    hits.slice(0, limit).forEach(function (r) {
      var tr = el("tr"), d = DOCS[r[0]] || [], c = context(r), td = el("td");
      td.appendChild(docLink(r[0]));
      tr.appendChild(td);
      tr.appendChild(el("td", d[3]));
      tr.appendChild(el("td", d[2]));
      tr.appendChild(el("td", lang(d[4])));
      tr.appendChild(el("td", VARS[r[2]][1]));
      var p = el("td", null, "kwic");
      p.appendChild(document.createTextNode(c[0]));
      p.appendChild(el("mark", c[1]));
      p.appendChild(document.createTextNode(c[2]));
      tr.appendChild(p);
      tr.appendChild(el("td", r[6].indexOf("c") >= 0 ? "yes" : (r[6].indexOf("n") >= 0 ? "no (negated)" : "no")));
      body.appendChild(tr);
    });
    $("ex-count").textContent = hits.length + " of " + ROWS.length + " evidence rows" +
      (hits.length > limit ? " (first " + limit + " shown)" : "");
    $("ex-more").hidden = hits.length <= limit;
  }
  [fVar, fStage, fSource, fLang, fCounted].forEach(function (f) { f.addEventListener("change", function () { limit = PAGE; render(); }); });
  fText.addEventListener("input", function () { limit = PAGE; render(); });
  $("ex-more").addEventListener("click", function () { limit += PAGE; render(); });
  $("ex-reset").addEventListener("click", function () {
    [fVar, fStage, fSource, fLang].forEach(function (f) { f.value = ""; });
    fText.value = "";
    fCounted.checked = false;
    limit = PAGE;
    render();
  });
  render();

  // the document view: its entries in order, every hit highlighted at its offsets, variables named
  function highlighted(text, rowIds) {
    var box = el("div", null, "entry-text");
    var spans = rowIds.map(function (i) { return ROWS[i]; }).sort(function (a, b) { return a[3] - b[3] || b[4] - a[4]; });
    var pos = 0;
    for (var k = 0; k < spans.length; k++) {
      var s = Math.max(spans[k][3], pos), e = spans[k][4], names = [VARS[spans[k][2]][1]];
      if (e <= s) { continue; }
      while (k + 1 < spans.length && spans[k + 1][3] < e) { k++; e = Math.max(e, spans[k][4]); names.push(VARS[spans[k][2]][1]); }
      box.appendChild(document.createTextNode(text.slice(pos, s)));
      var m = el("mark", text.slice(s, e), "evidence");
      m.title = names.filter(function (n, i) { return names.indexOf(n) === i; }).join("; ");
      box.appendChild(m);
      pos = e;
    }
    box.appendChild(document.createTextNode(text.slice(pos)));
    return box;
  }
  function openDoc(i) {
    var d = DOCS[i], body = $("docview-body");
    body.textContent = "";
    var h = el("h2", d[0] + " · " + d[1]);
    h.id = "docview-title";
    body.appendChild(h);
    body.appendChild(el("p", [d[2], d[3], lang(d[4]), d[5] || "undated"].join(" · ") + " · " + (rowsOfDoc[i] || []).length + " hit(s)", "muted"));
    if (!d[6]) {
      body.appendChild(el("p", "The full text of this document is not embedded (size cap); its hits with their context follow. Every entry: entries.csv.", "warn"));
      (rowsOfDoc[i] || []).forEach(function (ri) {
        var c = context(ROWS[ri]), p = el("p", null, "passage");
        p.appendChild(el("span", VARS[ROWS[ri][2]][1] + ": ", "muted"));
        p.appendChild(document.createTextNode(c[0]));
        p.appendChild(el("mark", c[1], "evidence"));
        p.appendChild(document.createTextNode(c[2]));
        body.appendChild(p);
      });
    }
    (entriesOfDoc[i] || []).forEach(function (ei) {
      var e = ENTRIES[ei], rows = rowsOfEntry[ei] || [], div = el("div", null, "doc-entry");
      var meta = el("div", e[1] + (e[3] ? " · " + e[3] : ""), "meta");
      var seen = {};
      rows.forEach(function (ri) {
        var v = VARS[ROWS[ri][2]];
        if (!seen[v[0]]) { seen[v[0]] = 1; meta.appendChild(el("span", v[1], "tag")); }
      });
      div.appendChild(meta);
      div.appendChild(highlighted(e[2], rows));
      body.appendChild(div);
    });
    var dlg = $("docview");
    if (!dlg.open) { dlg.showModal(); }
    dlg.scrollTop = 0;
  }
  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a") : null;
    if (!a) { return; }
    var id = a.getAttribute("data-doc");
    if (id !== null && docById[id] !== undefined) {
      ev.preventDefault();
      openDoc(docById[id]);
      return;
    }
    if (a.classList.contains("explore")) {
      var v = a.getAttribute("data-variable") || "", s = a.getAttribute("data-stage") || "";
      fVar.value = VARS.some(function (x) { return x[0] === v; }) ? "v:" + v : (groups[v] ? "c:" + v : "");
      fStage.value = s;
      if (fStage.value !== s) { fStage.value = ""; }
      limit = PAGE;
      render();
    }
  });
}());
