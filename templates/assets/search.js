// Pagefind's own search box, over this locale's index (built by `kit build`).
(function () {
  "use strict";
  var element = document.getElementById("search");
  if (!element || typeof PagefindUI === "undefined") return;
  new PagefindUI({ element: "#search", bundlePath: element.getAttribute("data-bundle"), showImages: false, resetStyles: false });
})();
