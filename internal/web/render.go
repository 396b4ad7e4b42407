package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/templates"
)

const flashCookie = "attest_flash"

// render writes a templ component with status.
// The page is rendered into a pooled buffer and sent in one write: streamed, a 100 KB page went
// out in dozens of small writes, each a system call (issue #19); and a page that fails halfway
// answers with the error page, not half a page.
func (s *Server) render(c echo.Context, status int, comp templ.Component) error {
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= maxPooledRender {
			buf.Reset()
			renderBuffers.Put(buf)
		}
	}()
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	h.Set(echo.HeaderContentLength, strconv.Itoa(buf.Len()))
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(buf.Bytes())
	return err
}

// maxPooledRender keeps an unusually large page's buffer out of the pool.
const maxPooledRender = 4 << 20

var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// page builds the frame every full page needs: user, navigation, CSRF token and flashes.
func (s *Server) page(c echo.Context, title, activeNav string) templates.Page {
	p := templates.Page{Title: title, ActiveNav: activeNav, AssetURL: s.assets.url}
	if token, ok := c.Get("csrf").(string); ok {
		p.CSRF = token
	} else if session, ok := c.Get(ctxToken).(string); ok {
		// A request refused before the CSRF middleware ran (a 413 from limitBody) still gets a
		// page whose forms work: the sign-out button needs the session's token.
		p.CSRF = sessionCSRF(session)
	}
	if u, ok := currentUser(c); ok && currentSession(c).Stage == auth.StageFull {
		p.User = &templates.UserView{ID: u.ID, Name: u.Name, Email: u.Email, RoleLabel: u.Role.Label(), IsClient: u.Role == auth.RoleClient}
		if u.ClientID != nil {
			if cl, err := s.firm().GetClient(c.Request().Context(), *u.ClientID); err == nil {
				p.User.ClientName = cl.Name
			}
		}
		p.Nav = navFor(u)
	}
	p.Flashes = s.takeFlashes(c)
	return p
}

// mainNav is every main navigation entry with the action its page needs; navFor keeps those the
// policy allows, so the menu never offers a page that would answer 403.
var mainNav = []struct {
	item   templates.NavItem
	action policy.Action
}{
	{templates.NavItem{Key: "home", Label: "Home", Href: "/"}, policy.HomeView},
	{templates.NavItem{Key: "engagements", Label: "Engagements", Href: "/engagements"}, policy.EngagementList},
	{templates.NavItem{Key: "review", Label: "Review queue", Href: "/review"}, policy.ReviewQueue},
	{templates.NavItem{Key: "criteria", Label: "Criteria", Href: "/criteria"}, policy.CriteriaView},
	{templates.NavItem{Key: "comparison", Label: "Firm comparison", Href: "/firm/comparison"}, policy.FirmComparison},
	{templates.NavItem{Key: "audit", Label: "Audit trail", Href: "/audit"}, policy.AuditViewAll},
	{templates.NavItem{Key: "admin", Label: "Administration", Href: "/admin/users"}, policy.AdminUsers},
}

// navFor lists the main navigation u's role may use. Client users call the home page Overview.
func navFor(u auth.User) []templates.NavItem {
	var nav []templates.NavItem
	for _, n := range mainNav {
		if policy.Check(u, n.action, policy.Resource{}) != nil {
			continue
		}
		item := n.item
		if item.Key == "home" && u.Role == auth.RoleClient {
			item.Label = "Overview"
		}
		nav = append(nav, item)
	}
	return nav
}

// flash queues a message for the next page the browser shows.
func (s *Server) flash(c echo.Context, kind, message string) {
	flashes := append(s.pendingFlashes(c), templates.Flash{Kind: kind, Message: message})
	b, _ := json.Marshal(flashes)
	c.Set(flashCookie, flashes)
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		HttpOnly: true, Secure: s.Config.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 60})
}

func (s *Server) pendingFlashes(c echo.Context) []templates.Flash {
	if f, ok := c.Get(flashCookie).([]templates.Flash); ok {
		return f
	}
	return nil
}

// takeFlashes reads and clears the flashes the previous response queued.
func (s *Server) takeFlashes(c echo.Context) []templates.Flash {
	cookie, err := c.Cookie(flashCookie)
	if err != nil || cookie.Value == "" {
		return nil
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.Config.SecureCookies})
	raw, err := base64.RawURLEncoding.DecodeString(cookie.Value)
	if err != nil {
		return nil
	}
	var flashes []templates.Flash
	if json.Unmarshal(raw, &flashes) != nil {
		return nil
	}
	for i := range flashes {
		switch flashes[i].Kind {
		case "success", "error", "warning", "info":
		default:
			flashes[i].Kind = "info"
		}
	}
	return flashes
}

// redirectWithFlash is the usual end of a successful form post.
// redirectWithFlashKind is redirectWithFlash with another kind of message (error, info).
func (s *Server) redirectWithFlashKind(c echo.Context, to, kind, message string) error {
	s.flash(c, kind, message)
	return c.Redirect(http.StatusSeeOther, to)
}

func (s *Server) redirectWithFlash(c echo.Context, to, message string) error {
	s.flash(c, "success", message)
	return c.Redirect(http.StatusSeeOther, to)
}

// csrfToken is the request's CSRF token, for forms rendered inside lists.
func csrfToken(c echo.Context) string {
	token, _ := c.Get("csrf").(string)
	return token
}
