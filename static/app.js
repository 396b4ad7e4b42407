// Attest's small progressive enhancements: sortable and filterable tables, confirm prompts.
// Everything here is optional: pages work without JavaScript.
(function () {
  "use strict";

  function cellValue(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return (cell.getAttribute("data-sort-value") || cell.textContent || "").trim();
  }

  function compare(a, b) {
    var na = parseFloat(a), nb = parseFloat(b);
    if (!isNaN(na) && !isNaN(nb) && String(na) === a.replace(/,/g, "") && String(nb) === b.replace(/,/g, "")) {
      return na - nb;
    }
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function sortTable(button) {
    var th = button.closest("th");
    var table = th.closest("table");
    var tbody = table.tBodies[0];
    if (!tbody) return;
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var rows = Array.prototype.slice.call(tbody.rows);
    rows.sort(function (r1, r2) {
      var c = compare(cellValue(r1, index), cellValue(r2, index));
      return ascending ? c : -c;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
  }

  function filterTable(input) {
    var table = document.getElementById(input.getAttribute("data-filter-table"));
    if (!table || !table.tBodies[0]) return;
    var needle = input.value.trim().toLowerCase();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-sort]");
    if (button) sortTable(button);
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-filter-table]")) filterTable(event.target);
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();

// The testing grid (templates/grid.templ): keyboard-first result entry saved through htmx.
// Arrow keys move between cells; P / D / N (or 1 / 2 / 3) set pass, deviation, not applicable;
// Delete clears; Enter edits the note; Space selects the row. A key on a selected row applies to
// every selected row (bulk-set). Each save sends the versions of the rows it touches; a stale
// row comes back highlighted with the stored version, and nothing is saved.
(function () {
  "use strict";
  var selected = {};   // sample id -> true
  var focusKey = null; // "sampleID:attributeID" of the focused cell, restored after a swap

  function grid() { return document.getElementById("grid"); }
  function cells() { return Array.prototype.slice.call(grid().querySelectorAll(".grid-cell")); }
  function keyOf(cell) { return cell.closest("tr").getAttribute("data-sample-id") + ":" + cell.getAttribute("data-attribute-id"); }

  function focusCell(cell) {
    if (!cell) return;
    cells().forEach(function (c) { c.tabIndex = -1; });
    cell.tabIndex = 0;
    cell.focus();
    focusKey = keyOf(cell);
  }

  function move(cell, dRow, dCol) {
    var row = cell.closest("tr");
    var rowCells = Array.prototype.slice.call(row.querySelectorAll(".grid-cell"));
    var col = rowCells.indexOf(cell);
    if (dCol) {
      focusCell(rowCells[col + dCol] || cell);
      return;
    }
    var rows = Array.prototype.slice.call(row.parentNode.rows);
    var next = rows[rows.indexOf(row) + dRow];
    if (next) focusCell(next.querySelectorAll(".grid-cell")[col]);
  }

  function csrf() {
    var input = document.querySelector('#grid-bulk input[name="_csrf"]');
    return input ? input.value : "";
  }

  // Saves run one after the other: a key pressed while a save is in flight waits for it, then
  // sends the versions the previous answer swapped in (never a version it made stale).
  var queue = Promise.resolve();

  function save(cell, result, note) {
    var row = cell.closest("tr");
    var id = row.getAttribute("data-sample-id");
    var ids = [id];
    if (selected[id]) {
      ids = Array.prototype.slice.call(grid().tBodies[0].rows).map(function (r) { return r.getAttribute("data-sample-id"); })
        .filter(function (sid) { return selected[sid]; });
    }
    var attribute = cell.getAttribute("data-attribute-id");
    queue = queue.then(function () { return send(ids, attribute, result, note); }, function () { return send(ids, attribute, result, note); });
  }

  function send(ids, attribute, result, note) {
    var form = document.createElement("form");
    form.hidden = true;
    function add(name, value) {
      var i = document.createElement("input");
      i.type = "hidden"; i.name = name; i.value = value;
      form.appendChild(i);
    }
    add("_csrf", csrf());
    add("attribute_id", attribute);
    add("result", result);
    if (note !== undefined) { add("note", note); add("note_set", "1"); }
    ids.forEach(function (sid) {
      var r = document.getElementById("grid-row-" + sid);
      add("sample_id", sid);
      add("version_" + sid, r ? r.getAttribute("data-version") : "0");
    });
    document.body.appendChild(form);
    grid().setAttribute("aria-busy", "true");
    return htmx.ajax("POST", grid().getAttribute("data-save-url"), { source: form, target: "#grid-status", swap: "innerHTML" })
      .finally(function () { form.remove(); if (grid()) grid().removeAttribute("aria-busy"); });
  }

  var keys = { p: "pass", "1": "pass", d: "deviation", x: "deviation", "2": "deviation", n: "not_applicable", "3": "not_applicable" };

  document.addEventListener("keydown", function (event) {
    var cell = event.target.closest && event.target.closest(".grid-cell");
    if (!cell || !grid() || event.altKey || event.ctrlKey || event.metaKey) return;
    var k = event.key;
    var handled = true;
    if (k === "ArrowUp") move(cell, -1, 0);
    else if (k === "ArrowDown") move(cell, 1, 0);
    else if (k === "ArrowLeft") move(cell, 0, -1);
    else if (k === "ArrowRight") move(cell, 0, 1);
    else if (keys[k.toLowerCase()]) save(cell, keys[k.toLowerCase()]);
    else if (k === "Delete" || k === "Backspace") save(cell, "");
    else if (k === " ") {
      var box = cell.closest("tr").querySelector(".grid-select");
      box.checked = !box.checked;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    } else if (k === "Enter") {
      var note = window.prompt("Note for this cell", cell.getAttribute("title") || "");
      if (note !== null) save(cell, cell.getAttribute("data-result") || "", note);
    } else handled = false;
    if (handled) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var cell = event.target.closest && event.target.closest(".grid-cell");
    if (cell) focusCell(cell);
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches(".grid-select")) {
      var id = event.target.value;
      if (event.target.checked) selected[id] = true; else delete selected[id];
      event.target.closest("tr").classList.toggle("grid-row-selected", event.target.checked);
    }
  });

  // A stale row (409) or a refusal (422) still shows its answer: both versions, or why.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (grid() && (status === 409 || status === 422)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After rows were swapped in, keep the selection and the focus where they were — at once, on
  // the swap itself: a key pressed before htmx settles must still land on a cell.
  function restore() {
    if (!grid()) return;
    Array.prototype.forEach.call(grid().querySelectorAll(".grid-select"), function (box) {
      box.checked = !!selected[box.value];
      box.closest("tr").classList.toggle("grid-row-selected", box.checked);
    });
    if (focusKey) {
      var parts = focusKey.split(":");
      focusCell(grid().querySelector('tr[data-sample-id="' + parts[0] + '"] .grid-cell[data-attribute-id="' + parts[1] + '"]'));
    }
  }
  document.addEventListener("htmx:oobAfterSwap", restore);
  document.addEventListener("htmx:afterSwap", restore);

  document.addEventListener("DOMContentLoaded", function () {
    if (!grid()) return;
    var first = grid().querySelector(".grid-cell");
    if (first) first.tabIndex = 0;
  });
})();
