// Xindai CRM behaviours, loaded as a static file because the CSP forbids inline scripts.
(function () {
  "use strict";

  // <form data-confirm="Are you sure?"> (or a submit button with data-confirm) asks before
  // a destructive action is sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // <select data-autosubmit> submits its form on change; the button stays for keyboard users.
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit();
    }
  });
})();
