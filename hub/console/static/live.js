// Fetches the live part of a page again every 5 seconds; the button pauses it
// (WCAG 2.2.2: moving or updating content can be paused).
(function () {
  const region = document.getElementById("live");
  const button = document.getElementById("pause");
  const status = document.getElementById("updated");
  if (!region || !button) return;
  let paused = false;
  button.addEventListener("click", function () {
    paused = !paused;
    button.textContent = paused ? button.dataset.resume : button.dataset.pause;
    button.setAttribute("aria-pressed", String(paused));
  });
  setInterval(async function () {
    if (paused) return;
    const response = await fetch(region.dataset.src, { credentials: "same-origin" });
    if (!response.ok) return;
    region.innerHTML = await response.text();
    if (status) status.textContent = new Date().toISOString().slice(11, 19) + " UTC";
  }, 5000);
})();
