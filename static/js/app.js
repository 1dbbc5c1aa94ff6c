// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // A dialog shared by many buttons (one per row) takes its blanks from the button that opens it:
  // data-fill-action="<url>" sets the form's action, data-fill-<name>="<text>" each [data-fill=<name>].
  function fillDialog(dialog, opener) {
    Object.keys(opener.dataset).forEach(function (key) {
      if (key.indexOf("fill") !== 0 || key.length === 4) return;
      const name = key.charAt(4).toLowerCase() + key.slice(5);
      const value = opener.dataset[key];
      dialog.querySelectorAll('[data-fill="' + name + '"]').forEach(function (element) {
        if (element.tagName === "FORM") element.setAttribute("action", value);
        else element.textContent = value;
      });
    });
  }

  // Buttons with data-dialog="<id>" open that <dialog> instead of following their link. The dialog
  // opens on its first field, or on Cancel (never on the destructive button, which Enter would press),
  // and focus returns to the button that opened it.
  document.addEventListener("click", function (event) {
    const opener = event.target.closest("[data-dialog]");
    if (opener) {
      const dialog = document.getElementById(opener.dataset.dialog);
      if (dialog && typeof dialog.showModal === "function") {
        event.preventDefault();
        fillDialog(dialog, opener);
        dialog.showModal();
        const first = dialog.querySelector("input:not([type=hidden]), textarea, select") ||
          dialog.querySelector("[data-dialog-close]");
        if (first) first.focus();
        dialog.addEventListener("close", function () { opener.focus(); }, { once: true });
      }
      return;
    }
    const closer = event.target.closest("[data-dialog-close]");
    if (closer) {
      const dialog = closer.closest("dialog");
      if (dialog) {
        event.preventDefault();
        dialog.close();
      }
    }
  });

  // A run's log follows its end while the reader is at the end, and stays put once they scroll up.
  function followLog(log) {
    if (log.dataset.follow !== "true") return;
    log.scrollTop = log.scrollHeight;
  }
  document.addEventListener("DOMContentLoaded", function () {
    const log = document.getElementById("run-logs");
    if (!log) return;
    log.dataset.follow = "true";
    followLog(log);
    log.addEventListener("scroll", function () {
      log.dataset.follow = String(log.scrollHeight - log.scrollTop - log.clientHeight < 40);
    });
  });
  document.addEventListener("htmx:afterSwap", function () {
    const log = document.getElementById("run-logs");
    if (log) followLog(log);
  });
})();
