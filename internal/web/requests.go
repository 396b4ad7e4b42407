package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/notify"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/internal/requests"
	"github.com/attest-soc/attest/templates"
)

// requestFilter reads the list filter from the query string.
func requestFilter(c echo.Context) (requests.Filter, templates.RequestFilterView) {
	fv := templates.RequestFilterView{Status: c.QueryParam("status"), AssigneeID: c.QueryParam("assignee"), ControlID: c.QueryParam("control")}
	f := requests.Filter{Status: fv.Status}
	f.AssigneeID, _ = strconv.ParseInt(fv.AssigneeID, 10, 64)
	f.ControlID, _ = strconv.ParseInt(fv.ControlID, 10, 64)
	if ownRequestsOnly(c) {
		f.VisibleTo = mustUser(c).ID
	}
	return f, fv
}

// ownRequestsOnly: the viewer is a client user who does not see every request of the engagement
// (another contact coordinates it), so lists keep the requests they are involved in.
func ownRequestsOnly(c echo.Context) bool {
	return !policy.Can(mustUser(c), policy.RequestViewAll, resource(c))
}

// shortDate is how lists show dates: 15 Jul 2026.
func shortDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2 Jan 2006")
}

func (s *Server) requestRows(rs []requests.Row) []templates.RequestRow {
	rows := make([]templates.RequestRow, 0, len(rs))
	now := s.Clock.Now()
	for _, r := range rs {
		row := templates.RequestRow{ID: r.ID, EngagementID: r.EngagementID, Label: r.Label(), Title: r.Title, Assignee: r.AssigneeName,
			Due: shortDate(r.DueDate), Priority: r.Priority, Status: requests.Display(r.Status, r.ReturnReason),
			Overdue: requests.Overdue(r.Status, r.DueDate, now), EvidenceCount: r.EvidenceCount, Engagement: r.EngagementName}
		if r.DueDate != nil {
			row.DueSort = r.DueDate.Format("2006-01-02")
		}
		rows = append(rows, row)
	}
	return rows
}

// requestListView builds the list page; the forms on it start empty unless the caller fills them.
func (s *Server) requestListView(c echo.Context, engagementID int64, u auth.User) (templates.RequestListView, error) {
	ctx := c.Request().Context()
	f, fv := requestFilter(c)
	page := pageParam(c)
	f.Limit, f.Offset = pageSize+1, (page-1)*pageSize // one more row tells whether a next page exists
	rs, err := s.Requests.ListRows(ctx, engagementID, f)
	if err != nil {
		return templates.RequestListView{}, err
	}
	more := len(rs) > pageSize
	rs = rs[:min(len(rs), pageSize)]
	res := resource(c)
	v := templates.RequestListView{Rows: s.requestRows(rs), Filter: fv, IsClient: u.Role == auth.RoleClient,
		CanManage: policy.Can(u, policy.RequestManage, res), Pager: pager(c, page, len(rs), more),
		CanSeeContacts: policy.Can(u, policy.ColleagueView, res), OwnOnly: f.VisibleTo != 0}
	if v.IsClient {
		return v, nil
	}
	contacts, err := s.Requests.Contacts(ctx, engagementID)
	if err != nil {
		return v, err
	}
	for _, ct := range contacts {
		v.Contacts = append(v.Contacts, templates.Option{Value: itoa(ct.ID), Label: ct.Name + " <" + ct.Email + ">"})
	}
	controls, err := s.Requests.Controls(ctx, engagementID)
	if err != nil {
		return v, err
	}
	for _, ct := range controls {
		v.Controls = append(v.Controls, templates.Option{Value: itoa(ct.ID), Label: ct.Label})
	}
	q := url.Values{}
	for k, val := range map[string]string{"status": fv.Status, "assignee": fv.AssigneeID, "control": fv.ControlID} {
		if val != "" {
			q.Set(k, val)
		}
	}
	if len(q) > 0 {
		v.ExportQuery = "?" + q.Encode()
	}
	if v.Template.Count, err = s.Requests.TemplateCount(ctx); err != nil {
		return v, err
	}
	return v, nil
}

func (s *Server) renderRequestList(c echo.Context, status int, mutate func(*templates.RequestListView)) error {
	u := mustUser(c)
	id := resource(c).EngagementID
	h, err := s.engagementHeader(c.Request().Context(), id, u, "requests")
	if err != nil {
		return err
	}
	v, err := s.requestListView(c, id, u)
	if err != nil {
		return err
	}
	if mutate != nil {
		mutate(&v)
	}
	return s.render(c, status, templates.RequestListPage(s.page(c, "Requests · "+h.Name, "engagements"), h, v))
}

// requestList: GET /engagements/:id/requests.
func (s *Server) requestList(c echo.Context) error {
	return s.renderRequestList(c, http.StatusOK, nil)
}

func (s *Server) requestFormView(c echo.Context, engagementID int64) (templates.RequestFormView, error) {
	ctx := c.Request().Context()
	f := templates.RequestFormView{EngagementID: engagementID, Priority: "normal", Controls: map[string]bool{}, Tests: map[string]bool{},
		Samples: map[string]bool{}}
	contacts, err := s.Requests.Contacts(ctx, engagementID)
	if err != nil {
		return f, err
	}
	for _, ct := range contacts {
		f.Contacts = append(f.Contacts, templates.Option{Value: itoa(ct.ID), Label: ct.Name + " <" + ct.Email + ">"})
	}
	controls, err := s.Requests.Controls(ctx, engagementID)
	if err != nil {
		return f, err
	}
	for _, ct := range controls {
		f.ControlOpts = append(f.ControlOpts, templates.Option{Value: itoa(ct.ID), Label: ct.Label})
	}
	tests, err := s.Requests.Tests(ctx, engagementID)
	if err != nil {
		return f, err
	}
	for _, t := range tests {
		f.TestOpts = append(f.TestOpts, templates.Option{Value: itoa(t.ID), Label: t.Label})
	}
	samples, err := s.Requests.Samples(ctx, engagementID)
	if err != nil {
		return f, err
	}
	for _, sm := range samples {
		if n := len(f.SampleGroups); n == 0 || f.SampleGroups[n-1].Label != sm.TestLabel {
			f.SampleGroups = append(f.SampleGroups, templates.OptionGroup{Label: sm.TestLabel})
		}
		g := &f.SampleGroups[len(f.SampleGroups)-1]
		g.Options = append(g.Options, templates.Option{Value: itoa(sm.ID), Label: sm.Label})
	}
	return f, nil
}

// requestLinkKinds maps the new-request form's fields to what they link.
var requestLinkKinds = []struct{ field, target string }{{"control", "control"}, {"test", "test"}, {"sample", "sample"}}

// requestLinks reads the controls, tests and sampled items ticked on the new-request form.
func requestLinks(params url.Values) ([]requests.Link, error) {
	var out []requests.Link
	for _, k := range requestLinkKinds {
		for _, v := range params[k.field] {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, apperr.Validation{"links": "Choose controls, tests and sampled items from the lists."}
			}
			out = append(out, requests.Link{TargetType: k.target, TargetID: n})
		}
	}
	return out, nil
}

// requestNew: GET /engagements/:id/requests/new.
func (s *Server) requestNew(c echo.Context) error {
	return s.renderRequestForm(c, http.StatusOK, resource(c).EngagementID, "New request", nil)
}

// requestCreate: POST /engagements/:id/requests.
func (s *Server) requestCreate(c echo.Context) error {
	u, id := mustUser(c), resource(c).EngagementID
	in, params, err := requestInput(c)
	var r requests.Request
	if err == nil {
		r, err = s.Requests.Create(c.Request().Context(), u, id, in)
	}
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderRequestForm(c, http.StatusUnprocessableEntity, id, "New request", func(f *templates.RequestFormView) {
			keepRequestForm(f, in, params, v)
		})
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/requests/"+itoa(r.ID), r.Label()+" created.")
}

// requestInput reads the request form.
func requestInput(c echo.Context) (requests.Input, url.Values, error) {
	in := requests.Input{Title: c.FormValue("title"), Description: c.FormValue("description"), DueDate: c.FormValue("due_date"),
		Priority: c.FormValue("priority")}
	in.AssigneeID, _ = strconv.ParseInt(c.FormValue("assignee_id"), 10, 64)
	params, _ := c.FormParams()
	links, err := requestLinks(params)
	in.Links = links
	return in, params, err
}

// keepRequestForm puts what the auditor typed back into a refused form.
func keepRequestForm(f *templates.RequestFormView, in requests.Input, params url.Values, v apperr.Validation) {
	f.Title, f.Description, f.AssigneeID, f.DueDate, f.Priority = in.Title, in.Description, params.Get("assignee_id"), in.DueDate, in.Priority
	for _, k := range []struct {
		field string
		into  map[string]bool
	}{{"control", f.Controls}, {"test", f.Tests}, {"sample", f.Samples}} {
		for _, val := range params[k.field] {
			k.into[val] = true
		}
	}
	f.Errors = templates.Errors(v)
}

// renderRequestForm shows the request form of an engagement inside its shell.
func (s *Server) renderRequestForm(c echo.Context, status int, engagementID int64, title string, mutate func(*templates.RequestFormView)) error {
	h, err := s.engagementHeader(c.Request().Context(), engagementID, mustUser(c), "requests")
	if err != nil {
		return err
	}
	f, err := s.requestFormView(c, engagementID)
	if err != nil {
		return err
	}
	if mutate != nil {
		mutate(&f)
	}
	return s.render(c, status, templates.RequestFormPage(s.page(c, title, "engagements"), h, f))
}

// requestFromTemplate: POST /engagements/:id/requests/from-template.
func (s *Server) requestFromTemplate(c echo.Context) error {
	u, id := mustUser(c), resource(c).EngagementID
	assignee, _ := strconv.ParseInt(c.FormValue("assignee_id"), 10, 64)
	n, err := s.Requests.CreateFromTemplate(c.Request().Context(), u, id, assignee, c.FormValue("due_date"))
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderRequestList(c, http.StatusUnprocessableEntity, func(lv *templates.RequestListView) {
			lv.Template.AssigneeID, lv.Template.DueDate, lv.Template.Errors = c.FormValue("assignee_id"), c.FormValue("due_date"), templates.Errors(v)
		})
	}
	if err != nil {
		return err
	}
	if n == 0 {
		s.flash(c, "info", "The list already has every request of the firm's template; nothing was added.")
		return c.Redirect(http.StatusSeeOther, "/engagements/"+itoa(id)+"/requests")
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id)+"/requests", fmt.Sprintf("%d requests added from the firm's template.", n))
}

// requestImport: POST /engagements/:id/requests/import (multipart, streamed).
func (s *Server) requestImport(c echo.Context) error {
	u, id := mustUser(c), resource(c).EngagementID
	refuse := func(msg string) error {
		return s.renderRequestList(c, http.StatusUnprocessableEntity, func(lv *templates.RequestListView) {
			lv.ImportProblems = []templates.ImportProblemView{{Row: 1, Column: "-", Message: msg}}
		})
	}
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return refuse("Choose an .xlsx file to import.")
	}
	part, err := nextFilePart(mr)
	if err != nil || part == nil {
		return refuse("Choose an .xlsx file to import.")
	}
	n, err := s.Requests.Import(c.Request().Context(), u, id, part)
	var ie *requests.ImportError
	if errors.As(err, &ie) {
		return s.renderRequestList(c, http.StatusUnprocessableEntity, func(lv *templates.RequestListView) {
			for _, p := range ie.Problems {
				lv.ImportProblems = append(lv.ImportProblems, templates.ImportProblemView{Row: p.Row, Column: p.Column, Message: p.Message})
			}
		})
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/engagements/"+itoa(id)+"/requests", fmt.Sprintf("%d requests imported.", n))
}

// requestExport: GET /engagements/:id/requests/export — the filtered list as XLSX.
func (s *Server) requestExport(c echo.Context) error {
	id := resource(c).EngagementID
	f, _ := requestFilter(c)
	rs, err := s.Requests.List(c.Request().Context(), id, f)
	if err != nil {
		return err
	}
	w := c.Response()
	w.Header().Set(echo.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set(echo.HeaderContentDisposition, attachment(fmt.Sprintf("requests-engagement-%d.xlsx", id)))
	w.WriteHeader(http.StatusOK)
	return s.Requests.Export(c.Request().Context(), rs, w)
}

// contactInvite: POST /engagements/:id/contacts — invite a client contact to the portal.
func (s *Server) contactInvite(c echo.Context) error {
	u, id := mustUser(c), resource(c).EngagementID
	email, name := c.FormValue("email"), c.FormValue("name")
	inv, err := s.Requests.InviteContact(c.Request().Context(), s.Auth, u, id, email, name)
	if v, ok := apperr.AsValidation(err); ok {
		return s.renderRequestList(c, http.StatusUnprocessableEntity, func(lv *templates.RequestListView) {
			lv.Invite = templates.InviteFormView{Email: email, Name: name, Errors: templates.Errors(v)}
		})
	}
	if err != nil {
		return err
	}
	return s.invitedRedirect(c, "/engagements/"+itoa(id)+"/requests", inv, "as a contact of this engagement")
}

// invitedRedirect answers a contact invitation: the person already had access (added where),
// the link to pass on by hand when no e-mail server is configured, or the e-mail sent.
func (s *Server) invitedRedirect(c echo.Context, to string, inv requests.Invited, where string) error {
	switch {
	case inv.Link == "":
		return s.redirectWithFlash(c, to, inv.User.Name+" already has access and was added "+where+".")
	case !notify.Configured(s.Config):
		s.flash(c, "success", "Invitation created for "+inv.User.Email+".")
		s.flash(c, "warning", "No e-mail server is configured, so pass this one-time link on yourself (valid for "+
			strconv.Itoa(int(auth.InvitationTTL.Hours()))+" hours): "+inv.Link)
		return c.Redirect(http.StatusSeeOther, to)
	}
	return s.redirectWithFlash(c, to, "Invitation e-mailed to "+inv.User.Email+".")
}

// clientHome is the home page of client users: their dashboard.
func (s *Server) clientHome(c echo.Context, u auth.User) error {
	sums, attention, err := s.Requests.Dashboard(c.Request().Context(), *u.ClientID, u.ID)
	if err != nil {
		return err
	}
	tasks, err := s.fieldwork().TasksForClient(c.Request().Context(), *u.ClientID)
	if err != nil {
		return err
	}
	more := len(attention) > requests.AttentionLimit
	attention = attention[:min(len(attention), requests.AttentionLimit)]
	v := templates.ClientDashboardView{Attention: s.requestRows(attention), AttentionMore: more}
	ids := make([]int64, len(sums))
	for i, e := range sums {
		ids[i] = e.EngagementID
	}
	todos, err := s.Description.ClientTodos(c.Request().Context(), ids)
	if err != nil {
		return err
	}
	for _, e := range sums {
		v.Engagements = append(v.Engagements, templates.ClientEngagementView{ID: e.EngagementID, Name: e.Name, Open: e.Open,
			Returned: e.Returned, Submitted: e.Submitted, Accepted: e.Accepted, Overdue: e.Overdue,
			ExceptionsAwaiting: tasks[e.EngagementID].ExceptionsAwaitingResponse, SamplesToSupport: tasks[e.EngagementID].SamplesToSupport,
			DescriptionTodo: todos[e.EngagementID]})
	}
	return s.render(c, http.StatusOK, templates.ClientHomePage(s.page(c, "Overview", "home"), v))
}

// attachment is a Content-Disposition that always downloads, with the name safely encoded.
func attachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + rfc5987(name)
}

// rfc5987 percent-encodes every byte that is not an attr-char of RFC 5987 (url.PathEscape
// leaves "=" and others that end a header parameter).
func rfc5987(s string) string {
	const attrChar = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x80 && (ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || strings.IndexByte(attrChar, ch) >= 0) {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}
