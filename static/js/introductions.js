// Introductions dashboard (/vermittlungen/): the conversion chart from #introduction-chart-data.
// The same numbers stand in the table below it (for screen readers and without JS).
(function () {
  "use strict";
  function draw() {
    var data = document.getElementById("introduction-chart-data");
    var canvas = document.getElementById("chart-conversion");
    if (!data || !canvas || typeof Chart === "undefined") return;
    var chart = JSON.parse(data.textContent);
    var colours = chart.labels.map(function (_, i) {
      return i === chart.labels.length - 1 ? "#b3261e" : "#1f6f8b";
    });
    new Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets: [{ label: chart.title, data: chart.data, backgroundColor: colours }] },
      options: {
        indexAxis: "y",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
