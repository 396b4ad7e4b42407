package markdown

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"
)

// Vectors from the OWASP XSS filter evasion cheat sheet, plus Markdown link and image tricks.
var xssVectors = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>`,
	`<IMG SRC="javascript:alert('XSS');">`,
	`<IMG SRC=javascript:alert('XSS')>`,
	`<IMG SRC=JaVaScRiPt:alert('XSS')>`,
	"<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
	`<a onmouseover="alert(document.cookie)">xxs link</a>`,
	`<IMG """><SCRIPT>alert("XSS")</SCRIPT>">`,
	`<IMG SRC=# onmouseover="alert('xxs')">`,
	`<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>`,
	`<img src=x onerror="&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000039&#0000088&#0000083&#0000083&#0000039&#0000041">`,
	`<IMG SRC="jav	ascript:alert('XSS');">`,
	`<IMG SRC="jav&#x0A;ascript:alert('XSS');">`,
	`<IMG SRC=" &#14;  javascript:alert('XSS');">`,
	`<SCRIPT/XSS SRC="http://xss.example/xss.js"></SCRIPT>`,
	`<BODY onload!#$%&()*~+-_.,:;?@[/|\]^` + "`" + `=alert("XSS")>`,
	`<<SCRIPT>alert("XSS");//\<</SCRIPT>`,
	`<SCRIPT SRC=http://xss.example/xss.js?< B >`,
	`<iframe src=http://xss.example/scriptlet.html <`,
	`</TITLE><SCRIPT>alert("XSS");</SCRIPT>`,
	`<INPUT TYPE="IMAGE" SRC="javascript:alert('XSS');">`,
	`<BODY BACKGROUND="javascript:alert('XSS')">`,
	`<svg/onload=alert('XSS')>`,
	`<STYLE>li {list-style-image: url("javascript:alert('XSS')");}</STYLE><UL><LI>XSS</br>`,
	`<DIV STYLE="background-image: url(javascript:alert('XSS'))">`,
	`<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert('XSS');">`,
	`<TABLE BACKGROUND="javascript:alert('XSS')">`,
	`<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.example/scriptlet.html"></OBJECT>`,
	`<EMBED SRC="data:image/svg+xml;base64,PHN2ZyB4bWxuczpzdmc9Imh0dH A6Ly93d3cudzMub3JnLzIwMDAvc3ZnIiB4bWxucz0iaHR0cDovL3d3dy53My5vcmcv MjAwMC9zdmciIHhtbG5zOnhsaW5rPSJodHRwOi8vd3d3LnczLm9yZy8xOTk5L3hs aW5rIiB2ZXJzaW9uPSIxLjAiIHg9IjAiIHk9IjAiIHdpZHRoPSIxOTQiIGhlaWdodD0iMjAw IiBpZD0ieHNzIj48c2NyaXB0IHR5cGU9InRleHQvZWNtYXNjcmlwdCI+YWxlcnQoIlh TUyIpOzwvc2NyaXB0Pjwvc3ZnPg==" type="image/svg+xml" AllowScriptAccess="always"></EMBED>`,
	`<a href="javascript:alert(1)">click</a>`,
	`<form action="javascript:alert(1)"><button>x</button></form>`,
	`<details open ontoggle=alert(1)>`,
	// Markdown link and image tricks.
	`[click](javascript:alert(1))`,
	`[click](JAVASCRIPT:alert(1))`,
	`[click](  javascript:alert(1))`,
	`[click](jav&#x61;script:alert(1))`,
	`[click](javascript&colon;alert(1))`,
	`[click](vbscript:msgbox(1))`,
	`[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)`,
	`![x](javascript:alert(1))`,
	`![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)`,
	`![x](https://tracker.example/pixel.png)`,
	`![x"onerror="alert(1)](/description/images/1)`,
	`[x](/description/images/1"onmouseover="alert(1))`,
	"[ref]\n\n[ref]: javascript:alert(1)",
	`<javascript:alert(1)>`,
	"```html\n<script>alert(1)</script>\n```",
	`[a](<javascript:alert(1)>)`,
}

// liveMarkupProblems parses rendered HTML the way a browser would and lists what could run or
// load something: elements outside the allow-list, event handlers, style, and URLs that are not
// http(s), mailto, Attest paths or Attest images. Escaped text ("&lt;script&gt;") is harmless.
func liveMarkupProblems(t *testing.T, out string) []string {
	t.Helper()
	allowed := map[string]bool{"p": true, "br": true, "hr": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
		"blockquote": true, "pre": true, "code": true, "em": true, "strong": true, "del": true, "ul": true, "ol": true, "li": true,
		"table": true, "thead": true, "tbody": true, "tr": true, "th": true, "td": true, "a": true, "img": true,
		"html": true, "head": true, "body": true}
	doc, err := html.Parse(strings.NewReader(out))
	require.NoError(t, err)
	var problems []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if !allowed[n.Data] {
				problems = append(problems, "element "+n.Data)
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(key, "on"), key == "style", key == "background", key == "srcset", key == "action", key == "formaction":
					problems = append(problems, "attribute "+key)
				case key == "href" && !SafeLink(a.Val):
					problems = append(problems, "href "+a.Val)
				case key == "src" && ImageID(a.Val) == 0:
					problems = append(problems, "src "+a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return problems
}

func TestHTMLNeutralisesXSSVectors(t *testing.T) {
	for _, v := range xssVectors {
		t.Run(v, func(t *testing.T) {
			out := string(HTML(v))
			assert.Empty(t, liveMarkupProblems(t, out), "vector %q rendered as %q", v, out)
			assert.NotContains(t, strings.ToLower(out), "<script", "vector %q", v)
		})
	}
}

func TestTheCheckerSeesLiveMarkup(t *testing.T) {
	// The vector test is only worth something if its checker catches what it looks for.
	assert.NotEmpty(t, liveMarkupProblems(t, `<img src=x onerror=alert(1)>`))
	assert.NotEmpty(t, liveMarkupProblems(t, `<a href="javascript:alert(1)">x</a>`))
	assert.NotEmpty(t, liveMarkupProblems(t, `<script>alert(1)</script>`))
	assert.Empty(t, liveMarkupProblems(t, `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`))
}

func TestHTMLKeepsWhatManagementWrites(t *testing.T) {
	cases := []struct{ in, want string }{
		{"# Services\n\nNorthwind **provides** _bookkeeping_.", `<h1 id="services">Services</h1>`},
		{"Northwind **provides** bookkeeping.", "<strong>provides</strong>"},
		{"- one\n- two", "<li>two</li>"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "<td>2</td>"},
		{"See [our site](https://northwind.example).", `<a href="https://northwind.example" rel="nofollow noreferrer">our site</a>`},
		{"![Network diagram](/description/images/12)", `<img src="/description/images/12" alt="Network diagram">`},
		{"Write to [us](mailto:security@northwind.example).", `href="mailto:security@northwind.example"`},
		{"a ~~b~~ c", "<del>b</del>"},
		{"x < y & z", "x &lt; y &amp; z"},
	}
	for _, tc := range cases {
		assert.Contains(t, string(HTML(tc.in)), tc.want, tc.in)
	}
}

func TestImageIDs(t *testing.T) {
	src := "![a](/description/images/3) ![b](/description/images/7) ![c](/description/images/3) ![d](https://x.example/1.png) ![e](/description/images/x)"
	assert.Equal(t, []int64{3, 7}, ImageIDs(src))
	assert.Equal(t, int64(0), ImageID("/description/images/3/../../x"))
}

func TestSafeLink(t *testing.T) {
	for dest, want := range map[string]bool{
		"https://a.example": true, "http://a.example": true, "mailto:a@b.example": true, "/engagements/1": true,
		"javascript:alert(1)": false, " JavaScript:alert(1)": false, "data:text/html,x": false, "//evil.example": false, "vbscript:x": false,
	} {
		assert.Equal(t, want, SafeLink(dest), dest)
	}
}
