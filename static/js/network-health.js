// Network-health charts (/netzwerk/gesundheit/): draws each chart described in #health-charts-data
// with chart.js (distributions as bars, the monthly "Entwicklung" as lines). Every chart also has its
// data as a table (for screen readers and without JS). Counts get whole-number ticks.
(function () {
  "use strict";
  function draw() {
    var data = document.getElementById("health-charts-data");
    if (!data || typeof Chart === "undefined") return;
    var colours = ["#1f6f8b", "#e07a1f", "#7a4fa0", "#3c8d2f"];
    JSON.parse(data.textContent).forEach(function (chart) {
      var canvas = document.getElementById("chart-" + chart.id);
      if (!canvas) return;
      var whole = chart.datasets.every(function (d) { return d.data.every(Number.isInteger); });
      new Chart(canvas, {
        type: chart.type,
        data: {
          labels: chart.labels,
          datasets: chart.datasets.map(function (d, i) {
            return { label: d.label, data: d.data, backgroundColor: colours[i % colours.length],
                     borderColor: colours[i % colours.length], cubicInterpolationMode: "monotone" };
          }),
        },
        options: {
          indexAxis: chart.horizontal ? "y" : "x",
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          plugins: { legend: { display: chart.datasets.length > 1 } },
          scales: {
            x: { beginAtZero: true, ticks: whole && chart.horizontal ? { precision: 0 } : {} },
            y: { beginAtZero: true, ticks: whole && !chart.horizontal ? { precision: 0 } : {} },
          },
        },
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
