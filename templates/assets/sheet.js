// The running total on the score form: every change is sent to the server, which scores the
// answers with the same engine it uses on submission, so the number shown is the real one.
(function () {
  var form = document.getElementById("sheet");
  if (!form) { return; }
  var total = document.getElementById("total");
  var grade = document.getElementById("grade");
  var problems = document.getElementById("problems");
  var timer = null;
  function refresh() {
    var body = new URLSearchParams(new FormData(form));
    fetch(form.dataset.preview, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      credentials: "same-origin"
    }).then(function (response) { return response.json(); }).then(function (result) {
      total.textContent = result.total === null || result.total === undefined ? "—" : result.total;
      grade.textContent = result.grade || "—";
      problems.textContent = (result.problems || []).join("；") || (result.message || "");
    }).catch(function () { problems.textContent = "暂时无法计算得分，请检查网络。"; });
  }
  form.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
})();
