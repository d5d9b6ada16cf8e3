// Quick exit and the print button. Everything else on the site works
// without JavaScript; these only add to it.
(function () {
  "use strict";
  var exit = document.getElementById("quick-exit");
  function leave() {
    // replace(), not a link: the back button must not return here.
    window.location.replace(exit.href);
  }
  if (exit) {
    exit.addEventListener("click", function (event) {
      event.preventDefault();
      leave();
    });
    // Escape twice within a second leaves too.
    var last = 0;
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var now = Date.now();
      if (now - last < 1000) leave();
      last = now;
    });
  }
  var buttons = document.querySelectorAll("[data-print]");
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].hidden = false;
    buttons[i].addEventListener("click", function () {
      window.print();
    });
  }
})();
