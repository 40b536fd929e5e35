// Refreshes the workspace's queues in place: every few seconds it fetches the queues and
// the table (an HTML fragment of this site) and swaps them in, unless the person is
// working inside them (focus there), so nothing moves under the keyboard.
(function () {
  "use strict";
  var board = document.getElementById("board");
  var status = document.getElementById("refreshed");
  if (!board) { return; }
  var seconds = Math.max(1, parseFloat(board.getAttribute("data-seconds")) || 10);

  function refresh() {
    if (board.contains(document.activeElement) && document.activeElement !== document.body) {
      return;
    }
    fetch(board.getAttribute("data-refresh"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (answer) {
        if (answer.redirected || !answer.ok) { throw new Error("status " + answer.status); }
        return answer.text();
      })
      .then(function (html) {
        board.innerHTML = html;
        board.setAttribute("data-refreshed", String(Date.now()));
        status.textContent = "Updated at " + new Date().toLocaleTimeString() + ".";
      })
      .catch(function () {
        status.textContent = "Could not refresh the queues; reload the page to try again.";
      });
  }

  window.setInterval(refresh, seconds * 1000);
})();
