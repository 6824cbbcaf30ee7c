// fangkong: small helpers shared by every page. htmx sends the CSRF header itself (hx-headers on body).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  window.fangkong = {
    csrfToken: meta ? meta.getAttribute("content") : "",
    // fetch() with the CSRF header and JSON, for scripts that call the API from a page.
    fetchJSON: function (url, options) {
      options = options || {};
      options.headers = Object.assign({ "Accept": "application/json", "X-CSRF-Token": this.csrfToken }, options.headers || {});
      options.credentials = "same-origin";
      return fetch(url, options).then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw body; }
          return body;
        });
      });
    }
  };
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
})();
