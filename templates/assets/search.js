// Pagefind's own search box, over this locale's index (built by `kit build`).
(function () {
  "use strict";
  var box = document.getElementById("search");
  var offline = document.getElementById("search-offline");
  var lessons = document.getElementById("search-lessons");
  if (!box) return;
  // Pagefind loads its index with fetch() and import(), which browsers
  // refuse on file://: say so, and leave the lesson list to browse instead.
  if (location.protocol === "file:") {
    if (offline) offline.hidden = false;
    return;
  }
  if (typeof PagefindUI === "undefined") return;
  var labels = {};
  try {
    labels = JSON.parse(box.getAttribute("data-labels") || "{}");
  } catch (e) {
    labels = {};
  }
  box.hidden = false;
  if (lessons) lessons.hidden = true;
  new PagefindUI({
    element: "#search",
    // An absolute URL: Pagefind import()s "<bundlePath>pagefind.js", and a
    // bare relative path there is read as a module name and never loads.
    bundlePath: new URL(box.getAttribute("data-bundle") || "pagefind/", document.baseURI).href,
    translations: labels,
    showImages: false,
    resetStyles: false,
  });
})();
