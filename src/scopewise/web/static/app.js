// scopewise: keyboard shortcuts for the screening page, and confirm prompts.
// No inline script anywhere (the CSP forbids it); this file is the only script.
(function () {
  "use strict";
  function typing(target) {
    var tag = target && target.tagName;
    return tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && !/^(checkbox|radio|submit|button)$/.test(target.type));
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var form = document.getElementById("decide");
    if (!form) { return; }
    if (typing(event.target)) {
      if (event.key === "Escape") { event.target.blur(); }
      return;
    }
    var key = event.key.toLowerCase();
    if (key === "n") {
      event.preventDefault();
      document.getElementById("note").focus();
      return;
    }
    if (/^[1-9]$/.test(key)) {
      var box = form.querySelector('input[type=checkbox][data-key="' + key + '"]');
      if (box) { event.preventDefault(); box.checked = !box.checked; }
      return;
    }
    var target = document.querySelector('[data-key="' + key + '"]');
    if (!target) { return; }
    event.preventDefault();
    if (target.tagName === "A") { window.location.href = target.href; return; }
    if (form.dataset.sent) { return; }  // one decision per page, even if a key repeats
    form.dataset.sent = "1";
    form.requestSubmit(target);
  });
  // Coding a consultation note: the selected words (and where they start) fill the form.
  document.addEventListener("mouseup", function () {
    var note = document.getElementById("note-text");
    var field = document.getElementById("excerpt-text");
    var selection = window.getSelection();
    if (!note || !field || !selection || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    if (!note.contains(range.commonAncestorContainer)) { return; }
    var before = document.createRange();
    before.setStart(note, 0);
    before.setEnd(range.startContainer, range.startOffset);
    field.value = selection.toString();
    document.getElementById("excerpt-start").value = String(before.toString().length);
  });
  // The screening page's key legend: open on wide screens, folded on phones.
  var legend = document.getElementById("keys-legend");
  if (legend && window.matchMedia("(min-width: 801px)").matches) { legend.open = true; }
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
