// The network map (/netzwerk/): cytoscape.js drawing the JSON of network:graph / network:ego.
// Filters refetch the graph without a reload; nodes that stay keep their positions and only
// new ones are placed (next to their neighbours), so the picture does not jump around.
// Sets document.body.dataset.networkReady = "true" once a graph is laid out (browser tests wait for it).
// Views: single actors (the filtered subgraph), by kind, by group; a click on a group shows its members
// (the `community` filter). Labels: at low zoom only the bigger nodes' labels are drawn (font size grows
// with the node, cytoscape hides labels rendered smaller than `min-zoomed-font-size`); a hovered or
// selected node always shows its full name.
(function () {
  "use strict";

  const root = document.querySelector(".network-map");
  if (!root || typeof window.cytoscape !== "function") return;
  if (window.cytoscapeFcose) window.cytoscape.use(window.cytoscapeFcose);
  // cytoscape-svg registers itself when it finds a global cytoscape; register only if it did not.
  if (window.cytoscapeSvg && !window.cytoscape("core", "svg")) window.cytoscape.use(window.cytoscapeSvg);

  const labels = JSON.parse(document.getElementById("network-labels").textContent);
  const form = document.getElementById("network-filters");
  const status = document.getElementById("network-status");
  const card = document.getElementById("network-card");
  const table = document.getElementById("network-table");
  const search = document.getElementById("network-search");
  const groupBar = document.getElementById("network-group");
  const communityInput = form.querySelector("[name=community]");
  const COLOURS = {
    association: "#2f7d6d", initiative: "#57a773", fair_trade_shop: "#b5651d", diaspora: "#c2417a",
    school: "#3b6fb6", university: "#27408b", religious: "#8a6bbf", foundation: "#d4a017",
    company: "#6b6b6b", network: "#e4572e", city_department: "#1f3b73", state_body: "#4f9dbe",
    federal_body: "#17a2b8", partner_municipality: "#9c27b0", other: "#999999",
  };
  const format = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => values[key]);
  let current = { nodes: [], edges: [] };
  let requestNumber = 0;
  const LABEL_ALL = 80; // views up to this size label every node; bigger ones their biggest nodes
  let tableFilled = false;
  let searchFilled = false;

  document.querySelectorAll(".network-legend .swatch").forEach((swatch) => {
    swatch.style.background = COLOURS[swatch.dataset.kind] || COLOURS.other;
  });

  const cy = window.cytoscape({
    container: document.getElementById("network-graph"),
    minZoom: 0.05,
    textureOnViewport: true, // pan and zoom a cached picture: smooth with thousands of nodes
    pixelRatio: 1,
    maxZoom: 4,
    style: [
      { selector: "node", style: {
        "background-color": "data(colour)", width: "data(size)", height: "data(size)",
        // Bigger nodes get bigger labels; labels drawn smaller than 10 px are left out, so zoomed out
        // only the big nodes are named and the small ones appear when zooming in.
        "font-size": "data(font)", "min-zoomed-font-size": 10, "text-valign": "bottom",
        "text-margin-y": 3, color: "#222", "text-wrap": "ellipsis", "text-max-width": 110,
        "text-background-color": "#fff", "text-background-opacity": 0.75, "text-background-padding": 1,
        "text-background-shape": "roundrectangle",
      } },
      // Labels for the biggest nodes and the selected one: measuring thousands of labels is slow.
      { selector: "node.labelled, node:selected, node.hovered", style: { label: "data(label)" } },
      { selector: "node.aggregate", style: { "text-wrap": "wrap", "text-max-width": 170, "min-zoomed-font-size": 0 } },
      // The one under the pointer or selected: the whole name, above everything else, at any zoom.
      { selector: "node.hovered, node:selected", style: {
        "text-wrap": "wrap", "text-max-width": 220, "min-zoomed-font-size": 0, "z-index": 20,
        "text-background-opacity": 0.95,
      } },
      { selector: "node[?ego]", style: { "border-width": 4, "border-color": "#111" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#e4572e" } },
      { selector: "edge", style: {
        width: "data(width)", "line-color": "#b5c7c1", "curve-style": "haystack",
      } },
      { selector: "edge[?derived]", style: { "line-style": "dashed", "line-color": "#c28f2c", "curve-style": "straight" } },
      { selector: ".faded", style: { opacity: 0.15 } },
    ],
  });

  window.networkMap = cy; // for the browser tests and the console

  function sizeMetric() {
    const select = form.querySelector("[name=size]");
    return (select && select.value) || "degree";
  }

  function resize() {
    const metric = sizeMetric();
    const values = cy.nodes().map((n) => (n.data("metrics") || {})[metric] || 0);
    const max = Math.max(1, ...values);
    const big = values.length > LABEL_ALL;
    const labelFrom = values.length <= LABEL_ALL ? -1 : values.slice().sort((a, b) => b - a)[LABEL_ALL - 1];
    const aggregated = Boolean(current.aggregated);
    cy.batch(() => cy.nodes().forEach((n) => {
      const v = (n.data("metrics") || {})[metric] || 0;
      const share = Math.sqrt(v / max);
      n.data("size", big ? 6 + 24 * share : 10 + 40 * share);
      // 7 px up to 14 px: the label's priority follows the node's size. Cytoscape rounds the zoom up to
      // a power of two for min-zoomed-font-size (10 px): up to zoom 1 only labels of 10 px and more show.
      n.data("font", aggregated ? 12 : n.data("ego") ? 14 : 7 + 7 * share);
      if (v > labelFrom || n.data("ego")) n.addClass("labelled");
      else n.removeClass("labelled");
      if (aggregated) n.addClass("aggregate");
    }));
  }

  function dataUrl() {
    const params = new URLSearchParams(new FormData(form));
    params.delete("size");
    [...params.keys()].filter((key) => !params.get(key)).forEach((key) => params.delete(key));
    if (params.get("view") === "graph") params.delete("view");
    if (params.get("view") === "communities") params.delete("community");
    if (root.dataset.egoUrl) {
      const steps = params.get("steps") || root.dataset.egoSteps || "1";
      return { url: `${root.dataset.egoUrl}?steps=${steps}`, params };
    }
    return { url: `${root.dataset.graphUrl}?${params}`, params };
  }

  function elementsOf(data) {
    const maxWeight = Math.max(1, ...data.edges.map((e) => e.weight));
    const nodes = data.nodes.map((n) => ({
      group: "nodes",
      data: { ...n, id: String(n.id), colour: COLOURS[n.kind] || COLOURS.other, size: 20, font: 10,
        // A group's label "Gruppe 1 · 1.234 Akteure · meist …" goes on three lines.
        label: data.aggregated ? n.name.split(" · ").join("\n") : n.name },
      // Big views arrive laid out by the server.
      position: n.x !== undefined ? { x: n.x, y: n.y } : undefined,
    }));
    const edges = data.edges.map((e) => ({ group: "edges", data: {
      ...e, source: String(e.source), target: String(e.target),
      width: data.aggregated ? 1 + 11 * Math.sqrt(e.weight / maxWeight) : Math.min(8, 0.8 + Math.log2(e.weight)),
    } }));
    return { nodes, edges };
  }

  function placeNew(added) {
    // A new node starts next to the neighbours already on the map, else on a ring around them.
    const box = cy.nodes().not(added).boundingBox();
    const ringRadius = Math.max(box.w, box.h, 200) / 2 + 80;
    const centre = { x: (box.x1 + box.x2) / 2 || 0, y: (box.y1 + box.y2) / 2 || 0 };
    added.forEach((node, i) => {
      const placed = node.neighborhood("node").not(added);
      if (placed.length) {
        const x = placed.reduce((s, n) => s + n.position("x"), 0) / placed.length;
        const y = placed.reduce((s, n) => s + n.position("y"), 0) / placed.length;
        node.position({ x: x + (Math.random() - 0.5) * 60, y: y + (Math.random() - 0.5) * 60 });
      } else {
        const angle = (2 * Math.PI * i) / Math.max(1, added.length);
        node.position({ x: centre.x + ringRadius * Math.cos(angle), y: centre.y + ringRadius * Math.sin(angle) });
      }
    });
  }

  function layoutAll(done) {
    const n = cy.nodes().length;
    const layout = cy.layout({
      name: window.cytoscapeFcose ? "fcose" : "cose",
      quality: n > 600 ? "draft" : "default",
      randomize: true,
      animate: false,
      nodeDimensionsIncludeLabels: false,
      numIter: n > 600 ? 1000 : 2500,
      // Room for the labels: longer edges, stronger repulsion, more space between nodes.
      idealEdgeLength: n > 600 ? 60 : current.aggregated ? 220 : 110,
      nodeRepulsion: n > 600 ? 6000 : current.aggregated ? 60000 : 20000,
      nodeSeparation: 120,
      // Packing many small components takes longer than the layout itself on big views.
      packComponents: n <= 600,
    });
    layout.one("layoutstop", done);
    layout.run();
  }

  function fitAll() {
    // End a running focus animation first, without jumping to its end: its end (applied on the next
    // frame) would move the view away again.
    cy.stop(true, false);
    if (cy.nodes().length > LABEL_ALL) {
      // Fit by positions alone: cy.fit() measures every node's label and style first (slow on big views).
      let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
      cy.nodes().forEach((n) => {
        const p = n.position();
        x1 = Math.min(x1, p.x); y1 = Math.min(y1, p.y); x2 = Math.max(x2, p.x); y2 = Math.max(y2, p.y);
      });
      const pad = 40;
      const zoom = Math.min((cy.width() - 2 * pad) / Math.max(1, x2 - x1), (cy.height() - 2 * pad) / Math.max(1, y2 - y1));
      const z = Math.max(cy.minZoom(), Math.min(1.5, zoom));
      cy.viewport({ zoom: z, pan: { x: cy.width() / 2 - z * (x1 + x2) / 2, y: cy.height() / 2 - z * (y1 + y2) / 2 } });
      return;
    }
    cy.fit(undefined, 30);
    if (cy.zoom() > 1.5) { cy.zoom(1.5); cy.center(); } // a few nodes should not fill the screen
  }

  function ready() {
    performance.mark("network-map:ready");
    document.body.dataset.networkReady = "true";
  }

  function apply(data) {
    delete document.body.dataset.networkReady;
    performance.mark("network-map:data");
    current = data;
    const { nodes, edges } = elementsOf(data);
    const wanted = new Set([...nodes, ...edges].map((e) => e.data.id));
    const viewKey = data.view || "graph";
    const keep = cy.scratch("view") === viewKey;
    let added = cy.collection();
    cy.batch(() => {
      cy.elements().filter((e) => !keep || !wanted.has(e.id())).remove();
      const present = new Set(cy.elements().map((e) => e.id()));
      // Stay: refresh their data (metrics change with the view), keep their positions.
      nodes.concat(edges).forEach((e) => {
        if (present.has(e.data.id)) cy.getElementById(e.data.id).data(e.data);
      });
      added = cy.add(nodes.filter((e) => !present.has(e.data.id)));
      cy.add(edges.filter((e) => !present.has(e.data.id)));
    });
    cy.scratch("view", viewKey);
    showGroupBar();
    performance.mark("network-map:added");
    resize();
    performance.mark("network-map:sized");
    const finish = () => {
      performance.mark("network-map:laid-out");
      fitAll();
      performance.mark("network-map:fitted");
      announce(data);
      // The table and the search list are built when first needed: thousands of rows cost time.
      tableFilled = searchFilled = false;
      if (!table.hidden) fillTable();
      // Ready once the first frame with the graph is drawn.
      requestAnimationFrame(() => requestAnimationFrame(ready));
    };
    if (added.length === cy.nodes().length && data.nodes.length && data.nodes[0].x !== undefined) {
      finish();
    } else if (added.length === cy.nodes().length) {
      layoutAll(finish);
    } else {
      if (added.length) placeNew(added);
      finish();
    }
  }

  function announce(data) {
    let text;
    if (data.message) text = data.message;
    else if (!data.nodes.length) text = labels.empty;
    else if (data.view === "communities") text = format(labels.communities, { total: data.total, groups: data.groups });
    else if (data.aggregated) text = format(labels.aggregated, { total: data.total });
    else text = format(labels.shown, { nodes: data.nodes.length, edges: data.edges.length });
    if (data.truncated && data.ego !== undefined) {
      text += " " + format(labels.ego_truncated, { limit: data.limit });
    } else if (data.truncated && !data.aggregated) {
      text += " " + format(labels.truncated, { limit: data.nodes.length, total: data.total });
    }
    if (data.edges_truncated) text += " " + format(labels.edges_truncated, { n: data.edges.length });
    if (data.snapshot_label) text += " " + format(labels.snapshot, { time: data.snapshot_label });
    status.textContent = text;
    // The status line (and the group line) above the graph may have changed height, moving the canvas:
    // cytoscape keeps the canvas's page position cached and would place clicks off by that much.
    cy.resize();
  }

  function kindLabel(kind) {
    return labels.kinds[kind] || labels.tie_kinds[kind] || kind;
  }

  function cell(row, text, link) {
    const td = document.createElement("td");
    if (link) {
      const a = document.createElement("a");
      a.href = link;
      a.textContent = text;
      td.append(a);
    } else {
      td.textContent = text;
    }
    row.append(td);
  }

  function profileUrl(slug) {
    return root.dataset.profileUrl.replace("SLUG", encodeURIComponent(slug));
  }

  function fillTable() {
    const data = current;
    tableFilled = true;
    const names = new Map(data.nodes.map((n) => [String(n.id), n.name]));
    const nodeBody = table.querySelector("[data-table=nodes]");
    const edgeBody = table.querySelector("[data-table=edges]");
    table.querySelector("[data-column=count]").textContent = data.aggregated ? labels.column_actors : labels.column_ties;
    table.querySelector("[data-caption=nodes]").textContent = data.view === "communities"
      ? labels.caption_groups : data.aggregated ? labels.caption_kinds : labels.caption_actors;
    const nodeRows = data.nodes.map((n) => {
      const tr = document.createElement("tr");
      // A group links to its members: the same drill-down as a click on its node.
      const link = n.slug ? profileUrl(n.slug) : n.community !== undefined ? drillUrl(n.community) : "";
      cell(tr, n.name, link);
      cell(tr, kindLabel(n.kind));
      cell(tr, String(n.count !== undefined ? n.count : (n.metrics || {}).degree || 0));
      return tr;
    });
    const edgeRows = data.edges.map((e) => {
      const tr = document.createElement("tr");
      cell(tr, names.get(String(e.source)) || "");
      cell(tr, names.get(String(e.target)) || "");
      cell(tr, kindLabel(e.kind));
      cell(tr, String(e.weight));
      return tr;
    });
    nodeBody.replaceChildren(...nodeRows);
    edgeBody.replaceChildren(...edgeRows);
  }

  function fillSearch() {
    if (searchFilled) return;
    searchFilled = true;
    const list = document.getElementById("network-search-options");
    const options = current.nodes.slice(0, 3000).map((n) => {
      const option = document.createElement("option");
      option.value = n.name;
      return option;
    });
    list.replaceChildren(...options);
  }

  function showCard(node) {
    const d = node.data();
    card.querySelector("[data-field=name]").textContent = d.name;
    card.querySelector("[data-field=kind]").textContent = kindLabel(d.kind);
    // An actor: its direct ties as every page counts them, then what this view shows of them.
    const direct = d.direct_ties === undefined ? ""
      : format(d.direct_ties === 1 ? labels.direct_tie : labels.direct_ties, { n: d.direct_ties }) + " · ";
    card.querySelector("[data-field=ties]").textContent = d.count !== undefined
      ? format(labels.actors, { n: d.count })
      : direct + format(labels.ties, { n: node.degree(false) });
    const profile = card.querySelector("[data-field=profile]");
    const ego = card.querySelector("[data-field=ego]");
    profile.hidden = ego.hidden = !d.slug;
    if (d.slug) {
      profile.href = profileUrl(d.slug);
      ego.href = `${root.dataset.mapUrl}?ego=${encodeURIComponent(d.slug)}`;
    }
    card.hidden = false;
  }

  function drillUrl(community) {
    const params = new URLSearchParams({ community: String(community) });
    return `${root.dataset.mapUrl}?${params}`;
  }

  function setView(value) {
    const radio = form.querySelector(`[name=view][value="${value}"]`);
    if (radio) radio.checked = true;
  }

  function drill(community) {
    // The members of one group: the single-actor view filtered to the group (still capped).
    setView("graph");
    form.querySelector(".network-actor-filters").hidden = false;
    communityInput.value = String(community);
    card.hidden = true;
    load();
  }

  function showGroupBar() {
    const value = communityInput ? communityInput.value : "";
    groupBar.hidden = !value || Boolean(current.aggregated);
    if (value) groupBar.querySelector("[data-field=group]").textContent = format(labels.community_filter, { n: Number(value) + 1 });
  }

  function focus(node) {
    cy.elements().unselect();
    node.select();
    cy.animate({ center: { eles: node }, zoom: Math.max(cy.zoom(), 1.2) }, { duration: 300 });
    showCard(node);
  }

  function load() {
    const number = ++requestNumber;
    const { url, params } = dataUrl();
    status.textContent = labels.loading;
    if (!root.dataset.egoUrl) history.replaceState(null, "", `${root.dataset.mapUrl}?${params}`);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then((data) => { if (number === requestNumber) apply(data); })
      .catch(() => { if (number === requestNumber) status.textContent = labels.error; });
  }

  function download(blob, name) {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  cy.on("tap", "node", (event) => {
    const community = event.target.data("community");
    if (community !== undefined && community !== null) drill(community);
    else focus(event.target);
  });
  cy.on("mouseover", "node", (event) => event.target.addClass("hovered"));
  cy.on("mouseout", "node", (event) => event.target.removeClass("hovered"));
  cy.on("tap", (event) => { if (event.target === cy) card.hidden = true; });

  // The folded filters' summary says how many narrowing filters are set (MapFilterForm.NARROWING_FILTERS).
  const NARROWING = ["kind", "level", "theme", "sdg", "country", "layer", "tie_kind", "since", "until"];
  const filterCount = form.querySelector("[data-filter-count]");
  const countFilters = () => {
    if (!filterCount) return;
    const data = new FormData(form);
    const n = NARROWING.filter((name) => data.getAll(name).some((value) => value !== "")).length;
    filterCount.textContent = n ? format(labels.filters_active, { n }) : labels.filters_none;
  };

  form.addEventListener("change", (event) => {
    countFilters();
    if (event.target.name === "size") { resize(); return; }
    if (event.target.name === "view") {
      // The groups come from the nightly snapshot: the actor and tie filters do not apply to them.
      const filters = form.querySelector(".network-actor-filters");
      if (filters) filters.hidden = event.target.value === "communities";
      if (event.target.value === "communities") communityInput.value = "";
    }
    load();
  });
  form.addEventListener("submit", (event) => { event.preventDefault(); load(); });

  search.addEventListener("focus", fillSearch);
  search.addEventListener("change", () => {
    const query = search.value.trim().toLowerCase();
    if (!query) return;
    const node = cy.nodes().filter((n) => n.data("name").toLowerCase() === query)[0]
      || cy.nodes().filter((n) => n.data("name").toLowerCase().includes(query))[0];
    if (node) focus(node);
    else status.textContent = labels.not_found;
  });

  root.addEventListener("click", (event) => {
    const button = event.target.closest("[data-action]");
    if (!button) return;
    const action = button.dataset.action;
    if (action === "fit") fitAll();
    if (action === "close-card") card.hidden = true;
    if (action === "all-groups") {
      communityInput.value = "";
      setView("communities");
      form.querySelector(".network-actor-filters").hidden = true;
      load();
    }
    if (action === "png") download(cy.png({ full: true, scale: 2, bg: "#ffffff", output: "blob" }), "netzwerk.png");
    if (action === "svg" && cy.svg) {
      download(new Blob([cy.svg({ full: true, bg: "#ffffff" })], { type: "image/svg+xml" }), "netzwerk.svg");
    }
    if (action === "table") showTable(table.hidden);
  });

  // The keyboard's way to the actors: the canvas cannot be walked node by node, so the map itself
  // (focusable) and the "Als Tabelle" button open the same actors as a table of links, focus on its heading.
  function showTable(show) {
    const toggle = root.querySelector("[data-action=table]");
    table.hidden = !show;
    if (show && !tableFilled) fillTable();
    toggle.setAttribute("aria-expanded", String(show));
    if (show) {
      const heading = table.querySelector("h2");
      heading.scrollIntoView();
      heading.focus();
    }
  }
  document.getElementById("network-graph").addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      showTable(true);
    }
  });

  load();
})();
