// corpus-tools review: keyboard shortcuts, suggestion focus, the code picker and codebook search.
// Plain script, no library. Every action is an ordinary form submission: the server records the decision
// (and commits it) before the next page is shown, so nothing waits in the browser.
(function () {
  "use strict";
  const doc = document;
  const page = doc.body.dataset.page;
  doc.documentElement.classList.add("js");

  let submitting = false;
  doc.addEventListener("submit", function (ev) {
    if (submitting) { ev.preventDefault(); return; }
    submitting = true;
    doc.body.classList.add("busy");
  });
  window.addEventListener("pageshow", function () { submitting = false; doc.body.classList.remove("busy"); });

  function typing(el) {
    if (!el) return false;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable) return true;
    return el.tagName === "INPUT" && !["checkbox", "radio", "button", "submit", "reset"].includes(el.type);
  }

  function submitWith(button) {
    if (!button || button.disabled || submitting) return false;
    if (button.tagName === "A") { window.location.assign(button.href); return true; }
    button.form.requestSubmit(button);
    return true;
  }

  function hint(text) {
    let box = doc.getElementById("hint");
    if (!box) {
      box = doc.createElement("p");
      box.id = "hint";
      box.className = "flash warn hint";
      box.setAttribute("role", "status");
      doc.querySelector("main").prepend(box);
    }
    box.textContent = text;
  }

  // -- help overlay -------------------------------------------------------------------------------
  const help = doc.getElementById("help");
  function toggleHelp(show) {
    help.hidden = show === undefined ? !help.hidden : !show;
  }
  help.addEventListener("click", function (ev) { if (ev.target === help) toggleHelp(false); });

  // -- queue: suggestion focus --------------------------------------------------------------------
  const rows = Array.from(doc.querySelectorAll("#suggestions .sugg"));
  let active = Math.max(0, rows.findIndex(function (r) { return r.dataset.pending === "1"; }));
  function showActive() {
    rows.forEach(function (r, i) { r.classList.toggle("active", i === active); });
    const code = rows.length ? rows[active].dataset.code : "";
    doc.querySelectorAll("mark.ev").forEach(function (m) {
      m.classList.toggle("focus", code !== "" && m.dataset.codes.split(" ").includes(code));
    });
  }
  rows.forEach(function (r, i) {
    r.addEventListener("mouseenter", function () { active = i; showActive(); });
  });
  showActive();
  function activeButton(action) {
    return rows.length ? rows[active].querySelector('[data-action="' + action + '"]') : null;
  }

  // -- queue: code picker -------------------------------------------------------------------------
  const picker = doc.getElementById("picker");
  const pickerInput = doc.getElementById("picker-q");
  const picks = Array.from(doc.querySelectorAll("#picker-list .pick"));
  let pickActive = 0;
  function visiblePicks() { return picks.filter(function (p) { return !p.parentElement.hidden; }); }
  function filterPicks() {
    const words = pickerInput.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
    picks.forEach(function (p) {
      const text = p.dataset.search.toLowerCase();
      p.parentElement.hidden = !words.every(function (w) { return text.includes(w); });
    });
    showPickGroups();
    pickActive = 0;
    markPick();
    placePicker();
  }
  // codebook headings of the picker: shown while one of their codes is
  function showPickGroups() {
    doc.querySelectorAll("#picker-list .pick-group").forEach(function (head) {
      const items = doc.querySelectorAll('#picker-list li[data-group-item]');
      head.hidden = !Array.from(items).some(function (li) {
        return li.dataset.groupItem === head.dataset.group && !li.hidden;
      });
    });
  }
  // keep the open picker inside the window: it opens upward when there is more room above the search field,
  // and its list scrolls within the room there is (small windows included)
  const PICKER_MAX = 320;
  const PICKER_MIN = 120;
  const PICKER_COMFORT = 240;
  function placePicker() {
    const list = doc.getElementById("picker-list");
    if (!picker || !list || !picker.classList.contains("open")) return;
    const margin = 8;
    let box = pickerInput.getBoundingClientRect();
    if (Math.max(box.top, window.innerHeight - box.bottom) - margin < PICKER_MIN) {
      pickerInput.scrollIntoView({ block: "center" });
      box = pickerInput.getBoundingClientRect();
    }
    const below = window.innerHeight - box.bottom - margin;
    const above = box.top - margin;
    list.style.maxHeight = "none";
    const wanted = Math.min(PICKER_MAX, list.scrollHeight);
    const up = below < Math.min(wanted, PICKER_COMFORT) && above > below;  // downward while there is room
    picker.classList.toggle("up", up);
    list.style.maxHeight = Math.max(40, Math.min(PICKER_MAX, up ? above : below)) + "px";
    if (up) {
      list.style.top = "auto";
      list.style.bottom = (picker.clientHeight - pickerInput.offsetTop + 4) + "px";
    } else {
      list.style.top = (pickerInput.offsetTop + pickerInput.offsetHeight + 4) + "px";
      list.style.bottom = "auto";
    }
  }
  window.addEventListener("resize", placePicker);
  window.addEventListener("scroll", placePicker, { passive: true });
  function markPick() {
    const shown = visiblePicks();
    picks.forEach(function (p) { p.classList.remove("active"); });
    if (shown.length) {
      pickActive = Math.min(Math.max(pickActive, 0), shown.length - 1);
      shown[pickActive].classList.add("active");
      shown[pickActive].scrollIntoView({ block: "nearest" });
    }
  }
  function openPicker() {
    if (!picker) return false;
    picker.classList.add("open");
    pickerInput.focus();
    pickerInput.select();
    filterPicks();
    return true;
  }
  function closePicker() { if (picker) picker.classList.remove("open"); }
  if (pickerInput) {
    pickerInput.addEventListener("input", filterPicks);
    pickerInput.addEventListener("focus", function () { picker.classList.add("open"); filterPicks(); });
    pickerInput.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
        const count = visiblePicks().length;
        pickActive += ev.key === "ArrowDown" ? 1 : -1;
        if (count) pickActive = (pickActive + count) % count;  // wraps: ↑ on the first code goes to the last
        markPick();
        ev.preventDefault();
      } else if (ev.key === "Enter") {
        ev.preventDefault();
        const shown = visiblePicks();
        if (shown.length) submitWith(shown[pickActive]);
      } else if (ev.key === "Escape") {
        closePicker();
        pickerInput.blur();
        ev.stopPropagation();
      }
    });
    picker.addEventListener("focusout", function (ev) {
      if (!picker.contains(ev.relatedTarget)) closePicker();
    });
  }

  function toggleSettings() {
    const box = doc.getElementById("settings");
    if (!box) return false;
    box.open = !box.open;
    if (box.open) {
      const first = box.querySelector("input:checked, input, select");
      if (first) first.focus();
    }
    return true;
  }
  function focusNote() {
    const note = doc.getElementById("note");
    if (note) note.focus();
    return Boolean(note);
  }
  function byKey(key) { return doc.querySelector('[data-key="' + key + '"]'); }

  // adjudication: codes are numbered 1..N; with more than 9 codes a number may take two or more keys,
  // settled when no longer number could follow, after a short pause, or by the next other key
  let codeNumber = "";
  let codeTimer = 0;
  function codeBoxes() { return doc.querySelectorAll('input[type="checkbox"][name="codes"][data-key]'); }
  function commitCodeNumber() {
    window.clearTimeout(codeTimer);
    if (!codeNumber) return false;
    const box = doc.querySelector('input[type="checkbox"][name="codes"][data-key="' + codeNumber + '"]');
    codeNumber = "";
    if (!box) { hint("no code with that number"); return true; }
    const details = box.closest("details");
    if (details) details.open = true;
    box.checked = !box.checked;
    return true;
  }
  function typeCodeNumber(digit) {
    const total = codeBoxes().length;
    if (!total) return false;
    codeNumber += digit;
    window.clearTimeout(codeTimer);
    if (Number(codeNumber) * 10 > total) return commitCodeNumber();  // no longer number exists
    codeTimer = window.setTimeout(commitCodeNumber, 700);
    return true;
  }

  const handlers = {
    queue: function (ev) {
      switch (ev.key) {
        case "a": return submitWith(activeButton("accept")) || (hint("no suggestion to accept here"), true);
        case "r": return submitWith(activeButton("reject")) || (hint("no suggestion to reject here"), true);
        case "j": case "ArrowDown":
          if (!rows.length) return false;
          active = Math.min(active + 1, rows.length - 1); showActive(); return true;
        case "k": case "ArrowUp":
          if (!rows.length) return false;
          active = Math.max(active - 1, 0); showActive(); return true;
        case "+": case "=": return openPicker();
        case "n": case "s": case "u": return submitWith(byKey(ev.key));
        case "m": return focusNote();
        case "o": return toggleSettings();
        case "Enter": {
          const next = byKey("Enter");
          if (next && next.disabled) {
            hint("decide the pending suggestion (a / r), add a code (+) or say no code applies (n) first");
            return true;
          }
          return submitWith(next);
        }
        default: return false;
      }
    },
    adjudicate: function (ev) {
      if (/^[0-9]$/.test(ev.key)) return typeCodeNumber(ev.key);
      commitCodeNumber();  // any other key first settles a number being typed
      switch (ev.key) {
        case "Enter": case "n": case "s": case "p": case "h": return submitWith(byKey(ev.key));
        case "m": return focusNote();
        default: return false;
      }
    },
    codebook: function (ev) {
      if (ev.key !== "/") return false;
      doc.getElementById("cb-q").focus();
      return true;
    }
  };

  // -- codebook search ----------------------------------------------------------------------------
  const cbInput = doc.getElementById("cb-q");
  if (cbInput) {
    cbInput.addEventListener("input", function () {
      const words = cbInput.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
      doc.querySelectorAll(".lexicon").forEach(function (lex) { if (words.length) lex.open = true; });
      doc.querySelectorAll(".construct").forEach(function (section) {
        let shown = 0;
        section.querySelectorAll(".var-card").forEach(function (card) {
          const text = card.dataset.search.toLowerCase();
          card.hidden = !words.every(function (w) { return text.includes(w); });
          if (!card.hidden) shown += 1;
        });
        section.hidden = shown === 0;
      });
    });
  }

  // -- global keys --------------------------------------------------------------------------------
  let goPending = false;
  const destinations = { q: "/queue", a: "/adjudicate", d: "/dashboard", c: "/codebook" };
  doc.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
    const target = ev.target;
    if (ev.key === "Escape") {
      const settings = target.closest ? target.closest("details.settings") : null;
      if (!help.hidden) toggleHelp(false);
      else if (settings) { settings.open = false; target.blur(); }
      else if (typing(target)) target.blur();
      closePicker();
      return;
    }
    if (typing(target)) return;
    if (target.closest && target.closest(".settings-form")) return;  // native keys inside the settings form
    if (ev.key === "?") { toggleHelp(); ev.preventDefault(); return; }
    if (goPending) {
      goPending = false;
      if (destinations[ev.key]) { window.location.assign(destinations[ev.key]); ev.preventDefault(); }
      return;
    }
    if (ev.key === "g") { goPending = true; window.setTimeout(function () { goPending = false; }, 1500); return; }
    const handler = handlers[page];
    if (handler && handler(ev)) ev.preventDefault();
  });
})();
