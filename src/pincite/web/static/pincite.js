// pincite serve: copy buttons and the "/" shortcut. No inline script (the pages' CSP forbids it).
"use strict";

function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  return new Promise(function (resolve, reject) { // plain http on another host: the old way
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = document.execCommand("copy");
    area.remove();
    ok ? resolve() : reject(new Error("copy refused"));
  });
}

document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  copyText(button.dataset.copy).then(function () {
    button.textContent = "Copied";
    button.classList.add("done");
  }, function () {
    button.textContent = "Select and copy";
  });
  setTimeout(function () {
    button.textContent = label;
    button.classList.remove("done");
  }, 2000);
});

document.addEventListener("keydown", function (event) {
  var box = document.getElementById("q");
  if (!box || event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  var t = event.target;
  if (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) return;
  event.preventDefault();
  box.focus();
  box.select();
});
