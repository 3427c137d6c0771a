// corpus-tools review, document page: turn the coder's text selection into document offsets for the span form.
// Every run of text carries its document offset (data-o); offsets count Unicode code points, as the corpus and the
// store do (JavaScript strings count UTF-16 units, so an emoji before the selection must not shift it).
(function () {
  "use strict";
  const doc = document;
  if (doc.body.dataset.page !== "document") return;
  const box = doc.getElementById("doctext");
  const form = doc.getElementById("span-form");
  if (!box || !form) return;
  const segs = Array.from(box.querySelectorAll("[data-o]"));
  const field = function (id) { return doc.getElementById(id); };

  function chars(el) { return Array.from(el.textContent); }  // code points

  function boundary(node, offset) {
    // the document offset of a selection boundary inside the text, or null outside it
    if (node.nodeType === Node.TEXT_NODE) {
      const seg = node.parentElement ? node.parentElement.closest("[data-o]") : null;
      if (seg && box.contains(seg)) return Number(seg.dataset.o) + Array.from(node.data.slice(0, offset)).length;
    }
    if (!box.contains(node) && !node.contains(box)) return null;
    // elsewhere (a speaker label, between entries): the nearest text run that follows
    const point = doc.createRange();
    point.setStart(node, offset);
    for (const seg of segs) {  // the first run starting at or after the boundary
      if (point.comparePoint(seg, 0) >= 0) return Number(seg.dataset.o);
    }
    const last = segs[segs.length - 1];
    return last ? Number(last.dataset.o) + chars(last).length : null;
  }

  function covered(start, end) {
    // [offset, character] of the page's text between two offsets (the gaps between entries are not shown)
    const out = [];
    segs.forEach(function (seg) {
      const o = Number(seg.dataset.o);
      chars(seg).forEach(function (ch, i) { if (o + i >= start && o + i < end) out.push([o + i, ch]); });
    });
    return out;
  }

  function entryAt(offset) {
    return Array.from(box.querySelectorAll("section.entry")).find(function (e) {
      return Number(e.dataset.start) <= offset && offset < Number(e.dataset.end);
    }) || null;
  }

  function show(start, end) {
    let text = covered(start, end);
    while (text.length && /\s/.test(text[0][1])) text.shift();  // a selection's surrounding blanks are not coded
    while (text.length && /\s/.test(text[text.length - 1][1])) text.pop();
    if (!text.length) return;
    const s = text[0][0];
    const e = text[text.length - 1][0] + 1;
    const quote = text.map(function (t) { return t[1]; }).join("");
    field("span-start").value = String(s);
    field("span-end").value = String(e);
    field("span-quote").value = quote;
    field("sel-quote").textContent = quote;
    const first = entryAt(s);
    const last = entryAt(e - 1);
    field("span-state").value = first ? first.dataset.state : "";
    const help = field("sel-help");
    help.textContent = first && first === last
      ? "Selected " + (e - s) + " characters (" + s + "–" + e + ") in entry " + first.dataset.entry + ". Choose a code (c) and save."
      : "This selection reaches beyond one paragraph: a span must lie inside one entry.";
    help.classList.toggle("warn-text", !(first && first === last));
  }

  doc.addEventListener("selectionchange", function () {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount) return;
    const range = sel.getRangeAt(0);
    if (!box.contains(range.commonAncestorContainer) && !range.commonAncestorContainer.contains(box)) return;
    const start = boundary(range.startContainer, range.startOffset);
    const end = boundary(range.endContainer, range.endOffset);
    if (start === null || end === null || end <= start) return;
    show(start, end);
  });

  // typed offsets: the quote is dropped (the server then checks the offsets alone) and the state re-read
  ["span-start", "span-end"].forEach(function (id) {
    field(id).addEventListener("input", function () {
      field("span-quote").value = "";
      field("sel-quote").textContent = "";
      const entry = entryAt(Number(field("span-start").value));
      field("span-state").value = entry ? entry.dataset.state : "";
    });
  });

  // a selection kept after a refused save: it is checked against the entry as this page shows it now
  if (field("span-start").value !== "") {
    const kept = entryAt(Number(field("span-start").value));
    field("span-state").value = kept ? kept.dataset.state : "";
  }

  doc.addEventListener("keydown", function (ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    const t = ev.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT")) return;
    if (ev.key === "c") { field("span-code").focus(); ev.preventDefault(); }
    else if (ev.key === "m") { field("memo-text").focus(); ev.preventDefault(); }
  });
})();
