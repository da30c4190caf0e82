// The round summary's filter form: choosing another round sends the form to that round's
// summary page (kept out of the template: the Content-Security-Policy runs no inline script).
(function () {
  var select = document.querySelector("select[data-summary-round]");
  if (!select || !select.form) { return; }
  select.addEventListener("change", function () {
    select.form.action = "/rounds/" + encodeURIComponent(select.value) + "/summary";
  });
})();
