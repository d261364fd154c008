package phiscan

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"
	"time"
)

// WriteHTML writes r as one self-contained HTML page: inline CSS and one
// small inline script (a filter), no external resources, every value
// escaped by html/template. A Content-Security-Policy allows that script
// only and no network access at all.
//
// Tables are grouped by what was found: tables that could not be scanned,
// then tables with PHI, with possible PHI (or PHI on the column name
// only), with other categories (e.g. staff), with nothing found, and last,
// collapsed, the empty tables. Each table shows how many columns fall in
// each verdict; verdicts of empty columns, which rest on the name only,
// are marked and counted apart.
func WriteHTML(w io.Writer, r *Report) error {
	return htmlReport.Execute(w, newHTMLView(normalized(r)))
}

type htmlView struct {
	Source    string
	ScannedAt time.Time
	Cats      []Verdict
	Totals    []int
	NameOnly  int
	Tables    int
	Groups    []*htmlGroup
	Files     []FileReport
}

type htmlGroup struct {
	ID, Title, Note string
	Collapsed       bool
	Tables          []*htmlTable
}

type htmlTable struct {
	Anchor   string
	T        *TableReport
	Counts   []int
	NameOnly int
	Found    bool
	// Flag highlights a table with warnings, unless it is an empty table
	// (whose one warning says so: the group says it already).
	Flag    bool
	Summary string
	// Why lists the evidence behind the "none" verdicts of a table in
	// which nothing was found (context rules, e.g. a log table).
	Why     []string
	Columns []htmlColumn
}

type htmlColumn struct {
	*ColumnReport
	NameOnly bool
	Min      string
}

var groupTitles = map[int][2]string{
	groupUnscanned: {"Not scanned", "these could not be read; their warnings say why"},
	groupPHI:       {"PHI found", "at least one column judged phi from its values"},
	groupPossible:  {"Possible PHI", "columns judged possible, or phi on the column name only"},
	groupOther:     {"Other categories", "no patient PHI; columns of other categories"},
	groupNone:      {"No PHI found", "rows were read and no column was judged PHI"},
	groupEmpty:     {"Empty tables", "no rows: columns judged by their names only"},
}

func newHTMLView(r *Report) *htmlView {
	v := &htmlView{Source: r.Source, ScannedAt: r.ScannedAt, Cats: verdictCategories(r), Files: r.Files, Tables: len(r.Tables)}
	counts, nameOnly := ReportCounts(r)
	for _, c := range v.Cats {
		v.Totals = append(v.Totals, counts[c])
	}
	v.NameOnly = nameOnly
	groups := map[int]*htmlGroup{}
	for _, i := range orderedTables(r) {
		t := &r.Tables[i]
		g := tableGroup(t)
		hg := groups[g]
		if hg == nil {
			title := groupTitles[g]
			hg = &htmlGroup{ID: fmt.Sprintf("g%d", g), Title: title[0], Note: title[1], Collapsed: g == groupEmpty}
			if g == groupOther {
				hg.Title = "Other categories: " + otherCategories(r)
			}
			groups[g] = hg
			v.Groups = append(v.Groups, hg)
		}
		hg.Tables = append(hg.Tables, newHTMLTable(t, i, v.Cats, g))
	}
	return v
}

func otherCategories(r *Report) string {
	var names []string
	for _, c := range verdictCategories(r) {
		if c != VerdictPHI && c != VerdictPossible && c != VerdictNone {
			names = append(names, string(c))
		}
	}
	return strings.Join(names, ", ")
}

func newHTMLTable(t *TableReport, i int, cats []Verdict, group int) *htmlTable {
	counts, nameOnly := VerdictCounts(t)
	ht := &htmlTable{Anchor: fmt.Sprintf("t%d", i), T: t, NameOnly: nameOnly,
		Found: group == groupPHI || group == groupPossible || group == groupOther || group == groupUnscanned,
		Flag:  len(t.Warnings) > 0 && group != groupEmpty}
	var parts []string
	for _, c := range cats {
		ht.Counts = append(ht.Counts, counts[c])
		if counts[c] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", c, counts[c]))
		}
	}
	if nameOnly > 0 {
		parts = append(parts, fmt.Sprintf("name only %d", nameOnly))
	}
	ht.Summary = strings.Join(parts, " · ")
	for j := range t.Columns {
		c := &t.Columns[j]
		hc := htmlColumn{ColumnReport: c, NameOnly: NameOnly(c), Min: fmtMin(c.Min)}
		ht.Columns = append(ht.Columns, hc)
		if group == groupNone && c.Verdict == VerdictNone {
			for _, e := range c.Evidence {
				if s := fmtEvidence(e); !slices.Contains(ht.Why, s) && len(ht.Why) < 8 {
					ht.Why = append(ht.Why, s)
				}
			}
		}
	}
	return ht
}

// htmlScript adds a filter by table name and a switch to show only tables
// with findings. It marks the page with data-script="ready" when it ran,
// which the browser test checks.
const htmlScript = `(function () {
  var anchor = document.getElementById("overview");
  if (!anchor) { return; }
  var bar = document.createElement("p");
  bar.id = "filter-bar";
  var input = document.createElement("input");
  input.type = "search";
  input.id = "filter";
  input.placeholder = "Filter tables by name";
  input.setAttribute("aria-label", "Filter tables by name");
  var label = document.createElement("label");
  var only = document.createElement("input");
  only.type = "checkbox";
  only.id = "findings-only";
  label.appendChild(only);
  label.appendChild(document.createTextNode(" only tables with findings"));
  bar.appendChild(input);
  bar.appendChild(document.createTextNode(" "));
  bar.appendChild(label);
  anchor.parentNode.insertBefore(bar, anchor);
  var items = document.querySelectorAll("[data-table]");
  function apply() {
    var q = input.value.toLowerCase();
    for (var i = 0; i < items.length; i++) {
      var el = items[i];
      var hit = el.getAttribute("data-table").toLowerCase().indexOf(q) >= 0;
      el.hidden = !hit || (only.checked && el.getAttribute("data-found") !== "1");
    }
  }
  input.addEventListener("input", apply);
  only.addEventListener("change", apply);
  document.documentElement.setAttribute("data-script", "ready");
})();`

func htmlScriptHash() string {
	sum := sha256.Sum256([]byte(htmlScript))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

var htmlReport = template.Must(template.New("report").Funcs(template.FuncMap{
	"time": func(v any) string {
		switch t := v.(type) {
		case time.Time:
			return fmtTime(&t)
		case *time.Time:
			return fmtTime(t)
		}
		return ""
	},
	"evidence": fmtEvidence,
	"size":     fmtSize,
	"pct":      func(f float64) string { return fmt.Sprintf("%.2f", f) },
	"join":     strings.Join,
	"cell": func(row []string, j int) string {
		if j < len(row) {
			return row[j]
		}
		return ""
	},
	"found": func(b bool) string {
		if b {
			return "1"
		}
		return "0"
	},
	"cls": func(v Verdict) string {
		switch v {
		case VerdictPHI, VerdictPossible, VerdictNone:
			return "v-" + string(v)
		}
		return "v-other"
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src '` + htmlScriptHash() + `'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PHI scan report</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d2329;background:#fff}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{font-size:1.25rem;margin:2.2rem 0 .4rem;border-bottom:1px solid #d5dae0;padding-bottom:.2rem}
h3{font-size:1.05rem;margin:1.4rem 0 .3rem}h3 small,.note{font-weight:400;color:#56606b}
.meta{color:#56606b;margin:.2rem 0 1rem}
table{border-collapse:collapse;margin:.6rem 0 1rem;font-size:13px}
th,td{border:1px solid #d5dae0;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f2f4f7}td.n{text-align:right;font-variant-numeric:tabular-nums}td.z{color:#a0a8b0}
code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f2f4f7;padding:0 .2rem}
.v{display:inline-block;border-radius:3px;padding:0 .4rem;font-weight:600;font-size:12px}
.v-phi{background:#fbd5d5;color:#8a1c1c}.v-possible{background:#fdebc8;color:#7a4b00}.v-none{background:#e3e8ee;color:#3b4550}
.v-other{background:#e4ddf6;color:#3f2a7a}.v-name{background:#fff;color:#56606b;border:1px dashed #8a96a3;font-weight:400}
.warn{color:#8a4b00}tr.flag td{background:#fff6e5}
tr.g-phi td:first-child{border-left:4px solid #c62828}tr.g-possible td:first-child{border-left:4px solid #e0a000}
tr.g-other td:first-child{border-left:4px solid #6a4fc2}
tr.nameonly td{color:#56606b;font-style:italic}
ul.w{margin:.3rem 0 .8rem;padding-left:1.2rem}ul.w li{color:#8a4b00}
.ev{margin:0;padding-left:1rem}
.why{background:#f5f7fa;border-left:3px solid #8a96a3;padding:.3rem .7rem;margin:.4rem 0}
details.group>summary{cursor:pointer;font-size:1.05rem;font-weight:600;margin:1.4rem 0 .3rem}
#filter-bar input[type=search]{font:inherit;padding:.2rem .4rem;width:18rem}
</style>
</head>
<body>
<h1>PHI scan report</h1>
<p class="meta">Source: <code>{{.Source}}</code> · scanned {{time .ScannedAt}}</p>
<p id="totals">{{.Tables}} data sets, {{len .Files}} files not scanned as tables; columns judged:{{range $i, $c := .Cats}} <span class="v {{cls $c}}">{{$c}}</span> <strong>{{index $.Totals $i}}</strong>{{end}}{{if .NameOnly}}; <span class="v v-name">name only</span> <strong>{{.NameOnly}}</strong> (empty columns, judged by their names: not counted as PHI){{end}}.</p>
<div id="overview">
{{range .Groups}}{{if .Collapsed}}<details class="group" id="{{.ID}}"><summary>{{.Title}} ({{len .Tables}}) <span class="note">{{.Note}}</span></summary>{{else}}<h3 id="{{.ID}}">{{.Title}} ({{len .Tables}}) <small>{{.Note}}</small></h3>{{end}}
<table class="overview">
<tr><th>Data set</th><th>Type</th><th>Rows</th>{{range $.Cats}}<th>{{.}}</th>{{end}}<th>name only</th><th>Warnings</th><th>Modified</th></tr>
{{range .Tables}}<tr class="{{if .Flag}}flag {{end}}g-{{if gt (index .Counts 0) 0}}phi{{else if gt (index .Counts 1) 0}}possible{{else}}x{{end}}" data-table="{{.T.Name}}" data-found="{{found .Found}}"><td><a href="#{{.Anchor}}">{{.T.Name}}</a></td><td>{{.T.Kind}}</td><td class="n">{{.T.Rows}}</td>{{range .Counts}}<td class="n{{if eq . 0}} z{{end}}">{{.}}</td>{{end}}<td class="n{{if eq .NameOnly 0}} z{{end}}">{{.NameOnly}}</td><td class="n">{{len .T.Warnings}}</td><td>{{time .T.Modified}}</td></tr>
{{end}}</table>
{{if .Collapsed}}</details>{{end}}
{{end}}</div>
{{if .Files}}<h2>Other files</h2>
<table>
<tr><th>File</th><th>Type</th><th>Size</th><th>Created</th><th>Modified</th><th>Warning</th></tr>
{{range .Files}}<tr{{if .Warning}} class="flag"{{end}}><td>{{.Name}}</td><td>{{.Kind}}</td><td class="n">{{size .Size}}</td><td>{{time .Created}}</td><td>{{time .Modified}}</td><td class="warn">{{.Warning}}</td></tr>
{{end}}</table>{{end}}
{{range .Groups}}{{if .Collapsed}}<details class="group"><summary>{{.Title}}: the {{len .Tables}} tables in detail</summary>{{end}}
{{range .Tables}}<section data-table="{{.T.Name}}" data-found="{{found .Found}}">
<h2 id="{{.Anchor}}">{{.T.Name}}</h2>
<p class="meta">Type: {{.T.Kind}} · rows: {{.T.Rows}}{{with time .T.Created}} · created: {{.}}{{end}}{{with time .T.Modified}} · modified: {{.}}{{end}}{{with .Summary}} · columns: {{.}}{{end}}</p>
{{if .T.Warnings}}<ul class="w">{{range .T.Warnings}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Why}}<div class="why">No column judged PHI in {{.T.Rows}} rows. The evidence behind the verdicts:<ul class="ev">{{range .Why}}<li>{{.}}</li>{{end}}</ul></div>{{end}}
{{if .Columns}}<table>
<tr><th>Column</th><th>SQL type</th><th>Verdict</th><th>Types</th><th>Confidence</th><th>Min</th><th>Sampled</th><th>Nulls</th><th>Example</th><th>Evidence</th></tr>
{{range .Columns}}<tr{{if .NameOnly}} class="nameonly"{{end}}><td>{{.Name}}</td><td>{{.SQLType}}</td><td><span class="v {{cls .Verdict}}">{{.Verdict}}</span>{{if .NameOnly}} <span class="v v-name" title="no value was read: the verdict rests on the column name only">name only</span>{{end}}</td><td>{{join .Types ", "}}</td><td class="n">{{pct .Confidence}}</td><td class="n">{{.Min}}</td><td class="n">{{.Sampled}}</td><td class="n">{{.Nulls}}</td><td><code>{{.Example}}</code></td><td>{{if .Evidence}}<ul class="ev">{{range .Evidence}}<li>{{evidence .}}</li>{{end}}</ul>{{end}}</td></tr>
{{end}}</table>
{{if .T.Examples}}<p>Example records (masked):</p>
<table>
<tr>{{range .Columns}}<th>{{.Name}}</th>{{end}}</tr>
{{$cols := .Columns}}{{range $ex := .T.Examples}}<tr>{{range $j, $c := $cols}}<td><code>{{cell $ex $j}}</code></td>{{end}}</tr>
{{end}}</table>{{end}}{{end}}</section>
{{end}}{{if .Collapsed}}</details>{{end}}
{{end}}<script>` + htmlScript + `</script>
</body>
</html>
`))
