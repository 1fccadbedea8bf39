// The influence/interest grid of an initiative: move a stakeholder by dragging its name to another
// cell, or by focusing it and pressing the arrow keys (up/down: influence, left/right: interest).
// Each move posts to the chip's data-move-url; the server answers with the re-rendered section.
// Without JavaScript the table below the grid edits the same values.
(function () {
  "use strict";
  var MAX = 5;

  function section() { return document.getElementById("stakeholders"); }

  function move(chip, influence, interest) {
    if (influence < 1 || influence > MAX || interest < 1 || interest > MAX) return;
    if (String(influence) === chip.dataset.influence && String(interest) === chip.dataset.interest) return;
    chip.setAttribute("aria-busy", "true");
    htmx.ajax("POST", chip.dataset.moveUrl, {
      source: chip,
      target: "#stakeholders",
      swap: "outerHTML",
      values: { influence: influence, interest: interest, version: chip.dataset.version },
    });
  }

  function cellAt(x, y) {
    var el = document.elementFromPoint(x, y);
    return el && el.closest ? el.closest(".grid-cell") : null;
  }

  document.addEventListener("keydown", function (event) {
    var chip = event.target.closest && event.target.closest(".grid-chip[data-move-url]");
    if (!chip) return;
    if (chip.getAttribute("aria-busy") === "true") {
      // A move is on its way: the section is about to be replaced, so a second press would be lost.
      if (event.key.indexOf("Arrow") === 0) event.preventDefault();
      return;
    }
    var influence = Number(chip.dataset.influence), interest = Number(chip.dataset.interest);
    if (event.key === "ArrowUp") influence += 1;
    else if (event.key === "ArrowDown") influence -= 1;
    else if (event.key === "ArrowRight") interest += 1;
    else if (event.key === "ArrowLeft") interest -= 1;
    else return;
    event.preventDefault();
    move(chip, influence, interest);
  });

  var dragging = null;
  document.addEventListener("pointerdown", function (event) {
    var chip = event.target.closest && event.target.closest(".grid-chip[data-move-url]");
    if (!chip || event.button !== 0) return;
    dragging = { chip: chip, x: event.clientX, y: event.clientY, moved: false };
    chip.setPointerCapture(event.pointerId);
  });
  document.addEventListener("pointermove", function (event) {
    if (!dragging) return;
    var dx = event.clientX - dragging.x, dy = event.clientY - dragging.y;
    if (!dragging.moved && Math.abs(dx) + Math.abs(dy) < 6) return;
    dragging.moved = true;
    dragging.chip.classList.add("is-dragging");
    dragging.chip.style.transform = "translate(" + dx + "px," + dy + "px)";
    document.querySelectorAll(".grid-cell.is-target").forEach(function (c) { c.classList.remove("is-target"); });
    dragging.chip.style.pointerEvents = "none";
    var cell = cellAt(event.clientX, event.clientY);
    dragging.chip.style.pointerEvents = "";
    if (cell) cell.classList.add("is-target");
  });
  function drop(event, cancelled) {
    if (!dragging) return;
    var chip = dragging.chip, moved = dragging.moved;
    dragging = null;
    chip.classList.remove("is-dragging");
    chip.style.transform = "";
    document.querySelectorAll(".grid-cell.is-target").forEach(function (c) { c.classList.remove("is-target"); });
    if (!moved || cancelled) return;
    chip.style.pointerEvents = "none";
    var cell = cellAt(event.clientX, event.clientY);
    chip.style.pointerEvents = "";
    if (cell) move(chip, Number(cell.dataset.influence), Number(cell.dataset.interest));
  }
  document.addEventListener("pointerup", function (event) { drop(event, false); });
  document.addEventListener("pointercancel", function (event) { drop(event, true); });

  // After a swap: keep the keyboard on the moved stakeholder and announce where it is now.
  document.addEventListener("htmx:afterSwap", function (event) {
    // Only a swap of the stakeholder section itself (not a row's form, the proposals, a search).
    var target = event.detail && event.detail.target;
    var el = section();
    if (!el || !target || target.id !== "stakeholders") return;
    var status = document.getElementById("grid-status");
    if (status && el.dataset.announce) status.textContent = el.dataset.announce;
    if (el.dataset.focus) {
      var chip = el.querySelector('.grid-chip[data-stakeholder="' + el.dataset.focus + '"]');
      delete el.dataset.focus;  // once: a later swap elsewhere must not pull the focus back
      if (chip) chip.focus();
    }
    if (status) delete el.dataset.announce;
  });
})();
