/* Event form: "Add a row" adds an empty session row in the page, without a round trip.
   Progressive enhancement: without JavaScript the button submits the form and the server
   answers with the same form and one more row. */
(function () {
  "use strict";

  function renumber(row, from, to) {
    var oldPrefix = "s" + from + "-", newPrefix = "s" + to + "-";
    row.querySelectorAll("[id], [name], [for], [aria-describedby]").forEach(function (el) {
      ["id", "name", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value && value.indexOf(oldPrefix) === 0) {
          el.setAttribute(attr, newPrefix + value.slice(oldPrefix.length));
        }
      });
    });
    // Visible row number and the hidden labels ("Date of session 5" -> 6).
    var header = row.querySelector("th");
    if (header && header.firstChild && header.firstChild.nodeType === 3) {
      header.firstChild.nodeValue = String(to + 1);
    }
    row.querySelectorAll("label").forEach(function (label) {
      label.textContent = label.textContent.replace(new RegExp("\\b" + (from + 1) + "\\b"), String(to + 1));
    });
  }

  function setUp(fieldset) {
    var button = fieldset.querySelector("button[name='add_row']");
    var counter = fieldset.querySelector("input[name='session_rows']");
    var body = fieldset.querySelector("tbody");
    if (!button || !counter || !body) {
      return;
    }
    button.addEventListener("click", function (event) {
      var rows = body.querySelectorAll("tr.session-row");
      if (!rows.length) {
        return; // nothing to copy: let the server add the row
      }
      event.preventDefault();
      var last = rows[rows.length - 1];
      var from = rows.length - 1, to = parseInt(counter.value, 10) || rows.length;
      var row = last.cloneNode(true);
      row.classList.remove("has-error");
      row.querySelectorAll("input").forEach(function (input) {
        input.value = "";
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
        input.removeAttribute("autofocus");
      });
      renumber(row, from, to);
      body.appendChild(row);
      counter.value = String(to + 1);
      var first = row.querySelector("input[type='date']");
      if (first) {
        first.focus();
      }
    });
  }

  document.querySelectorAll("[data-session-rows]").forEach(setUp);
})();
