package flow

import (
	"encoding/base64"
	"fmt"
	"html"
	"strings"
)

// A report document: sections of paragraphs, tables and images, rendered
// as Markdown (report.md) and as self-contained HTML (report.html).
type section struct {
	Title  string
	Blocks []block
}

// block is one paragraph, table or image.
type block struct {
	Text  string // a paragraph (plain text; `code` spans allowed)
	Table *table
	Image *image
}

type table struct {
	Head      []string
	Rows      [][]string
	Highlight []bool // per row: shown in bold / highlighted
}

type image struct {
	File string // relative to DIR (plots/NAME.png)
	Alt  string
	PNG  []byte
}

// rightAligned says per column whether every cell is a number (or empty,
// or "-"): numbers align right, text left.
func (t *table) rightAligned() []bool {
	right := make([]bool, len(t.Head))
	for j := range t.Head {
		right[j] = j > 0
		for _, row := range t.Rows {
			if j < len(row) {
				c := row[j]
				if c != "" && c != "-" && (c[0] < '0' || c[0] > '9') {
					right[j] = false
				}
			}
		}
	}
	return right
}

func alignAttr(right bool) string {
	if right {
		return ` class="r"`
	}
	return ""
}

func para(format string, args ...any) block { return block{Text: fmt.Sprintf(format, args...)} }

// markdown renders the document.
func markdown(title string, secs []section) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", title)
	for _, s := range secs {
		fmt.Fprintf(&b, "\n## %s\n", s.Title)
		for _, bl := range s.Blocks {
			b.WriteString("\n")
			switch {
			case bl.Table != nil:
				t := bl.Table
				b.WriteString("| " + strings.Join(t.Head, " | ") + " |\n|")
				for _, right := range t.rightAligned() {
					if right {
						b.WriteString("---:|")
					} else {
						b.WriteString("---|")
					}
				}
				b.WriteString("\n")
				for i, row := range t.Rows {
					cells := make([]string, len(row))
					for j, c := range row {
						cells[j] = strings.ReplaceAll(c, "|", `\|`)
						if i < len(t.Highlight) && t.Highlight[i] && c != "" {
							cells[j] = "**" + cells[j] + "**"
						}
					}
					b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
				}
			case bl.Image != nil:
				fmt.Fprintf(&b, "![%s](%s)\n", bl.Image.Alt, bl.Image.File)
			default:
				b.WriteString(bl.Text + "\n")
			}
		}
	}
	return b.String()
}

const htmlStyle = `body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;color:#1b1f23;line-height:1.45}
h1{font-size:1.7em;border-bottom:2px solid #d0d7de;padding-bottom:6px}h2{font-size:1.3em;margin-top:1.8em;border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;font-size:.92em}th,td{border:1px solid #d0d7de;padding:4px 9px;text-align:left}.r{text-align:right}
th{background:#f3f5f7}tr.hl td{background:#fff1e0;font-weight:600}
code{background:#f3f5f7;padding:1px 4px;border-radius:3px;font-size:.92em}img{max-width:100%;border:1px solid #e4e8eb;margin:6px 0}
p.note{color:#57606a;font-size:.9em}`

// htmlDoc renders the document as one HTML file with the images inline.
func htmlDoc(title string, secs []section) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>%s</style></head>\n<body>\n<h1>%s</h1>\n", html.EscapeString(title), htmlStyle, html.EscapeString(title))
	for _, s := range secs {
		fmt.Fprintf(&b, "<h2>%s</h2>\n", html.EscapeString(s.Title))
		for _, bl := range s.Blocks {
			switch {
			case bl.Table != nil:
				t := bl.Table
				right := t.rightAligned()
				b.WriteString("<table><tr>")
				for j, h := range t.Head {
					fmt.Fprintf(&b, "<th%s>%s</th>", alignAttr(right[j]), inline(h))
				}
				b.WriteString("</tr>\n")
				for i, row := range t.Rows {
					if i < len(t.Highlight) && t.Highlight[i] {
						b.WriteString(`<tr class="hl">`)
					} else {
						b.WriteString("<tr>")
					}
					for j, c := range row {
						fmt.Fprintf(&b, "<td%s>%s</td>", alignAttr(j < len(right) && right[j]), inline(c))
					}
					b.WriteString("</tr>\n")
				}
				b.WriteString("</table>\n")
			case bl.Image != nil:
				fmt.Fprintf(&b, "<img alt=\"%s\" src=\"data:image/png;base64,%s\">\n", html.EscapeString(bl.Image.Alt),
					base64.StdEncoding.EncodeToString(bl.Image.PNG))
			default:
				fmt.Fprintf(&b, "<p>%s</p>\n", inline(bl.Text))
			}
		}
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

// inline escapes text and turns `code` spans and **bold** into HTML.
func inline(s string) string {
	s = html.EscapeString(s)
	for _, m := range []struct{ delim, open, close string }{{"`", "<code>", "</code>"}, {"**", "<b>", "</b>"}} {
		parts := strings.Split(s, m.delim)
		if len(parts) < 3 {
			continue
		}
		var b strings.Builder
		for i, p := range parts {
			switch {
			case i == 0:
			case i%2 == 1 && i < len(parts)-1:
				b.WriteString(m.open)
			case i%2 == 0:
				b.WriteString(m.close)
			default:
				b.WriteString(m.delim)
			}
			b.WriteString(p)
		}
		s = b.String()
	}
	return s
}
