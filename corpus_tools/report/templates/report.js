// Click a column header to sort the table (numbers numerically, "–" last). No network, no dependencies.
(function () {
  "use strict";
  function key(text) {
    var t = text.trim();
    if (t === "" || t === "–") { return null; }
    var n = Number(t.replace(/,/g, ""));
    return isNaN(n) ? t.toLowerCase() : n;
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
}());
