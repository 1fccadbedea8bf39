// Network-health charts (/netzwerk/gesundheit/): draws each chart described in #health-charts-data
// with chart.js. Every chart also has its data as a table below it (for screen readers and without JS).
(function () {
  "use strict";
  function draw() {
    var data = document.getElementById("health-charts-data");
    if (!data || typeof Chart === "undefined") return;
    var colours = ["#1f6f8b", "#e07a1f", "#7a4fa0", "#3c8d2f"];
    JSON.parse(data.textContent).forEach(function (chart) {
      var canvas = document.getElementById("chart-" + chart.id);
      if (!canvas) return;
      new Chart(canvas, {
        type: chart.type,
        data: {
          labels: chart.labels,
          datasets: chart.datasets.map(function (d, i) {
            return { label: d.label, data: d.data, backgroundColor: colours[i % colours.length],
                     borderColor: colours[i % colours.length], tension: 0.2 };
          }),
        },
        options: {
          indexAxis: chart.horizontal ? "y" : "x",
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: chart.datasets.length > 1 } },
          scales: { x: { beginAtZero: true }, y: { beginAtZero: true } },
        },
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
